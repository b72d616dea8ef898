"""SLA clocks on the store's calendar, by time travel, read back through the API.

Defaults (DOMAIN.md): first response on business hours (08:30–12:00, 13:30–17:30 on working
days) — normal 2 h, major 30 min, critical 15 min; resolution on calendar hours — normal 24 h,
major 72 h, critical 24 h. Every expected moment below is worked out by hand from the 2026
statutory calendar:
- 2026-09-20 (Sun) is a make-up working day; 09-25..09-27 (Fri–Sun) are the Mid-Autumn holiday;
- 10-01..10-07 National Day off; 10-10 (Sat) is a make-up working day, 10-11 (Sun) is off.
"""

import datetime as dt

import pytest
import time_machine

from dealercare.complaints.models import Clock, Complaint, HandlingTicket, SlaPolicy
from dealercare.org.models import BusinessPeriod, StoreCalendarOverride

from .conftest import local, parse

pytestmark = pytest.mark.django_db


def assert_clocks(body: dict, first_response: dt.datetime, resolution: dt.datetime) -> None:
    assert parse(body["first_response_due"]) == first_response
    assert parse(body["resolution_due"]) == resolution
    assert parse(body["sla"]["first_response"]["due"]) == first_response
    assert parse(body["sla"]["resolution"]["due"]) == resolution


@pytest.mark.parametrize(
    ("at", "first_response", "resolution"),
    [
        # Friday 17:00, but 2026-09-25 is the Mid-Autumn holiday: no business time that day or
        # the weekend; the clock starts Monday 08:30 → 10:30. (On an ordinary working Friday
        # the half hour until 17:30 would count and it would be 10:00 — next case.)
        pytest.param(
            local(2026, 9, 25, 17, 0),
            local(2026, 9, 28, 10, 30),
            local(2026, 9, 26, 17, 0),
            id="friday-17h-mid-autumn-holiday",
        ),
        # An ordinary Friday 17:00: 30 min on Friday, 90 min on Monday from 08:30.
        pytest.param(
            local(2026, 11, 20, 17, 0),
            local(2026, 11, 23, 10, 0),
            local(2026, 11, 21, 17, 0),
            id="ordinary-friday-17h",
        ),
        # Friday 17:00 before the make-up Sunday 09-20: 30 min Friday, 90 min on Sunday.
        pytest.param(
            local(2026, 9, 18, 17, 0),
            local(2026, 9, 20, 10, 0),
            local(2026, 9, 19, 17, 0),
            id="friday-before-make-up-sunday",
        ),
        # Wednesday 16:30 before National Day: 60 min that day, the holiday week does not
        # count, 60 min on Thursday 10-08. Resolution in calendar hours runs through it.
        pytest.param(
            local(2026, 9, 30, 16, 30),
            local(2026, 10, 8, 9, 30),
            local(2026, 10, 1, 16, 30),
            id="before-national-day",
        ),
        # During the lunch break: the clock starts at 13:30.
        pytest.param(
            local(2026, 11, 24, 12, 30),
            local(2026, 11, 24, 15, 30),
            local(2026, 11, 25, 12, 30),
            id="lunch-break",
        ),
        # 11:00: one hour before lunch, one after it.
        pytest.param(
            local(2026, 11, 24, 11, 0),
            local(2026, 11, 24, 14, 30),
            local(2026, 11, 25, 11, 0),
            id="across-lunch",
        ),
        # Before opening: from 08:30.
        pytest.param(
            local(2026, 11, 24, 7, 0),
            local(2026, 11, 24, 10, 30),
            local(2026, 11, 25, 7, 0),
            id="before-opening",
        ),
        # At closing time: nothing left today.
        pytest.param(
            local(2026, 11, 24, 17, 30),
            local(2026, 11, 25, 10, 30),
            local(2026, 11, 25, 17, 30),
            id="at-closing",
        ),
        # The make-up Saturday 10-10 is a working day: two hours the same morning.
        pytest.param(
            local(2026, 10, 10, 10, 0),
            local(2026, 10, 10, 12, 0),
            local(2026, 10, 11, 10, 0),
            id="make-up-saturday",
        ),
        # Late on the make-up Saturday: 60 min, Sunday 10-11 is off, 60 min on Monday.
        pytest.param(
            local(2026, 10, 10, 16, 30),
            local(2026, 10, 12, 9, 30),
            local(2026, 10, 11, 16, 30),
            id="make-up-saturday-late",
        ),
        # An ordinary Sunday: Monday from 08:30.
        pytest.param(
            local(2026, 11, 22, 10, 0),
            local(2026, 11, 23, 10, 30),
            local(2026, 11, 23, 10, 0),
            id="sunday",
        ),
    ],
)
def test_normal_complaint_clocks(api_register, at, first_response, resolution):
    body = api_register(at)

    assert body["severity"] == "normal"
    assert body["calendar_estimated"] is False
    assert_clocks(body, first_response, resolution)
    complaint = Complaint.objects.get(pk=body["id"])
    assert complaint.first_response_due == first_response
    assert complaint.resolution_due == resolution
    assert complaint.created_at == at


