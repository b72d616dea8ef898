"""GET /api/v1/vehicles/{id}/service-forecast: the prediction and the vehicle's reminders.

Serviced on 2026-01-01 at 10,000 km, read 13,000 km on 03-02: 50 km a day, due 04-11 at
15,000 km; the first reminder went out on 03-28 (due − 14)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from ..conftest import api_client_for
from ..factories import make_vehicle
from .conftest import RUN_TIME, at, deliver_service, reading, run_on

D = dt.date
URL = "/api/v1/vehicles/{}/service-forecast"


@pytest.fixture
def forecast_vehicle(vehicle_a, agent_a, advisor_a):
    deliver_service(advisor_a, vehicle_a, D(2026, 1, 1), 10_000)
    reading(agent_a, vehicle_a, D(2026, 3, 2), 13_000)
    run_on(D(2026, 3, 28))
    return vehicle_a


def get(user, vehicle_id):
    with time_machine.travel(at(D(2026, 3, 30)), tick=False):
        return api_client_for(user).get(URL.format(vehicle_id))


def test_forecast_fields(forecast_vehicle, agent_a):
    response = get(agent_a, forecast_vehicle.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    reminders = body.pop("reminders")
    assert body == {
        "vehicle_id": forecast_vehicle.pk,
        "last_service_date": "2026-01-01",
        "last_service_km": 10_000,
        "daily_km": "50.00",
        "rate_source": "history",
        "due_date": "2026-04-11",
        "due_km": 15_000,
        # 13,000 km on 03-02 + 28 days × 50 km
        "predicted_km_today": 14_400,
    }
    [reminder] = reminders
    assert dt.datetime.fromisoformat(reminder.pop("sent_at")) == at(D(2026, 3, 28), RUN_TIME)
    assert reminder == {
        "id": reminder["id"],
        "kind": "maintenance",
        "stage": "first",
        "due_date": "2026-04-11",
        "send_on": "2026-03-28",
        "status": "sent",
        "booked_appointment_id": None,
    }


def test_forecast_of_a_vehicle_without_history(customer_a, agent_a):
    vehicle = make_vehicle(customer_a, agent_a, purchase_date=D(2026, 1, 5))
    response = get(agent_a, vehicle.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    # No reading, no service: 40 km a day from purchase → 5,000 km after 125 days (05-10).
    assert (body["rate_source"], body["daily_km"], body["due_date"]) == (
        "default",
        "40.00",
        "2026-05-10",
    )
    assert (body["last_service_date"], body["due_km"], body["reminders"]) == (None, 5_000, [])
    # 0 km at purchase + 84 days × 40 km (the forecast's own assumption).
    assert body["predicted_km_today"] == 3_360


def test_other_store_gets_404_and_group_quality_sees_it(forecast_vehicle, agent_b, hq_user):
    assert get(agent_b, forecast_vehicle.pk).status_code == 404
    assert get(agent_b, 999_999).status_code == 404
    assert get(hq_user, forecast_vehicle.pk).status_code == 200


def test_anonymous_is_refused(forecast_vehicle):
    assert Client().get(URL.format(forecast_vehicle.pk)).status_code == 401
