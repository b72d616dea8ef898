import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dealercare.appointments.models import Bay, SlotCounter

from ..factories import make_customer, make_staff, make_vehicle

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning; the next working day is Tuesday 2026-12-01.
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def bays_a(store_a):
    return [Bay.objects.create(store=store_a, name=f"{n}号工位") for n in (1, 2, 3)]


@pytest.fixture
def advisor_a(store_a):
    return make_staff("service_advisor", store_a)


@pytest.fixture
def cars_a(store_a, agent_a):
    """Five customers of store A, each with a car: [(customer, vehicle), ...]."""
    cars = []
    for n in range(5):
        customer = make_customer(store_a, agent_a, name=f"客户{n}", mobile=f"1370000000{n}")
        cars.append((customer, make_vehicle(customer, agent_a, plate=f"京A5000{n}")))
    return cars


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def book(client, *, store, customer, vehicle=None, start, **extra):
    """POST /api/v1/appointments (phone channel, maintenance unless told otherwise)."""
    payload = {
        "store_id": store.pk,
        "customer_id": customer.pk,
        "vehicle_id": vehicle.pk if vehicle else None,
        "start": start.isoformat(),
        "service_type": "maintenance",
        "channel": "phone",
        **extra,
    }
    return client.post("/api/v1/appointments", payload, content_type="application/json")


def slot_of(client, store, start: dt.datetime, *, path="/api/v1", **params) -> dict:
    """The slot starting at `start` as the slots endpoint reports it."""
    day = start.astimezone(SHANGHAI).date()
    query = "&".join(f"{k}={v}" for k, v in {"date": day.isoformat(), **params}.items())
    response = client.get(
        f"{path}/stores/{store.pk if path == '/api/v1' else store.code}/slots?{query}"
    )
    assert response.status_code == 200, response.content
    for slot in response.json()["slots"]:
        if dt.datetime.fromisoformat(slot["start"]) == start:
            return slot
    raise AssertionError(f"no slot at {start} in {response.json()}")


def booked(store, start: dt.datetime, service_type: str = "", kind: str = "service") -> int:
    """The slot counter's `booked` (0 when no counter row exists yet)."""
    counter = SlotCounter.objects.filter(
        store=store, kind=kind, start=start, service_type=service_type
    ).first()
    return counter.booked if counter else 0
