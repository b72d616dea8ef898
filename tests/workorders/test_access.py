"""Who may see and change which repair orders, and the list endpoint's query budget."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dealercare.workorders import services
from dealercare.workorders.models import AddOn, RepairOrder

from ..factories import make_customer, make_staff, make_vehicle
from .conftest import drive, open_order, post


@pytest.fixture
def order_a(advisor_a, vehicle_a):
    order = drive(open_order(advisor_a, vehicle_a), "in_progress", advisor_a)
    services.add_on_create(actor=advisor_a, repair_order=order, name="雨刮片", price="120")
    return order


def _writes(order):
    add_on = order.add_ons.get()
    base = f"/api/v1/repair-orders/{order.pk}"
    return [
        ("transition", f"{base}/transition", {"to": "qc"}),
        ("line", f"{base}/lines", {"kind": "part", "name": "机滤", "unit_price": "45"}),
        ("add-on", f"{base}/add-ons", {"name": "轮胎", "price": "600"}),
        (
            "decision",
            f"{base}/add-ons/{add_on.pk}/decision",
            {"decision": "approved", "decided_by_name": "王芳"},
        ),
    ]


def _unchanged(order):
    order.refresh_from_db()
    return (
        order.status,
        order.lines.count(),
        list(order.add_ons.values_list("name", "decision")),
        order.events.count(),
    )


@pytest.mark.django_db
def test_another_stores_staff_cannot_find_the_order(api_as, order_a, agent_b, advisor_b):
    before = _unchanged(order_a)
    reader, writer = api_as(agent_b), api_as(advisor_b)

    response = reader.get(f"/api/v1/repair-orders/{order_a.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert writer.get(f"/api/v1/repair-orders/{order_a.pk}").status_code == 404
    for name, url, payload in _writes(order_a):
        response = post(writer, url, payload)
        assert response.status_code == 404, (name, response.content)
    photo = SimpleUploadedFile("x.png", b"\x89PNG", content_type="image/png")
    add_on = order_a.add_ons.get()
    response = writer.post(
        f"/api/v1/repair-orders/{order_a.pk}/add-ons/{add_on.pk}/photo", {"photo": photo}
    )
    assert response.status_code == 404
    # The list shows nothing of store A, even when asked for store A.
    for client in (reader, writer):
        assert client.get("/api/v1/repair-orders").json() == {"count": 0, "items": []}
        body = client.get(f"/api/v1/repair-orders?store_id={order_a.store_id}").json()
        assert body["count"] == 0
    assert _unchanged(order_a) == before


@pytest.mark.django_db
def test_hq_reads_every_store_but_does_not_run_the_workshop(
    api_as, hq_user, order_a, advisor_b, vehicle_b
):
    order_b = open_order(advisor_b, vehicle_b)
    client = api_as(hq_user)

    assert client.get(f"/api/v1/repair-orders/{order_a.pk}").status_code == 200
    assert client.get(f"/api/v1/repair-orders/{order_b.pk}").status_code == 200
    assert client.get("/api/v1/repair-orders").json()["count"] == 2
    body = client.get(f"/api/v1/repair-orders?store_id={order_b.store_id}").json()
    assert [item["id"] for item in body["items"]] == [order_b.pk]
    before = _unchanged(order_a)
    for name, url, payload in _writes(order_a):
        response = post(client, url, payload)
        assert response.status_code == 403, (name, response.content)
    assert _unchanged(order_a) == before


@pytest.mark.django_db
def test_a_technician_moves_orders_a_cs_agent_only_reads_them(
    api_as, technician_a, agent_a, order_a
):
    agent = api_as(agent_a)
    assert agent.get(f"/api/v1/repair-orders/{order_a.pk}").status_code == 200
    before = _unchanged(order_a)
    for name, url, payload in _writes(order_a):
        response = post(agent, url, payload)
        assert response.status_code == 403, (name, response.content)
        assert response.json()["code"] == "permission_denied"
    reception = {
        "store_id": order_a.store_id,
        "vehicle_id": order_a.vehicle_id,
        "mileage_km": 99_000,
        "description": "保养",
        "job_type": "maintenance",
        "promised_at": (timezone.now() + dt.timedelta(hours=3)).isoformat(),
    }
    response = post(agent, "/api/v1/repair-orders", reception)
    assert response.status_code == 403
    assert RepairOrder.objects.count() == 1
    assert _unchanged(order_a) == before

    response = post(
        api_as(technician_a), f"/api/v1/repair-orders/{order_a.pk}/transition", {"to": "qc"}
    )
    assert response.status_code == 200, response.content
    order_a.refresh_from_db()
    assert order_a.status == "qc"
    assert order_a.events.last().actor == technician_a


@pytest.mark.django_db
def test_dispatch_assigns_technicians_of_the_store_only(
    api_as, advisor_a, technician_a, store_b, vehicle_a
):
    order = open_order(advisor_a, vehicle_a)
    stranger = make_staff("technician", store_b)
    client = api_as(advisor_a)
    url = f"/api/v1/repair-orders/{order.pk}/transition"

    response = post(client, url, {"to": "dispatched", "technician_ids": [stranger.pk]})
    assert response.status_code == 422 and response.json()["field"] == "technician_ids"
    order.refresh_from_db()
    assert order.status == "reception" and not order.technicians.exists()

    response = post(client, url, {"to": "dispatched", "technician_ids": [technician_a.pk]})
    assert response.status_code == 200, response.content
    assert list(order.technicians.all()) == [technician_a]


@pytest.mark.django_db
def test_unauthenticated_requests_are_refused(client, order_a):
    assert client.get("/api/v1/repair-orders").status_code == 401
    assert client.get(f"/api/v1/repair-orders/{order_a.pk}").status_code == 401
    assert (
        post(client, f"/api/v1/repair-orders/{order_a.pk}/transition", {"to": "qc"}).status_code
        == 401
    )


def _many_orders(store, advisor, agent, count):
    """`count` orders over several customers, cars and states (rows, for the list's sake)."""
    now = timezone.now()
    statuses = ["reception", "dispatched", "in_progress", "qc", "ready", "delivered"]
    orders = []
    for n in range(count):
        customer = make_customer(store, agent, name=f"客户{n}")
        vehicle = make_vehicle(customer, agent)
        orders.append(
            RepairOrder(
                store=store,
                vehicle=vehicle,
                customer=customer,
                advisor=advisor,
                number=f"RO20261124{n + 1:04d}",
                job_type="repair",
                status=statuses[n % len(statuses)],
                mileage_km=1000 + n,
                description="异响",
                promised_at=now + dt.timedelta(hours=n),
            )
        )
    RepairOrder.objects.bulk_create(orders)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 50])
