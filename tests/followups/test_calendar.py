"""When is a follow-up due? Time-travel tests through the real delivery path and the API.

"Due by the end of the 3rd working day after delivery, window opening the next working day",
on the store's calendar: statutory holidays, make-up working days (调休), store overrides and
years the statutory table does not know yet (Monday–Friday, flagged as estimated).
"""

import datetime as dt

import pytest
import time_machine

from dealercare.core.workdays import WorkCalendar
from dealercare.followups.models import FollowUpTask
from dealercare.followups.services import follow_up_window, follow_ups_schedule
from dealercare.org.models import StoreCalendarOverride

from .conftest import local

pytestmark = pytest.mark.django_db


def task_of(order) -> FollowUpTask:
    return FollowUpTask.objects.get(repair_order=order)


def api_task(client, order) -> dict:
    response = client.get(f"/api/v1/follow-ups?repair_order_id={order.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    return body["items"][0]


@pytest.mark.parametrize(
    ("delivered_at", "window_start", "due_date"),
    [
        # National Day 2026: 10-01..10-07 off, 10-08 Thu and 10-09 Fri work, 10-10 Sat is a
        # make-up working day (调休) — due on a Saturday.
        pytest.param(local(2026, 9, 30, 16, 0), "2026-10-08", "2026-10-10", id="national-day"),
        # Mid-Autumn 2026-09-25 (Fri) off, weekend, then Mon..Wed.
        pytest.param(local(2026, 9, 24, 11, 0), "2026-09-28", "2026-09-30", id="mid-autumn"),
        # A make-up Sunday (2026-09-20) is a working day: a Saturday delivery opens on it.
        pytest.param(local(2026, 9, 19, 10, 0), "2026-09-20", "2026-09-22", id="make-up-sunday"),
        # A Friday delivery is due the following Wednesday.
        pytest.param(local(2026, 11, 20, 17, 0), "2026-11-23", "2026-11-25", id="friday"),
        # A Saturday delivery: the weekend does not count.
        pytest.param(local(2026, 11, 21, 10, 0), "2026-11-23", "2026-11-25", id="saturday"),
        # 07:30 on Monday in Beijing is still Sunday in UTC: the store's date counts.
        pytest.param(local(2026, 11, 23, 7, 30), "2026-11-24", "2026-11-26", id="early-monday"),
        # 23:30 on Friday in Beijing: still Friday.
        pytest.param(local(2026, 11, 20, 23, 30), "2026-11-23", "2026-11-25", id="late-friday"),
    ],
)
def test_after_service_window_on_the_statutory_calendar(
    delivered, api_as, advisor_a, vehicle_a, agent_a, delivered_at, window_start, due_date
):
    order = delivered(advisor_a, vehicle_a, delivered_at)

    task = task_of(order)
    assert (str(task.window_start), str(task.due_date)) == (window_start, due_date)
    assert task.next_attempt_on == task.window_start
    assert task.calendar_estimated is False
    with time_machine.travel(delivered_at, tick=False):
        item = api_task(api_as(agent_a), order)
    assert item["window_start"] == window_start
    assert item["due_date"] == due_date
    assert item["calendar_estimated"] is False
    assert item["kind"] == "after_service" and item["status"] == "pending"
    assert item["attempts"] == 0
    assert item["customer_id"] == order.customer_id and item["vehicle_id"] == order.vehicle_id


def test_store_override_makes_a_holiday_saturday_a_working_day(
    delivered, api_as, store_a, store_b, advisor_a, advisor_b, vehicle_a, vehicle_b, agent_a
):
    """Store A's workshop opens on Saturday 2026-10-03 (inside National Day); store B does not."""
    StoreCalendarOverride.objects.create(
        store=store_a, date=dt.date(2026, 10, 3), is_working_day=True, reason="节日值班"
    )
    at = local(2026, 9, 30, 16, 0)

    in_a = delivered(advisor_a, vehicle_a, at)
    in_b = delivered(advisor_b, vehicle_b, at)

    a, b = task_of(in_a), task_of(in_b)
    assert (a.window_start, a.due_date) == (dt.date(2026, 10, 3), dt.date(2026, 10, 9))
    assert (b.window_start, b.due_date) == (dt.date(2026, 10, 8), dt.date(2026, 10, 10))
    with time_machine.travel(at, tick=False):
        item = api_task(api_as(agent_a), in_a)
    assert (item["window_start"], item["due_date"]) == ("2026-10-03", "2026-10-09")


def test_store_override_closing_a_working_day_pushes_the_due_date(
    delivered, store_a, advisor_a, vehicle_a
):
    """A store closed on Tuesday 2026-11-24 (its own rest day): the window skips it."""
    StoreCalendarOverride.objects.create(
        store=store_a, date=dt.date(2026, 11, 24), is_working_day=False, reason="盘点"
    )
    task = task_of(delivered(advisor_a, vehicle_a, local(2026, 11, 23, 15, 0)))
    assert (task.window_start, task.due_date) == (dt.date(2026, 11, 25), dt.date(2026, 11, 27))


@pytest.mark.parametrize(
    ("delivered_at", "window_start", "due_date"),
    [
        # 2031 has no statutory data: Monday–Friday, and the real National Day is not known.
        pytest.param(local(2031, 3, 14, 16, 0), "2031-03-17", "2031-03-19", id="friday-2031"),
        pytest.param(local(2031, 9, 30, 16, 0), "2031-10-01", "2031-10-03", id="october-2031"),
        # Across into an unknown year: 2027-01-01 counts as a (guessed) working day.
        pytest.param(local(2026, 12, 30, 16, 0), "2026-12-31", "2027-01-04", id="into-2027"),
    ],
)
def test_year_without_holiday_data_is_estimated_not_an_error(
    delivered, api_as, advisor_a, vehicle_a, agent_a, delivered_at, window_start, due_date
):
    order = delivered(advisor_a, vehicle_a, delivered_at)

    task = task_of(order)
    assert (str(task.window_start), str(task.due_date)) == (window_start, due_date)
    assert task.calendar_estimated is True
    with time_machine.travel(delivered_at, tick=False):
        item = api_task(api_as(agent_a), order)
        detail = api_as(agent_a).get(f"/api/v1/follow-ups/{task.pk}").json()
    assert item["calendar_estimated"] is True and detail["calendar_estimated"] is True
    assert (item["window_start"], item["due_date"]) == (window_start, due_date)


def test_scheduling_run_computes_the_same_window_as_the_receiver(store_a, advisor_a, vehicle_a):
    """A delivery whose receiver never ran (crash after commit) is picked up by the hourly run,
    days later, with the window of the delivery date — not of the day the run happens."""
    from .conftest import deliver

    order = deliver(advisor_a, vehicle_a, local(2026, 9, 30, 16, 0))  # on_commit never runs
    assert not FollowUpTask.objects.filter(repair_order=order).exists()

    with time_machine.travel(local(2026, 10, 5, 9, 10), tick=False):
        assert follow_ups_schedule() == 1
    task = task_of(order)
    assert (task.window_start, task.due_date) == (dt.date(2026, 10, 8), dt.date(2026, 10, 10))
    assert task.assignee is None and task.calendar_estimated is False


def test_scheduling_run_looks_back_fourteen_days_only(store_a, advisor_a, vehicle_a):
    from .conftest import deliver

    order = deliver(advisor_a, vehicle_a, local(2026, 11, 2, 10, 0))
    with time_machine.travel(local(2026, 11, 17, 10, 0), tick=False):
        assert follow_ups_schedule() == 0
    with time_machine.travel(local(2026, 11, 15, 10, 0), tick=False):
        assert follow_ups_schedule() == 1
    assert task_of(order).due_date == dt.date(2026, 11, 5)


def test_follow_up_window_pure_function():
    """The arithmetic on a hand-built calendar: a Monday holiday and a make-up Saturday."""
    calendar = WorkCalendar(
        statutory={dt.date(2030, 6, 3): False, dt.date(2030, 6, 8): True},
        known_years=frozenset({2030}),
    )
    # Fri 2030-05-31: Mon 06-03 is a holiday → Tue, Wed, Thu.
    assert follow_up_window(calendar, dt.date(2030, 5, 31), 3) == (
        dt.date(2030, 6, 4),
        dt.date(2030, 6, 6),
        False,
    )
    # Thu 2030-06-06: Fri, make-up Sat, Mon.
    assert follow_up_window(calendar, dt.date(2030, 6, 6), 3) == (
        dt.date(2030, 6, 7),
        dt.date(2030, 6, 10),
        False,
    )
    # Another number of working days (a store's policy) and an unknown year.
    assert follow_up_window(calendar, dt.date(2031, 1, 3), 2) == (
        dt.date(2031, 1, 6),
        dt.date(2031, 1, 7),
        True,
    )
