"""Recording a follow-up call: satisfied, dissatisfied (reasons required) or unreachable
(retried on the next working day, closed after the store's number of attempts), through the
API, with the attempt, the customer's timeline and the audit log written in one transaction."""

import datetime as dt

import pytest
import time_machine

from dealercare.core.masking import mask_phone
from dealercare.core.models import AuditLog
from dealercare.customers.models import CustomerEvent
from dealercare.followups.errors import OutcomeConflict, TaskClosed
from dealercare.followups.models import FollowUpAttempt, FollowUpPolicy, FollowUpTask
from dealercare.followups.services import follow_up_record_outcome

from ..factories import make_staff
from .conftest import local

pytestmark = pytest.mark.django_db

MONDAY = local(2026, 11, 23, 10, 0)


@pytest.fixture
def task(delivered, advisor_a, vehicle_a) -> FollowUpTask:
    """Delivered on Friday 2026-11-20: window Monday 11-23, due Wednesday 11-25."""
    order = delivered(advisor_a, vehicle_a, local(2026, 11, 20, 17, 0))
    return FollowUpTask.objects.get(repair_order=order)


def post_outcome(client, task, **data):
    return client.post(
        f"/api/v1/follow-ups/{task.pk}/outcome", data, content_type="application/json"
    )


def written_for(task) -> tuple[int, int, int]:
    """(attempts logged, timeline rows, audit rows) about this task."""
    return (
        FollowUpAttempt.objects.filter(task=task).count(),
        CustomerEvent.objects.filter(kind="follow_up", data__follow_up_id=task.pk).count(),
        AuditLog.objects.filter(
            object_type="followups.followuptask", object_id=str(task.pk)
        ).count(),
    )


