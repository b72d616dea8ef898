"""The follow-up worklist in a real browser: an agent works through three tasks (satisfied,
dissatisfied with a reason, unreachable), sees the dissatisfied customer flagged in the daily
summary and the counts change.

The live server runs on the real clock, so the deliveries are placed relative to today on the
store's calendar.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealercare.core.models import AuditLog
from dealercare.followups.models import FollowUpAttempt, FollowUpTask
from dealercare.org.calendar import store_calendar
from dealercare.workorders.models import RepairOrder

from ..factories import make_customer, make_staff, make_vehicle
from .conftest import LAPTOP


def assert_fits_laptop(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= LAPTOP["width"], f"page is {width}px wide, wider than the laptop screen"


def working_days_back(calendar, day: dt.date, n: int) -> dt.date:
    """The n-th working day before `day` on the store's calendar."""
    current, counted = day, 0
    while counted < n:
        current -= dt.timedelta(days=1)
        counted += calendar.is_working_day(current)
    return current


def deliver(store, advisor, vehicle, on: dt.date, number: str, job_type="maintenance"):
    """A delivered repair order at 16:00 on `on`, and the delivery receiver."""
    from dealercare.followups.receivers import follow_up_on_delivery

    calendar = store_calendar(store)
    at = dt.datetime.combine(on, dt.time(16, 0), calendar.tz)
    order = RepairOrder.objects.create(
        store=store,
        number=number,
        vehicle=vehicle,
        customer=vehicle.owner,
        advisor=advisor,
        job_type=job_type,
        status=RepairOrder.Status.DELIVERED,
        mileage_km=vehicle.current_mileage_km + 5000,
        description="常规保养",
        promised_at=at,
        settled_at=at,
        delivered_at=at,
    )
    follow_up_on_delivery(sender=RepairOrder, repair_order=order, at=at)
    return FollowUpTask.objects.get(repair_order=order)


@pytest.fixture
def worklist(store_a, agent_a):
    """Four tasks for agent_a: 王芳 overdue, 李娜 due today (on a working day), 张伟 and 刘洋
    due later."""
    advisor = make_staff("service_advisor", store_a, username="sa-zhao")
    advisor.staff_profile.display_name = "赵顾问"
    advisor.staff_profile.save()
    calendar = store_calendar(store_a)
    today = timezone.localdate()
    people = [
        ("王芳", "13812345678", "京A12345", "丰田", "凯美瑞", 6, "repair"),
        ("李娜", "13922223333", "京B23456", "大众", "帕萨特", 3, "maintenance"),
        ("张伟", "13633334444", "京C34567", "本田", "雅阁", 1, "maintenance"),
        ("刘洋", "13544445555", "京D45678", "日产", "天籁", 0, "insurance"),
    ]
    tasks = {}
    for n, (name, mobile, plate, brand, model, back, job) in enumerate(people, start=1):
        customer = make_customer(store_a, agent_a, name=name, mobile=mobile)
        vehicle = make_vehicle(customer, agent_a, plate=plate, brand=brand, model=model)
        delivered_on = working_days_back(calendar, today, back) if back else today
        tasks[name] = deliver(
            store_a, advisor, vehicle, delivered_on, f"RO{delivered_on:%Y%m%d}{n:04d}", job
        )
        assert tasks[name].assignee == agent_a
    return tasks


def open_task(page, task):
    page.locator(f"#task-{task.pk}").get_by_role("link", name="回访").click()
    expect(page.locator("#script")).to_be_visible()


def test_agent_works_through_the_worklist(live_server, login, page, screenshot, worklist, agent_a):
    login(agent_a)
    page.get_by_role("link", name="回访", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("回访工作台")
    rows = page.locator("#worklist tbody tr[id^=task-]")
    expect(rows).to_have_count(4)
    expect(page.locator("#summary-done")).to_have_text("0")
    expect(page.locator("#summary-dissatisfied")).to_have_text("0")
    # Masked numbers, what was done and by whom, the overdue one marked.
    expect(page.locator(f"#task-{worklist['王芳'].pk}")).to_contain_text("138****5678")
    expect(page.locator("#worklist")).not_to_contain_text("13812345678")
    expect(page.locator(f"#task-{worklist['王芳'].pk}")).to_have_class(re.compile(r"\boverdue\b"))
    expect(page.locator(f"#task-{worklist['王芳'].pk}")).to_contain_text("赵顾问")
    assert_fits_laptop(page)
    screenshot("followups-01-worklist")

    # 1. 王芳: satisfied.
    open_task(page, worklist["王芳"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("王芳")
    expect(page.locator("#script")).to_contain_text("赵顾问")
    expect(page.locator("#mobile")).to_have_text("138****5678")
    assert_fits_laptop(page)
    screenshot("followups-02-task")
    page.locator("#reveal-mobile").click()
    expect(page.locator("#mobile")).to_have_text("13812345678")
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("回访记录").fill("车况良好，对服务满意")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("王芳")
    expect(page.locator(f"#task-{worklist['王芳'].pk}")).to_have_count(0)

    # 2. 李娜: dissatisfied — first without a reason (refused, shown at the reasons), then
    # with one.
    open_task(page, worklist["李娜"])
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("回访记录").fill("等了两个小时才交车")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#row-reasons .errorlist")).to_contain_text("至少选择一个原因")
    expect(page.get_by_label("回访记录")).to_have_value("等了两个小时才交车")
    assert_fits_laptop(page)
    screenshot("followups-03-task-reason-required")
    page.get_by_label("等待时间长").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("李娜")

    # 3. 张伟: unreachable — stays on the list for the next working day.
    open_task(page, worklist["张伟"])
    page.get_by_label("未接通", exact=True).check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("张伟")
    zhang = page.locator(f"#task-{worklist['张伟'].pk}")
    expect(zhang).to_contain_text("下次")
    expect(rows).to_have_count(2)
    expect(page.locator("#summary-done")).to_have_text("2")
    expect(page.locator("#summary-dissatisfied")).to_have_text("1")
    expect(page.locator("#summary-contact-rate")).to_have_text("67%")
    screenshot("followups-04-worklist-after")

    # The summary: counts, and 李娜 flagged for a complaint with her reason.
    page.get_by_role("link", name="今日小结").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("回访日报")
    expect(page.locator("#done")).to_have_text("2")
    expect(page.locator("#contacted")).to_have_text("2 / 3")
    dissatisfied = page.locator("#dissatisfied")
    expect(dissatisfied).to_contain_text("李娜")
    expect(dissatisfied).to_contain_text("等待时间长")
    expect(dissatisfied).to_contain_text("等了两个小时才交车")
    expect(dissatisfied).to_contain_text("待转投诉")
    expect(dissatisfied).not_to_contain_text("王芳")
    assert_fits_laptop(page)
    screenshot("followups-05-summary")

    # What the browser did is in the database.
    assert FollowUpTask.objects.get(pk=worklist["李娜"].pk).needs_complaint
    assert FollowUpTask.objects.get(pk=worklist["张伟"].pk).status == "in_progress"
    assert FollowUpAttempt.objects.count() == 3
    assert AuditLog.objects.filter(action="reveal", actor=agent_a).count() == 1
