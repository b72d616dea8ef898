import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dealercare.followups.models import FollowUpTask
from dealercare.workorders import services as ro
from tests.factories import make_staff


@pytest.mark.django_db
def test_delivery_creates_one_follow_up_and_agent_records_outcome(
    store_a, customer_a, vehicle_a, agent_a, django_capture_on_commit_callbacks
):
    advisor = make_staff("service_advisor", store_a)
    order = ro.repair_order_open(
        actor=advisor,
        store=store_a,
        vehicle=vehicle_a,
        mileage_km=100,
        description="保养",
        job_type="maintenance",
        promised_at=timezone.now() + dt.timedelta(hours=2),
    )
    ro.repair_order_line_add(
        actor=advisor, repair_order=order, kind="labour", name="保养", hours=1, unit_price=180
    )
    with django_capture_on_commit_callbacks(execute=True):  # the receiver runs on commit
        for to in ["dispatched", "in_progress", "qc", "ready", "settled", "delivered"]:
            ro.repair_order_transition(repair_order=order, to=to, actor=advisor)
    task = FollowUpTask.objects.get(repair_order=order)
    assert task.kind == "after_service" and task.assignee == agent_a
    from dealercare.followups.services import follow_ups_schedule

    assert follow_ups_schedule() == 0
    client = Client()
    client.force_login(agent_a)
    page = client.get("/follow-ups/")
    assert page.status_code == 200 and customer_a.name in page.content.decode()
    assert client.get(f"/follow-ups/{task.pk}/").status_code == 200
    r = client.post(
        f"/follow-ups/{task.pk}/",
        {"result": "dissatisfied", "reasons": ["waiting_time"], "comment": "等太久"},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    task.refresh_from_db()
    assert task.status == "done" and task.needs_complaint
