"""The agent's worklist (due today, then overdue oldest first, then upcoming), store scoping
(another store's task is a 404; HQ sees every store) and masked phone numbers."""

import re

import pytest
import time_machine
from django.test import Client

from dealercare.followups import selectors
from dealercare.followups.models import FollowUpTask
from dealercare.followups.services import follow_up_record_outcome

from ..factories import make_customer, make_staff, make_vehicle
from .conftest import delivered_row, local

pytestmark = pytest.mark.django_db

MONDAY = local(2026, 11, 23, 10, 0)


@pytest.fixture
def worklist_tasks(store_a, store_b, agent_a, advisor_a, advisor_b, vehicle_b):
    """Store A's tasks seen on Monday 2026-11-23, by name:
    today (due 11-23), overdue (due 11-19), older (due 11-17), upcoming (due 11-25),
    retry (due 11-23, no answer at 09:00 today: next call tomorrow), done, and one assigned to
    a colleague; plus a store-B task."""

    def task_for(name, mobile, delivered_at, advisor=advisor_a, store=store_a):
        customer = make_customer(
            store, agent_a if store == store_a else advisor, name=name, mobile=mobile
        )
        vehicle = make_vehicle(customer, advisor)
        order = delivered_row(advisor, vehicle, delivered_at)
        return FollowUpTask.objects.get(repair_order=order)

    tasks = {
        "upcoming": task_for("周upcoming", "13900000001", local(2026, 11, 20, 16, 0)),
        "today": task_for("吴today", "13900000002", local(2026, 11, 18, 16, 0)),
        "overdue": task_for("郑overdue", "13900000003", local(2026, 11, 16, 16, 0)),
        "older": task_for("冯older", "13900000004", local(2026, 11, 12, 16, 0)),
        "retry": task_for("陈retry", "13900000005", local(2026, 11, 18, 11, 0)),
        "done": task_for("褚done", "13900000006", local(2026, 11, 18, 12, 0)),
        "colleague": task_for("卫colleague", "13900000007", local(2026, 11, 18, 13, 0)),
        "store_b": task_for(
            "蒋store_b", "13900000008", local(2026, 11, 18, 16, 0), advisor=advisor_b, store=store_b
        ),
    }
    colleague = make_staff("cs_agent", store_a)
    FollowUpTask.objects.filter(pk=tasks["colleague"].pk).update(assignee=colleague)
    FollowUpTask.objects.filter(store=store_a).exclude(pk=tasks["colleague"].pk).update(
        assignee=agent_a
    )
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=False):
        follow_up_record_outcome(task=tasks["retry"], actor=agent_a, result="unreachable")
        follow_up_record_outcome(task=tasks["done"], actor=agent_a, result="satisfied")
    return {name: FollowUpTask.objects.get(pk=task.pk) for name, task in tasks.items()}


def test_due_dates_of_the_scenario(worklist_tasks):
    due = {name: str(task.due_date) for name, task in worklist_tasks.items()}
    assert due["today"] == due["retry"] == "2026-11-23"
    assert (due["overdue"], due["older"], due["upcoming"]) == (
        "2026-11-19",
        "2026-11-17",
        "2026-11-25",
    )
    assert str(worklist_tasks["retry"].next_attempt_on) == "2026-11-24"


def test_worklist_order_due_today_then_overdue_then_upcoming(worklist_tasks, agent_a):
    tasks = selectors.worklist(actor=agent_a, store_id=None, today=MONDAY.date())
    names = {task.pk: name for name, task in worklist_tasks.items()}
    # The colleague's task is theirs; the done one and store B's are not on it.
    assert [names[task.pk] for task in tasks] == ["today", "older", "overdue", "retry", "upcoming"]


def test_manager_sees_every_agents_tasks_of_the_store(worklist_tasks, store_a):
    manager = make_staff("cs_manager", store_a)
    tasks = selectors.worklist(actor=manager, store_id=None, today=MONDAY.date())
    names = {task.pk: name for name, task in worklist_tasks.items()}
    assert [names[task.pk] for task in tasks] == [
        "today",
        "colleague",
        "older",
        "overdue",
        "retry",
        "upcoming",
    ]


def test_worklist_page_shows_rows_in_order_with_overdue_marked_and_masked_phones(
    worklist_tasks, agent_a
):
    client = Client()
    client.force_login(agent_a)
    with time_machine.travel(MONDAY, tick=False):
        page = client.get("/follow-ups/")
    assert page.status_code == 200
    html = page.content.decode()
    row_ids = [int(pk) for pk in re.findall(r'<tr class="[^"]*" id="task-(\d+)"', html)]
    names = {task.pk: name for name, task in worklist_tasks.items()}
    assert [names[pk] for pk in row_ids] == ["today", "older", "overdue", "retry", "upcoming"]
    row_class = dict(
        (names[int(pk)], cls)
        for cls, pk in re.findall(r'<tr class="([^"]*)" id="task-(\d+)"', html)
    )
    assert "due-today" in row_class["today"]
    assert "overdue" in row_class["older"] and "overdue" in row_class["overdue"]
    assert "overdue" not in row_class["upcoming"]
    assert "139****0002" in html
    assert not re.search(r"1390000000\d", html), "a full mobile number on the worklist"
    # The page shows what was done and by whom.
    today = worklist_tasks["today"]
    assert today.repair_order.number in html and "保养" in html
    assert today.repair_order.advisor.staff_profile.display_name in html


