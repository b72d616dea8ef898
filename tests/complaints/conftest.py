"""Complaint test helpers: the people the escalation ladder reaches, and registration at a
chosen moment through the real services and the API."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dealercare.complaints import services
from dealercare.complaints.models import Complaint
from dealercare.notifications.models import Message
from dealercare.org.models import Department

from ..factories import make_customer, make_staff, make_vehicle

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    """A moment on the store's wall clock (Beijing time)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def parse(value: str) -> dt.datetime:
    """An API timestamp (ISO 8601 with offset) as an aware datetime."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def alerted(complaint, key: str = "") -> set[str]:
    """Usernames that got a staff alert about `complaint` (optionally one escalation key)."""
    prefix = f"complaint:{complaint.pk}:{key}"
    return {
        recipient.split("（")[-1].rstrip("）")
        for recipient in Message.objects.filter(
            template="complaint_staff_alert", idempotency_key__startswith=prefix
        ).values_list("recipient", flat=True)
    }


@pytest.fixture
def store_manager_a(store_a):
    return make_staff("store_manager", store_a)


@pytest.fixture
def aftersales_manager_a(store_a):
    return make_staff("aftersales_manager", store_a)


@pytest.fixture
def cs_manager_a(store_a):
    return make_staff("cs_manager", store_a)


@pytest.fixture
def ladder_a(store_manager_a, aftersales_manager_a, cs_manager_a, hq_user, store_b):
    """Everyone an escalation may reach, plus a store-B manager who must never be alerted."""
    return {
        "store_manager": store_manager_a,
        "aftersales_manager": aftersales_manager_a,
        "cs_manager": cs_manager_a,
        "hq_quality": hq_user,
        "other_store_manager": make_staff("store_manager", store_b),
    }


@pytest.fixture
def department_a(store_a, aftersales_manager_a):
    return Department.objects.create(
        store=store_a, kind=Department.Kind.AFTERSALES, supervisor=aftersales_manager_a
    )


@pytest.fixture
def customer_factory(store_a, agent_a):
    def _make(name="客户", **data):
        return make_customer(store_a, agent_a, name=name, **data)

    return _make


@pytest.fixture
def vehicle_factory(agent_a):
    def _make(customer, **data):
        return make_vehicle(customer, agent_a, **data)

    return _make


@pytest.fixture
def register(agent_a, store_a, customer_a):
    """`register(at, **fields)`: a complaint registered through the service at `at` (frozen
    clock, so every `timezone.now()` inside agrees)."""

    def _register(at: dt.datetime, **fields) -> Complaint:
        data = {
            "actor": agent_a,
            "store": store_a,
            "customer": customer_a,
            "source": "phone",
            "category": "waiting_time",
            "description": "等待时间太长",
            **fields,
        }
        with time_machine.travel(at, tick=False):
            return services.complaint_register(**data)

    return _register


def complaint_payload(store, customer, **fields) -> dict:
    return {
        "store_id": store.pk,
        "customer_id": customer.pk,
        "source": "phone",
        "category": "waiting_time",
        "description": "等待时间太长",
        **fields,
    }


@pytest.fixture
def api_register(api_as, agent_a, store_a, customer_a):
    """`api_register(at, **fields)`: POST /api/v1/complaints at `at`; returns the JSON body."""

    def _register(at: dt.datetime, *, client=None, status=201, **fields) -> dict:
        with time_machine.travel(at, tick=False):
            client = client or api_as(agent_a)  # a token made "now", valid at `at`
            response = client.post(
                "/api/v1/complaints",
                complaint_payload(store_a, customer_a, **fields),
                content_type="application/json",
            )
        assert response.status_code == status, response.content
        return response.json()

    return _register


@pytest.fixture
def quality_week(store_a, agent_a, customer_a, department_a, aftersales_manager_a, agent_b):
    """A hand-made week (Mon 2026-11-02 .. Sun 11-08, Beijing) for the KPIs and the weekly
    report; every number the tests expect is worked out in the comments.

    C0 Mon 00:10 other, normal, still open (due Tue 00:10: overdue)
    C1 Mon 09:00 waiting_time, settled at first contact: confirmed 11:00 (on time), closed
       15:00 → 6 h; free wash ¥50
    C2 Mon 10:00 repair_quality, dispatched to after-sales: confirmed Wed 10:00 (due Tue
       10:00: late), closed Wed 12:00 → 50 h; labour voucher ¥300
    C3 Tue 09:00 attitude, first contact, closed 11:00 (2 h), reopened Thu 09:00: open again
    C4 Wed 09:00 waiting_time, customer of C1 again → repeat, major (proposed), open
    Outside: Sun 11-01 23:50 (the week before, still open and overdue) and a store-B one.
    """
    customers = [make_customer(store_a, agent_a, name=f"周报{n}") for n in range(4)]

    def register(at, customer, **fields):
        return services.complaint_register(
            actor=agent_a,
            store=store_a,
            customer=customer,
            source="phone",
            description=fields.pop("description", "问题描述"),
            at=at,
            **{"category": "waiting_time", **fields},
        )

    def first_contact(complaint, *, at, confirm_at, close_at, compensations=()):
        services.complaint_acknowledge(complaint=complaint, actor=agent_a, at=at)
        services.complaint_propose(
            complaint=complaint,
            actor=agent_a,
            root_cause=f"{complaint.get_category_display()}原因",
            corrective_action="班前会通报",
            resolution="当面致歉",
            compensations=compensations,
            at=at,
        )
        services.complaint_confirm(complaint=complaint, actor=agent_a, at=confirm_at)
        services.complaint_close(complaint=complaint, actor=agent_a, at=close_at)

    before = register(local(2026, 11, 1, 23, 50), customers[3], category="parts")
    c0 = register(local(2026, 11, 2, 0, 10), customers[0], category="other")
    c1 = register(local(2026, 11, 2, 9, 0), customer_a)
    first_contact(
        c1,
        at=local(2026, 11, 2, 9, 30),
        confirm_at=local(2026, 11, 2, 11, 0),
        close_at=local(2026, 11, 2, 15, 0),
        compensations=[{"kind": "free_wash", "amount": "50"}],
    )
    c2 = register(local(2026, 11, 2, 10, 0), customers[1], category="repair_quality")
    services.complaint_acknowledge(complaint=c2, actor=agent_a, at=local(2026, 11, 2, 10, 30))
    services.complaint_dispatch(
        complaint=c2, actor=agent_a, department=department_a, at=local(2026, 11, 2, 11, 0)
    )
    services.complaint_accept(
        complaint=c2, actor=aftersales_manager_a, at=local(2026, 11, 2, 11, 30)
    )
    services.complaint_propose(
        complaint=c2,
        actor=aftersales_manager_a,
        root_cause="漏装垫片",
        corrective_action="增加竣工复检",
        resolution="免费返修",
        compensations=[{"kind": "labour_voucher", "amount": "300"}],
        at=local(2026, 11, 3, 10, 0),
    )
    services.complaint_confirm(complaint=c2, actor=agent_a, at=local(2026, 11, 4, 10, 0))
    services.complaint_close(complaint=c2, actor=agent_a, at=local(2026, 11, 4, 12, 0))
    c3 = register(local(2026, 11, 3, 9, 0), customers[2], category="attitude")
    first_contact(
        c3,
        at=local(2026, 11, 3, 9, 10),
        confirm_at=local(2026, 11, 3, 10, 0),
        close_at=local(2026, 11, 3, 11, 0),
    )
    services.complaint_reopen(complaint=c3, actor=agent_a, at=local(2026, 11, 5, 9, 0))
    c4 = register(local(2026, 11, 4, 9, 0), customer_a)
    other_store = services.complaint_register(
        actor=agent_b,
        store=agent_b.staff_profile.store,
        customer=make_customer(agent_b.staff_profile.store, agent_b, name="外店"),
        source="phone",
        category="other",
        description="外店投诉",
        at=local(2026, 11, 3, 9, 0),
    )
    return {
        "week": [c0, c1, c2, c3, c4],
        "before": before,
        "other_store": other_store,
        "c": {n: c for n, c in enumerate([c0, c1, c2, c3, c4])},
    }
