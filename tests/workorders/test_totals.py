"""The bill: exact Decimal sums, add-ons charged only when approved, the total frozen at
settlement."""

from decimal import Decimal

import pytest

from dealercare.workorders import selectors, services
from dealercare.workorders.errors import OrderClosed
from dealercare.workorders.models import AddOn, RepairOrder

from .conftest import drive, open_order, post


def _bill(actor, vehicle):
    """0.5 h × 180.00 + 4 × 65.50, add-ons 480.00 approved, 200.00 pending, 150.00 declined."""
    order = open_order(actor, vehicle)
    services.repair_order_line_add(
        actor=actor,
        repair_order=order,
        kind="labour",
        name="更换机油",
        hours="0.5",
        unit_price="180.00",
    )
    services.repair_order_line_add(
        actor=actor,
        repair_order=order,
        kind="part",
        name="机油 1L",
        quantity="4",
        unit_price="65.50",
    )
    approved = services.add_on_create(
        actor=actor, repair_order=order, name="前刹车片", price="480.00"
    )
    pending = services.add_on_create(
        actor=actor, repair_order=order, name="空调滤芯", price="200.00"
    )
    declined = services.add_on_create(
        actor=actor, repair_order=order, name="雨刮片", price="150.00"
    )
    services.add_on_decide(add_on=approved, decision="approved")
    services.add_on_decide(add_on=declined, decision="declined")
    return order, pending


@pytest.mark.django_db
def test_totals_are_exact_sums_and_only_approved_add_ons_count(api_as, advisor_a, vehicle_a):
    order, _pending = _bill(advisor_a, vehicle_a)
    RepairOrder.objects.filter(pk=order.pk).update(discount=Decimal("20.00"))

    totals = services.repair_order_totals(RepairOrder.objects.get(pk=order.pk))

    assert totals == {
        "labour": Decimal("90.00"),
        "parts": Decimal("262.00"),
        "add_ons_approved": Decimal("480.00"),
        "add_ons_pending": Decimal("200.00"),
        "discount": Decimal("20.00"),
        "total": Decimal("812.00"),  # 90 + 262 + 480 − 20; 200 pending and 150 declined: not
    }
    assert all(type(value) is Decimal for value in totals.values())
    body = api_as(advisor_a).get(f"/api/v1/repair-orders/{order.pk}").json()
    assert body["totals"] == {
        "labour": "90.00",
        "parts": "262.00",
        "add_ons_approved": "480.00",
        "add_ons_pending": "200.00",
        "discount": "20.00",
        "total": "812.00",
    }
    assert [line["amount"] for line in body["lines"]] == ["90.00", "262.00"]
    assert [a["decision"] for a in body["add_ons"]] == ["approved", "pending", "declined"]


@pytest.mark.django_db
def test_line_amounts_round_half_up_and_cents_add_up_exactly(advisor_a, vehicle_a):
    order = open_order(advisor_a, vehicle_a)
    # 0.25 h × 180.10 = 45.025 → 45.03 (half-up, like a cash register; half-even gives 45.02)
    line = services.repair_order_line_add(
        actor=advisor_a,
        repair_order=order,
        kind="labour",
        name="检查",
        hours="0.25",
        unit_price="180.10",
    )
    assert line.amount == Decimal("45.03")
    for price in ("0.10", "0.20", "33.33", "33.33", "33.34"):
        services.repair_order_line_add(
            actor=advisor_a,
            repair_order=order,
            kind="part",
            name="螺丝",
            unit_price=price,
        )
    totals = services.repair_order_totals(RepairOrder.objects.get(pk=order.pk))
    assert totals["labour"] == Decimal("45.03")
    assert totals["parts"] == Decimal("100.30")  # never 100.30000000000001
    assert totals["total"] == Decimal("145.33")


@pytest.mark.django_db
def test_a_discount_never_makes_the_total_negative(advisor_a, vehicle_a):
    order = open_order(advisor_a, vehicle_a)
    services.repair_order_line_add(
        actor=advisor_a, repair_order=order, kind="part", name="玻璃水", unit_price="15.00"
    )
    RepairOrder.objects.filter(pk=order.pk).update(discount=Decimal("50.00"))
    totals = services.repair_order_totals(RepairOrder.objects.get(pk=order.pk))
    assert totals["discount"] == Decimal("15.00") and totals["total"] == Decimal("0.00")


