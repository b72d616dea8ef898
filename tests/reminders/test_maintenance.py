"""Two-stage maintenance reminders (14 and 3 days before the predicted service), sent through
the outbox to customers with service consent, as a reminder-call task to the others.

The vehicle's maintenance is delivered on 2026-03-02 at 20,000 km and it has no other reading:
the default 40 km a day reaches 25,000 km 125 days later, on 2026-07-05 (6 months would be
09-02). So the first reminder is due on 06-21 and the second on 07-02."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from dealercare.customers.services import customer_consent_set
from dealercare.followups.models import FollowUpTask
from dealercare.notifications.models import Message
from dealercare.notifications.services import messages_deliver_due
from dealercare.reminders.models import Reminder, ServiceForecast

from ..factories import make_customer, make_vehicle
from .conftest import RUN_TIME, at, days, deliver_service, run_on

D = dt.date
# The repair order's own status messages are in the outbox too: count the reminders' ones.
reminder_messages = Message.objects.filter(idempotency_key__startswith="reminder:")
SERVICE_DAY, DUE = D(2026, 3, 2), D(2026, 7, 5)
FIRST, SECOND = D(2026, 6, 21), D(2026, 7, 2)


@pytest.fixture
def serviced(vehicle_a, advisor_a):
    deliver_service(advisor_a, vehicle_a, SERVICE_DAY, 20_000)
    return vehicle_a


def test_daily_runs_over_a_month_send_each_stage_once(serviced, customer_a):
    created, sent = {}, {}
    for day in days(D(2026, 6, 5), D(2026, 7, 5)):
        result = run_on(day)
        assert result["call_tasks"] == 0
        if result["reminders_created"] or result["messages"]:
            created[day], sent[day] = result["reminders_created"], result["messages"]
        if day == FIRST - dt.timedelta(days=1):  # due − 15
            assert not Reminder.objects.exists()
    assert created == {FIRST: 1, SECOND: 1}
    assert sent == {FIRST: 1, SECOND: 1}
    reminders = list(Reminder.objects.order_by("send_on").values_list("stage", "send_on", "status"))
    assert reminders == [("first", FIRST, "sent"), ("second", SECOND, "sent")]
    first = Reminder.objects.get(stage="first")
    assert first.due_date == DUE and first.sent_at == at(FIRST, RUN_TIME)
    assert (first.customer_id, first.store_id) == (customer_a.pk, customer_a.store_id)
    assert first.source_key == f"maintenance:{serviced.pk}:20260302:first"
    assert reminder_messages.count() == 2
    assert not FollowUpTask.objects.filter(kind="reminder_call").exists()


def test_messages_go_through_the_outbox_and_the_sweeper_delivers_them(serviced, customer_a):
    run_on(FIRST)
    reminder = Reminder.objects.get()
    message = reminder_messages.get()
    assert message.idempotency_key == f"reminder:{reminder.source_key}"
    assert (message.template, message.channel) == ("maintenance_reminder", "outbox")
    assert (message.recipient, message.customer_id) == ("13812345678", customer_a.pk)
    assert message.store_id == serviced.store_id
    assert message.status == Message.Status.PENDING  # written in the run's transaction
    assert "京A12345" in message.body and "7月5日" in message.body
    assert message.subject == "【北京朝阳店】保养提醒"
    with time_machine.travel(at(FIRST, dt.time(8, 16)), tick=False):
        messages_deliver_due()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 1


def test_a_new_service_starts_a_new_cycle(serviced, advisor_a):
    run_on(FIRST)
    run_on(SECOND)
    # Serviced on 07-06 at 25,100 km: 5,100 km in 126 days = 40.476… → 40.48 km a day;
    # 5,000 km / 40.48 = 123.5… → 124 days → due 11-07; reminders 10-24 and 11-04.
    deliver_service(advisor_a, serviced, D(2026, 7, 6), 25_100)
    assert run_on(D(2026, 7, 6))["reminders_created"] == 0
    forecast = ServiceForecast.objects.get(vehicle=serviced)
    assert (forecast.due_date, forecast.due_km, forecast.daily_km) == (
        D(2026, 11, 7),
        30_100,
        Decimal("40.48"),
    )
    assert run_on(D(2026, 10, 23))["reminders_created"] == 0
    assert run_on(D(2026, 10, 24))["reminders_created"] == 1
    assert run_on(D(2026, 11, 3))["reminders_created"] == 0
    assert run_on(D(2026, 11, 4))["reminders_created"] == 1
    assert sorted(Reminder.objects.values_list("source_key", flat=True)) == [
        f"maintenance:{serviced.pk}:20260302:first",
        f"maintenance:{serviced.pk}:20260302:second",
        f"maintenance:{serviced.pk}:20260706:first",
        f"maintenance:{serviced.pk}:20260706:second",
    ]
    assert reminder_messages.filter(template="maintenance_reminder").count() == 4


def test_service_consent_withdrawn_gets_a_reminder_call_instead(serviced, customer_a, agent_a):
    with time_machine.travel(at(D(2026, 5, 1)), tick=False):
        customer_consent_set(
            actor=agent_a, customer=customer_a, purpose="service", granted=False, source="phone"
        )
    result = run_on(FIRST)
    assert (result["messages"], result["call_tasks"]) == (0, 1)
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.CALL_TASK
    assert reminder.sent_at == at(FIRST, RUN_TIME)
    task = FollowUpTask.objects.get()
    assert task.kind == FollowUpTask.Kind.REMINDER_CALL
    assert task.source_key == f"call:{reminder.source_key}"
    assert (task.customer_id, task.vehicle_id, task.store_id) == (
        customer_a.pk,
        serviced.pk,
        serviced.store_id,
    )
    # 06-21 is the last day of the Dragon Boat Festival holiday: the call window opens on the
    # next working day (Monday 06-22) and is due two working days later.
    assert (task.window_start, task.due_date) == (D(2026, 6, 22), D(2026, 6, 24))
    assert task.status == FollowUpTask.Status.PENDING
    assert not reminder_messages.exists()
    # The latest decision counts: consent granted again → the second stage is a message.
    with time_machine.travel(at(D(2026, 6, 25)), tick=False):
        customer_consent_set(
            actor=agent_a, customer=customer_a, purpose="service", granted=True, source="phone"
        )
    result = run_on(SECOND)
    assert (result["messages"], result["call_tasks"]) == (1, 0)
    assert FollowUpTask.objects.count() == 1 and reminder_messages.count() == 1


def test_marketing_opt_out_does_not_stop_a_service_reminder(serviced, customer_a, agent_a):
    with time_machine.travel(at(D(2026, 5, 1)), tick=False):
        customer_consent_set(
            actor=agent_a, customer=customer_a, purpose="marketing", granted=False, source="phone"
        )
    assert run_on(FIRST)["messages"] == 1


def test_a_due_date_that_comes_close_suddenly_sends_one_message_not_two(
    store_a, agent_a, advisor_a
):
    # A vehicle first seen (with no history) two days before its predicted service: the first
    # stage's day is past and the second's has come; one reminder, the second, not both.
    customer = make_customer(store_a, agent_a, name="赵磊")
    vehicle = make_vehicle(customer, agent_a, purchase_date=DUE - dt.timedelta(days=125))
    run_on(DUE - dt.timedelta(days=2))
    assert list(Reminder.objects.values_list("vehicle_id", "stage", "send_on")) == [
        (vehicle.pk, "second", D(2026, 7, 2))
    ]
    assert reminder_messages.count() == 1


def test_no_reminder_for_a_due_date_already_past_or_far_away(serviced):
    assert run_on(D(2026, 6, 1))["reminders_created"] == 0
    assert run_on(D(2026, 7, 6))["reminders_created"] == 0
    assert not Reminder.objects.exists()
