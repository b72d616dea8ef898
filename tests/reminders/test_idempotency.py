"""The daily run is safe to repeat: twice the same day, twice at once, and again after dying
half-way — every reminder and call task exists once (unique source keys in the database) and
every message is queued once (unique idempotency keys)."""

import datetime as dt

import pytest

from dealercare.customers.services import customer_consent_set
from dealercare.followups.models import FollowUpTask
from dealercare.notifications.models import Message
from dealercare.reminders import services
from dealercare.reminders.models import InsurancePolicy, Reminder

from ..factories import make_customer, make_vehicle
from .conftest import run_on

D = dt.date
BOUGHT, FIRST = D(2026, 3, 2), D(2026, 6, 21)  # due 07-05 (125 days at 40 km a day)


@pytest.fixture
def fleet(store_a, agent_a):
    """Four cars due on 07-05 (one owner without service consent) and a policy ending 08-20."""
    cars = []
    for n in range(4):
        customer = make_customer(store_a, agent_a, name=f"车主{n}")
        cars.append(make_vehicle(customer, agent_a, purchase_date=BOUGHT))
    customer_consent_set(
        actor=agent_a, customer=cars[3].owner, purpose="service", granted=False, source="phone"
    )
    InsurancePolicy.objects.create(
        store=store_a, vehicle=cars[0], insurer="平安保险", end_date=D(2026, 8, 20)
    )
    return cars


def state():
    return {
        "reminders": sorted(Reminder.objects.values_list("source_key", "status")),
        "messages": sorted(Message.objects.values_list("idempotency_key", flat=True)),
        "calls": sorted(FollowUpTask.objects.values_list("source_key", flat=True)),
    }


def _die(today, now):
    raise RuntimeError("killed")


def test_second_run_the_same_day_creates_nothing(fleet):
    first = run_on(FIRST)
    assert (first["reminders_created"], first["messages"], first["call_tasks"]) == (5, 4, 1)
    after_first = state()
    again = run_on(FIRST)
    assert (again["reminders_created"], again["messages"], again["call_tasks"]) == (0, 0, 0)
    assert state() == after_first
    assert len(after_first["messages"]) == 4 and len(after_first["calls"]) == 1


def test_run_killed_before_sending_is_completed_by_the_next(fleet, monkeypatch):
    monkeypatch.setattr(services, "_dispatch", _die)
    with pytest.raises(RuntimeError):
        run_on(FIRST)
    assert Reminder.objects.filter(status="scheduled").count() == 5
    assert not Message.objects.exists() and not FollowUpTask.objects.exists()
    monkeypatch.undo()
    result = run_on(FIRST)
    assert (result["reminders_created"], result["messages"], result["call_tasks"]) == (0, 4, 1)
    assert not Reminder.objects.filter(status="scheduled").exists()
    assert Message.objects.count() == 4 and FollowUpTask.objects.count() == 1


def test_run_killed_inside_sending_rolls_back_and_the_next_sends_once(fleet, monkeypatch):
    # Death after the messages were queued, before the call tasks and statuses were written:
    # the outbox rows are in the same transaction, so nothing of the sending stays.
    def die(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(services.FollowUpTask.objects, "bulk_create", die)
    with pytest.raises(RuntimeError):
        run_on(FIRST)
    assert not Message.objects.exists()
    monkeypatch.undo()
    run_on(FIRST)
    assert Message.objects.count() == 4 and FollowUpTask.objects.count() == 1


def test_half_lost_state_is_repaired_without_sending_twice(fleet):
    run_on(FIRST)
    complete = state()
    reminders = list(Reminder.objects.order_by("pk"))
    # As if a crash lost half the work: two reminders back to scheduled (sent, but not marked
    # so), two reminders gone altogether (a message and the call task stay behind).
    Reminder.objects.filter(pk__in=[reminders[0].pk, reminders[1].pk]).update(
        status="scheduled", sent_at=None
    )
    lost = [r for r in reminders[2:] if r.status == "call_task"] + [reminders[2]]
    Reminder.objects.filter(pk__in=[r.pk for r in lost]).delete()
    result = run_on(FIRST)
    assert result["reminders_created"] == len({r.pk for r in lost})
    assert state() == complete  # nothing missing, no second message, no second call task
    assert Message.objects.count() == 4 and FollowUpTask.objects.count() == 1


def test_a_later_day_after_a_dead_run_sends_once(fleet, monkeypatch):
    monkeypatch.setattr(services, "_dispatch", _die)
    with pytest.raises(RuntimeError):
        run_on(FIRST)
    monkeypatch.undo()
    # The next day's run sends yesterday's first stage (once) and creates nothing new.
    result = run_on(FIRST + dt.timedelta(days=1))
    assert (result["reminders_created"], result["messages"], result["call_tasks"]) == (0, 4, 1)
    run_on(FIRST + dt.timedelta(days=2))
    assert Message.objects.count() == 4 and FollowUpTask.objects.count() == 1
