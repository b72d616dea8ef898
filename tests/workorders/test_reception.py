"""Reception (接车): human numbers per store and day, also under concurrent requests; the
mileage reading; the promised time; another store's car; opening from an appointment."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from dealercare.appointments.models import Appointment
from dealercare.core.models import NumberSequence
from dealercare.customers.models import CustomerEvent, MileageReading, Vehicle
from dealercare.org.services import api_token_create
from dealercare.workorders.models import RepairOrder, RepairOrderEvent

from ..factories import make_customer, make_staff, make_vehicle
from .conftest import NOW, SHANGHAI, open_order, post


def _payload(store, vehicle, **extra):
    return {
        "store_id": store.pk,
        "vehicle_id": vehicle.pk,
        "mileage_km": 23_456,
        "description": "保养，左前异响",
        "job_type": "maintenance",
        "promised_at": (timezone.now() + dt.timedelta(hours=5)).isoformat(),
        **extra,
    }


def _nothing_written():
    return (
        RepairOrder.objects.count(),
        RepairOrderEvent.objects.count(),
        MileageReading.objects.count(),
        CustomerEvent.objects.filter(kind=CustomerEvent.Kind.REPAIR_ORDER).count(),
        list(NumberSequence.objects.values_list("key", "value")),
    )


@pytest.mark.django_db
def test_reception_answers_the_order_with_its_number(frozen, api_as, advisor_a, store_a, vehicle_a):
    response = post(
        api_as(advisor_a),
        "/api/v1/repair-orders",
        _payload(store_a, vehicle_a, walkaround={"scratches": "右后门划痕", "fuel": 3}),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "RO202611240001"
    assert body["status"] == "reception" and body["job_type"] == "maintenance"
    assert body["walkaround"] == {"scratches": "右后门划痕", "fuel": 3}
    assert body["plate"] == "京A12345" and body["customer_id"] == vehicle_a.owner_id
    assert body["progress_url"].startswith("http") and "/c/ro/" in body["progress_url"]
    assert [e["to_status"] for e in body["timeline"]] == ["reception"]
    reading = MileageReading.objects.get(vehicle=vehicle_a)
    assert reading.km == 23_456 and reading.source == "reception"
    vehicle_a.refresh_from_db()
    assert vehicle_a.current_mileage_km == 23_456
    order = RepairOrder.objects.get(pk=body["id"])
    assert order.advisor == advisor_a and order.events.get().actor == advisor_a


@pytest.mark.django_db
def test_numbers_count_per_store_and_per_store_day(
    api_as, advisor_a, advisor_b, vehicle_a, vehicle_b, agent_a, customer_a
):
    other_car = make_vehicle(customer_a, agent_a, plate="京A77777")
    # 23:30 in Beijing is still the 24th there (15:30 UTC).
    with time_machine.travel(dt.datetime(2026, 11, 24, 23, 30, tzinfo=SHANGHAI), tick=False):
        numbers_a = [open_order(advisor_a, car).number for car in (vehicle_a, other_car, vehicle_a)]
        number_b = open_order(advisor_b, vehicle_b).number
    # 00:30 in Beijing is the 25th there, though still the 24th in UTC.
    with time_machine.travel(dt.datetime(2026, 11, 25, 0, 30, tzinfo=SHANGHAI), tick=False):
        next_day = open_order(advisor_a, other_car).number

    assert numbers_a == ["RO202611240001", "RO202611240002", "RO202611240003"]
    assert number_b == "RO202611240001"
    assert next_day == "RO202611250001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_receptions_get_distinct_numbers(store_a, advisor_a, agent_a):
    cars = []
    for n in range(5):
        owner = make_customer(store_a, agent_a, name=f"并发{n}", mobile=f"1350000000{n}")
        cars.append(make_vehicle(owner, agent_a, plate=f"京A8000{n}"))
    keys = [api_token_create(user=advisor_a)[1] for _ in cars]
    barrier = threading.Barrier(len(cars))
    results: list = [None] * len(cars)

    def run(index):
        try:
            client = Client(headers={"Authorization": f"Bearer {keys[index]}"})
            barrier.wait(timeout=30)
            response = post(client, "/api/v1/repair-orders", _payload(store_a, cars[index]))
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(cars))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r[0] for r in results] == [201] * len(cars), results
    numbers = sorted(r[1]["number"] for r in results)
    day = timezone.now().astimezone(SHANGHAI).strftime("%Y%m%d")
    assert numbers == [f"RO{day}{n:04d}" for n in range(1, len(cars) + 1)]


@pytest.mark.django_db
def test_a_lower_mileage_needs_a_reason_and_a_refusal_writes_nothing(
    frozen, api_as, advisor_a, store_a, vehicle_a
):
    client = api_as(advisor_a)
    assert (
        post(
            client, "/api/v1/repair-orders", _payload(store_a, vehicle_a, mileage_km=50_000)
        ).status_code
        == 201
    )
    before = _nothing_written()

    response = post(
        client, "/api/v1/repair-orders", _payload(store_a, vehicle_a, mileage_km=40_000)
    )

    assert response.status_code == 422
    assert response.json()["field"] == "mileage_km"
    assert response.json()["code"] == "mileage_decrease_needs_reason"
    assert _nothing_written() == before
    assert Vehicle.objects.get(pk=vehicle_a.pk).current_mileage_km == 50_000

    response = post(
        client,
        "/api/v1/repair-orders",
        _payload(store_a, vehicle_a, mileage_km=40_000, mileage_reason="更换仪表"),
    )
    assert response.status_code == 201, response.content
    reading = MileageReading.objects.filter(vehicle=vehicle_a).latest("id")
    assert reading.km == 40_000 and reading.reason == "更换仪表"
    assert response.json()["number"] == "RO202611240002"  # the refused one took no number


@pytest.mark.django_db
def test_the_promised_time_must_be_in_the_future(frozen, api_as, advisor_a, store_a, vehicle_a):
    client = api_as(advisor_a)
    before = _nothing_written()
    for promised in (NOW - dt.timedelta(minutes=1), NOW):
        response = post(
            client,
            "/api/v1/repair-orders",
            _payload(store_a, vehicle_a, promised_at=promised.isoformat()),
        )
        assert response.status_code == 422, response.content
        assert response.json()["field"] == "promised_at"
    assert _nothing_written() == before
    # A time without a zone is the store's wall clock: 15:00 in Beijing.
    response = post(
        client,
        "/api/v1/repair-orders",
        _payload(store_a, vehicle_a, promised_at="2026-11-24T15:00:00"),
    )
    assert response.status_code == 201, response.content
    order = RepairOrder.objects.get(pk=response.json()["id"])
    assert order.promised_at == dt.datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_invalid_input_is_refused_field_by_field(api_as, advisor_a, store_a, vehicle_a):
    client = api_as(advisor_a)
    cases = [
        ({"job_type": "tuning"}, "job_type"),
        ({"mileage_km": -1}, "mileage_km"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
    ]
    for change, field in cases:
        response = post(client, "/api/v1/repair-orders", _payload(store_a, vehicle_a, **change))
        assert response.status_code == 422, (change, response.content)
        assert response.json()["field"] == field, (change, response.json())
    assert RepairOrder.objects.count() == 0


@pytest.mark.django_db
def test_another_stores_car_or_store_is_not_found(
    api_as, advisor_a, store_a, store_b, vehicle_a, vehicle_b
):
    client = api_as(advisor_a)
    response = post(client, "/api/v1/repair-orders", _payload(store_a, vehicle_b))
    assert response.status_code == 404
    response = post(client, "/api/v1/repair-orders", _payload(store_b, vehicle_a))
    assert response.status_code == 404
    assert RepairOrder.objects.count() == 0


def _appointment(store, vehicle, status):
    start = timezone.now() - dt.timedelta(minutes=30)
    return Appointment.objects.create(
        store=store,
        customer_id=vehicle.owner_id,
        vehicle=vehicle,
        start=start,
        end=start + dt.timedelta(hours=1),
        channel="phone",
        status=status,
        service_type="maintenance",
    )


@pytest.mark.django_db
def test_an_arrived_appointment_is_converted(frozen, api_as, advisor_a, store_a, vehicle_a):
    appointment = _appointment(store_a, vehicle_a, "arrived")

    response = post(
        api_as(advisor_a),
        "/api/v1/repair-orders",
        _payload(store_a, vehicle_a, appointment_id=appointment.pk),
    )

    assert response.status_code == 201, response.content
    assert response.json()["appointment_id"] == appointment.pk
    appointment.refresh_from_db()
    assert appointment.status == "converted"
    assert appointment.repair_order.pk == response.json()["id"]


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["requested", "confirmed", "converted", "no_show", "cancelled"])
def test_only_an_arrived_appointment_can_be_opened(status, api_as, advisor_a, store_a, vehicle_a):
    appointment = _appointment(store_a, vehicle_a, status)
    before = _nothing_written()

    response = post(
        api_as(advisor_a),
        "/api/v1/repair-orders",
        _payload(store_a, vehicle_a, appointment_id=appointment.pk),
    )

    assert response.status_code == 422, response.content
    assert response.json()["field"] == "appointment_id"
    assert _nothing_written() == before
    appointment.refresh_from_db()
    assert appointment.status == status


@pytest.mark.django_db
def test_an_appointment_of_another_car_or_store_cannot_be_opened(
    api_as, advisor_a, agent_a, customer_a, store_a, vehicle_a, vehicle_b
):
    other_car = make_vehicle(customer_a, agent_a, plate="京A66666")
    stranger = make_vehicle(make_customer(store_a, agent_a, name="赵六"), agent_a, plate="京A55555")
    appointment = _appointment(store_a, other_car, "arrived")
    client = api_as(advisor_a)
    # Same owner, another car; another owner's car.
    for car in (vehicle_a, stranger):
        response = post(
            client, "/api/v1/repair-orders", _payload(store_a, car, appointment_id=appointment.pk)
        )
        assert response.status_code == 422 and response.json()["field"] == "appointment_id"
    # Another store's appointment: not found for a store-A advisor.
    appointment_b = _appointment(vehicle_b.store, vehicle_b, "arrived")
    response = post(
        client,
        "/api/v1/repair-orders",
        _payload(store_a, vehicle_a, appointment_id=appointment_b.pk),
    )
    assert response.status_code == 404
    # A group admin sees both stores, but the appointment must belong to the order's store.
    admin = make_staff("admin", None)
    response = post(
        api_as(admin),
        "/api/v1/repair-orders",
        _payload(store_a, vehicle_a, appointment_id=appointment_b.pk),
    )
    assert response.status_code == 422 and response.json()["field"] == "appointment_id"
    assert RepairOrder.objects.count() == 0
    appointment.refresh_from_db()
    appointment_b.refresh_from_db()
    assert appointment.status == appointment_b.status == "arrived"
