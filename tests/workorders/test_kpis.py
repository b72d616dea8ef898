"""The workshop KPIs on hand-computed cases."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from dealercare.org.calendar import store_calendar
from dealercare.org.models import StoreCalendarOverride
from dealercare.workorders.models import RepairOrder
from dealercare.workorders.selectors import (
    comeback_rate,
    insurance_revenue_per_repair_order,
    on_time_delivery_rate,
    revenue_per_repair_order,
    vehicles_per_working_day,
)

from .conftest import SHANGHAI

_numbers = itertools.count(1)


def _at(day: int, hour: int = 12, minute: int = 0, month: int = 6) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def _order(vehicle, *, status="delivered", job_type="maintenance", **fields) -> RepairOrder:
    """A repair order row as the services leave it (the KPIs read rows, not workflows)."""
    return RepairOrder.objects.create(
        store=vehicle.store,
        vehicle=vehicle,
        customer_id=vehicle.owner_id,
        number=f"RO20250601{next(_numbers):04d}",
        job_type=job_type,
        status=status,
        mileage_km=10_000,
        description="保养",
        promised_at=fields.pop("promised_at", _at(2, 18)),
        **fields,
    )


@pytest.mark.django_db
def test_vehicles_per_working_day_over_a_week_with_a_holiday(
    store_a, store_b, vehicle_a, vehicle_b
):
    # Mon 2 June 2025 is the Dragon Boat holiday; Tue–Fri work; Sat 7 and Sun 8 are weekend.
    for delivered in [
        _at(2, 0, 30),  # on the holiday, just after midnight in Beijing (16:30 UTC on the 1st)
        _at(3, 9),
        _at(3, 11),
        _at(4, 16),
        _at(7, 10),
        _at(7, 15),
        _at(8, 23, 59),  # the last minute of the week in Beijing
        _at(1, 23, 59),  # the day before the week: not counted
        _at(9, 0, 0),  # the day after: not counted
    ]:
        _order(vehicle_a, delivered_at=delivered)
    _order(vehicle_a, status="settled", settled_total=Decimal("100.00"))  # not delivered yet
    _order(vehicle_b, delivered_at=_at(4))  # store B
    orders = RepairOrder.objects.filter(store=store_a)
    start, end = dt.date(2025, 6, 2), dt.date(2025, 6, 8)

    # 7 cars over 4 working days (3–6 June).
    assert vehicles_per_working_day(orders, store_calendar(store_a), start, end) == Decimal("1.75")
    # The store opens the workshop on Saturday 7 June: 5 working days.
    StoreCalendarOverride.objects.create(
        store=store_a, date=dt.date(2025, 6, 7), is_working_day=True
    )
    assert vehicles_per_working_day(orders, store_calendar(store_a), start, end) == Decimal("1.40")
    # And closes on Wednesday 4 June: 4 working days again, the same 7 cars.
    StoreCalendarOverride.objects.create(
        store=store_a, date=dt.date(2025, 6, 4), is_working_day=False
    )
    assert vehicles_per_working_day(orders, store_calendar(store_a), start, end) == Decimal("1.75")
    # Only the holiday and a weekend day: no working day, no figure.
    calendar = store_calendar(store_b)
    assert (
        vehicles_per_working_day(orders, calendar, dt.date(2025, 5, 31), dt.date(2025, 6, 2))
        is None
    )
    # Working days without deliveries: zero.
    assert vehicles_per_working_day(
        orders, calendar, dt.date(2025, 6, 10), dt.date(2025, 6, 13)
    ) == Decimal("0.00")


@pytest.mark.django_db
def test_revenue_per_repair_order_overall_and_insurance(store_a, vehicle_a, vehicle_b):
    for total, job_type, status in [
        ("500.00", "maintenance", "delivered"),
        ("800.00", "repair", "settled"),
        ("1100.01", "warranty", "delivered"),
        ("1800.00", "insurance", "delivered"),
        ("2600.00", "insurance", "settled"),
    ]:
        _order(vehicle_a, status=status, job_type=job_type, settled_total=Decimal(total))
    _order(vehicle_a, status="ready", job_type="insurance")  # not billed yet
    _order(vehicle_a, status="cancelled")
    _order(vehicle_b, status="delivered", job_type="insurance", settled_total=Decimal("9999.00"))
    orders = RepairOrder.objects.filter(store=store_a)

    # (500 + 800 + 1100.01 + 1800 + 2600) / 5 = 6800.01 / 5 = 1360.002
    assert revenue_per_repair_order(orders) == Decimal("1360.00")
    # (1800 + 2600) / 2
    assert insurance_revenue_per_repair_order(orders) == Decimal("2200.00")
    assert revenue_per_repair_order(orders, job_type="maintenance") == Decimal("500.00")
    assert revenue_per_repair_order(orders, job_type="internal") is None
    assert revenue_per_repair_order(RepairOrder.objects.none()) is None


@pytest.mark.django_db
def test_revenue_rounds_half_a_cent_up_on_every_database(vehicle_a):
    _order(vehicle_a, settled_total=Decimal("800.00"))
    _order(vehicle_a, settled_total=Decimal("800.01"))
    assert revenue_per_repair_order(RepairOrder.objects.all()) == Decimal("800.01")  # 800.005


@pytest.mark.django_db
def test_comeback_rate(store_a, vehicle_a, vehicle_b):
    earlier = _order(vehicle_a, delivered_at=_at(2))
    for _ in range(5):
        _order(vehicle_a, delivered_at=_at(3))
    _order(vehicle_a, status="in_progress", comeback_of=earlier)
    _order(vehicle_a, status="cancelled", comeback_of=earlier)  # not counted at all
    _order(vehicle_a, status="cancelled")
    _order(vehicle_b, comeback_of=_order(vehicle_b, delivered_at=_at(2)), delivered_at=_at(5))
    orders = RepairOrder.objects.filter(store=store_a)

    assert comeback_rate(orders) == Decimal("0.1429")  # 1 of 7
    assert comeback_rate(RepairOrder.objects.all()) == Decimal("0.2222")  # 2 of 9
    assert comeback_rate(RepairOrder.objects.filter(status="cancelled")) is None


@pytest.mark.django_db
def test_on_time_delivery_rate(store_a, vehicle_a, vehicle_b):
    promised = _at(3, 17, 30)
    _order(vehicle_a, promised_at=promised, delivered_at=_at(3, 16))  # early
    _order(vehicle_a, promised_at=promised, delivered_at=promised)  # to the minute: on time
    _order(vehicle_a, promised_at=promised, delivered_at=_at(3, 17, 31))  # one minute late
    _order(vehicle_a, promised_at=promised, delivered_at=_at(4, 9))  # next morning
    _order(vehicle_a, promised_at=promised, status="ready")  # not delivered: not counted
    _order(vehicle_b, promised_at=promised, delivered_at=_at(3, 10))
    orders = RepairOrder.objects.filter(store=store_a)

    assert on_time_delivery_rate(orders) == Decimal("0.5000")  # 2 of 4
    assert on_time_delivery_rate(RepairOrder.objects.all()) == Decimal("0.6000")  # 3 of 5
    assert on_time_delivery_rate(orders.filter(status="ready")) is None
