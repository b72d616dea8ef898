"""The complaint's life through the API and the customer's phone link: the legal path and the
refused moves, severity proposals and overrides, compensation approval, closure follow-up,
reopening, repeat complainants and store scoping."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from dealercare.complaints import services
from dealercare.complaints.models import Complaint, ComplaintEvent, Escalation
from dealercare.customers.models import Customer
from dealercare.followups.models import FollowUpTask

from ..factories import make_customer, make_staff, make_vehicle
from .conftest import complaint_payload, local

pytestmark = pytest.mark.django_db

PROPOSAL = {"root_cause": "漏装垫片", "corrective_action": "增加复检", "resolution": "免费返修"}


def act(client, complaint_id, action, payload=None):
    return client.post(
        f"/api/v1/complaints/{complaint_id}/{action}",
        payload or {},
        content_type="application/json",
    )


def assert_refused(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


@pytest.fixture
def agent(api_as, agent_a):
    return api_as(agent_a)


@pytest.fixture
def new_complaint(agent, store_a, customer_a):
    response = agent.post(
        "/api/v1/complaints",
        complaint_payload(store_a, customer_a, category="repair_quality", description="修完还异响"),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_full_path_with_compensation_approval_and_phone_confirmation(
    agent, api_as, new_complaint, department_a, store_manager_a, aftersales_manager_a, cs_manager_a
):
    cid = new_complaint
    supervisor = api_as(aftersales_manager_a)
    assert act(agent, cid, "acknowledge", {"note": "已致电客户"}).json()["status"] == "acknowledged"
    assert act(agent, cid, "dispatch", {"department_id": department_a.pk}).status_code == 200
    assert act(supervisor, cid, "accept").json()["status"] == "accepted"
    proposed = act(
        supervisor,
        cid,
        "propose",
        {
            **PROPOSAL,
            "compensations": [
                {"kind": "labour_voucher", "amount": "400.00"},
                {"kind": "free_wash", "amount": "150.00"},
            ],
        },
    )
    assert proposed.status_code == 200, proposed.content
    body = proposed.json()
    assert body["status"] == "proposed"
    assert body["root_cause"] == "漏装垫片"
    # 550 in all is above the 500 limit: both lines wait for the store manager.
    assert [c["needs_approval"] for c in body["compensations"]] == [True, True]

    assert_refused(act(agent, cid, "confirm"), 409, "approval_required")
    assert_refused(act(supervisor, cid, "approve"), 403, "permission_denied")
    assert_refused(act(api_as(cs_manager_a), cid, "approve"), 403, "permission_denied")
    assert Complaint.objects.get(pk=cid).status == "proposed"

    approved = act(api_as(store_manager_a), cid, "approve")
    assert approved.status_code == 200, approved.content
    assert all(c["approved_at"] for c in approved.json()["compensations"])

    # The customer confirms on the signed phone link.
    complaint = Complaint.objects.get(pk=cid)
    path = services.complaint_link_path(complaint)
    phone = Client()
    page = phone.get(path)
    assert page.status_code == 200
    assert "免费返修" in page.content.decode()
    assert 'id="confirm-resolution"' in page.content.decode()
    assert phone.post(path, {"action": "confirm"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "confirmed" and complaint.confirmed_at is not None
    assert "confirm-resolution" not in phone.get(path).content.decode()

    closed = act(agent, cid, "close")
    assert closed.json()["status"] == "closed"
    task = FollowUpTask.objects.get(kind="complaint_closure")
    assert task.customer_id == complaint.customer_id
    assert task.vehicle_id == complaint.vehicle_id
    assert_refused(act(agent, cid, "close"), 409, "illegal_transition")
    assert FollowUpTask.objects.filter(kind="complaint_closure").count() == 1

    statuses = list(
        ComplaintEvent.objects.filter(complaint_id=cid)
        .exclude(to_status="")
        .values_list("to_status", flat=True)
    )
    assert statuses == [*Complaint.Status.values]  # every status once, in order


def test_compensation_within_the_limit_needs_no_approval(agent, new_complaint):
    cid = new_complaint
    act(agent, cid, "acknowledge")
    body = act(
        agent,
        cid,
        "propose",
        {**PROPOSAL, "compensations": [{"kind": "parts_discount", "amount": "500.00"}]},
    ).json()
    assert body["compensations"][0]["needs_approval"] is False
    assert act(agent, cid, "confirm").json()["status"] == "confirmed"


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ([], "dispatch"),
        ([], "accept"),
        ([], "propose"),
        ([], "confirm"),
        ([], "close"),
        ([], "reopen"),
        (["acknowledge"], "acknowledge"),
        (["acknowledge"], "accept"),
        (["acknowledge"], "confirm"),
        (["acknowledge"], "close"),
        (["acknowledge", "dispatch"], "propose"),
        (["acknowledge", "dispatch"], "close"),
        (["acknowledge", "dispatch", "accept"], "dispatch"),
        (["acknowledge", "propose"], "close"),
        (["acknowledge", "propose"], "reopen"),
        (["acknowledge", "propose", "confirm"], "propose"),
        (["acknowledge", "propose", "confirm", "close"], "confirm"),
    ],
)
def test_illegal_transitions_leave_nothing_behind(agent, new_complaint, department_a, path, action):
    payloads = {"dispatch": {"department_id": department_a.pk}, "propose": PROPOSAL}
    for step in path:
        assert act(agent, new_complaint, step, payloads.get(step)).status_code == 200, step
    before = Complaint.objects.get(pk=new_complaint)
    events = ComplaintEvent.objects.count()
    tickets = before.tickets.count()

    response = act(agent, new_complaint, action, payloads.get(action))

    assert_refused(response, 409, "illegal_transition")
    assert response.json()["field"] == "status"
    after = Complaint.objects.get(pk=new_complaint)
    assert (after.status, after.updated_at, after.reopen_count) == (
        before.status,
        before.updated_at,
        before.reopen_count,
    )
    assert ComplaintEvent.objects.count() == events
    assert after.tickets.count() == tickets
    assert not after.compensations.exists()


def test_reopen_is_counted_and_closing_again_makes_a_new_follow_up(agent, new_complaint):
    cid = new_complaint
    for action, payload in [
        ("acknowledge", None),
        ("propose", PROPOSAL),
        ("confirm", None),
        ("close", None),
    ]:
        assert act(agent, cid, action, payload).status_code == 200

    reopened = act(agent, cid, "reopen", {"note": "客户反映问题复发"})
    assert reopened.json()["status"] == "acknowledged"
    assert reopened.json()["reopen_count"] == 1
    complaint = Complaint.objects.get(pk=cid)
    assert complaint.closed_at is None and complaint.confirmed_at is None

    for action, payload in [("propose", PROPOSAL), ("confirm", None)]:
        assert act(agent, cid, action, payload).status_code == 200
    assert act(agent, cid, "reopen").json()["reopen_count"] == 2  # reopened from confirmed
    for action, payload in [("propose", PROPOSAL), ("confirm", None), ("close", None)]:
        assert act(agent, cid, action, payload).status_code == 200
    # One closure follow-up per closing.
    assert FollowUpTask.objects.filter(kind="complaint_closure").count() == 2


@pytest.mark.parametrize(
    ("fields", "proposed", "reasons"),
    [
        ({"description": "高速上刹车失灵"}, "critical", "涉及安全"),
        ({"description": "已经联系了电视台记者"}, "critical", "涉及媒体/群体"),
        ({"source": "consumer_association"}, "major", "厂家热线/12315"),
        ({"source": "oem_hotline"}, "major", "厂家热线/12315"),
        ({}, "normal", ""),
    ],
)
def test_severity_is_proposed(api_register, fields, proposed, reasons):
    body = api_register(local(2026, 11, 24, 9, 0), **fields)

    assert body["severity"] == body["proposed_severity"] == proposed
    assert Complaint.objects.get(pk=body["id"]).severity_reason == reasons


def test_severity_override_needs_a_reason(agent, store_a, customer_a):
    payload = complaint_payload(store_a, customer_a, severity="major")

    refused = agent.post("/api/v1/complaints", payload, content_type="application/json")
    assert_refused(refused, 422, "severity_reason_required")
    assert refused.json()["field"] == "severity_reason"
    assert not Complaint.objects.exists()
    assert not Escalation.objects.exists()

    blank = {**payload, "severity_reason": "   "}
    refused = agent.post("/api/v1/complaints", blank, content_type="application/json")
    assert_refused(refused, 422, "severity_reason_required")

    accepted = agent.post(
        "/api/v1/complaints",
        {**payload, "severity_reason": "客户是车队负责人"},
        content_type="application/json",
    )
    assert accepted.status_code == 201
    assert accepted.json()["severity"] == "major"
    assert accepted.json()["proposed_severity"] == "normal"
    assert Complaint.objects.get().severity_reason == "客户是车队负责人"
    # Confirming the proposed severity needs no reason.
    same = agent.post(
        "/api/v1/complaints",
        complaint_payload(store_a, customer_a, severity="major", description="第二次投诉"),
        content_type="application/json",
    )
    assert same.status_code == 201  # a repeat complainant: major is the proposal


def test_repeat_complainant_and_dedicated_service_manager(
    register, customer_a, vehicle_a, cs_manager_a
):
    first = register(local(2026, 8, 1, 10, 0))
    assert first.is_repeat is False
    customer_a.refresh_from_db()
    assert customer_a.service_manager is None

    second = register(local(2026, 10, 29, 10, 0))  # 89 days later
    assert second.is_repeat is True
    assert second.proposed_severity == "major"
    assert "90天内重复投诉" in second.severity_reason
    customer_a.refresh_from_db()
    assert customer_a.service_manager == cs_manager_a


def test_not_a_repeat_after_90_days(register, customer_a, cs_manager_a):
    register(local(2026, 8, 1, 10, 0))
    later = register(local(2026, 10, 31, 10, 0))  # 91 days later

    assert later.is_repeat is False
    assert later.severity == "normal"
    assert Customer.objects.get(pk=customer_a.pk).service_manager is None


def test_repeat_about_the_same_vehicle(register, store_a, agent_a, vehicle_a):
    """The car changed hands: its new owner's complaint is a repeat about the same vehicle."""
    register(local(2026, 11, 2, 10, 0), vehicle=vehicle_a)
    new_owner = make_customer(store_a, agent_a, name="赵磊")

    again = register(local(2026, 11, 20, 10, 0), customer=new_owner, vehicle=vehicle_a)
    other_car = register(
        local(2026, 11, 20, 11, 0),
        customer=make_customer(store_a, agent_a, name="孙丽"),
        vehicle=make_vehicle(new_owner, agent_a),
    )

    assert again.is_repeat is True
    assert other_car.is_repeat is False


