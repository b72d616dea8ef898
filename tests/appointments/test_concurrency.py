"""Never over-booked: concurrent requests through real, separate database connections.

These tests run against the real clock (threads cannot share a frozen one), so they book a
slot two working days ahead of today in the store's own calendar.
"""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from dealercare.appointments.models import Appointment, AppointmentEvent, Bay
from dealercare.appointments.slots import booking_policy, slot_times
from dealercare.notifications.models import Message
from dealercare.org.calendar import store_calendar
from dealercare.org.services import api_token_create

from ..factories import make_customer, make_staff, make_vehicle
from .conftest import book, booked, slot_of

REQUESTS = 50
PLACES = 3


def _bookable_slot(store) -> dt.datetime:
    """The first service slot two working days from today (store calendar, real clock)."""
    calendar = store_calendar(store)
    day = calendar.add_working_days(timezone.localdate(), 2)
    return slot_times(calendar, booking_policy(store), day, Appointment.Kind.SERVICE)[0][0]


def _run_at_once(jobs):
    """Run each job in its own thread with its own database connection, released together by
    a barrier; return their results (or the exception a job raised) in order."""
    results = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(index, job):
        try:
            prepared = job[0]()  # per-thread setup (a client) before the barrier
            barrier.wait(timeout=30)
            results[index] = job[1](prepared)
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return results


def _client_factory(user):
    _token, key = api_token_create(user=user)
    return lambda: Client(headers={"Authorization": f"Bearer {key}"})


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bookings_of_three_places_never_over_book(store_a, agent_a):
    for n in range(1, PLACES + 1):
        Bay.objects.create(store=store_a, name=f"{n}号工位")
    cars = []
    for n in range(REQUESTS):
        customer = make_customer(store_a, agent_a, name=f"并发{n}", mobile=f"1360000{n:04d}")
        cars.append((customer, make_vehicle(customer, agent_a, plate=f"京A6{n:04d}")))
    start = _bookable_slot(store_a)
    new_client = _client_factory(agent_a)

    def job(customer, vehicle):
        def request(client):
            response = book(client, store=store_a, customer=customer, vehicle=vehicle, start=start)
            return response.status_code, response.json()

        return new_client, request

    results = _run_at_once([job(customer, vehicle) for customer, vehicle in cars])

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    statuses = sorted(status for status, _body in results)
    assert statuses == [201] * PLACES + [409] * (REQUESTS - PLACES), statuses
    refusals = [body for status, body in results if status == 409]
    assert {(body["code"], body["field"]) for body in refusals} == {("slot_full", "start")}
    winners = [body for status, body in results if status == 201]
    assert sorted(body["bay"] for body in winners) == ["1号工位", "2号工位", "3号工位"]

    appointments = Appointment.objects.filter(store=store_a, start=start)
    assert appointments.count() == PLACES
    assert sorted(appointments.values_list("id", flat=True)) == sorted(b["id"] for b in winners)
    assert booked(store_a, start) == PLACES
    assert booked(store_a, start, "maintenance") == PLACES
    slot = slot_of(new_client(), store_a, start)
    assert (slot["capacity"], slot["booked"], slot["available"]) == (PLACES, PLACES, 0)
    # Only the winners left anything behind.
    assert AppointmentEvent.objects.count() == PLACES
    assert Message.objects.filter(template="appointment_confirmed").count() == PLACES


@pytest.mark.django_db(transaction=True)
def test_two_advisors_acting_on_one_appointment_at_once_one_wins(store_a, agent_a):
    """Cancel + cancel, confirm + confirm: exactly one succeeds, the other gets 409, and a
    double cancel gives the place back only once."""
    Bay.objects.create(store=store_a, name="1号工位")
    Bay.objects.create(store=store_a, name="2号工位")
    advisors = [make_staff("service_advisor", store_a) for _ in range(2)]
    clients = [_client_factory(advisor) for advisor in advisors]
    start = _bookable_slot(store_a)
    rounds = 4

    def race(appointment_id, action):
        def request(client):
            response = client.post(
                f"/api/v1/appointments/{appointment_id}/{action}", content_type="application/json"
            )
            return response.status_code, response.json()

        return _run_at_once([(new_client, request) for new_client in clients])

    for n in range(rounds):
        customer = make_customer(store_a, agent_a, name=f"取消{n}", mobile=f"1350000{n:04d}")
        response = book(clients[0](), store=store_a, customer=customer, start=start)
        assert response.status_code == 201, response.content
        appointment_id = response.json()["id"]
        assert booked(store_a, start) == 1

        results = race(appointment_id, "cancel")
        assert sorted(status for status, _ in results) == [200, 409], results
        assert [body["code"] for status, body in results if status == 409] == ["illegal_transition"]
        # Released exactly once: not 0 - 1 (clamped) nor released for someone else's booking.
        assert booked(store_a, start) == 0
        assert booked(store_a, start, "maintenance") == 0
        events = AppointmentEvent.objects.filter(appointment_id=appointment_id)
        assert list(events.values_list("from_status", "to_status")) == [
            ("", "confirmed"),
            ("confirmed", "cancelled"),
        ]
        assert (
            Message.objects.filter(
                template="appointment_cancelled", idempotency_key__contains=f":{appointment_id}:"
            ).count()
            == 1
        )

    # Two advisors confirm the same online request at once.
    customer = make_customer(store_a, agent_a, name="确认", mobile="13500009999")
    response = book(clients[0](), store=store_a, customer=customer, start=start, channel="online")
    assert response.json()["status"] == "requested"
    appointment_id = response.json()["id"]
    results = race(appointment_id, "confirm")
    assert sorted(status for status, _ in results) == [200, 409], results
    assert list(
        AppointmentEvent.objects.filter(appointment_id=appointment_id).values_list(
            "from_status", "to_status"
        )
    ) == [("", "requested"), ("requested", "confirmed")]
    assert booked(store_a, start) == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_get_no_more_than_five_comparisons(store_a):
    """Each guess takes an attempt with a conditional UPDATE before it is compared, so guesses
    sent at once cannot get past the limit of five (reading the count first would let all
    of them through the check)."""
    from dealercare.appointments.models import VerificationCode
    from dealercare.appointments.services import VERIFICATION_MAX_ATTEMPTS

    Bay.objects.create(store=store_a, name="1号工位")
    mobile = "13600001111"
    sent = Client().post(
        f"/api/v1/public/stores/{store_a.code}/verification-codes",
        {"mobile": mobile},
        content_type="application/json",
    )
    assert sent.status_code == 201
    code = Message.objects.get(template="verification_code").body.split("验证码 ")[1][:6]
    start = _bookable_slot(store_a)

    def guess(n):
        def request(client):
            wrong = f"{(int(code) + 1 + n) % 10**6:06d}"
            response = client.post(
                f"/api/v1/public/stores/{store_a.code}/appointments",
                {
                    "name": "周杰",
                    "mobile": mobile,
                    "plate": "京B12345",
                    "code": wrong,
                    "start": start.isoformat(),
                },
                content_type="application/json",
            )
            return response.status_code, response.json()

        return Client, request

    results = _run_at_once([guess(n) for n in range(20)])
    assert {(status, body["code"]) for status, body in results} == {(422, "verification_failed")}
    assert VerificationCode.objects.get().attempts == VERIFICATION_MAX_ATTEMPTS
    assert Appointment.objects.count() == 0
