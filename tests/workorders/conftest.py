import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from dealercare.customers.models import Vehicle
from dealercare.workorders import services
from dealercare.workorders.models import RepairOrder

from ..factories import make_staff, make_vehicle

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning in the store's zone.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)

# The way from reception to each state (DOMAIN.md "Repair orders").
PATH = {
    "reception": [],
    "dispatched": ["dispatched"],
    "in_progress": ["dispatched", "in_progress"],
    "waiting_parts": ["dispatched", "in_progress", "waiting_parts"],
    "qc": ["dispatched", "in_progress", "qc"],
    "washing": ["dispatched", "in_progress", "qc", "washing"],
    "ready": ["dispatched", "in_progress", "qc", "washing", "ready"],
    "settled": ["dispatched", "in_progress", "qc", "washing", "ready", "settled"],
    "delivered": ["dispatched", "in_progress", "qc", "washing", "ready", "settled", "delivered"],
    "cancelled": ["cancelled"],
}
STATES = list(PATH)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def advisor_a(store_a):
    return make_staff("service_advisor", store_a)


@pytest.fixture
def advisor_b(store_b):
    return make_staff("service_advisor", store_b)


@pytest.fixture
def vehicle_b(customer_b, agent_b):
    return make_vehicle(customer_b, agent_b, plate="沪A54321")


def open_order(actor, vehicle, *, hours_until_promised: float = 4, **extra) -> RepairOrder:
    """Receive `vehicle` through the real service; the mileage goes up by 1,000 km each time."""
    vehicle = Vehicle.objects.select_related("store").get(pk=vehicle.pk)
    values = {
        "mileage_km": (vehicle.current_mileage_km or 10_000) + 1_000,
        "description": "常规保养",
        "job_type": "maintenance",
        "promised_at": timezone.now() + dt.timedelta(hours=hours_until_promised),
        **extra,
    }
    return services.repair_order_open(actor=actor, store=vehicle.store, vehicle=vehicle, **values)


def drive(order: RepairOrder, to: str, actor) -> RepairOrder:
    """Move `order` along PATH to the state `to` through the services."""
    order = RepairOrder.objects.get(pk=order.pk)
    steps = PATH[to]
    done = PATH.get(order.status, [])
    if steps[: len(done)] != done:
        raise AssertionError(f"{order.status} is not on the way to {to}")
    for step in steps[len(done) :]:
        order = services.repair_order_transition(repair_order=order, to=step, actor=actor)
    return order


def post(client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")