def test_store_scoping(
    api_as, agent, new_complaint, agent_b, hq_user, store_a, store_b, customer_a, customer_b
):
    other = api_as(agent_b)
    url = f"/api/v1/complaints/{new_complaint}"

    assert_refused(other.get(url), 404, "not_found")
    for action in ("acknowledge", "close", "reopen", "approve"):
        assert_refused(act(other, new_complaint, action), 404, "not_found")
    assert other.get("/api/v1/complaints").json()["count"] == 0
    assert other.get(f"/api/v1/complaints?store_id={store_a.pk}").json()["count"] == 0
    # Registering against another store's customer: the customer is not found.
    response = other.post(
        "/api/v1/complaints",
        complaint_payload(store_b, customer_a),
        content_type="application/json",
    )
    assert_refused(response, 404, "not_found")
    assert Complaint.objects.get(pk=new_complaint).status == "new"

    hq = api_as(hq_user)
    assert hq.get(url).status_code == 200
    assert hq.get("/api/v1/complaints").json()["count"] == 1
    # HQ reads but does not handle complaints.
    assert act(hq, new_complaint, "acknowledge").status_code == 403


def test_vehicle_of_another_store_is_refused(api_as, store_a, customer_a, customer_b):
    vehicle_b = make_vehicle(customer_b, make_staff("cs_agent", customer_b.store))
    admin = api_as(make_staff("admin", None))

    response = admin.post(
        "/api/v1/complaints",
        complaint_payload(store_a, customer_a, vehicle_id=vehicle_b.pk),
        content_type="application/json",
    )

    assert_refused(response, 422, "invalid")
    assert response.json()["field"] == "vehicle_id"
    assert not Complaint.objects.exists()


