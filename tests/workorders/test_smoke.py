"""The whole way through the API and the pages: reception, estimate, add-on, the workshop steps,
settlement and delivery, then the owner's progress page and the staff pages."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from dealercare.notifications.models import Message

from ..factories import make_staff
from .conftest import post


@pytest.mark.django_db
def test_repair_order_flow(api_as, store_a, customer_a, vehicle_a):
    advisor = make_staff("service_advisor", store_a)
    client = api_as(advisor)
    promised = (timezone.now() + dt.timedelta(hours=4)).isoformat()
    r = post(
        client,
        "/api/v1/repair-orders",
        {
            "store_id": store_a.pk,
            "vehicle_id": vehicle_a.pk,
            "mileage_km": 12000,
            "description": "保养",
            "job_type": "maintenance",
            "promised_at": promised,
        },
    )
    assert r.status_code == 201, r.content
    ro = r.json()
    assert ro["number"].startswith("RO") and ro["status"] == "reception"
    rid = ro["id"]
    lines = [
        {"kind": "labour", "name": "更换机油", "hours": "0.5", "unit_price": "180"},
        {"kind": "part", "name": "机油", "quantity": "4", "unit_price": "65.5"},
    ]
    for line in lines:
        r = post(client, f"/api/v1/repair-orders/{rid}/lines", line)
        assert r.status_code == 201, r.content
    r = post(client, f"/api/v1/repair-orders/{rid}/add-ons", {"name": "刹车片", "price": "480"})
    assert r.status_code == 201, r.content
    for to in ["dispatched", "in_progress", "qc", "ready", "settled", "delivered"]:
        r = post(client, f"/api/v1/repair-orders/{rid}/transition", {"to": to})
        assert r.status_code == 200, (to, r.content)
    body = r.json()
    assert body["totals"]["total"] == "352.00", body["totals"]  # the add-on was never answered
    assert body["settled_total"] == "352.00"
    assert body["status"] == "delivered"
    r = post(client, f"/api/v1/repair-orders/{rid}/transition", {"to": "qc"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    page = Client().get(urlsplit(body["progress_url"]).path)
    assert page.status_code == 200
    assert "¥352.00" in page.content.decode()
    assert Message.objects.filter(template="ro_add_on_waiting").count() == 1
    staff = Client()
    staff.force_login(advisor)
    assert staff.get("/workorders/").status_code == 200
    assert staff.get(f"/workorders/{rid}/").status_code == 200


def test_day_plan_opens_reception_from_an_arrived_appointment(store_a, customer_a, vehicle_a):
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    from dealercare.appointments.models import Appointment, Bay
    from tests.factories import make_staff

    advisor = make_staff("service_advisor", store_a)
    bay = Bay.objects.create(store=store_a, name="1号工位")
    start = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0)
    appointment = Appointment.objects.create(
        store=store_a,
        customer=customer_a,
        vehicle=vehicle_a,
        start=start,
        end=start + dt.timedelta(hours=1),
        channel="phone",
        status="arrived",
        bay=bay,
    )
    client = Client()
    client.force_login(advisor)
    page = client.get(f"/appointments/?date={start.date()}").content.decode()
    assert f"/workorders/new/?appointment={appointment.pk}" in page
    form = client.get(f"/workorders/new/?appointment={appointment.pk}").content.decode()
    assert vehicle_a.plate in form
