"""Predicting a vehicle's next service from its own mileage history (pure functions).

Next service = the earlier of (last service date + interval months) and the day the predicted
mileage reaches (last service mileage + interval km). The daily mileage comes from the
vehicle's readings; a reading lower than the one before (an odometer correction or a replaced
instrument cluster) starts the history afresh. Too little history → the default rate.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_DAILY_KM = Decimal("40.00")  # about 14,600 km a year, a typical private car
MIN_HISTORY_DAYS = 30


@dataclass(frozen=True)
class Reading:
    day: dt.date
    km: int


@dataclass(frozen=True)
class Forecast:
    daily_km: Decimal
    from_history: bool
    due_date: dt.date
    due_km: int


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def daily_mileage(readings: list[Reading]) -> tuple[Decimal, bool]:
    """(km per day, from history?) from readings in time order."""
    segment: list[Reading] = []
    for reading in readings:
        if segment and reading.km < segment[-1].km:
            segment = []  # odometer corrected: earlier readings no longer compare
        segment.append(reading)
    if len(segment) >= 2:
        first, last = segment[0], segment[-1]
        days = (last.day - first.day).days
        if days >= MIN_HISTORY_DAYS:
            rate = Decimal(last.km - first.km) / Decimal(days)
            return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), True
    return DEFAULT_DAILY_KM, False


def predict_next_service(
    *,
    readings: list[Reading],
    last_service_date: dt.date,
    last_service_km: int,
    interval_km: int = 5000,
    interval_months: int = 6,
) -> Forecast:
    rate, from_history = daily_mileage(readings)
    by_time = add_months(last_service_date, interval_months)
    due_km = last_service_km + interval_km
    # The last reading in time order (of two on one day, the later one, not the first).
    latest = readings[-1] if readings else Reading(last_service_date, last_service_km)
    if latest.day < last_service_date or latest.km < last_service_km:
        latest = Reading(last_service_date, last_service_km)
    remaining = due_km - latest.km
    if rate > 0:
        days = int((Decimal(remaining) / rate).to_integral_value(rounding=ROUND_HALF_UP))
        by_km = latest.day + dt.timedelta(days=days)
    else:
        by_km = by_time
    return Forecast(rate, from_history, min(by_time, by_km), due_km)
