"""Comebacks (返修): a later order for the same vehicle, within the store's comeback window after
the earlier delivery, that repeats a labour job of the earlier order."""

import datetime as dt

import pytest
import time_machine

from dealercare.workorders import services
from dealercare.workorders.models import RepairOrder, WorkshopPolicy

from ..factories import make_vehicle
from .conftest import NOW, drive, open_order, post

DELIVERED = NOW + dt.timedelta(hours=6)


@pytest.fixture
def earlier(advisor_a, vehicle_a):
    """An order with the labour job "更换前刹车片" delivered at DELIVERED."""
    with time_machine.travel(NOW, tick=False) as clock:
        order = open_order(advisor_a, vehicle_a, job_type="repair")
        services.repair_order_line_add(
            actor=advisor_a,
            repair_order=order,
            kind="labour",
            name="更换前刹车片",
            hours="1.5",
            unit_price="180",
        )
        services.repair_order_line_add(
            actor=advisor_a, repair_order=order, kind="part", name="刹车油", unit_price="60"
        )
        clock.move_to(DELIVERED)
        return drive(order, "delivered", advisor_a)


def _later(actor, vehicle, after: dt.timedelta, *, kind="labour", name="更换 前刹车片"):
    """An order opened `after` the earlier delivery with one line; returns it reloaded."""
    with time_machine.travel(DELIVERED + after, tick=False):
        order = open_order(actor, vehicle, job_type="repair")
        extra = {"hours": "1"} if kind == "labour" else {}
        services.repair_order_line_add(
            actor=actor, repair_order=order, kind=kind, name=name, unit_price="180", **extra
        )
    return RepairOrder.objects.get(pk=order.pk)


@pytest.mark.django_db
def test_a_repeated_job_within_30_days_is_a_comeback(api_as, advisor_a, vehicle_a, earlier):
    later = _later(advisor_a, vehicle_a, dt.timedelta(days=29, hours=23))

    assert later.comeback_of == earlier
    event = later.events.exclude(note="").get()
    assert "返修" in event.note and earlier.number in event.note
    body = api_as(advisor_a).get(f"/api/v1/repair-orders/{later.pk}").json()
    assert body["comeback_of_id"] == earlier.pk
    # A second repeated line does not flag (or log) it again.
    services.repair_order_line_add(
        actor=advisor_a,
        repair_order=later,
        kind="labour",
        name="更换前刹车片",
        hours="0.5",
        unit_price="180",
    )
    assert later.events.exclude(note="").count() == 1


@pytest.mark.django_db
def test_the_api_flags_a_comeback_when_the_line_is_added(frozen, api_as, advisor_a, vehicle_a):
    frozen.move_to(NOW - dt.timedelta(days=10))
    first = open_order(advisor_a, vehicle_a)
    client = api_as(advisor_a)
    line = {"kind": "labour", "name": "四轮定位", "hours": "1", "unit_price": "180"}
    assert post(client, f"/api/v1/repair-orders/{first.pk}/lines", line).status_code == 201
    drive(first, "delivered", advisor_a)
    frozen.move_to(NOW)
    second = open_order(advisor_a, vehicle_a)
    assert post(client, f"/api/v1/repair-orders/{second.pk}/lines", line).status_code == 201
    assert client.get(f"/api/v1/repair-orders/{second.pk}").json()["comeback_of_id"] == first.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("after", "kind", "name", "why"),
    [
        (dt.timedelta(days=30, minutes=1), "labour", "更换前刹车片", "outside the 30 days"),
        (dt.timedelta(days=3), "labour", "更换机油", "another job"),
        (dt.timedelta(days=3), "part", "更换前刹车片", "a part, not a job"),
    ],
)
def test_not_a_comeback(after, kind, name, why, advisor_a, vehicle_a, earlier):
    later = _later(advisor_a, vehicle_a, after, kind=kind, name=name)
    assert later.comeback_of is None, why
    assert not later.events.exclude(note="").exists()


@pytest.mark.django_db
def test_another_car_or_an_undelivered_order_is_not_a_comeback(
    advisor_a, agent_a, customer_a, vehicle_a, earlier
):
    other_car = make_vehicle(customer_a, agent_a, plate="京A99999")
    assert _later(advisor_a, other_car, dt.timedelta(days=3)).comeback_of is None
    # An earlier order of the same car that was cancelled, not delivered: no comeback.
    with time_machine.travel(DELIVERED + dt.timedelta(days=1), tick=False):
        cancelled = open_order(advisor_a, other_car)
        services.repair_order_line_add(
            actor=advisor_a,
            repair_order=cancelled,
            kind="labour",
            name="更换前刹车片",
            hours="1",
            unit_price="180",
        )
        drive(cancelled, "cancelled", advisor_a)
    assert _later(advisor_a, other_car, dt.timedelta(days=2)).comeback_of is None


@pytest.mark.django_db
def test_the_window_is_the_stores_policy(store_a, advisor_a, vehicle_a, earlier):
    WorkshopPolicy.objects.create(store=store_a, comeback_days=10)
    assert _later(advisor_a, vehicle_a, dt.timedelta(days=10, minutes=1)).comeback_of is None
    assert _later(advisor_a, vehicle_a, dt.timedelta(days=9, hours=23)).comeback_of == earlier


@pytest.mark.django_db
def test_a_longer_policy_window_counts_later_orders(store_a, advisor_a, vehicle_a, earlier):
    WorkshopPolicy.objects.create(store=store_a, comeback_days=60)
    assert _later(advisor_a, vehicle_a, dt.timedelta(days=45)).comeback_of == earlier