@pytest.mark.parametrize(
    ("at", "severity", "first_response", "resolution"),
    [
        # Major in the lunch break: 30 business minutes from 13:30; 72 calendar hours.
        pytest.param(
            local(2026, 11, 24, 12, 30),
            "major",
            local(2026, 11, 24, 14, 0),
            local(2026, 11, 27, 12, 30),
            id="major-lunch",
        ),
        # Critical at 17:20 on the make-up Saturday: 10 min, then Monday 08:35; 24 h.
        pytest.param(
            local(2026, 10, 10, 17, 20),
            "critical",
            local(2026, 10, 12, 8, 35),
            local(2026, 10, 11, 17, 20),
            id="critical-make-up-saturday",
        ),
        # Major just before National Day: 30 min of the last hour of 09-30.
        pytest.param(
            local(2026, 9, 30, 17, 10),
            "major",
            local(2026, 10, 8, 8, 40),
            local(2026, 10, 3, 17, 10),
            id="major-before-national-day",
        ),
    ],
)
def test_major_and_critical_clocks(api_register, at, severity, first_response, resolution):
    body = api_register(at, severity=severity, severity_reason="客户情绪激动")

    assert body["severity"] == severity
    assert_clocks(body, first_response, resolution)


@pytest.mark.parametrize(
    ("resolution_clock", "resolution"),
    [
        # 8 business hours from Wed 09-30 16:30: 60 min, then 10-08 08:30–12:00 (210) and
        # 13:30 + 210 min → 17:00.
        pytest.param(Clock.BUSINESS, local(2026, 10, 8, 17, 0), id="resolution-business"),
        # 8 calendar hours: the night of 09-30.
        pytest.param(Clock.CALENDAR, local(2026, 10, 1, 0, 30), id="resolution-calendar"),
    ],
)
def test_store_policy_chooses_the_clock(
    api_register, api_as, agent_a, store_a, resolution_clock, resolution
):
    SlaPolicy.objects.create(
        store=store_a,
        severity="normal",
        first_response_minutes=120,
        first_response_clock=Clock.CALENDAR,
        resolution_minutes=480,
        resolution_clock=resolution_clock,
    )

    body = api_register(local(2026, 9, 30, 16, 30))

    # First response on calendar time: 2 h after 16:30 regardless of closing time.
    assert_clocks(body, local(2026, 9, 30, 18, 30), resolution)
    policies = api_as(agent_a).get(f"/api/v1/sla/policies?store_id={store_a.pk}")
    assert policies.status_code == 200
    by_severity = {row["severity"]: row for row in policies.json()}
    assert by_severity["normal"] | {"store_id": 0} == {
        "store_id": 0,
        "severity": "normal",
        "first_response_minutes": 120,
        "first_response_clock": "calendar",
        "resolution_minutes": 480,
        "resolution_clock": resolution_clock,
        "escalate_at_percent": 80,
        "compensation_approval_limit": "500.00",
    }
    # Severities without a row keep the defaults.
    assert by_severity["major"]["first_response_minutes"] == 30
    assert by_severity["major"]["first_response_clock"] == "business"
    assert by_severity["major"]["resolution_minutes"] == 72 * 60
    assert by_severity["major"]["resolution_clock"] == "calendar"
    assert by_severity["critical"]["first_response_minutes"] == 15


