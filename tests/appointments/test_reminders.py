"""The day-before reminder: one message per confirmed booking of tomorrow, however often the
job runs."""

import datetime as dt

from dealercare.appointments.models import Appointment
from dealercare.appointments.services import appointment_confirm, appointment_reminders_send
from dealercare.appointments.tasks import send_appointment_reminders
from dealercare.notifications.models import Message

from .conftest import at, book


def _reminders():
    return Message.objects.filter(template="appointment_reminder")


def _book(client, store, car, start, **extra):
    customer, vehicle = car
    response = book(client, store=store, customer=customer, vehicle=vehicle, start=start, **extra)
    assert response.status_code == 201, response.content
    return Appointment.objects.get(pk=response.json()["id"])


def test_one_reminder_per_confirmed_booking_of_tomorrow(
    frozen_now, bays_a, api_as, agent_a, store_a, cars_a
):
    client = api_as(agent_a)
    c1, c2, c3, c4, c5 = cars_a
    early = _book(client, store_a, c1, at(1, 8, 30))
    late = _book(client, store_a, c2, at(1, 16, 30))
    delivery = _book(client, store_a, c1, at(1, 9, 0), kind="delivery")
    requested = _book(client, store_a, c3, at(1, 9, 30), channel="online")
    cancelled = _book(client, store_a, c4, at(1, 10, 30))
    client.post(f"/api/v1/appointments/{cancelled.pk}/cancel", content_type="application/json")
    today = _book(client, store_a, c5, at(30, 13, 30, month=11))
    day_after = _book(client, store_a, c5, at(2, 8, 30))

    assert appointment_reminders_send() == 3
    reminded = {m.idempotency_key for m in _reminders()}
    assert reminded == {f"appointment:{a.pk}:appointment_reminder" for a in (early, late, delivery)}
    message = _reminders().get(idempotency_key__contains=f":{early.pk}:")
    assert message.recipient == c1[0].mobile
    assert "明天 08:30" in message.body
    assert "/c/appointments/" in message.body
    for appointment in (early, late, delivery):
        appointment.refresh_from_db()
        assert appointment.reminder_sent_at is not None
    for appointment in (requested, cancelled, today, day_after):
        appointment.refresh_from_db()
        assert appointment.reminder_sent_at is None

    # The job runs every hour: nothing more is sent.
    assert appointment_reminders_send() == 0
    frozen_now.shift(dt.timedelta(hours=1))
    send_appointment_reminders.call_local()
    assert _reminders().count() == 3

    # A request confirmed later in the day is reminded by the next run, once.
    appointment_confirm(appointment=requested, actor=agent_a)
    assert appointment_reminders_send() == 1
    assert appointment_reminders_send() == 0
    assert _reminders().count() == 4

    # Just after midnight (store time; still the day before in UTC) tomorrow is 12-02.
    frozen_now.move_to(at(1, 0, 30))
    assert appointment_reminders_send() == 1
    assert _reminders().filter(idempotency_key__contains=f":{day_after.pk}:").count() == 1
    assert _reminders().count() == 5


def test_a_rerun_after_a_lost_mark_still_sends_no_second_message(
    frozen_now, bays_a, api_as, agent_a, store_a, cars_a
):
    appointment = _book(api_as(agent_a), store_a, cars_a[0], at(1, 8, 30))
    appointment_reminders_send()
    # Even if the mark were lost (a restore, a manual edit), the outbox key holds.
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=None)
    appointment_reminders_send()
    assert _reminders().count() == 1


def test_a_booking_cancelled_before_the_run_gets_no_reminder(
    frozen_now, bays_a, api_as, agent_a, store_a, cars_a
):
    client = api_as(agent_a)
    appointment = _book(client, store_a, cars_a[0], at(1, 8, 30))
    client.post(f"/api/v1/appointments/{appointment.pk}/cancel", content_type="application/json")
    assert appointment_reminders_send() == 0
    assert _reminders().count() == 0
