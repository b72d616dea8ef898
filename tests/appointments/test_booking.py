"""Staff booking through the API: slots, the refusals, capacity per service type, blocked
periods, bays, transitions, deliveries and store scoping. The clock stands still at Monday
2026-11-30 10:00 (Asia/Shanghai); the next working day is Tuesday 2026-12-01."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client

from dealercare.appointments.models import (
    Appointment,
    AppointmentEvent,
    BlockedPeriod,
    BookingPolicy,
    ServiceCapacity,
    SlotCounter,
)
from dealercare.appointments.services import appointment_actions_open
from dealercare.core.models import AuditLog
from dealercare.customers.models import CustomerEvent
from dealercare.notifications.models import Message

from ..factories import make_customer, make_staff
from .conftest import at, book, booked, slot_of

JSON = "application/json"
SERVICE_STARTS = ["08:30", "09:30", "10:30", "13:30", "14:30", "15:30", "16:30"]


def _act(client, appointment_id, action, **data):
    return client.post(f"/api/v1/appointments/{appointment_id}/{action}", data, content_type=JSON)


def _snapshot(store):
    """Everything a booking writes, to prove a refused one wrote nothing."""
    return {
        "appointments": Appointment.objects.count(),
        "events": AppointmentEvent.objects.count(),
        "timeline": CustomerEvent.objects.filter(kind=CustomerEvent.Kind.APPOINTMENT).count(),
        "messages": Message.objects.count(),
        "audit": AuditLog.objects.filter(object_type="appointments.appointment").count(),
        "counters": sorted(
            SlotCounter.objects.filter(store=store).values_list("start", "service_type", "booked")
        ),
    }


# -- the slots endpoint -----------------------------------------------------------------------
def test_slots_endpoint_lists_each_slot_with_capacity_booked_available(
    frozen_now, bays_a, api_as, agent_a, store_a, customer_a
):
    client = api_as(agent_a)
    assert book(client, store=store_a, customer=customer_a, start=at(1, 9, 30)).status_code == 201

    response = client.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-12-01")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["store_id"] == store_a.pk
    assert body["date"] == "2026-12-01"
    assert body["kind"] == "service"
    assert isinstance(body["calendar_estimated"], bool)
    slots = body["slots"]
    assert [set(slot) for slot in slots] == [
        {"start", "end", "capacity", "booked", "available"}
    ] * 7
    starts = [dt.datetime.fromisoformat(slot["start"]) for slot in slots]
    assert [f"{start.astimezone(at(1, 0).tzinfo):%H:%M}" for start in starts] == SERVICE_STARTS
    assert [
        dt.datetime.fromisoformat(s["end"]) - dt.datetime.fromisoformat(s["start"]) for s in slots
    ] == [dt.timedelta(hours=1)] * 7
    assert [(s["capacity"], s["booked"], s["available"]) for s in slots] == [
        (3, 0, 3),
        (3, 1, 2),
        (3, 0, 3),
        (3, 0, 3),
        (3, 0, 3),
        (3, 0, 3),
        (3, 0, 3),
    ]


def test_slots_of_today_closed_day_and_deliveries(frozen_now, bays_a, api_as, agent_a, store_a):
    client = api_as(agent_a)
    today = client.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-11-30").json()["slots"]
    # 08:30 and 09:30 have begun at 10:00: nothing left to book there.
    assert [s["available"] for s in today] == [0, 0, 3, 3, 3, 3, 3]
    saturday = client.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-12-05").json()
    assert saturday["slots"] == []
    deliveries = client.get(
        f"/api/v1/stores/{store_a.pk}/slots?date=2026-12-01&kind=delivery"
    ).json()["slots"]
    assert [
        f"{dt.datetime.fromisoformat(s['start']).astimezone(at(1, 0).tzinfo):%H:%M}"
        for s in deliveries
    ] == ["08:30", "09:00", "09:30", "10:00", "13:00", "13:30", "14:00", "14:30", "15:00"]
    assert {(s["capacity"], s["available"]) for s in deliveries} == {(2, 2)}
    bad = client.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-13-01")
    assert bad.status_code == 422


# -- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "kind", "code"),
    [
        (at(30, 9, 30, month=11), "service", "in_the_past"),
        (at(30, 8, 30, month=11), "delivery", "in_the_past"),
        (at(5, 9, 30), "service", "closed_day"),
        (at(6, 9, 30), "delivery", "closed_day"),
        (at(1, 9, 0), "service", "outside_business_hours"),
        (at(1, 12, 30), "service", "outside_business_hours"),
        (at(1, 17, 30), "service", "outside_business_hours"),
        (at(1, 7, 30), "service", "outside_business_hours"),
        (at(1, 8, 0), "delivery", "outside_delivery_windows"),
        (at(1, 10, 30), "delivery", "outside_delivery_windows"),
        (at(1, 12, 0), "delivery", "outside_delivery_windows"),
        (at(1, 15, 30), "delivery", "outside_delivery_windows"),
        (at(15, 8, 30), "service", "too_far_ahead"),
    ],
)
def test_unbookable_start_is_422_with_its_code_and_writes_nothing(
    frozen_now, bays_a, api_as, agent_a, store_a, customer_a, vehicle_a, start, kind, code
):
    client = api_as(agent_a)
    before = _snapshot(store_a)
    response = book(
        client, store=store_a, customer=customer_a, vehicle=vehicle_a, start=start, kind=kind
    )
    assert response.status_code == 422, response.content
    assert (response.json()["code"], response.json()["field"]) == (code, "start")
    assert response.json()["message"]
    assert _snapshot(store_a) == before


def test_the_last_bookable_day_and_a_naive_time(
    frozen_now, bays_a, api_as, agent_a, store_a, customer_a
):
    client = api_as(agent_a)
    # days_ahead = 14: Monday 12-14 is the last day that opens.
    assert book(client, store=store_a, customer=customer_a, start=at(14, 16, 30)).status_code == 201
    naive = client.post(
        "/api/v1/appointments",
        {"store_id": store_a.pk, "customer_id": customer_a.pk, "start": "2026-12-01T08:30:00"},
        content_type=JSON,
    )
    assert naive.status_code == 422
    assert (naive.json()["code"], naive.json()["field"]) == ("invalid_start", "start")
    # The same instant written in UTC is the same slot.
    utc = book(client, store=store_a, customer=customer_a, start=at(1, 8, 30).astimezone(dt.UTC))
    assert utc.status_code == 201, utc.content
    assert booked(store_a, at(1, 8, 30)) == 1


def test_blocked_period_refuses_bookings_and_shows_no_places(
    frozen_now, bays_a, api_as, agent_a, store_a, customer_a
):
    BlockedPeriod.objects.create(
        store=store_a, start=at(1, 13, 30), end=at(1, 17, 30), reason="培训"
    )
    # Overlapping two slots partly (09:00–10:00 touches 08:30–09:30 and 09:30–10:30).
    BlockedPeriod.objects.create(store=store_a, start=at(2, 9, 0), end=at(2, 10, 0), reason="盘点")
    client = api_as(agent_a)
    before = _snapshot(store_a)
    for start in (at(1, 14, 30), at(1, 16, 30), at(2, 8, 30), at(2, 9, 30)):
        response = book(client, store=store_a, customer=customer_a, start=start)
        assert response.status_code == 422, (start, response.content)
        assert (response.json()["code"], response.json()["field"]) == ("blocked", "start")
    assert _snapshot(store_a) == before
    day = client.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-12-01").json()["slots"]
    assert [s["available"] for s in day] == [3, 3, 3, 0, 0, 0, 0]
    day2 = client.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-12-02").json()["slots"]
    assert [s["available"] for s in day2] == [0, 0, 3, 3, 3, 3, 3]
    assert book(client, store=store_a, customer=customer_a, start=at(1, 10, 30)).status_code == 201


# -- capacity -----------------------------------------------------------------------------------
def test_capacity_per_service_type(frozen_now, bays_a, api_as, agent_a, store_a, cars_a):
    ServiceCapacity.objects.create(store=store_a, service_type="maintenance", per_slot=1)
    client = api_as(agent_a)
    start = at(1, 8, 30)
    (c1, v1), (c2, v2), (c3, v3), (c4, v4), (c5, v5) = cars_a

    assert book(client, store=store_a, customer=c1, vehicle=v1, start=start).status_code == 201
    before = _snapshot(store_a)
    second = book(client, store=store_a, customer=c2, vehicle=v2, start=start)
    assert second.status_code == 409, second.content
    assert (second.json()["code"], second.json()["field"]) == ("slot_full", "start")
    # The slot total taken before the per-type refusal was rolled back with it.
    assert _snapshot(store_a) == before
    assert booked(store_a, start) == 1

    repair = book(
        client, store=store_a, customer=c2, vehicle=v2, start=start, service_type="repair"
    )
    assert repair.status_code == 201, repair.content
    maintenance = slot_of(client, store_a, start, service_type="maintenance")
    assert (maintenance["capacity"], maintenance["booked"], maintenance["available"]) == (1, 1, 0)
    repairs = slot_of(client, store_a, start, service_type="repair")
    assert (repairs["capacity"], repairs["booked"], repairs["available"]) == (2, 1, 1)
    total = slot_of(client, store_a, start)
    assert (total["capacity"], total["booked"], total["available"]) == (3, 2, 1)

    # The last place goes to a warranty job; then the slot is full for every type.
    warranty = book(
        client, store=store_a, customer=c3, vehicle=v3, start=start, service_type="warranty"
    )
    assert warranty.status_code == 201
    full = book(client, store=store_a, customer=c4, vehicle=v4, start=start, service_type="repair")
    assert full.status_code == 409
    assert slot_of(client, store_a, start, service_type="repair")["available"] == 0
    # Another slot is unaffected.
    assert (
        book(client, store=store_a, customer=c5, vehicle=v5, start=at(1, 9, 30)).status_code == 201
    )


def test_bays_are_assigned_and_a_cancel_frees_place_and_bay(
    frozen_now, bays_a, api_as, agent_a, store_a, cars_a
):
    client = api_as(agent_a)
    start = at(1, 13, 30)
    responses = [
        book(client, store=store_a, customer=customer, vehicle=vehicle, start=start)
        for customer, vehicle in cars_a[:3]
    ]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert [r.json()["bay"] for r in responses] == ["1号工位", "2号工位", "3号工位"]
    assert {a.bay_id for a in Appointment.objects.filter(start=start)} == {b.pk for b in bays_a}
    assert slot_of(client, store_a, start)["available"] == 0

    customer, vehicle = cars_a[3]
    before = _snapshot(store_a)
    full = book(client, store=store_a, customer=customer, vehicle=vehicle, start=start)
    assert full.status_code == 409
    assert full.json()["code"] == "slot_full"
    assert _snapshot(store_a) == before

    cancelled = _act(client, responses[1].json()["id"], "cancel", note="客户改期")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    slot = slot_of(client, store_a, start)
    assert (slot["booked"], slot["available"]) == (2, 1)
    assert booked(store_a, start, "maintenance") == 2
    again = book(client, store=store_a, customer=customer, vehicle=vehicle, start=start)
    assert again.status_code == 201
    assert again.json()["bay"] == "2号工位"
    assert slot_of(client, store_a, start)["available"] == 0


def test_a_store_without_bays_takes_no_service_bookings(
    frozen_now, api_as, agent_a, store_a, customer_a
):
    client = api_as(agent_a)
    assert slot_of(client, store_a, at(1, 8, 30))["available"] == 0
    response = book(client, store=store_a, customer=customer_a, start=at(1, 8, 30))
    assert response.status_code == 409
    assert Appointment.objects.count() == 0


def test_a_shorter_slot_length_from_the_policy(
    frozen_now, bays_a, api_as, agent_a, store_a, customer_a
):
    BookingPolicy.objects.create(store=store_a, slot_minutes=30)
    client = api_as(agent_a)
    slots = client.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-12-01").json()["slots"]
    assert len(slots) == 15  # 7 half hours in the morning (08:30–12:00), 8 in the afternoon
    response = book(client, store=store_a, customer=customer_a, start=at(1, 11, 30))
    assert response.status_code == 201, response.content
    end = dt.datetime.fromisoformat(response.json()["end"])
    assert end == at(1, 12, 0)


# -- transitions ------------------------------------------------------------------------------
def test_transitions_events_and_timeline(
    frozen_now, bays_a, api_as, agent_a, advisor_a, store_a, customer_a, vehicle_a
):
    client = api_as(advisor_a)
    created = book(
        client,
        store=store_a,
        customer=customer_a,
        vehicle=vehicle_a,
        start=at(1, 8, 30),
        channel="online",
        note="  换机油  ",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "requested"
    assert (body["note"], body["plate"], body["customer_name"]) == ("换机油", "京A12345", "王芳")
    assert Message.objects.filter(template="appointment_received").count() == 1
    appointment_id = body["id"]

    confirmed = _act(client, appointment_id, "confirm")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"
    message = Message.objects.get(template="appointment_confirmed")
    assert message.recipient == "13812345678"
    assert "12月1日 08:30" in message.body
    assert "/c/appointments/" in message.body

    assert _act(client, appointment_id, "confirm").json()["code"] == "illegal_transition"
    early = _act(client, appointment_id, "no-show")
    assert early.status_code == 409
    assert (early.json()["code"], early.json()["field"]) == ("illegal_transition", "status")
    assert Appointment.objects.get(pk=appointment_id).status == "confirmed"

    arrived = _act(client, appointment_id, "arrive")
    assert arrived.status_code == 200
    assert arrived.json()["status"] == "arrived"
    for action in ("confirm", "arrive", "cancel"):
        refused = _act(client, appointment_id, action)
        assert refused.status_code == 409, action
        assert refused.json()["code"] == "illegal_transition"
    # Arrived keeps its place (the car is in the bay).
    assert booked(store_a, at(1, 8, 30)) == 1

    events = AppointmentEvent.objects.filter(appointment_id=appointment_id)
    assert list(events.values_list("from_status", "to_status", "actor")) == [
        ("", "requested", advisor_a.pk),
        ("requested", "confirmed", advisor_a.pk),
        ("confirmed", "arrived", advisor_a.pk),
    ]
    timeline = CustomerEvent.objects.filter(customer=customer_a, kind="appointment")
    assert sorted(e.data["status"] for e in timeline) == ["arrived", "confirmed", "requested"]
    assert {e.data["appointment_id"] for e in timeline} == {appointment_id}
    assert all("12-01 08:30" in e.summary for e in timeline)
    audit = AuditLog.objects.filter(
        object_type="appointments.appointment", object_id=str(appointment_id)
    )
    assert audit.count() == 3


def test_no_show_only_after_the_start_and_final_states_stay_final(
    frozen_now, bays_a, api_as, advisor_a, store_a, cars_a
):
    client = api_as(advisor_a)
    (c1, v1), (c2, v2) = cars_a[:2]
    late = book(client, store=store_a, customer=c1, vehicle=v1, start=at(1, 8, 30)).json()["id"]
    gone = book(client, store=store_a, customer=c2, vehicle=v2, start=at(1, 8, 30)).json()["id"]
    assert _act(client, late, "no-show").status_code == 409
    assert _act(client, gone, "cancel", note="客户来电取消").status_code == 200
    assert AppointmentEvent.objects.get(appointment_id=gone, to_status="cancelled").note == (
        "客户来电取消"
    )
    assert Message.objects.filter(template="appointment_cancelled").count() == 1

    frozen_now.move_to(at(1, 9, 0))
    no_show = _act(client, late, "no-show")
    assert no_show.status_code == 200, no_show.content
    assert no_show.json()["status"] == "no_show"
    for appointment_id in (late, gone):
        for action in ("confirm", "arrive", "no-show", "cancel"):
            refused = _act(client, appointment_id, action)
            assert refused.status_code == 409, (appointment_id, action)
            assert refused.json()["code"] == "illegal_transition"
    # A double cancel did not release the place twice.
    assert booked(store_a, at(1, 8, 30)) == 1
    assert _act(client, 999999, "confirm").status_code == 404


def test_walk_in_sends_no_message_and_the_list_filters(
    frozen_now, bays_a, api_as, agent_a, store_a, cars_a
):
    client = api_as(agent_a)
    (c1, v1), (c2, v2), (c3, v3) = cars_a[:3]
    walk_in = book(
        client,
        store=store_a,
        customer=c1,
        vehicle=v1,
        start=at(30, 10, 30, month=11),
        channel="walk_in",
    )
    assert walk_in.status_code == 201
    assert walk_in.json()["status"] == "confirmed"
    assert Message.objects.count() == 0
    book(client, store=store_a, customer=c2, vehicle=v2, start=at(1, 8, 30), channel="online")
    book(client, store=store_a, customer=c3, vehicle=v3, start=at(1, 9, 30))

    def ids(query):
        response = client.get(f"/api/v1/appointments?{query}")
        assert response.status_code == 200, response.content
        return response.json()["count"], [a["customer_id"] for a in response.json()["items"]]

    assert ids("") == (3, [c1.pk, c2.pk, c3.pk])
    assert ids("date=2026-12-01") == (2, [c2.pk, c3.pk])
    assert ids("date=2026-12-01&status=requested") == (1, [c2.pk])
    assert ids(f"store_id={store_a.pk}&date=2026-11-30") == (1, [c1.pk])
    assert client.get("/api/v1/appointments?status=unknown").status_code == 422


# -- deliveries -------------------------------------------------------------------------------
def test_delivery_appointments_inside_windows_at_least_15_minutes_ahead(
    frozen_now, bays_a, api_as, agent_a, store_a, cars_a
):
    client = api_as(agent_a)
    (c1, v1), (c2, v2), (c3, v3) = cars_a[:3]

    def deliver(customer, vehicle, start):
        return book(
            client, store=store_a, customer=customer, vehicle=vehicle, start=start, kind="delivery"
        )

    frozen_now.move_to(at(30, 12, 46, month=11))
    soon = deliver(c1, v1, at(30, 13, 0, month=11))
    assert soon.status_code == 422
    assert (soon.json()["code"], soon.json()["field"]) == ("too_soon", "start")
    frozen_now.move_to(at(30, 12, 45, month=11))
    on_time = deliver(c1, v1, at(30, 13, 0, month=11))
    assert on_time.status_code == 201, on_time.content
    assert (on_time.json()["kind"], on_time.json()["bay"]) == ("delivery", None)

    # 13:00 is outside business hours (13:30) but inside the delivery window.
    assert deliver(c2, v2, at(30, 13, 0, month=11)).status_code == 201
    third = deliver(c3, v3, at(30, 13, 0, month=11))
    assert third.status_code == 409
    assert third.json()["code"] == "slot_full"
    assert deliver(c3, v3, at(1, 15, 0)).status_code == 201

    day = "2026-11-30"
    deliveries = client.get(f"/api/v1/stores/{store_a.pk}/slots?date={day}&kind=delivery").json()
    thirteen = [
        s
        for s in deliveries["slots"]
        if dt.datetime.fromisoformat(s["start"]) == at(30, 13, 0, month=11)
    ]
    assert [(s["capacity"], s["booked"], s["available"]) for s in thirteen] == [(2, 2, 0)]
    # A service type in the query changes nothing for deliveries (they count only totals).
    typed = client.get(
        f"/api/v1/stores/{store_a.pk}/slots?date={day}&kind=delivery&service_type=repair"
    ).json()
    assert typed["slots"] == deliveries["slots"]
    # Deliveries take no service place.
    assert slot_of(client, store_a, at(30, 13, 30, month=11))["available"] == 3
    assert Appointment.objects.filter(kind="delivery", bay__isnull=False).count() == 0


def test_delivery_windows_are_configurable(
    frozen_now, bays_a, api_as, agent_a, store_a, customer_a
):
    BookingPolicy.objects.create(
        store=store_a, delivery_windows=[["16:00", "17:00"]], delivery_lead_minutes=60
    )
    client = api_as(agent_a)
    refused = book(client, store=store_a, customer=customer_a, start=at(1, 9, 0), kind="delivery")
    assert refused.json()["code"] == "outside_delivery_windows"
    assert "16:00–17:00" in refused.json()["message"]
    ok = book(client, store=store_a, customer=customer_a, start=at(1, 16, 30), kind="delivery")
    assert ok.status_code == 201, ok.content


# -- who may do what --------------------------------------------------------------------------
def test_store_scoping(
    frozen_now, bays_a, api_as, agent_a, agent_b, hq_user, store_a, store_b, customer_a, customer_b
):
    created = book(api_as(agent_a), store=store_a, customer=customer_a, start=at(1, 8, 30))
    appointment_id = created.json()["id"]
    other = api_as(agent_b)
    assert other.get(f"/api/v1/appointments/{appointment_id}").status_code == 404
    assert _act(other, appointment_id, "cancel").status_code == 404
    assert _act(other, appointment_id, "confirm").status_code == 404
    assert other.get("/api/v1/appointments").json()["count"] == 0
    assert other.get(f"/api/v1/appointments?store_id={store_a.pk}").json()["count"] == 0
    assert other.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-12-01").status_code == 404
    # Booking into store A, or store A's customer into store B.
    assert book(other, store=store_a, customer=customer_b, start=at(1, 8, 30)).status_code == 404
    assert book(other, store=store_b, customer=customer_a, start=at(1, 8, 30)).status_code == 404
    assert Appointment.objects.get(pk=appointment_id).status == "confirmed"
    assert booked(store_a, at(1, 8, 30)) == 1

    hq = api_as(hq_user)
    assert hq.get(f"/api/v1/appointments/{appointment_id}").status_code == 200
    assert hq.get("/api/v1/appointments").json()["count"] == 1
    assert hq.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-12-01").status_code == 200
    # HQ quality reads; it does not book or change bookings.
    assert book(hq, store=store_a, customer=customer_a, start=at(1, 9, 30)).status_code == 403
    assert _act(hq, appointment_id, "cancel").status_code == 403


def test_technician_sees_but_cannot_book_or_change(
    frozen_now, bays_a, api_as, agent_a, technician_a, store_a, customer_a
):
    appointment_id = book(
        api_as(agent_a), store=store_a, customer=customer_a, start=at(1, 8, 30)
    ).json()["id"]
    technician = api_as(technician_a)
    assert technician.get(f"/api/v1/stores/{store_a.pk}/slots?date=2026-12-01").status_code == 200
    assert technician.get(f"/api/v1/appointments/{appointment_id}").status_code == 200
    before = _snapshot(store_a)
    refused = book(technician, store=store_a, customer=customer_a, start=at(1, 9, 30))
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert _act(technician, appointment_id, "arrive").status_code == 403
    assert _snapshot(store_a) == before
    anonymous = book(Client(), store=store_a, customer=customer_a, start=at(1, 9, 30))
    assert anonymous.status_code == 401


def test_vehicle_of_another_customer_is_refused(
    frozen_now, bays_a, api_as, agent_a, store_a, customer_a, vehicle_a
):
    stranger = make_customer(store_a, agent_a, name="赵六", mobile="13700001111")
    before = _snapshot(store_a)
    response = book(
        api_as(agent_a), store=store_a, customer=stranger, vehicle=vehicle_a, start=at(1, 8, 30)
    )
    assert response.status_code == 422
    assert response.json()["field"] == "vehicle_id"
    assert _snapshot(store_a) == before


def test_a_sales_consultant_books_a_delivery(frozen_now, bays_a, api_as, store_a, customer_a):
    sales = make_staff("sales_consultant", store_a)
    response = book(
        api_as(sales),
        store=store_a,
        customer=customer_a,
        start=at(1, 9, 0),
        kind="delivery",
        channel="dealer_initiated",
    )
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "dealer_initiated"


def _buttons(html: str, appointment_id: int) -> list[str]:
    return re.findall(rf'action="/appointments/{appointment_id}/([a-z-]+)/"', html)


def test_the_day_plan_offers_the_status_changes_the_rules_allow(
    frozen_now, bays_a, api_as, advisor_a, store_a, cars_a
):
    (c1, v1), (c2, v2) = cars_a[:2]
    client = api_as(advisor_a)
    waiting = book(client, store=store_a, customer=c1, vehicle=v1, start=at(1, 8, 30)).json()
    done = book(client, store=store_a, customer=c2, vehicle=v2, start=at(1, 8, 30)).json()
    assert _act(client, done["id"], "cancel").status_code == 200
    page = Client()
    page.force_login(advisor_a)

    def plan() -> str:
        return page.get("/appointments/?date=2026-12-01").content.decode()

    before_start = ["arrive", "cancel"]
    if waiting["status"] == "requested":
        before_start.insert(0, "confirm")
    assert _buttons(plan(), waiting["id"]) == before_start
    assert _buttons(plan(), done["id"]) == []  # a cancelled booking offers nothing
    appointment = Appointment.objects.get(pk=waiting["id"])
    assert "no_show" not in appointment_actions_open(appointment, at=at(1, 8, 29))

    frozen_now.move_to(at(1, 8, 30))  # its time has come: it may be marked a no-show
    after_start = [*before_start[:-1], "no-show", "cancel"]
    assert _buttons(plan(), waiting["id"]) == after_start
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert ">Arrived</button>" in plan() and ">No-show</button>" in plan()
    assert page.post(f"/appointments/{waiting['id']}/no-show/").status_code == 302
    assert Appointment.objects.get(pk=waiting["id"]).status == "no_show"
    assert appointment_actions_open(Appointment.objects.get(pk=waiting["id"]), at=at(2, 9)) == []
