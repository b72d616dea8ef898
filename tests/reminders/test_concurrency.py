"""Two daily runs at once, each on its own real database connection: no duplicate reminder,
message or call task (unique keys in the database, not a flag in memory), and each reminder is
counted as sent by exactly one of the runs.

Threads run against the real clock: the vehicles are bought 111 days before today, so their
service is due in 14 days (40 km a day, 125 days) and the first stage is due today."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from dealercare.customers.services import customer_consent_set
from dealercare.followups.models import FollowUpTask
from dealercare.notifications.models import Message
from dealercare.reminders.models import InsurancePolicy, Reminder
from dealercare.reminders.services import reminders_schedule

from ..factories import make_customer, make_vehicle

CARS, WITHOUT_CONSENT, POLICIES, RUNS = 24, 6, 8, 2


@pytest.fixture
def clock():
    """The real clock here (overrides the package's frozen story start)."""
    return None


def _run_at_once(job, count):
    results = [None] * count
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a run hung"
    return results


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_create_and_send_everything_once(store_a, agent_a):
    today = timezone.localdate()
    cars = []
    for n in range(CARS):
        customer = make_customer(store_a, agent_a, name=f"并发{n}")
        cars.append(make_vehicle(customer, agent_a, purchase_date=today - dt.timedelta(days=111)))
    for car in cars[:WITHOUT_CONSENT]:
        customer_consent_set(
            actor=agent_a, customer=car.owner, purpose="service", granted=False, source="phone"
        )
    for car in cars[-POLICIES:]:  # ending in 60 days: the d60 reminder is due today
        InsurancePolicy.objects.create(
            store=store_a, vehicle=car, insurer="平安保险", end_date=today + dt.timedelta(days=60)
        )

    results = _run_at_once(lambda: reminders_schedule(today=today), RUNS)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    reminders = list(Reminder.objects.values_list("source_key", "status"))
    assert len(reminders) == CARS + POLICIES == len({key for key, _ in reminders})
    assert {status for _, status in reminders} == {"sent", "call_task"}
    messages = CARS - WITHOUT_CONSENT + POLICIES
    keys = list(
        Message.objects.filter(idempotency_key__startswith="reminder:").values_list(
            "idempotency_key", flat=True
        )
    )
    assert len(keys) == len(set(keys)) == messages
    assert FollowUpTask.objects.filter(kind="reminder_call").count() == WITHOUT_CONSENT
    # Each reminder was marked sent (or turned into a call) by exactly one of the runs.
    assert sum(r["messages"] for r in results) == messages
    assert sum(r["call_tasks"] for r in results) == WITHOUT_CONSENT
    # And a third run afterwards finds nothing to do.
    again = reminders_schedule(today=today)
    assert (again["reminders_created"], again["messages"], again["call_tasks"]) == (0, 0, 0)