@pytest.mark.django_db
def test_bad_lines_are_refused_and_nothing_is_written(api_as, advisor_a, vehicle_a):
    order = open_order(advisor_a, vehicle_a)
    client = api_as(advisor_a)
    url = f"/api/v1/repair-orders/{order.pk}/lines"
    cases = [
        ({"kind": "labour", "name": "拆装", "unit_price": "180.00"}, "hours"),  # no hours
        ({"kind": "labour", "name": "拆装", "hours": "0", "unit_price": "180.00"}, "hours"),
        ({"kind": "part", "name": "机滤", "quantity": "-1", "unit_price": "30"}, "quantity"),
        ({"kind": "part", "name": "机滤", "unit_price": "-30"}, "unit_price"),
        ({"kind": "part", "name": "机滤", "unit_price": "30.001"}, "unit_price"),
        ({"kind": "paint", "name": "喷漆", "unit_price": "30"}, "kind"),
    ]
    for payload, field in cases:
        response = post(client, url, payload)
        assert response.status_code == 422, (payload, response.content)
        assert response.json()["field"] == field, (payload, response.json())
    assert order.lines.count() == 0


@pytest.mark.django_db
def test_settlement_freezes_the_total_and_then_nothing_can_change_it(api_as, advisor_a, vehicle_a):
    order, pending = _bill(advisor_a, vehicle_a)
    drive(order, "ready", advisor_a)

    order = services.repair_order_settle(
        repair_order=RepairOrder.objects.get(pk=order.pk),
        actor=advisor_a,
        discount="32.00",
        next_service_advice="5000 公里后保养",
    )

    assert order.status == "settled"
    assert order.settled_total == Decimal("800.00")  # 90 + 262 + 480 − 32
    assert order.next_service_advice == "5000 公里后保养"
    # The owner answers the pending add-on after settlement: refused, the bill stands.
    with pytest.raises(OrderClosed):
        services.add_on_decide(add_on=AddOn.objects.get(pk=pending.pk), decision="approved")
    client = api_as(advisor_a)
    response = post(
        client,
        f"/api/v1/repair-orders/{order.pk}/add-ons/{pending.pk}/decision",
        {"decision": "approved", "decided_by_name": "王芳"},
    )
    assert response.status_code == 409 and response.json()["code"] == "order_closed"
    token = services.add_on_token(pending)
    response = post(client, f"/api/v1/public/add-ons/{token}/decision", {"decision": "approved"})
    assert response.status_code == 409 and response.json()["code"] == "order_closed"
    # No new lines or add-ons either.
    response = post(
        client,
        f"/api/v1/repair-orders/{order.pk}/lines",
        {"kind": "part", "name": "机滤", "unit_price": "30"},
    )
    assert response.status_code == 409 and response.json()["code"] == "order_closed"
    response = post(
        client, f"/api/v1/repair-orders/{order.pk}/add-ons", {"name": "轮胎", "price": "600"}
    )
    assert response.status_code == 409 and response.json()["code"] == "order_closed"

    drive(order, "delivered", advisor_a)
    order.refresh_from_db()
    assert AddOn.objects.get(pk=pending.pk).decision == "pending"
    assert order.settled_total == Decimal("800.00")
    body = client.get(f"/api/v1/repair-orders/{order.pk}").json()
    assert body["settled_total"] == "800.00" and body["totals"]["total"] == "800.00"


@pytest.mark.django_db
def test_settlement_counts_a_decision_taken_after_the_order_was_loaded(advisor_a, vehicle_a):
    """The advisor's page loaded the order (lines and add-ons prefetched); meanwhile the owner
    approved on the phone. The settled total includes the approval."""
    order, pending = _bill(advisor_a, vehicle_a)
    drive(order, "ready", advisor_a)
    loaded = selectors.repair_order_get(actor=advisor_a, repair_order_id=order.pk)
    list(loaded.add_ons.all())  # the prefetch cache, as a page render would use it

    services.add_on_decide(add_on=AddOn.objects.get(pk=pending.pk), decision="approved")
    services.repair_order_settle(repair_order=loaded, actor=advisor_a)

    order.refresh_from_db()
    assert order.settled_total == Decimal("1032.00")  # 90 + 262 + 480 + 200


@pytest.mark.django_db
def test_settling_from_a_wrong_state_changes_nothing(advisor_a, vehicle_a):
    from dealercare.workorders.errors import IllegalTransition

    order = open_order(advisor_a, vehicle_a)
    with pytest.raises(IllegalTransition):
        services.repair_order_settle(repair_order=order, actor=advisor_a, discount="10.00")
    order.refresh_from_db()
    assert order.status == "reception"
    assert order.discount == Decimal("0.00") and order.settled_total is None