def test_list_filters_and_query_budget(
    api_register, api_as, agent_a, django_assert_max_num_queries
):
    for n in range(3):
        api_register(local(2026, 11, 2, 9, n))
    api_register(local(2026, 11, 24, 9, 0), severity="critical", severity_reason="涉及多车")
    with time_machine.travel(local(2026, 11, 24, 10, 0), tick=False):
        client = api_as(agent_a)
        client.get("/api/v1/complaints?limit=1")  # the token's first use records its use
        with django_assert_max_num_queries(6):
            listed = client.get("/api/v1/complaints?limit=10")
        overdue = client.get("/api/v1/complaints?overdue=true").json()
        on_time = client.get("/api/v1/complaints?overdue=false").json()
        critical = client.get("/api/v1/complaints?severity=critical").json()
        new = client.get("/api/v1/complaints?status=new&limit=2").json()

    assert listed.json()["count"] == 4
    assert overdue["count"] == 3
    assert [item["severity"] for item in on_time["items"]] == ["critical"]
    assert critical["count"] == 1
    assert new["count"] == 4 and len(new["items"]) == 2
    assert client.get("/api/v1/complaints?status=open").status_code == 422


def test_tampered_or_foreign_link_is_refused(new_complaint, agent_a):
    from dealercare.core.links import customer_link_token

    complaint = Complaint.objects.get(pk=new_complaint)
    services.complaint_acknowledge(complaint=complaint, actor=agent_a)
    services.complaint_propose(complaint=complaint, actor=agent_a, **PROPOSAL)
    path = services.complaint_link_path(complaint)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    another_purpose = customer_link_token(purpose="repair_order", object_id=complaint.pk)
    phone = Client()

    for bad in (tampered, another_purpose, f"{complaint.pk}"):
        url = f"/c/complaints/{bad}/"
        assert phone.get(url).status_code == 404
        assert phone.post(url, {"action": "confirm"}).status_code == 404

    complaint.refresh_from_db()
    assert complaint.status == "proposed"


