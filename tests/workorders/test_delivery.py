"""Delivery (交车) publishes `repair_order_delivered` exactly once, after the commit: what hangs
on it (follow-ups, reminders) never sees a delivery that was rolled back."""

import datetime as dt

import pytest
from django.db import transaction

from dealercare.customers.models import Customer
from dealercare.workorders import services
from dealercare.workorders.errors import IllegalTransition
from dealercare.workorders.models import RepairOrder
from dealercare.workorders.signals import repair_order_delivered

from .conftest import NOW, drive, open_order, post


@pytest.fixture
def received():
    """The deliveries the signal announced: [(repair_order_id, at, in_atomic_block)]."""
    calls = []

    def receiver(sender, repair_order, at, **kwargs):
        calls.append((repair_order.pk, at, transaction.get_connection().in_atomic_block))

    repair_order_delivered.connect(receiver, dispatch_uid="test-delivery-receiver")
    yield calls
    repair_order_delivered.disconnect(dispatch_uid="test-delivery-receiver")


@pytest.mark.django_db
def test_delivery_is_published_once_after_commit(
    frozen, received, api_as, advisor_a, vehicle_a, django_capture_on_commit_callbacks
):
    order = drive(open_order(advisor_a, vehicle_a), "settled", advisor_a)
    client = api_as(advisor_a)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, f"/api/v1/repair-orders/{order.pk}/transition", {"to": "delivered"})
        assert response.status_code == 200, response.content
        assert received == []  # not before the commit
    assert len(callbacks) >= 1
    assert [(pk, at) for pk, at, _ in received] == [(order.pk, NOW)]

    # A second delivery is refused and publishes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"/api/v1/repair-orders/{order.pk}/transition", {"to": "delivered"})
    assert response.status_code == 409
    assert len(received) == 1
    order.refresh_from_db()
    assert order.delivered_at == NOW
    assert Customer.objects.get(pk=order.customer_id).last_visit_at == NOW.date()


@pytest.mark.django_db
def test_a_rolled_back_delivery_publishes_nothing(
    received, advisor_a, vehicle_a, django_capture_on_commit_callbacks
):
    order = drive(open_order(advisor_a, vehicle_a), "settled", advisor_a)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.repair_order_deliver(repair_order=order, actor=advisor_a)
        raise RuntimeError("the caller's transaction fails after the delivery")

    assert callbacks == [] and received == []
    order.refresh_from_db()
    assert order.status == "settled" and order.delivered_at is None


@pytest.mark.django_db
def test_an_illegal_delivery_publishes_nothing(
    received, advisor_a, vehicle_a, django_capture_on_commit_callbacks
):
    order = drive(open_order(advisor_a, vehicle_a), "ready", advisor_a)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(IllegalTransition):
        services.repair_order_deliver(repair_order=order, actor=advisor_a)
    assert received == []


@pytest.mark.django_db
def test_the_last_visit_never_goes_back(frozen, advisor_a, vehicle_a):
    order = drive(open_order(advisor_a, vehicle_a), "settled", advisor_a)
    Customer.objects.filter(pk=order.customer_id).update(
        last_visit_at=NOW.date() + dt.timedelta(days=3)
    )
    services.repair_order_deliver(repair_order=order, actor=advisor_a, at=NOW)
    assert Customer.objects.get(pk=order.customer_id).last_visit_at == NOW.date() + dt.timedelta(
        days=3
    )


@pytest.mark.django_db(transaction=True)
def test_the_signal_runs_after_a_real_commit(received, store_a, advisor_a, vehicle_a):
    order = drive(open_order(advisor_a, vehicle_a), "settled", advisor_a)

    services.repair_order_deliver(repair_order=order, actor=advisor_a)

    assert len(received) == 1
    pk, _at, in_atomic_block = received[0]
    assert pk == order.pk and in_atomic_block is False  # outside any transaction: committed
    assert RepairOrder.objects.get(pk=order.pk).status == "delivered"
