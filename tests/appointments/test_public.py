"""The car owner's booking: SMS code through the outbox, rate limits, the online booking and
the signed link to view or cancel it."""

import datetime as dt
import re

import pytest

from dealercare.appointments.models import Appointment, AppointmentEvent, VerificationCode
from dealercare.core.links import customer_link_token
from dealercare.customers.models import Customer, Vehicle
from dealercare.notifications.models import Message

from ..factories import make_customer, make_vehicle
from .conftest import at, book, booked, slot_of

JSON = "application/json"
MOBILE = "13600001111"


def send_code(client, store, mobile=MOBILE, ip="127.0.0.1"):
    return client.post(
        f"/api/v1/public/stores/{store.code}/verification-codes",
        {"mobile": mobile},
        content_type=JSON,
        REMOTE_ADDR=ip,
    )


def code_sent_to(mobile=MOBILE) -> str:
    """The code as the customer reads it: from the latest SMS in the outbox."""
    body = Message.objects.filter(template="verification_code", recipient=mobile).latest("id").body
    return re.search(r"验证码 (\d{6})", body).group(1)


def book_online(
    client, store, *, code, start=None, mobile=MOBILE, plate="京B12345", ip="127.0.0.1", **extra
):
    payload = {
        "name": "周杰",
        "mobile": mobile,
        "plate": plate,
        "service_type": "maintenance",
        "start": (start or at(1, 13, 30)).isoformat(),
        "code": code,
        "note": "异响",
        **extra,
    }
    return client.post(
        f"/api/v1/public/stores/{store.code}/appointments",
        payload,
        content_type=JSON,
        REMOTE_ADDR=ip,
    )


def link_path(response) -> str:
    return re.sub(r"^https?://[^/]+", "", response.json()["link"])


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# -- the code ---------------------------------------------------------------------------------
def test_code_goes_through_the_outbox_and_only_a_hash_is_kept(frozen_now, client, store_a):
    response = send_code(client, store_a, mobile="136 0000 1111")
    assert response.status_code == 201, response.content
    assert response.json() == {"sent": True, "expires_in_seconds": 600}
    message = Message.objects.get(template="verification_code")
    assert (message.channel, message.recipient, message.store_id) == ("outbox", MOBILE, store_a.pk)
    code = code_sent_to()
    assert re.fullmatch(r"\d{6}", code)
    stored = VerificationCode.objects.get()
    assert (stored.mobile, stored.ip_address, stored.attempts) == (MOBILE, "127.0.0.1", 0)
    assert code not in stored.code_hash

    invalid = send_code(client, store_a, mobile="12345")
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "mobile"
    assert (
        client.post(
            "/api/v1/public/stores/NOPE/verification-codes", {"mobile": MOBILE}, content_type=JSON
        ).status_code
        == 404
    )
    assert VerificationCode.objects.count() == 1


def test_wrong_codes_are_counted_and_five_lock_the_code(frozen_now, client, store_a, bays_a):
    send_code(client, store_a)
    code = code_sent_to()
    for attempt in range(1, 6):
        response = book_online(client, store_a, code=_wrong(code))
        assert response.status_code == 422
        assert (response.json()["code"], response.json()["field"]) == (
            "verification_failed",
            "code",
        )
        assert VerificationCode.objects.get().attempts == attempt
    # Five wrong guesses: even the right code is refused now.
    locked = book_online(client, store_a, code=code)
    assert locked.status_code == 422
    assert locked.json()["code"] == "verification_failed"
    assert VerificationCode.objects.get().attempts == 5
    assert Appointment.objects.count() == 0
    assert not Customer.objects.filter(mobile=MOBILE).exists()

    # A new code (after the per-minute limit) works.
    frozen_now.shift(61)
    assert send_code(client, store_a).status_code == 201
    assert book_online(client, store_a, code=code_sent_to()).status_code == 201


def test_a_right_code_after_wrong_ones_and_codes_per_store(
    frozen_now, client, store_a, store_b, bays_a
):
    send_code(client, store_a)
    code = code_sent_to()
    assert book_online(client, store_b, code=code).json()["code"] == "verification_failed"
    for _ in range(4):
        book_online(client, store_a, code=_wrong(code))
    assert book_online(client, store_a, code=code).status_code == 201