def test_expired_link_is_refused(new_complaint, agent_a):
    complaint = Complaint.objects.get(pk=new_complaint)
    path = services.complaint_link_path(complaint)

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=30)):
        response = Client().post(path, {"action": "confirm"})

    assert response.status_code == 410
    assert Complaint.objects.get(pk=new_complaint).status == "new"


def test_approval_by_a_superuser_and_with_nothing_pending(new_complaint, agent_a, store_manager_a):
    from django.contrib.auth.models import User

    complaint = Complaint.objects.get(pk=new_complaint)
    services.complaint_acknowledge(complaint=complaint, actor=agent_a)
    services.complaint_propose(
        complaint=complaint,
        actor=agent_a,
        **PROPOSAL,
        compensations=[{"kind": "courtesy_car", "amount": "800"}],
    )
    events = complaint.events.count()
    # A group admin without a staff profile may approve too.
    root = User.objects.create_superuser("root", password="pass-1234")
    services.complaint_compensation_approve(complaint=complaint, actor=root)
    assert complaint.compensations.get().approved_by == root
    assert complaint.events.count() == events + 1
    # Approving again changes nothing and records nothing.
    services.complaint_compensation_approve(complaint=complaint, actor=store_manager_a)
    assert complaint.compensations.get().approved_by == root
    assert complaint.events.count() == events + 1
    services.complaint_confirm(complaint=complaint, actor=agent_a)


def test_reopening_restarts_the_resolution_clock(api_as, store_a, customer_a, agent_a):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from dealercare.complaints import services
    from dealercare.complaints.models import Complaint

    registered = timezone.now() - dt.timedelta(days=5)
    with time_machine.travel(registered, tick=False):
        complaint = services.complaint_register(
            actor=agent_a,
            store=store_a,
            customer=customer_a,
            source="phone",
            category="attitude",
            description="态度差",
        )
    Complaint.objects.filter(pk=complaint.pk).update(status="closed", closed_at=registered)
    complaint.refresh_from_db()
    reopened_at = timezone.now()
    with time_machine.travel(reopened_at, tick=False):
        complaint = services.complaint_reopen(complaint=complaint, actor=agent_a)
    assert complaint.status == "acknowledged" and complaint.reopen_count == 1
    assert complaint.resolution_due == reopened_at + dt.timedelta(hours=24)