def test_the_list_has_a_query_budget(
    count, api_as, store_a, advisor_a, agent_a, django_assert_max_num_queries
):
    _many_orders(store_a, advisor_a, agent_a, count)
    client = api_as(advisor_a)
    client.get("/api/v1/repair-orders?limit=1")  # warm the per-process caches
    # token, the user's permissions (2), count, one page with its cars: the same for 10 or 50

    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/repair-orders?store_id={store_a.pk}&limit=50")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == count and len(body["items"]) == count
    assert all(item["plate"] for item in body["items"])
    filtered = client.get("/api/v1/repair-orders?status=qc").json()
    assert filtered["count"] == len([n for n in range(count) if n % 6 == 3])
    assert {item["status"] for item in filtered["items"]} == {"qc"}


@pytest.mark.django_db
def test_the_list_filters_by_vehicle_and_pages(api_as, advisor_a, vehicle_a, agent_a, customer_a):
    other = make_vehicle(customer_a, agent_a, plate="京A10101")
    first, second = open_order(advisor_a, vehicle_a), open_order(advisor_a, other)
    third = open_order(advisor_a, vehicle_a)
    client = api_as(advisor_a)

    body = client.get(f"/api/v1/repair-orders?vehicle_id={vehicle_a.pk}").json()
    assert [item["id"] for item in body["items"]] == [third.pk, first.pk]
    page = client.get("/api/v1/repair-orders?limit=1&offset=1").json()
    assert page["count"] == 3 and [item["id"] for item in page["items"]] == [second.pk]
    assert client.get("/api/v1/repair-orders?status=parked").status_code == 422
    assert AddOn.objects.count() == 0