def test_worklist_pages_keep_the_order_across_pages(worklist_tasks, agent_a, monkeypatch):
    from dealercare.followups import views

    monkeypatch.setattr(views, "WORKLIST_PAGE_SIZE", 2)
    client = Client()
    client.force_login(agent_a)
    names = {task.pk: name for name, task in worklist_tasks.items()}
    seen = []
    with time_machine.travel(MONDAY, tick=False):
        for number in (1, 2, 3):
            html = client.get(f"/follow-ups/?page={number}").content.decode()
            seen += [names[int(pk)] for pk in re.findall(r'id="task-(\d+)"', html)]
            assert f"{number} / 3" in html
    assert seen == ["today", "older", "overdue", "retry", "upcoming"]
    assert 'href="?kind=&page=2"' in html  # the last page links back


def test_worklist_filters_by_kind(worklist_tasks, agent_a, store_a):
    FollowUpTask.objects.filter(pk=worklist_tasks["upcoming"].pk).update(kind="home_visit")
    tasks = selectors.worklist(actor=agent_a, store_id=None, kind="home_visit", today=MONDAY.date())
    assert [task.pk for task in tasks] == [worklist_tasks["upcoming"].pk]
    client = Client()
    client.force_login(agent_a)
    with time_machine.travel(MONDAY, tick=False):
        html = client.get("/follow-ups/?kind=home_visit").content.decode()
    assert re.findall(r'id="task-(\d+)"', html) == [str(worklist_tasks["upcoming"].pk)]


def test_api_list_filters_and_masks(worklist_tasks, api_as, agent_a, store_a):
    client = api_as(agent_a)
    body = client.get("/api/v1/follow-ups?status=in_progress").json()
    assert [item["id"] for item in body["items"]] == [worklist_tasks["retry"].pk]
    body = client.get(f"/api/v1/follow-ups?store_id={store_a.pk}&kind=after_service").json()
    assert body["count"] == 7
    assert {item["mobile_masked"] for item in body["items"]} >= {"139****0002"}
    tasks = {t.pk: t for t in FollowUpTask.objects.select_related("customer", "vehicle")}
    for item in body["items"]:  # the neighbours' columns belong to the row's own task
        task = tasks[item["id"]]
        assert item["customer_name"] == task.customer.name
        assert item["plate"] == (task.vehicle.plate if task.vehicle else None)
    assert not re.search(r"1390000000\d", client.get("/api/v1/follow-ups").content.decode())
    colleague_task = worklist_tasks["colleague"]
    body = client.get(f"/api/v1/follow-ups?assignee={colleague_task.assignee_id}").json()
    assert [item["id"] for item in body["items"]] == [colleague_task.pk]
    assert client.get("/api/v1/follow-ups?status=lost").status_code == 422


def test_another_stores_task_is_a_404_everywhere(worklist_tasks, api_as, agent_b, store_a):
    task = worklist_tasks["today"]
    api = api_as(agent_b)
    assert api.get(f"/api/v1/follow-ups/{task.pk}").status_code == 404
    response = api.post(
        f"/api/v1/follow-ups/{task.pk}/outcome",
        {"result": "satisfied"},
        content_type="application/json",
    )
    assert response.status_code == 404
    listed = api.get(f"/api/v1/follow-ups?store_id={store_a.pk}").json()
    assert listed["count"] == 0
    assert [item["id"] for item in api.get("/api/v1/follow-ups").json()["items"]] == [
        worklist_tasks["store_b"].pk
    ]
    page = Client()
    page.force_login(agent_b)
    assert page.get(f"/follow-ups/{task.pk}/").status_code == 404
    assert page.post(f"/follow-ups/{task.pk}/", {"result": "satisfied"}).status_code == 404
    task.refresh_from_db()
    assert task.status == "pending" and task.attempts == 0


def test_hq_sees_every_store_but_records_nothing(worklist_tasks, api_as, hq_user):
    api = api_as(hq_user)
    body = api.get("/api/v1/follow-ups").json()
    assert body["count"] == len(worklist_tasks)
    assert api.get(f"/api/v1/follow-ups/{worklist_tasks['store_b'].pk}").status_code == 200
    response = api.post(
        f"/api/v1/follow-ups/{worklist_tasks['today'].pk}/outcome",
        {"result": "satisfied"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_roles_without_follow_ups_are_refused(worklist_tasks, api_as, technician_a):
    assert api_as(technician_a).get("/api/v1/follow-ups").status_code == 403
    client = Client()
    client.force_login(technician_a)
    assert client.get("/follow-ups/").status_code == 403


def test_task_page_shows_script_masked_phone_and_timeline(worklist_tasks, agent_a):
    task = worklist_tasks["retry"]
    client = Client()
    client.force_login(agent_a)
    with time_machine.travel(MONDAY, tick=False):
        html = client.get(f"/follow-ups/{task.pk}/").content.decode()
    assert "139****0005" in html and "13900000005" not in html
    assert "回访话术" in html and "北京朝阳店" in html
    assert "11月18日" in html  # the delivery date in the script, on the store's calendar
    assert html.count("未接通") >= 3  # a result choice, the attempt, the timeline row
    assert "维修保养回访：未接通" in html  # the customer's timeline


def test_script_uses_the_stores_date_of_an_early_delivery(store_a, agent_a, advisor_a):
    """07:30 on 11-18 in Beijing is 23:30 on 11-17 in UTC: the script says 11月18日."""
    from dealercare.followups.scripts import script_lines

    customer = make_customer(store_a, agent_a, name="早到", mobile="13711112222")
    order = delivered_row(advisor_a, make_vehicle(customer, agent_a), local(2026, 11, 18, 7, 30))
    task = FollowUpTask.objects.get(repair_order=order)
    lines = script_lines(task, agent_name="小李")
    assert "11月18日" in lines[0] and "小李" in lines[0] and "北京朝阳店" in lines[0]
    assert advisor_a.staff_profile.display_name in lines[1]