def test_store_hours_and_overrides_move_the_clock(api_register, store_a):
    """A store open 09:00–18:00 without a lunch break, and open on one Saturday."""
    BusinessPeriod.objects.create(store=store_a, start=dt.time(9, 0), end=dt.time(18, 0))
    StoreCalendarOverride.objects.create(
        store=store_a, date=dt.date(2026, 11, 21), is_working_day=True
    )

    lunch = api_register(local(2026, 11, 24, 12, 30))
    friday = api_register(local(2026, 11, 20, 17, 30))

    assert parse(lunch["first_response_due"]) == local(2026, 11, 24, 14, 30)
    # 30 min on Friday, then the open Saturday from 09:00.
    assert parse(friday["first_response_due"]) == local(2026, 11, 21, 10, 30)


@pytest.mark.parametrize(
    ("at", "first_response"),
    [
        # 2031 has no statutory data: Monday–Friday (10-01 is a Wednesday) are working days.
        pytest.param(local(2031, 10, 1, 16, 30), local(2031, 10, 2, 9, 30), id="2031"),
        # From the last day of 2026 into 2027, a year not in the table either.
        pytest.param(local(2026, 12, 31, 17, 0), local(2027, 1, 1, 10, 0), id="into-2027"),
    ],
)
def test_year_without_statutory_data_is_estimated(
    api_register, api_as, agent_a, at, first_response
):
    body = api_register(at)

    assert body["calendar_estimated"] is True
    assert body["sla"]["calendar_estimated"] is True
    assert parse(body["first_response_due"]) == first_response
    with time_machine.travel(at, tick=False):
        detail = api_as(agent_a).get(f"/api/v1/complaints/{body['id']}")
    assert detail.status_code == 200
    assert detail.json()["calendar_estimated"] is True


def test_time_left_on_the_clocks(api_register, api_as, agent_a):
    body = api_register(local(2026, 11, 24, 9, 0))
    url = f"/api/v1/complaints/{body['id']}"

    with time_machine.travel(local(2026, 11, 24, 10, 15), tick=False):
        sla = api_as(agent_a).get(url).json()["sla"]
    assert sla["first_response"] == {
        "due": sla["first_response"]["due"],
        "met": None,
        "minutes_left": 45,
    }
    assert sla["resolution"]["minutes_left"] == 22 * 60 + 45

    with time_machine.travel(local(2026, 11, 24, 11, 10), tick=False):
        client = api_as(agent_a)
        assert client.get(url).json()["sla"]["first_response"]["minutes_left"] == -10
        acknowledged = client.post(f"{url}/acknowledge", content_type="application/json")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["sla"]["first_response"]["met"] is False
    assert acknowledged.json()["sla"]["first_response"]["minutes_left"] is None


@pytest.mark.parametrize(
    ("dispatched_at", "proposal_due"),
    [
        # Two working days after 09-30: 10-08 and 10-09.
        pytest.param(local(2026, 9, 30, 10, 0), dt.date(2026, 10, 9), id="national-day"),
        # After Friday 10-09: the make-up Saturday 10-10, then Monday 10-12.
        pytest.param(local(2026, 10, 9, 10, 0), dt.date(2026, 10, 12), id="make-up-saturday"),
    ],
)
def test_handling_ticket_due_in_working_days(
    register, agent_a, department_a, dispatched_at, proposal_due
):
    from dealercare.complaints import services

    complaint = register(dispatched_at - dt.timedelta(hours=1))
    with time_machine.travel(dispatched_at, tick=False):
        services.complaint_acknowledge(complaint=complaint, actor=agent_a)
        services.complaint_dispatch(complaint=complaint, actor=agent_a, department=department_a)

    ticket = HandlingTicket.objects.get(complaint=complaint)
    assert ticket.proposal_due == proposal_due
    assert ticket.supervisor == department_a.supervisor
