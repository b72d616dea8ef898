import datetime as dt

from django.test import Client
from django.utils import timezone

from dealercare.complaints.models import Complaint
from dealercare.notifications.models import Message
from dealercare.surveys.models import Questionnaire, Response
from dealercare.surveys.services import (
    invitation_create,
    invitation_link_path,
    invitations_send_due,
)
from tests.factories import make_staff


def test_survey_flow(store_a, customer_a, agent_a):
    manager = make_staff("cs_manager", store_a)
    questionnaire = Questionnaire.objects.get(code="csi-service")
    invitation = invitation_create(
        store=store_a,
        customer=customer_a,
        channel="sms_link",
        send_after=timezone.now() - dt.timedelta(minutes=1),
    )
    assert invitations_send_due() == 1
    assert Message.objects.filter(template="survey_invitation").count() == 1
    path = invitation_link_path(invitation)
    public = Client()
    assert public.get(path).status_code == 200
    items = list(questionnaire.items.all())
    data = {
        f"item_{i.pk}": (
            "9" if i.item_type == "recommend" else "5" if i.item_type == "scale5" else "很好"
        )
        for i in items
    }
    data[f"item_{items[2].pk}"] = "2"
    response = public.post(path, data)
    assert response.status_code == 200, response.content.decode()[:2000]
    saved = Response.objects.get(invitation=invitation)
    assert saved.below_threshold
    assert Complaint.objects.filter(source="survey").count() == 1
    assert public.post(path, data).status_code == 409
    staff = Client()
    staff.force_login(manager)
    month = timezone.localdate().strftime("%Y-%m")
    page = staff.get(f"/surveys/?month={month}")
    assert page.status_code == 200
    assert staff.get(f"/surveys/export/?month={month}").status_code == 200
    api = staff.get(
        f"/api/v1/survey-results?month={timezone.localdate().replace(day=1)}&store_id={store_a.pk}&group_by=dimension"
    )
    assert api.status_code == 200, api.content
    assert api.json()["responses"] == 1


def test_follow_up_script_asks_about_last_months_weakest_items(store_a, customer_a, agent_a):
    from dealercare.followups.models import FollowUpTask
    from dealercare.surveys.selectors import previous_month
    from dealercare.surveys.services import response_submit

    questionnaire = Questionnaire.objects.get(code="csi-service")
    items = list(questionnaire.items.all())
    last_month = previous_month(timezone.localdate().replace(day=1))
    at = timezone.make_aware(dt.datetime.combine(last_month + dt.timedelta(days=3), dt.time(10)))
    for n in range(3):
        invitation = invitation_create(
            store=store_a, customer=customer_a, channel="phone", source_key=f"phone:test:{n}"
        )
        answers = {
            str(i.pk): (9 if i.item_type == "recommend" else 5 if i.item_type == "scale5" else "好")
            for i in items
        }
        answers[str(items[4].pk)] = 3  # the waiting-area item is the weakest
        response_submit(invitation=invitation, answers=answers, at=at)
    today = timezone.localdate()
    task = FollowUpTask.objects.create(
        store=store_a,
        kind="after_service",
        source_key="test:weak",
        customer=customer_a,
        window_start=today,
        due_date=today,
        next_attempt_on=today,
        assignee=agent_a,
    )
    client = Client()
    client.force_login(agent_a)
    page = client.get(f"/follow-ups/{task.pk}/").content.decode()
    assert items[4].text in page


def test_advisor_starts_a_desk_qr_survey_from_a_delivered_order(store_a, customer_a, vehicle_a):
    from dealercare.workorders import services as ro

    advisor = make_staff("service_advisor", store_a)
    order = ro.repair_order_open(
        actor=advisor,
        store=store_a,
        vehicle=vehicle_a,
        mileage_km=10,
        description="保养",
        job_type="maintenance",
        promised_at=timezone.now() + dt.timedelta(hours=2),
    )
    for to in ["dispatched", "in_progress", "qc", "ready", "settled"]:
        ro.repair_order_transition(repair_order=order, to=to, actor=advisor)
    client = Client()
    client.force_login(advisor)
    page = client.get(f"/workorders/{order.pk}/").content.decode()
    assert 'id="survey-start"' in page
    response = client.post(
        "/surveys/invitations/new/", {"repair_order": order.pk, "channel": "qr_onsite"}
    )
    assert response.status_code == 302
    qr_page = client.get(response["Location"]).content.decode()
    assert "<svg" in qr_page


def test_cs_manager_builds_and_activates_a_new_version_on_the_page(store_a):
    manager = make_staff("cs_manager", store_a)
    client = Client()
    client.force_login(manager)
    assert client.get("/surveys/questionnaires/").status_code == 200
    data = {
        "q-code": "bj01-csi",
        "q-name": "门店 CSI",
        "q-kind": "csi",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
        "items-0-text": "接待是否热情？",
        "items-0-item_type": "scale5",
        "items-0-weight": "2",
        "items-0-dimension": "attitude",
        "items-0-required": "on",
        "items-1-text": "推荐意愿",
        "items-1-item_type": "recommend",
        "items-1-weight": "1",
    }
    assert client.post("/surveys/questionnaires/", data).status_code == 302
    first = Questionnaire.objects.get(code="bj01-csi", version=1)
    assert first.store == store_a and first.items.count() == 2
    client.post(f"/surveys/questionnaires/{first.pk}/activate/")
    assert client.post("/surveys/questionnaires/", data).status_code == 302
    second = Questionnaire.objects.get(code="bj01-csi", version=2)
    client.post(f"/surveys/questionnaires/{second.pk}/activate/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("retired", "active")
