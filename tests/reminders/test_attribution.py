"""A booking made within 30 days after a reminder is attributed to it.

Vehicles bought on 2026-03-02 with no readings are due on 07-05 (40 km a day, 125 days): the
first reminder goes on 06-21 at 08:15."""

import datetime as dt

import pytest

from dealercare.reminders.models import Reminder

from ..factories import make_customer, make_vehicle
from .conftest import RUN_TIME, at, book, run_on

D = dt.date
BOUGHT, FIRST = D(2026, 3, 2), D(2026, 6, 21)
SENT = at(FIRST, RUN_TIME)


@pytest.fixture
def cars(store_a, agent_a):
    def car(name):
        customer = make_customer(store_a, agent_a, name=name)
        return make_vehicle(customer, agent_a, purchase_date=BOUGHT)

    return [car(name) for name in ("甲", "乙", "丙", "丁")]


def test_booking_within_30_days_is_credited_and_after_31_is_not(cars):
    within, late, before, never = cars
    book(before, SENT - dt.timedelta(hours=1))  # booked before the reminder went out
    assert run_on(FIRST)["messages"] == 4
    credited = book(within, SENT + dt.timedelta(days=29))
    book(late, SENT + dt.timedelta(days=31))
    result = run_on(FIRST + dt.timedelta(days=32))
    assert result["bookings_attributed"] == 1
    booked = dict(Reminder.objects.values_list("vehicle_id", "booked_appointment_id"))
    assert booked == {within.pk: credited.pk, late.pk: None, before.pk: None, never.pk: None}


def test_booking_on_the_30th_day_is_credited_by_a_later_run(cars):
    vehicle = cars[0]
    run_on(FIRST)
    appointment = book(vehicle, SENT + dt.timedelta(days=30))
    # The daily runs of the following days were missed: the run 33 days on still credits it.
    assert run_on(FIRST + dt.timedelta(days=33))["bookings_attributed"] == 1
    reminder = Reminder.objects.get(vehicle=vehicle)
    assert reminder.booked_appointment_id == appointment.pk


def test_the_first_booking_after_the_reminder_counts_once(cars):
    vehicle, other = cars[0], cars[1]
    run_on(FIRST)
    book(other, SENT + dt.timedelta(hours=20))
    assert run_on(FIRST + dt.timedelta(days=1))["bookings_attributed"] == 1  # 乙's
    first = book(vehicle, SENT + dt.timedelta(days=2))
    book(vehicle, SENT + dt.timedelta(days=5))  # a second booking of the same car
    assert run_on(FIRST + dt.timedelta(days=6))["bookings_attributed"] == 1  # 甲's first
    assert run_on(FIRST + dt.timedelta(days=7))["bookings_attributed"] == 0
    assert Reminder.objects.get(vehicle=vehicle).booked_appointment_id == first.pk


def test_both_stages_before_a_booking_are_credited(cars):
    vehicle = cars[0]
    run_on(FIRST)
    run_on(D(2026, 7, 2))  # the second stage
    appointment = book(vehicle, at(D(2026, 7, 3)))
    assert run_on(D(2026, 7, 4))["bookings_attributed"] == 2
    assert set(
        Reminder.objects.filter(vehicle=vehicle).values_list("stage", "booked_appointment_id")
    ) == {("first", appointment.pk), ("second", appointment.pk)}
