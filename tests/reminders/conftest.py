import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from dealercare.appointments.models import Appointment
from dealercare.customers.models import Vehicle
from dealercare.customers.services import mileage_record
from dealercare.reminders.services import reminders_schedule
from dealercare.workorders import services as workorders
from dealercare.workorders.models import RepairOrder

from ..factories import make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The daily run starts at 08:15 Beijing time (reminders/tasks.py).
RUN_TIME = dt.time(8, 15)
START = dt.datetime(2026, 1, 2, 10, 0, tzinfo=SHANGHAI)
DELIVERY_PATH = ["dispatched", "in_progress", "qc", "washing", "ready", "settled", "delivered"]


def at(day: dt.date, time: dt.time = dt.time(10)) -> dt.datetime:
    """A moment on `day` in the store's zone."""
    return dt.datetime.combine(day, time, tzinfo=SHANGHAI)


def days(start: dt.date, end: dt.date):
    """Every day from `start` to `end`, both included."""
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def run_on(day: dt.date) -> dict[str, int]:
    """The daily run as the scheduler starts it on `day`."""
    with time_machine.travel(at(day, RUN_TIME), tick=False):
        return reminders_schedule()


def reading(actor, vehicle, day: dt.date, km: int, reason: str = ""):
    with time_machine.travel(at(day), tick=False):
        return mileage_record(actor=actor, vehicle=vehicle, km=km, reason=reason)


def deliver_service(actor, vehicle, day: dt.date, km: int, job_type: str = "maintenance"):
    """A repair order received with `km` and delivered on `day`, through the real services."""
    with time_machine.travel(at(day, dt.time(9)), tick=False):
        vehicle = Vehicle.objects.select_related("store").get(pk=vehicle.pk)
        order = workorders.repair_order_open(
            actor=actor,
            store=vehicle.store,
            vehicle=vehicle,
            mileage_km=km,
            description="常规保养",
            job_type=job_type,
            promised_at=timezone.now() + dt.timedelta(hours=4),
        )
        for step in DELIVERY_PATH:
            order = workorders.repair_order_transition(repair_order=order, to=step, actor=actor)
    assert order.status == RepairOrder.Status.DELIVERED
    return order


def book(vehicle, created: dt.datetime) -> Appointment:
    """An appointment of `vehicle` made at `created` (for a day a week later)."""
    with time_machine.travel(created, tick=False):
        start = created + dt.timedelta(days=7)
        return Appointment.objects.create(
            store_id=vehicle.store_id,
            customer_id=vehicle.owner_id,
            vehicle=vehicle,
            start=start,
            end=start + dt.timedelta(hours=1),
            channel=Appointment.Channel.PHONE,
        )


@pytest.fixture(autouse=True)
def clock():
    """The story starts on 2026-01-02: customers, vehicles and their consents are recorded
    before the dates the tests travel to (the clock runs; each step travels and freezes)."""
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


@pytest.fixture
def advisor_a(store_a):
    return make_staff("service_advisor", store_a)