def test_a_code_is_used_once_and_expires(frozen_now, client, store_a, bays_a):
    send_code(client, store_a)
    code = code_sent_to()
    assert book_online(client, store_a, code=code).status_code == 201
    assert VerificationCode.objects.get().used_at is not None
    reused = book_online(client, store_a, code=code, start=at(1, 14, 30))
    assert reused.status_code == 422
    assert reused.json()["code"] == "verification_failed"
    assert Appointment.objects.count() == 1

    frozen_now.shift(61)
    send_code(client, store_a)
    fresh = code_sent_to()
    frozen_now.shift(dt.timedelta(minutes=10, seconds=1))
    expired = book_online(client, store_a, code=fresh, start=at(1, 14, 30))
    assert expired.status_code == 422
    assert expired.json()["code"] == "verification_failed"
    assert Appointment.objects.count() == 1


# -- rate limits ------------------------------------------------------------------------------
def test_codes_are_rate_limited_per_mobile(frozen_now, client, store_a):
    assert send_code(client, store_a).status_code == 201
    again = send_code(client, store_a, ip="10.0.0.2")
    assert again.status_code == 429
    assert (again.json()["code"], again.json()["field"]) == ("rate_limited", "mobile")
    assert again.json()["message"]
    for _ in range(4):  # one a minute, five an hour
        frozen_now.shift(61)
        assert send_code(client, store_a).status_code == 201
    frozen_now.shift(61)
    assert send_code(client, store_a).status_code == 429
    assert Message.objects.filter(template="verification_code").count() == 5
    assert send_code(client, store_a, mobile="13600002222").status_code == 201
    frozen_now.shift(dt.timedelta(hours=1))
    assert send_code(client, store_a).status_code == 201


def test_codes_are_rate_limited_per_ip(frozen_now, client, store_a):
    for n in range(20):
        assert (
            send_code(client, store_a, mobile=f"1360000{n:04d}", ip="10.0.0.1").status_code == 201
        )
    refused = send_code(client, store_a, mobile="13600009999", ip="10.0.0.1")
    assert refused.status_code == 429
    assert (refused.json()["code"], refused.json()["field"]) == ("rate_limited", "ip")
    assert send_code(client, store_a, mobile="13600009999", ip="10.0.0.2").status_code == 201


def test_online_bookings_are_rate_limited_per_mobile(frozen_now, client, store_a, bays_a):
    for hour in (8, 9, 10):
        frozen_now.shift(61)
        send_code(client, store_a)
        response = book_online(client, store_a, code=code_sent_to(), start=at(1, hour, 30))
        assert response.status_code == 201, response.content
    frozen_now.shift(61)
    send_code(client, store_a)
    code = code_sent_to()
    refused = book_online(client, store_a, code=code, start=at(1, 13, 30))
    assert refused.status_code == 429
    assert (refused.json()["code"], refused.json()["field"]) == ("rate_limited", "mobile")
    # The refusal did not spend the code nor count an attempt.
    assert VerificationCode.objects.latest("id").attempts == 0
    assert VerificationCode.objects.latest("id").used_at is None
    assert Appointment.objects.count() == 3


def test_online_bookings_are_rate_limited_per_ip(frozen_now, client, store_a, bays_a):
    starts = [at(day, hour, 30) for day in (1, 2, 3) for hour in (8, 9, 10, 13, 14, 15, 16)]
    for n in range(20):
        mobile = f"1360000{n:04d}"
        send_code(client, store_a, mobile=mobile, ip=f"10.1.0.{n}")
        response = book_online(
            client,
            store_a,
            code=code_sent_to(mobile),
            mobile=mobile,
            plate=f"京B1{n:04d}",
            start=starts[n],
            ip="10.9.9.9",
        )
        assert response.status_code == 201, response.content
    mobile = "13600009999"
    send_code(client, store_a, mobile=mobile, ip="10.1.1.1")
    refused = book_online(
        client,
        store_a,
        code=code_sent_to(mobile),
        mobile=mobile,
        plate="京B19999",
        start=starts[20],
        ip="10.9.9.9",
    )
    assert refused.status_code == 429
    assert refused.json()["field"] == "ip"
    ok = book_online(
        client,
        store_a,
        code=code_sent_to(mobile),
        mobile=mobile,
        plate="京B19999",
        start=starts[20],
        ip="10.9.9.8",
    )
    assert ok.status_code == 201


