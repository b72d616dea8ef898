import datetime as dt

from django.test import Client
from django.utils import timezone

from dealercare.notifications.models import Message


def test_repair_order_flow(api_as, store_a, customer_a, vehicle_a, db):
    from tests.factories import make_staff

    advisor = make_staff("service_advisor", store_a)
    client = api_as(advisor)
    promised = (timezone.now() + dt.timedelta(hours=4)).isoformat()
    r = client.post(
        "/api/v1/repair-orders",
        {
            "store_id": store_a.pk,
            "vehicle_id": vehicle_a.pk,
            "mileage_km": 12000,
            "description": "保养",
            "job_type": "maintenance",
            "promised_at": promised,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    ro = r.json()
    assert ro["number"].startswith("RO") and ro["status"] == "reception"
    rid = ro["id"]
    r = client.post(
        f"/api/v1/repair-orders/{rid}/lines",
        {"kind": "labour", "name": "更换机油", "hours": "0.5", "unit_price": "180"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = client.post(
        f"/api/v1/repair-orders/{rid}/lines",
        {"kind": "part", "name": "机油", "quantity": "4", "unit_price": "65.5"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = client.post(
        f"/api/v1/repair-orders/{rid}/add-ons",
        {"name": "刹车片", "price": "480"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    for to in ["dispatched", "in_progress", "qc", "ready", "settled", "delivered"]:
        r = client.post(
            f"/api/v1/repair-orders/{rid}/transition", {"to": to}, content_type="application/json"
        )
        assert r.status_code == 200, (to, r.content)
    body = r.json()
    assert body["totals"]["total"] == "352.00", body["totals"]
    assert body["status"] == "delivered"
    r = client.post(
        f"/api/v1/repair-orders/{rid}/transition", {"to": "qc"}, content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    progress = body["progress_url"].split("8000", 1)[1]
    page = Client().get(progress)
    assert page.status_code == 200
    assert "¥352.00" in page.content.decode()
    assert Message.objects.filter(template="ro_add_on_waiting").count() == 1
    staff = Client()
    staff.force_login(advisor)
    assert staff.get("/workorders/").status_code == 200
    assert staff.get(f"/workorders/{rid}/").status_code == 200