def test_satisfied_closes_the_task_and_writes_attempt_timeline_and_audit(
    task, api_as, agent_a, customer_a
):
    with time_machine.travel(MONDAY, tick=False):
        response = post_outcome(
            api_as(agent_a), task, result="satisfied", comment=" 师傅很专业 ", reasons=["parts"]
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done" and body["result"] == "satisfied"
    assert body["attempts"] == 1 and body["needs_complaint"] is False
    assert body["comment"] == "师傅很专业"
    assert body["reasons"] == []  # a box ticked before choosing "satisfied" is not a reason
    assert body["complaint_id"] is None
    # The answer shows the customer's mobile masked, never whole (the detail too).
    assert body["mobile_masked"] == mask_phone(customer_a.mobile)
    detail = api_as(agent_a).get(f"/api/v1/follow-ups/{task.pk}")
    for answer in (response, detail):
        assert customer_a.mobile not in answer.content.decode()
    assert detail.json() == body
    task.refresh_from_db()
    assert task.done_at == MONDAY

    attempt = FollowUpAttempt.objects.get(task=task)
    assert (attempt.actor, attempt.result, attempt.at) == (agent_a, "satisfied", MONDAY)
    event = CustomerEvent.objects.get(customer=customer_a, kind="follow_up")
    assert event.actor == agent_a and event.store_id == task.store_id
    assert event.data == {"follow_up_id": task.pk, "result": "satisfied", "reasons": []}
    assert "满意" in event.summary and "师傅很专业" in event.summary
    audit = AuditLog.objects.get(object_type="followups.followuptask", object_id=str(task.pk))
    assert audit.actor == agent_a and audit.action == "update"
    assert audit.changes["status"] == ["pending", "done"]
    assert audit.changes["attempts"] == [0, 1]


def test_dissatisfied_with_reasons_is_flagged_for_a_complaint(task, api_as, agent_a):
    with time_machine.travel(MONDAY, tick=False):
        response = post_outcome(
            api_as(agent_a),
            task,
            result="dissatisfied",
            reasons=["waiting_time", "price_transparency", "waiting_time"],
            comment="等了两个小时，费用没提前说",
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done" and body["result"] == "dissatisfied"
    assert body["needs_complaint"] is True
    assert body["reasons"] == ["waiting_time", "price_transparency"]
    assert written_for(task) == (1, 1, 1)


def test_dissatisfied_without_reasons_is_refused_and_writes_nothing(task, api_as, agent_a):
    with time_machine.travel(MONDAY, tick=False):
        response = post_outcome(api_as(agent_a), task, result="dissatisfied", comment="不满意")

    assert response.status_code == 422
    assert response.json()["code"] == "reasons_required"
    assert response.json()["field"] == "reasons"
    task.refresh_from_db()
    assert (task.status, task.attempts, task.needs_complaint) == ("pending", 0, False)
    assert written_for(task) == (0, 0, 0)


@pytest.mark.parametrize(
    "payload",
    [
        {"result": "dissatisfied", "reasons": ["rude"]},
        {"result": "maybe"},
        {"reasons": ["parts"]},
    ],
)
def test_unknown_result_or_reason_is_a_422(task, api_as, agent_a, payload):
    response = post_outcome(api_as(agent_a), task, **payload)
    assert response.status_code == 422
    assert written_for(task) == (0, 0, 0)


def test_unreachable_is_retried_on_the_next_working_day_then_closed(
    delivered, advisor_a, vehicle_a, api_as, agent_a
):
    """Delivered Monday 2026-09-28 (window 09-29, due 10-08). No answer on Tuesday → again on
    Wednesday 09-30; no answer → again on Thursday 10-08, after National Day; no answer on the
    third attempt → closed as unreachable."""
    order = delivered(advisor_a, vehicle_a, local(2026, 9, 28, 10, 0))
    task = FollowUpTask.objects.get(repair_order=order)
    assert (task.window_start, task.due_date) == (dt.date(2026, 9, 29), dt.date(2026, 10, 8))
    client = api_as(agent_a)

    steps = [
        (local(2026, 9, 29, 9, 0), "in_progress", "2026-09-30"),
        (local(2026, 9, 30, 17, 20), "in_progress", "2026-10-08"),
        (local(2026, 10, 8, 11, 0), "closed_unreachable", "2026-10-08"),
    ]
    for attempt, (at, status, next_on) in enumerate(steps, start=1):
        with time_machine.travel(at, tick=False):
            body = post_outcome(client, task, result="unreachable", comment=f"第{attempt}次").json()
        assert (body["status"], body["attempts"], body["next_attempt_on"]) == (
            status,
            attempt,
            next_on,
        )
    assert body["result"] == "unreachable"
    task.refresh_from_db()
    assert task.done_at == local(2026, 10, 8, 11, 0) and not task.needs_complaint
    assert written_for(task) == (3, 3, 3)

    with time_machine.travel(local(2026, 10, 9, 9, 0), tick=False):
        refused = post_outcome(client, task, result="satisfied")
    assert refused.status_code == 409
    assert refused.json()["code"] == "task_closed"
    assert written_for(task) == (3, 3, 3)


def test_unreachable_retry_skips_a_store_rest_day(task, store_a, agent_a):
    from dealercare.org.models import StoreCalendarOverride

    StoreCalendarOverride.objects.create(
        store=store_a, date=dt.date(2026, 11, 24), is_working_day=False
    )
    with time_machine.travel(MONDAY, tick=False):
        follow_up_record_outcome(task=task, actor=agent_a, result="unreachable")
    task.refresh_from_db()
    assert task.next_attempt_on == dt.date(2026, 11, 25)


@pytest.mark.parametrize("max_attempts", [1, 2, 5])
def test_number_of_attempts_is_configurable_per_store(task, store_a, agent_a, max_attempts):
    FollowUpPolicy.objects.create(store=store_a, max_attempts=max_attempts)
    at = MONDAY
    for attempt in range(1, max_attempts + 1):
        with time_machine.travel(at, tick=False):
            follow_up_record_outcome(task=task, actor=agent_a, result="unreachable")
        task.refresh_from_db()
        assert task.attempts == attempt
        assert task.status == ("closed_unreachable" if attempt == max_attempts else "in_progress")
        at = local(*task.next_attempt_on.timetuple()[:3], 10, 0)
    with pytest.raises(TaskClosed):
        follow_up_record_outcome(task=task, actor=agent_a, result="unreachable")


def test_a_reached_customer_after_an_unreachable_attempt(task, api_as, agent_a):
    client = api_as(agent_a)
    with time_machine.travel(MONDAY, tick=False):
        post_outcome(client, task, result="unreachable")
    with time_machine.travel(local(2026, 11, 24, 15, 0), tick=False):
        body = post_outcome(client, task, result="satisfied").json()
    assert (body["status"], body["result"], body["attempts"]) == ("done", "satisfied", 2)
    assert list(task.attempt_log.values_list("result", flat=True)) == ["unreachable", "satisfied"]


def test_two_agents_saving_at_once_only_one_counts(task, store_a, agent_a):
    """Both opened the task before either saved (each holds a copy with 0 attempts): the
    conditional UPDATE lets the first in; the second is told, and writes nothing."""
    colleague = make_staff("cs_agent", store_a)
    mine = FollowUpTask.objects.get(pk=task.pk)
    theirs = FollowUpTask.objects.get(pk=task.pk)

    with time_machine.travel(MONDAY, tick=False):
        follow_up_record_outcome(task=mine, actor=agent_a, result="unreachable")
        with pytest.raises(OutcomeConflict) as conflict:
            follow_up_record_outcome(task=theirs, actor=colleague, result="unreachable")
    assert conflict.value.status == 409
    task.refresh_from_db()
    assert task.attempts == 1
    assert written_for(task) == (1, 1, 1)

    # The same race when the first one closed the task: the second is told it is closed.
    stale = FollowUpTask.objects.get(pk=task.pk)
    with time_machine.travel(local(2026, 11, 24, 10, 0), tick=False):
        follow_up_record_outcome(
            task=FollowUpTask.objects.get(pk=task.pk), actor=agent_a, result="satisfied"
        )
        with pytest.raises(TaskClosed):
            follow_up_record_outcome(
                task=stale, actor=colleague, result="dissatisfied", reasons=["attitude"]
            )
    task.refresh_from_db()
    assert (task.result, task.attempts, task.needs_complaint) == ("satisfied", 2, False)
    assert written_for(task) == (2, 2, 2)


@pytest.mark.django_db(transaction=True)
def test_two_agents_posting_at_once_over_http(delivered, advisor_a, vehicle_a, store_a, agent_a):
    """Two real requests on their own connections, released together: one 200, one 409."""
    from dealercare.org.services import api_token_create

    from .test_idempotency import _run_at_once

    order = delivered(advisor_a, vehicle_a, local(2026, 11, 20, 17, 0))
    task = FollowUpTask.objects.get(repair_order=order)
    colleague = make_staff("cs_agent", store_a)
    keys = [api_token_create(user=user)[1] for user in (agent_a, colleague)]

    def saves(key, payload):
        from django.test import Client

        client = Client(headers={"Authorization": f"Bearer {key}"})
        return lambda: post_outcome(client, task, **payload).status_code

    statuses = _run_at_once(
        [
            saves(keys[0], {"result": "satisfied"}),
            saves(keys[1], {"result": "dissatisfied", "reasons": ["attitude"]}),
        ]
    )
    assert sorted(statuses) == [200, 409], statuses
    task.refresh_from_db()
    assert task.status == "done" and task.attempts == 1
    assert written_for(task) == (1, 1, 1)
    winner = statuses.index(200)
    assert task.result == ["satisfied", "dissatisfied"][winner]
    assert task.needs_complaint is (winner == 1)


def test_task_page_saving_on_a_closed_task_says_so(task, agent_a, store_a):
    """A colleague closed the task while this agent had the page open: the page shows why
    nothing was saved instead of losing the message with the (now hidden) form."""
    from django.test import Client

    colleague = make_staff("cs_agent", store_a)
    with time_machine.travel(MONDAY, tick=False):
        follow_up_record_outcome(task=task, actor=colleague, result="satisfied")
        client = Client()
        client.force_login(agent_a)
        response = client.post(f"/follow-ups/{task.pk}/", {"result": "unreachable"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="form-errors"' in html and "不能再记录结果" in html
    assert written_for(task) == (1, 1, 1)


def test_task_page_records_an_outcome(task, agent_a):
    from django.test import Client

    client = Client()
    client.force_login(agent_a)
    with time_machine.travel(MONDAY, tick=False):
        response = client.post(
            f"/follow-ups/{task.pk}/",
            {"result": "dissatisfied", "reasons": ["attitude", "parts"], "comment": "态度差"},
        )
    assert response.status_code == 302 and response.url == "/follow-ups/"
    task.refresh_from_db()
    assert (task.status, task.reasons, task.needs_complaint) == (
        "done",
        ["attitude", "parts"],
        True,
    )
    assert task.reason_labels == ["服务态度", "配件问题"]


def test_dissatisfied_outcome_creates_a_linked_complaint(
    api_as, store_a, customer_a, vehicle_a, agent_a
):
    import datetime as dt

    from django.utils import timezone

    from dealercare.complaints.models import Complaint
    from dealercare.followups.models import FollowUpTask

    today = timezone.localdate()
    task = FollowUpTask.objects.create(
        store=store_a,
        kind="after_service",
        source_key="test:complaint-link",
        customer=customer_a,
        vehicle=vehicle_a,
        window_start=today,
        due_date=today + dt.timedelta(days=3),
        next_attempt_on=today,
        assignee=agent_a,
    )
    response = api_as(agent_a).post(
        f"/api/v1/follow-ups/{task.pk}/outcome",
        {"result": "dissatisfied", "reasons": ["price_transparency"], "comment": "结算多收钱"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    complaint = Complaint.objects.get(follow_up=task)
    assert response.json()["complaint_id"] == complaint.pk
    assert complaint.source == "follow_up"
    assert complaint.category == "price_transparency"
    assert "结算多收钱" in complaint.description