# -- the booking ------------------------------------------------------------------------------
def test_online_booking_creates_customer_and_vehicle_and_sends_the_link(
    frozen_now, client, api_as, agent_a, store_a, bays_a
):
    send_code(client, store_a)
    response = book_online(client, store_a, code=code_sent_to())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    assert dt.datetime.fromisoformat(body["start"]) == at(1, 13, 30)
    assert "/c/appointments/" in body["link"]

    appointment = Appointment.objects.get(pk=body["id"])
    assert (appointment.channel, appointment.status, appointment.client_ip) == (
        "online",
        "requested",
        "127.0.0.1",
    )
    assert appointment.note == "异响"
    assert appointment.bay is not None
    customer = Customer.objects.get(store=store_a, mobile=MOBILE)
    assert (customer.name, customer.source) == ("周杰", "online")
    vehicle = Vehicle.objects.get(store=store_a, plate="京B12345")
    assert (vehicle.owner_id, vehicle.vin) == (customer.pk, "")
    assert (appointment.customer_id, appointment.vehicle_id) == (customer.pk, vehicle.pk)

    received = Message.objects.get(template="appointment_received")
    assert (received.recipient, received.customer_id) == (MOBILE, customer.pk)
    assert body["link"] in received.body
    assert "12月1日 13:30" in received.body
    assert AppointmentEvent.objects.get(appointment=appointment).actor is None

    staff = api_as(agent_a)
    assert staff.get("/api/v1/appointments?status=requested").json()["count"] == 1
    assert slot_of(staff, store_a, at(1, 13, 30))["booked"] == 1
    assert (
        staff.post(f"/api/v1/appointments/{body['id']}/confirm", content_type=JSON).status_code
        == 200
    )


def test_online_booking_reuses_the_known_customer_and_car(
    frozen_now, client, store_a, bays_a, customer_a, vehicle_a, agent_a
):
    other = make_customer(store_a, agent_a, name="赵六", mobile="13700001111")
    make_vehicle(other, agent_a, plate="京C77777")
    customers, vehicles = Customer.objects.count(), Vehicle.objects.count()

    send_code(client, store_a, mobile="13812345678")
    response = book_online(
        client, store_a, code=code_sent_to("13812345678"), mobile="13812345678", plate="京a12345"
    )
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get(pk=response.json()["id"])
    assert (appointment.customer_id, appointment.vehicle_id) == (customer_a.pk, vehicle_a.pk)
    assert customer_a.name == Customer.objects.get(pk=customer_a.pk).name  # not renamed
    # Someone else's plate: booked, without linking that car to this customer.
    frozen_now.shift(61)
    send_code(client, store_a, mobile="13812345678")
    second = book_online(
        client,
        store_a,
        code=code_sent_to("13812345678"),
        mobile="13812345678",
        plate="京C77777",
        start=at(1, 14, 30),
    )
    assert second.status_code == 201
    assert Appointment.objects.get(pk=second.json()["id"]).vehicle is None
    assert (Customer.objects.count(), Vehicle.objects.count()) == (customers, vehicles)


def test_a_refused_booking_does_not_spend_the_code(
    frozen_now, client, api_as, agent_a, store_a, bays_a, cars_a
):
    staff = api_as(agent_a)
    for customer, vehicle in cars_a[:3]:
        assert (
            book(
                staff, store=store_a, customer=customer, vehicle=vehicle, start=at(1, 13, 30)
            ).status_code
            == 201
        )
    send_code(client, store_a)
    code = code_sent_to()
    messages = Message.objects.count()

    full = book_online(client, store_a, code=code, start=at(1, 13, 30))
    assert full.status_code == 409
    assert (full.json()["code"], full.json()["field"]) == ("slot_full", "start")
    too_soon = book_online(client, store_a, code=code, start=at(30, 10, 30, month=11))
    assert too_soon.status_code == 422
    assert too_soon.json()["code"] == "too_soon"  # online bookings need an hour's notice
    internal = book_online(client, store_a, code=code, service_type="internal")
    assert internal.status_code == 422
    assert internal.json()["field"] == "service_type"
    bad_plate = book_online(client, store_a, code=code, plate="XYZ", start=at(1, 14, 30))
    assert bad_plate.status_code == 422
    assert bad_plate.json()["field"] == "plate"

    # Nothing written: no customer, no car, no message; the code still unused, no attempt lost.
    assert not Customer.objects.filter(mobile=MOBILE).exists()
    assert not Vehicle.objects.filter(plate="京B12345").exists()
    assert Message.objects.count() == messages
    verification = VerificationCode.objects.get()
    assert (verification.used_at, verification.attempts) == (None, 0)
    assert booked(store_a, at(1, 13, 30)) == 3

    ok = book_online(client, store_a, code=code, start=at(1, 14, 30))
    assert ok.status_code == 201, ok.content


