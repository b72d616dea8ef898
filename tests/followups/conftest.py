"""Follow-up test helpers: deliveries through the real repair-order services, at a chosen time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from dealercare.followups.models import FollowUpTask
from dealercare.followups.receivers import follow_up_on_delivery
from dealercare.workorders import services as ro
from dealercare.workorders.models import RepairOrder

from ..factories import make_customer, make_staff, make_vehicle

SHANGHAI = ZoneInfo("Asia/Shanghai")
DELIVERY_PATH = ["dispatched", "in_progress", "qc", "ready", "settled", "delivered"]


def local(*args) -> dt.datetime:
    """A moment on the store's wall clock (Beijing time)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def advisor_a(store_a):
    return make_staff("service_advisor", store_a)


@pytest.fixture
def advisor_b(store_b):
    return make_staff("service_advisor", store_b)


@pytest.fixture
def vehicle_b(customer_b, agent_b):
    return make_vehicle(customer_b, agent_b, plate="沪A54321")


def deliver(advisor, vehicle, at: dt.datetime, *, job_type="maintenance") -> RepairOrder:
    """Receive `vehicle` two hours before `at` and hand it back at `at`, through the services
    (the `repair_order_delivered` receiver runs on commit, as in production)."""
    with time_machine.travel(at - dt.timedelta(hours=2), tick=False):
        order = ro.repair_order_open(
            actor=advisor,
            store=vehicle.store,
            vehicle=vehicle,
            mileage_km=vehicle.current_mileage_km + 1000,
            description="常规保养",
            job_type=job_type,
            promised_at=at,
        )
        ro.repair_order_line_add(
            actor=advisor,
            repair_order=order,
            kind="labour",
            name="更换机油",
            hours=1,
            unit_price=180,
        )
        for step in DELIVERY_PATH[:-1]:
            order = ro.repair_order_transition(repair_order=order, to=step, actor=advisor)
    with time_machine.travel(at, tick=False):
        order = ro.repair_order_transition(repair_order=order, to="delivered", actor=advisor)
    vehicle.refresh_from_db()
    return order


@pytest.fixture
def delivered(django_capture_on_commit_callbacks):
    """`delivered(advisor, vehicle, at)`: a delivery whose after-commit receivers have run."""

    def _delivered(advisor, vehicle, at, **kwargs) -> RepairOrder:
        with (
            time_machine.travel(at, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return deliver(advisor, vehicle, at, **kwargs)

    return _delivered


_numbers = iter(range(1, 10**9))


def delivered_row(advisor, vehicle, at: dt.datetime, *, job_type="maintenance") -> RepairOrder:
    """A delivered repair order written directly, then the delivery receiver: quicker than the
    whole workshop path, for tests about what happens after the task exists."""
    order = RepairOrder.objects.create(
        store=vehicle.store,
        number=f"RD{next(_numbers):012d}",
        vehicle=vehicle,
        customer=vehicle.owner,
        advisor=advisor,
        job_type=job_type,
        status=RepairOrder.Status.DELIVERED,
        mileage_km=vehicle.current_mileage_km + 1000,
        description="常规保养",
        promised_at=at,
        settled_at=at,
        delivered_at=at,
    )
    follow_up_on_delivery(sender=RepairOrder, repair_order=order, at=at)
    return order


def bulk_deliveries(
    store, customer, vehicle, advisor, *, count: int, at: dt.datetime, start: int = 0
) -> list:
    """`count` delivered repair orders written directly (no receiver ran: a lost signal), one
    second apart before `at`, for the scheduling run to find; their ids."""
    orders = [
        RepairOrder(
            store=store,
            number=f"RB{start + n:012d}",
            vehicle=vehicle,
            customer=customer,
            advisor=advisor,
            job_type="maintenance",
            status=RepairOrder.Status.DELIVERED,
            mileage_km=10_000,
            description="批量",
            promised_at=at,
            delivered_at=at - dt.timedelta(seconds=n),
        )
        for n in range(count)
    ]
    RepairOrder.objects.bulk_create(orders, batch_size=2000)
    numbers = [order.number for order in orders]
    return list(
        RepairOrder.objects.filter(number__in=numbers).order_by("pk").values_list("pk", flat=True)
    )


def assert_one_task_each(order_ids) -> None:
    """Every delivery has exactly one after-service follow-up, and there are no others."""
    per_order = {}
    for repair_order_id in FollowUpTask.objects.filter(kind="after_service").values_list(
        "repair_order_id", flat=True
    ):
        per_order[repair_order_id] = per_order.get(repair_order_id, 0) + 1
    missing = [pk for pk in order_ids if pk not in per_order]
    doubled = {pk: n for pk, n in per_order.items() if n > 1}
    assert not missing, f"{len(missing)} deliveries without a follow-up"
    assert not doubled, f"duplicated follow-ups: {doubled}"
    assert set(per_order) == set(order_ids)


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def more_customers(store_a, agent_a):
    def _make(n: int, prefix: str = "客户"):
        return [
            make_customer(store_a, agent_a, name=f"{prefix}{i}", mobile=f"1370000{i:04d}")
            for i in range(n)
        ]

    return _make
