"""The next-service prediction on hand-computed histories (DOMAIN.md "Maintenance and renewal
reminders": the earlier of last service + interval months and the day the predicted mileage
reaches last service km + interval km; the rate from the vehicle's own readings)."""

import datetime as dt
from decimal import Decimal

import pytest

from dealercare.reminders.forecast import (
    DEFAULT_DAILY_KM,
    Reading,
    add_months,
    daily_mileage,
    predict_next_service,
)
from dealercare.reminders.models import ServiceForecast, ServiceInterval
from dealercare.reminders.services import forecasts_refresh

from ..factories import make_vehicle
from .conftest import deliver_service, reading

D = dt.date


# -- the daily rate ----------------------------------------------------------------------------


def test_steady_driver_rate_is_km_over_days():
    # 01-01 → 03-02 is 60 days (31 + 29); 13,000 − 10,000 = 3,000 km → 50 km a day.
    readings = [Reading(D(2026, 1, 1), 10_000), Reading(D(2026, 2, 1), 11_550)]
    readings.append(Reading(D(2026, 3, 2), 13_000))
    assert daily_mileage(readings) == (Decimal("50.00"), True)


def test_rate_is_rounded_to_hundredths():
    # 1,000 km in 30 days = 33.333… → 33.33
    readings = [Reading(D(2026, 3, 1), 5_000), Reading(D(2026, 3, 31), 6_000)]
    assert daily_mileage(readings) == (Decimal("33.33"), True)


def test_odometer_correction_restarts_the_history():
    # The instrument cluster was replaced on 02-15 (50,000+ → 120 km): only the readings from
    # there count. 02-15 → 04-01 is 45 days (13 + 1 + 31); 1,500 − 120 = 1,380 km → 30.666… km.
    readings = [
        Reading(D(2026, 1, 1), 50_000),
        Reading(D(2026, 2, 1), 51_500),
        Reading(D(2026, 2, 15), 120),
        Reading(D(2026, 4, 1), 1_500),
    ]
    assert daily_mileage(readings) == (Decimal("30.67"), True)


def test_correction_leaves_too_little_history_so_the_default_rate_applies():
    # 59 days of history before the correction, one reading after it.
    readings = [
        Reading(D(2026, 1, 1), 50_000),
        Reading(D(2026, 3, 1), 53_000),
        Reading(D(2026, 3, 10), 100),
    ]
    assert daily_mileage(readings) == (DEFAULT_DAILY_KM, False)


def test_one_reading_gives_the_default_rate():
    assert daily_mileage([Reading(D(2026, 3, 2), 20_000)]) == (Decimal("40.00"), False)
    assert daily_mileage([]) == (Decimal("40.00"), False)


def test_readings_spanning_less_than_30_days_give_the_default_rate():
    first = Reading(D(2026, 3, 1), 10_000)
    assert daily_mileage([first, Reading(D(2026, 3, 30), 12_900)]) == (DEFAULT_DAILY_KM, False)
    # From 30 days on, the vehicle's own rate: 3,000 km / 30 days.
    assert daily_mileage([first, Reading(D(2026, 3, 31), 13_000)]) == (Decimal("100.00"), True)


# -- the due date --------------------------------------------------------------------------------


def test_mileage_bound_due_date_for_a_steady_driver():
    # 50 km a day; 15,000 − 13,000 = 2,000 km left → 40 days after 03-02 = 04-11, well before
    # the 6 months (07-01).
    forecast = predict_next_service(
        readings=[Reading(D(2026, 1, 1), 10_000), Reading(D(2026, 3, 2), 13_000)],
        last_service_date=D(2026, 1, 1),
        last_service_km=10_000,
    )
    assert (forecast.daily_km, forecast.from_history) == (Decimal("50.00"), True)
    assert (forecast.due_date, forecast.due_km) == (D(2026, 4, 11), 15_000)


def test_time_bound_due_date_for_a_low_mileage_driver():
    # 10 km a day: 4,400 km left would take 440 days; 6 months after 01-01 come first.
    forecast = predict_next_service(
        readings=[Reading(D(2026, 1, 1), 10_000), Reading(D(2026, 3, 2), 10_600)],
        last_service_date=D(2026, 1, 1),
        last_service_km=10_000,
    )
    assert forecast.daily_km == Decimal("10.00")
    assert (forecast.due_date, forecast.due_km) == (D(2026, 7, 1), 15_000)


def test_a_car_that_did_not_move_is_due_by_time():
    forecast = predict_next_service(
        readings=[Reading(D(2026, 1, 1), 10_000), Reading(D(2026, 3, 2), 10_000)],
        last_service_date=D(2026, 1, 1),
        last_service_km=10_000,
    )
    assert (forecast.daily_km, forecast.due_date) == (Decimal("0.00"), D(2026, 7, 1))


def test_default_rate_from_the_service_reading_alone():
    # 5,000 km at 40 km a day = 125 days after 03-02 → 07-05 (before 09-02).
    for readings in ([Reading(D(2026, 3, 2), 20_000)], []):
        forecast = predict_next_service(
            readings=readings, last_service_date=D(2026, 3, 2), last_service_km=20_000
        )
        assert forecast.from_history is False
        assert (forecast.due_date, forecast.due_km) == (D(2026, 7, 5), 25_000)