def test_public_slots_and_page(frozen_now, client, store_a, bays_a):
    slots = client.get(f"/api/v1/public/stores/{store_a.code}/slots?date=2026-12-01")
    assert slots.status_code == 200
    assert [s["available"] for s in slots.json()["slots"]] == [3] * 7
    assert client.get("/api/v1/public/stores/NOPE/slots?date=2026-12-01").status_code == 404
    page = client.get(f"/c/book/{store_a.code}/")
    assert page.status_code == 200
    assert store_a.name in page.content.decode()
    assert client.get("/c/book/NOPE/").status_code == 404


# -- the link page ----------------------------------------------------------------------------
def test_the_link_page_shows_the_booking_and_cancels_it(
    frozen_now, client, api_as, agent_a, store_a, bays_a
):
    send_code(client, store_a)
    response = book_online(client, store_a, code=code_sent_to())
    path = link_path(response)
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    for shown in ("2026-12-01 13:30", "京B12345", store_a.name, "待确认", "cancel-appointment"):
        assert shown in html, shown
    staff = api_as(agent_a)
    assert slot_of(staff, store_a, at(1, 13, 30))["available"] == 2

    cancelled = client.post(path, {"action": "cancel"})
    assert cancelled.status_code == 302
    appointment = Appointment.objects.get(pk=response.json()["id"])
    assert appointment.status == "cancelled"
    assert slot_of(staff, store_a, at(1, 13, 30))["available"] == 3
    assert booked(store_a, at(1, 13, 30), "maintenance") == 0
    event = AppointmentEvent.objects.get(appointment=appointment, to_status="cancelled")
    assert (event.actor, event.from_status) == (None, "requested")
    assert Message.objects.filter(template="appointment_cancelled").count() == 1
    after = client.get(path).content.decode()
    assert "已取消" in after and "cancel-appointment" not in after

    # Cancelling twice changes nothing more.
    client.post(path, {"action": "cancel"})
    assert booked(store_a, at(1, 13, 30)) == 0
    assert AppointmentEvent.objects.filter(appointment=appointment).count() == 2


def test_tampered_foreign_and_expired_links_get_a_clear_page(frozen_now, client, store_a, bays_a):
    send_code(client, store_a)
    response = book_online(client, store_a, code=code_sent_to())
    path = link_path(response)
    token = path.rstrip("/").rsplit("/", 1)[1]

    tampered = client.get(path.replace(token, token[:-2] + ("aa" if token[-2:] != "aa" else "bb")))
    assert tampered.status_code == 404
    assert "链接无效" in tampered.content.decode()
    other_purpose = customer_link_token(purpose="survey", object_id=response.json()["id"])
    assert client.get(f"/c/appointments/{other_purpose}/").status_code == 404
    # A tampered link cannot cancel either.
    client.post(path.replace(token, token[:-2] + "zz"), {"action": "cancel"})
    assert Appointment.objects.get().status == "requested"

    frozen_now.shift(dt.timedelta(days=15))
    expired = client.get(path)
    assert expired.status_code == 410
    assert "链接已过期" in expired.content.decode()
    client.post(path, {"action": "cancel"})
    assert Appointment.objects.get().status == "requested"


@pytest.mark.parametrize("field", ["name", "mobile", "plate", "code", "start"])
def test_missing_fields_are_422(frozen_now, client, store_a, field):
    payload = {
        "name": "周杰",
        "mobile": MOBILE,
        "plate": "京B12345",
        "start": at(1, 13, 30).isoformat(),
        "code": "123456",
    }
    del payload[field]
    response = client.post(
        f"/api/v1/public/stores/{store_a.code}/appointments", payload, content_type=JSON
    )
    assert response.status_code == 422
    assert response.json()["field"] == field
