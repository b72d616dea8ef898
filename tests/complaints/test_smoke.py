from django.test import Client

from dealercare.complaints.models import Complaint, Escalation
from dealercare.followups.models import FollowUpTask
from dealercare.notifications.models import Message
from dealercare.org.models import Department
from tests.factories import make_staff


def test_complaint_flow(api_as, store_a, customer_a, vehicle_a, agent_a):
    manager = make_staff("store_manager", store_a)
    supervisor = make_staff("aftersales_manager", store_a)
    department = Department.objects.create(store=store_a, kind="aftersales", supervisor=supervisor)
    client = api_as(agent_a)
    r = client.post(
        "/api/v1/complaints",
        {
            "store_id": store_a.pk,
            "customer_id": customer_a.pk,
            "vehicle_id": vehicle_a.pk,
            "source": "phone",
            "category": "repair_quality",
            "severity": "major",
            "severity_reason": "客户情绪激动",
            "description": "修完还是异响",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"].startswith("TS") and body["status"] == "new"
    cid = body["id"]
    assert Escalation.objects.filter(complaint_id=cid, level="immediate").count() == 1
    assert Message.objects.filter(template="complaint_staff_alert").count() >= 2
    for action, payload in [
        ("acknowledge", {}),
        ("dispatch", {"department_id": department.pk}),
        ("accept", {}),
        (
            "propose",
            {
                "root_cause": "漏装垫片",
                "corrective_action": "复检流程",
                "resolution": "免费返修",
                "compensations": [{"kind": "free_wash", "amount": "50"}],
            },
        ),
        ("confirm", {}),
        ("close", {}),
    ]:
        r = client.post(
            f"/api/v1/complaints/{cid}/{action}", payload, content_type="application/json"
        )
        assert r.status_code == 200, (action, r.content)
    assert r.json()["status"] == "closed"
    assert FollowUpTask.objects.filter(kind="complaint_closure").count() == 1
    staff = Client()
    staff.force_login(manager)
    assert staff.get("/complaints/").status_code == 200
    assert staff.get(f"/complaints/{cid}/").status_code == 200
    assert staff.get(f"/complaints/{cid}/report/?format=xlsx").status_code == 200
    assert staff.get("/complaints/weekly/?format=xlsx").status_code == 200
    assert staff.get("/complaints/weekly/").status_code == 200
    assert Complaint.objects.get(pk=cid).closed_at is not None