def test_the_last_reading_of_a_day_is_the_latest():
    # Two readings on 03-02: the later one (13,000) is where the car is; 2,000 km / 50 → 04-11.
    forecast = predict_next_service(
        readings=[
            Reading(D(2026, 1, 1), 10_000),
            Reading(D(2026, 3, 2), 12_950),
            Reading(D(2026, 3, 2), 13_000),
        ],
        last_service_date=D(2026, 1, 1),
        last_service_km=10_000,
    )
    assert forecast.due_date == D(2026, 4, 11)


def test_interval_arguments_change_both_bounds():
    # 7,500 km / 12 months at 50 km a day: 4,500 km left → 90 days after 03-02 = 05-31.
    forecast = predict_next_service(
        readings=[Reading(D(2026, 1, 1), 10_000), Reading(D(2026, 3, 2), 13_000)],
        last_service_date=D(2026, 1, 1),
        last_service_km=10_000,
        interval_km=7_500,
        interval_months=12,
    )
    assert (forecast.due_date, forecast.due_km) == (D(2026, 5, 31), 17_500)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),  # across the year end
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 5, 15), 0, D(2026, 5, 15)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 1, 31), 12, D(2027, 1, 31)),
    ],
)
def test_add_months_end_of_month(day, months, expected):
    assert add_months(day, months) == expected


def test_time_bound_due_date_at_a_month_end():
    forecast = predict_next_service(
        readings=[Reading(D(2026, 8, 31), 30_000)],
        last_service_date=D(2026, 8, 31),
        last_service_km=30_000,
        interval_km=50_000,
    )
    assert forecast.due_date == D(2027, 2, 28)


# -- through the database: readings, services and intervals ----------------------------------------


def test_refresh_learns_the_rate_from_recorded_readings_across_a_correction(
    vehicle_a, agent_a, advisor_a
):
    # Service at 80,000 km on the old cluster; cluster replaced on 02-01 (50 km); the next
    # service on 07-01 at 4,850 km. From 02-01: 4,800 km in 150 days = 32 km a day; 5,000 km
    # after 07-01 → 156.25 → 156 days → 12-04 (before 2027-01-01). The last service is the
    # latest order with its own mileage, not the highest mileage of any order.
    deliver_service(advisor_a, vehicle_a, D(2026, 1, 10), 80_000)
    reading(agent_a, vehicle_a, D(2026, 2, 1), 50, reason="更换仪表总成")
    deliver_service(advisor_a, vehicle_a, D(2026, 7, 1), 4_850)
    forecasts_refresh(today=D(2026, 7, 2))
    forecast = ServiceForecast.objects.get(vehicle=vehicle_a)
    assert (forecast.last_service_date, forecast.last_service_km) == (D(2026, 7, 1), 4_850)
    assert (forecast.daily_km, forecast.rate_source) == (Decimal("32.00"), "history")
    assert (forecast.due_date, forecast.due_km) == (D(2026, 12, 4), 9_850)
    assert forecast.computed_on == D(2026, 7, 2)


def test_repair_visit_is_not_a_service(vehicle_a, agent_a, advisor_a):
    deliver_service(advisor_a, vehicle_a, D(2026, 1, 10), 10_000)
    deliver_service(advisor_a, vehicle_a, D(2026, 3, 11), 12_400, job_type="repair")
    forecasts_refresh()
    forecast = ServiceForecast.objects.get(vehicle=vehicle_a)
    # 2,400 km in 60 days = 40 km a day; the anchor stays the 01-10 maintenance:
    # 2,600 km left → 65 days after 03-11 = 05-15.
    assert (forecast.last_service_date, forecast.last_service_km) == (D(2026, 1, 10), 10_000)
    assert (forecast.rate_source, forecast.due_date) == ("history", D(2026, 5, 15))


def test_brand_and_model_intervals_before_the_default(customer_a, agent_a):
    ServiceInterval.objects.create(brand="大众", model="帕萨特", km=7_500, months=12)
    ServiceInterval.objects.create(brand="大众", model="", km=10_000, months=12)
    bought = D(2026, 1, 5)
    passat = make_vehicle(customer_a, agent_a, purchase_date=bought)
    lavida = make_vehicle(customer_a, agent_a, model="朗逸", purchase_date=bought)
    corolla = make_vehicle(customer_a, agent_a, brand="丰田", model="卡罗拉", purchase_date=bought)
    forecasts_refresh()
    due = {
        f.vehicle_id: (f.due_date, f.due_km, f.rate_source) for f in ServiceForecast.objects.all()
    }
    # No readings: 40 km a day from 0 km at purchase.
    # Model row 7,500 km → 187.5 → 188 days = 07-12 (12 months later is 2027-01-05).
    assert due[passat.pk] == (D(2026, 7, 12), 7_500, "default")
    # Brand row 10,000 km → 250 days = 09-12.
    assert due[lavida.pk] == (D(2026, 9, 12), 10_000, "default")
    # Default 5,000 km / 6 months → 125 days = 05-10 (before 07-05).
    assert due[corolla.pk] == (D(2026, 5, 10), 5_000, "default")
