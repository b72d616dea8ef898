"""The workshop state machine, pair by pair through the API: every legal step succeeds, writes
who and when (order event + customer timeline) and notifies the owner on the key steps; every
illegal one is a 409 `illegal_transition` that changes nothing."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from dealercare.customers.models import CustomerEvent
from dealercare.notifications.models import Message
from dealercare.org.services import api_token_create
from dealercare.workorders.models import RepairOrder, RepairOrderEvent

from .conftest import NOW, STATES, drive, open_order, post

# DOMAIN.md: reception → dispatched → in_progress → [waiting_parts] → qc → washing → ready →
# settled → delivered; cancelled before the work starts; qc may send the car back to work or
# (no washing wanted) straight to ready.
LEGAL = {
    ("reception", "dispatched"),
    ("reception", "cancelled"),
    ("dispatched", "in_progress"),
    ("dispatched", "cancelled"),
    ("in_progress", "waiting_parts"),
    ("in_progress", "qc"),
    ("waiting_parts", "in_progress"),
    ("qc", "washing"),
    ("qc", "ready"),
    ("qc", "in_progress"),
    ("washing", "ready"),
    ("ready", "settled"),
    ("settled", "delivered"),
}
# The owner hears about these steps (one message each, on the outbox channel).
NOTIFIED = {"dispatched": "ro_dispatched", "ready": "ro_ready"}


def _snapshot(order):
    order.refresh_from_db()
    return {
        "status": order.status,
        "updated_at": order.updated_at,
        "settled_total": order.settled_total,
        "delivered_at": order.delivered_at,
        "events": RepairOrderEvent.objects.filter(repair_order=order).count(),
        "timeline": CustomerEvent.objects.filter(customer_id=order.customer_id).count(),
        "messages": Message.objects.count(),
    }


class _Undo(Exception):
    """Raised to roll a savepoint back: each target is tried on the same order afresh."""


@pytest.mark.django_db
@pytest.mark.parametrize("source", STATES)
def test_every_pair_of_states(source, frozen, api_as, advisor_a, vehicle_a):
    order = drive(open_order(advisor_a, vehicle_a), source, advisor_a)
    client = api_as(advisor_a)
    for target in STATES:
        frozen.move_to(NOW)
        try:
            with transaction.atomic():
                _check_step(client, order, source, target, frozen, advisor_a)
                raise _Undo
        except _Undo:
            pass
        assert _snapshot(order)["status"] == source


def _check_step(client, order, source, target, frozen, actor):
    pair = f"{source} -> {target}"
    last_event = RepairOrderEvent.objects.order_by("-id").values_list("id", flat=True).first()
    last_timeline = CustomerEvent.objects.order_by("-id").values_list("id", flat=True).first()
    last_message = Message.objects.order_by("-id").values_list("id", flat=True).first() or 0
    before = _snapshot(order)
    frozen.shift(60)  # the step happens a minute later

    response = post(client, f"/api/v1/repair-orders/{order.pk}/transition", {"to": target})

    if (source, target) not in LEGAL:
        assert response.status_code == 409, (pair, response.content)
        assert response.json()["code"] == "illegal_transition", pair
        assert response.json()["field"] == "to", pair
        assert _snapshot(order) == before, pair
        return

    assert response.status_code == 200, (pair, response.content)
    assert response.json()["status"] == target, pair
    order.refresh_from_db()
    assert order.status == target, pair
    when = NOW.replace(minute=1)
    # Who and when, on the order ...
    event = RepairOrderEvent.objects.get(repair_order=order, id__gt=last_event)
    assert (event.from_status, event.to_status) == (source, target), pair
    assert event.actor == actor and event.at == when, pair
    # ... and on the customer's timeline.
    row = CustomerEvent.objects.get(customer_id=order.customer_id, id__gt=last_timeline)
    assert row.kind == CustomerEvent.Kind.REPAIR_ORDER, pair
    assert row.actor == actor and row.at == when, pair
    assert row.data == {"repair_order_id": order.pk, "status": target}, pair
    assert order.number in row.summary, pair
    assert response.json()["timeline"][-1]["to_status"] == target, pair
    # One message to the owner on the key steps, none otherwise.
    new_messages = list(Message.objects.filter(id__gt=last_message))
    if target in NOTIFIED:
        assert [m.template for m in new_messages] == [NOTIFIED[target]], pair
        message = new_messages[0]
        assert message.customer_id == order.customer_id, pair
        assert message.recipient == order.customer.mobile, pair
        assert message.channel == "outbox", pair
        assert order.number in message.body, pair
    else:
        assert new_messages == [], pair
    if target == "settled":
        assert order.settled_total is not None and order.settled_at == when, pair
    if target == "delivered":
        assert order.delivered_at == when, pair


def test_the_table_covers_every_pair():
    assert len(STATES) == 10 and len(set(STATES)) == 10
    assert {s for pair in LEGAL for s in pair} == set(STATES)


@pytest.mark.django_db
def test_an_unknown_state_is_refused(api_as, advisor_a, vehicle_a):
    order = open_order(advisor_a, vehicle_a)
    response = post(
        api_as(advisor_a), f"/api/v1/repair-orders/{order.pk}/transition", {"to": "lost"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "to"
    order.refresh_from_db()
    assert order.status == "reception"


@pytest.mark.django_db
def test_a_stale_order_cannot_make_a_step_twice(advisor_a, vehicle_a):
    """Two advisors holding the same order: the second step from the old state is refused."""
    from dealercare.workorders import services
    from dealercare.workorders.errors import IllegalTransition

    order = open_order(advisor_a, vehicle_a)
    first, second = RepairOrder.objects.get(pk=order.pk), RepairOrder.objects.get(pk=order.pk)
    services.repair_order_transition(repair_order=first, to="cancelled", actor=advisor_a)
    with pytest.raises(IllegalTransition):
        services.repair_order_transition(repair_order=second, to="dispatched", actor=advisor_a)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert list(order.events.values_list("to_status", flat=True)) == ["reception", "cancelled"]
    assert not Message.objects.filter(template="ro_dispatched").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_steps_only_one_wins(store_a, advisor_a, vehicle_a):
    """Three advisors dispatch the same order at the same moment, each request on its own
    database connection: one succeeds, the others are told it already moved."""
    order = open_order(advisor_a, vehicle_a)
    requests = 3
    keys = [api_token_create(user=advisor_a)[1] for _ in range(requests)]
    barrier = threading.Barrier(requests)
    results: list = [None] * requests

    def run(index):
        try:
            client = Client(headers={"Authorization": f"Bearer {keys[index]}"})
            barrier.wait(timeout=30)
            url = f"/api/v1/repair-orders/{order.pk}/transition"
            response = post(client, url, {"to": "dispatched"})
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # reported by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(result[0] for result in results) == [200, 409, 409], results
    assert all(r[1]["code"] == "illegal_transition" for r in results if r[0] == 409)
    order.refresh_from_db()
    assert order.status == "dispatched"
    assert list(order.events.values_list("to_status", flat=True)) == ["reception", "dispatched"]
    assert Message.objects.filter(template="ro_dispatched").count() == 1
