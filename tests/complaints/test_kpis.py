"""The complaint KPIs on hand-computed cases (see `quality_week` in conftest.py)."""

from decimal import Decimal

import pytest

from dealercare.complaints import selectors, services
from dealercare.complaints.models import Complaint

from .conftest import local

pytestmark = pytest.mark.django_db


def week_of(data):
    return Complaint.objects.filter(pk__in=[c.pk for c in data["week"]])


def test_kpis_of_the_hand_made_week(quality_week):
    week = week_of(quality_week)

    # Closed: C1 6 h and C2 50 h (C3 was reopened). Mean 28 h; p90 by nearest rank:
    # ceil(0.9 × 2) = 2nd of [6, 50] = 50.
    assert selectors.cycle_time_hours(week) == {"mean": Decimal("28.00"), "p90": Decimal("50.00")}
    # Resolved (customer confirmed): C1 on time, C2 a day late → 1/2.
    assert selectors.on_time_resolution_rate(week) == Decimal("0.5000")
    # Resolved without a handling ticket: C1 (C2 had one) → 1/2.
    assert selectors.first_contact_resolution_rate(week) == Decimal("0.5000")
    # Repeat complaints: C4 of 5.
    assert selectors.repeat_complaint_rate(week) == Decimal("0.2000")
    # Ever resolved: C1, C2, C3; reopened: C3 → 1/3.
    assert selectors.reopen_rate(week) == Decimal("0.3333")
    # ¥50 + ¥300 over 5 complaints.
    assert selectors.compensation_per_complaint(week) == Decimal("70.00")


@pytest.mark.parametrize(
    ("hours", "mean", "p90"),
    [
        # ceil(0.9 × 10) = 9th value.
        (list(range(1, 11)), "5.50", "9.00"),
        # ceil(0.9 × 11) = 10th value.
        (list(range(1, 12)), "6.00", "10.00"),
        # One complaint: it is its own p90. 90 minutes = 1.5 h.
        ([1.5], "1.50", "1.50"),
        # Unsorted input: [0.25, 2, 3, 40] → mean 11.3125 → 11.31; ceil(3.6) = 4th = 40.
        ([3, 40, 0.25, 2], "11.31", "40.00"),
    ],
)
def test_cycle_time_mean_and_p90(register, agent_a, hours, mean, p90):
    import datetime as dt

    start = local(2026, 11, 2, 9, 0)
    for n, duration in enumerate(hours):
        at = start + dt.timedelta(minutes=n)
        complaint = register(at)
        services.complaint_acknowledge(complaint=complaint, actor=agent_a, at=at)
        services.complaint_propose(
            complaint=complaint,
            actor=agent_a,
            root_cause="原因",
            corrective_action="措施",
            resolution="方案",
            at=at,
        )
        done = at + dt.timedelta(hours=duration)
        services.complaint_confirm(complaint=complaint, actor=agent_a, at=done)
        services.complaint_close(complaint=complaint, actor=agent_a, at=done)
    register(start)  # still open: not in the cycle time

    assert selectors.cycle_time_hours(Complaint.objects.all()) == {
        "mean": Decimal(mean),
        "p90": Decimal(p90),
    }


def test_kpis_without_data_are_none(register):
    empty = Complaint.objects.none()
    assert selectors.cycle_time_hours(empty) == {"mean": None, "p90": None}
    for kpi in (
        selectors.on_time_resolution_rate,
        selectors.first_contact_resolution_rate,
        selectors.repeat_complaint_rate,
        selectors.reopen_rate,
        selectors.compensation_per_complaint,
    ):
        assert kpi(empty) is None, kpi.__name__
    assert selectors.complaint_kpis_by_store(empty) == {}
    assert selectors.complaint_kpis(empty.filter(store_id__in=[]))["total"] == 0

    # Open complaints only: nothing resolved yet, but the rates over all complaints exist.
    register(local(2026, 11, 2, 9, 0))
    open_only = Complaint.objects.all()
    assert selectors.cycle_time_hours(open_only) == {"mean": None, "p90": None}
    assert selectors.on_time_resolution_rate(open_only) is None
    assert selectors.first_contact_resolution_rate(open_only) is None
    assert selectors.reopen_rate(open_only) is None
    assert selectors.repeat_complaint_rate(open_only) == Decimal("0.0000")
    assert selectors.compensation_per_complaint(open_only) == Decimal("0.00")


def test_kpis_by_store_are_each_stores_own_kpis(quality_week, hq_user, store_a):
    everything = Complaint.objects.all()
    by_store = selectors.complaint_kpis_by_store(everything)
    assert set(by_store) == set(everything.values_list("store_id", flat=True))
    assert len(by_store) == 2
    for store_id, kpis in by_store.items():
        assert kpis == selectors.complaint_kpis(everything.filter(store_id=store_id))
    week = selectors.complaint_kpis_by_store(week_of(quality_week))[store_a.pk]
    assert week == {
        "total": 5,
        "cycle_time": {"mean": Decimal("28.00"), "p90": Decimal("50.00")},
        "on_time_rate": Decimal("0.5000"),
        "first_contact_rate": Decimal("0.5000"),
        "repeat_rate": Decimal("0.2000"),
        "reopen_rate": Decimal("0.3333"),
        "compensation_per_complaint": Decimal("70.00"),
    }
