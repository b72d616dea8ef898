"""The daily summary on a hand-counted day, the monthly home-visit list, the periodic tasks."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from dealercare.customers.models import Customer
from dealercare.followups import tasks as periodic
from dealercare.followups.models import FollowUpPolicy, FollowUpTask
from dealercare.followups.selectors import daily_summary
from dealercare.followups.services import follow_up_record_outcome, home_visits_schedule

from ..factories import make_customer, make_vehicle
from .conftest import delivered_row, local

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 23)


@pytest.fixture
def day_of_calls(store_a, store_b, agent_a, agent_b, advisor_a, advisor_b):
    """Monday 2026-11-23 in store A, by task:
    t1 due 11-23: satisfied on 11-23 (on time)
    t2 due 11-19: dissatisfied on 11-23 (late)
    t3 due 11-25: no answer at 07:45 on 11-23 (23:45 UTC the day before), still open
    t4 due 11-23: no answer 11-19, satisfied 11-23 (on time)
    t5 due 11-20: no answer 11-18, 11-19 and 11-23 → closed unreachable on 11-23 (late)
    t6 due 11-19: satisfied 11-19
    t7 due 11-19: never called, overdue
    and store B: b1 due 11-23, satisfied on 11-23."""
    delivered_on = {
        "t1": local(2026, 11, 18, 15, 0),
        "t2": local(2026, 11, 16, 15, 0),
        "t3": local(2026, 11, 20, 15, 0),
        "t4": local(2026, 11, 18, 16, 0),
        "t5": local(2026, 11, 17, 15, 0),
        "t6": local(2026, 11, 16, 16, 0),
        "t7": local(2026, 11, 16, 17, 0),
    }
    tasks = {}
    for n, (name, at) in enumerate(delivered_on.items()):
        customer = make_customer(store_a, agent_a, name=f"客户{name}", mobile=f"1380000{n:04d}")
        order = delivered_row(advisor_a, make_vehicle(customer, agent_a), at)
        tasks[name] = FollowUpTask.objects.get(repair_order=order)
    customer_b = make_customer(store_b, agent_b, name="客户b1", mobile="13800009999")
    order_b = delivered_row(advisor_b, make_vehicle(customer_b, agent_b), local(2026, 11, 18, 9))
    tasks["b1"] = FollowUpTask.objects.get(repair_order=order_b)

    calls = [
        ("t5", local(2026, 11, 18, 10, 0), "unreachable", ()),
        ("t4", local(2026, 11, 19, 10, 0), "unreachable", ()),
        ("t5", local(2026, 11, 19, 10, 5), "unreachable", ()),
        ("t6", local(2026, 11, 19, 11, 0), "satisfied", ()),
        ("t3", local(2026, 11, 23, 7, 45), "unreachable", ()),
        ("t1", local(2026, 11, 23, 9, 0), "satisfied", ()),
        ("t2", local(2026, 11, 23, 9, 30), "dissatisfied", ("waiting_time",)),
        ("t4", local(2026, 11, 23, 10, 0), "satisfied", ()),
        ("t5", local(2026, 11, 23, 17, 25), "unreachable", ()),
        ("b1", local(2026, 11, 23, 11, 0), "satisfied", ()),
    ]
    for name, at, result, reasons in calls:
        actor = agent_b if name == "b1" else agent_a
        with time_machine.travel(at, tick=False):
            follow_up_record_outcome(
                task=FollowUpTask.objects.get(pk=tasks[name].pk),
                actor=actor,
                result=result,
                reasons=reasons,
                comment="等了很久" if reasons else "",
            )
    return {name: FollowUpTask.objects.get(pk=task.pk) for name, task in tasks.items()}


def test_scenario_is_what_the_counts_assume(day_of_calls):
    t = day_of_calls
    assert [str(t[n].due_date) for n in ("t1", "t2", "t3", "t4", "t5", "t6", "t7")] == [
        "2026-11-23",
        "2026-11-19",
        "2026-11-25",
        "2026-11-23",
        "2026-11-20",
        "2026-11-19",
        "2026-11-19",
    ]
    assert t["t5"].status == "closed_unreachable" and t["t3"].status == "in_progress"


def test_daily_summary_of_a_hand_counted_day(day_of_calls, agent_a):
    summary = daily_summary(actor=agent_a, store_id=None, day=DAY)
    assert summary.done == 4  # t1, t2, t4, t5
    assert summary.on_time == 2  # t1, t4
    assert summary.attempted == 5  # t1..t5 (t3 at 07:45 Beijing time is on 11-23)
    assert summary.contacted == 3  # t1, t2, t4
    assert summary.contact_rate == 0.6 and summary.on_time_rate == 0.5
    assert [task.pk for task in summary.dissatisfied] == [day_of_calls["t2"].pk]
    assert summary.dissatisfied_count == 1
    assert summary.overdue_open == 1  # t7

    before = daily_summary(actor=agent_a, store_id=None, day=dt.date(2026, 11, 19))
    assert (before.done, before.on_time, before.attempted, before.contacted) == (1, 1, 3, 1)
    assert before.dissatisfied == [] and before.dissatisfied_count == 0
    assert before.overdue_open == 0  # nothing was due before the 19th yet


def test_hq_summary_covers_every_store_or_the_chosen_one(day_of_calls, hq_user, store_b):
    everything = daily_summary(actor=hq_user, store_id=None, day=DAY)
    assert (everything.done, everything.attempted, everything.contacted) == (5, 6, 4)
    only_b = daily_summary(actor=hq_user, store_id=store_b.pk, day=DAY)
    assert (only_b.done, only_b.on_time, only_b.attempted, only_b.dissatisfied) == (1, 1, 1, [])


def test_summary_page_lists_the_dissatisfied_customer(day_of_calls, agent_a):
    client = Client()
    client.force_login(agent_a)
    html = client.get("/follow-ups/summary/?date=2026-11-23").content.decode()
    assert "客户t2" in html and "等了很久" in html and "等待时间长" in html
    assert "客户t1" not in html.split('id="dissatisfied"')[1]


def _customers(store, count: int) -> list[int]:
    Customer.objects.bulk_create(
        Customer(store=store, name=f"老客户{n}", mobile=f"135{store.pk % 100:02d}{n:06d}")
        for n in range(count)
    )
    return list(Customer.objects.filter(store=store).values_list("pk", flat=True))


def chosen(store, month="2026-12") -> set[int]:
    return set(
        FollowUpTask.objects.filter(
            store=store, kind="home_visit", source_key__startswith=f"home_visit:{month}:"
        ).values_list("customer_id", flat=True)
    )


def test_home_visits_two_percent_reproducible_and_idempotent(store_a, store_b):
    _customers(store_a, 450)
    _customers(store_b, 50)
    december = dt.date(2026, 12, 1)

    assert home_visits_schedule(store=store_a, month=december) == 9  # 2% of 450
    first_draw = chosen(store_a)
    assert len(first_draw) == 9
    assert home_visits_schedule(store=store_a, month=dt.date(2026, 12, 17)) == 0
    assert chosen(store_a) == first_draw

    # The same month drawn again from scratch picks the same customers (a seeded draw) ...
    FollowUpTask.objects.filter(kind="home_visit").delete()
    assert home_visits_schedule(store=store_a, month=december) == 9
    assert chosen(store_a) == first_draw
    # ... and a run that died half-way is completed with the rest of the same draw.
    FollowUpTask.objects.filter(customer_id__in=sorted(first_draw)[:4], kind="home_visit").delete()
    assert home_visits_schedule(store=store_a, month=december) == 4
    assert chosen(store_a) == first_draw

    # Another month is another draw; only the store's own customers; the month's dates.
    assert home_visits_schedule(store=store_a, month=dt.date(2027, 1, 1)) == 9
    assert chosen(store_a, "2027-01") != first_draw
    assert home_visits_schedule(store=store_b, month=december) == 1
    own = set(Customer.objects.filter(store=store_b).values_list("pk", flat=True))
    assert chosen(store_b) <= own
    task = FollowUpTask.objects.filter(kind="home_visit", store=store_a).first()
    assert task.due_date == dt.date(2026, 12, 31) and task.window_start == dt.date(2026, 12, 1)
    january = FollowUpTask.objects.filter(source_key__startswith="home_visit:2027-01:").first()
    # 2027-01-01 is New Year's Day (guessed from Mon–Fri: 2027 is not in the table yet).
    assert january.calendar_estimated is True


def test_home_visit_share_is_configurable_and_new_customers_only_top_up(store_a, agent_a):
    _customers(store_a, 200)
    FollowUpPolicy.objects.create(store=store_a, home_visit_share="0.050")
    december = dt.date(2026, 12, 1)
    assert home_visits_schedule(store=store_a, month=december) == 10
    first_draw = chosen(store_a)

    _customers(store_a, 0)  # nothing new: nothing added
    assert home_visits_schedule(store=store_a, month=december) == 0
    Customer.objects.bulk_create(
        Customer(store=store_a, name=f"新客户{n}", mobile=f"136{n:08d}") for n in range(40)
    )
    assert home_visits_schedule(store=store_a, month=december) == 2  # 5% of 240 = 12
    assert first_draw < chosen(store_a) and len(chosen(store_a)) == 12


def test_periodic_tasks_run_the_services(store_a, store_b, customer_a, vehicle_a, advisor_a):
    _customers(store_a, 100)
    order = None
    with time_machine.travel(local(2026, 11, 20, 16, 0), tick=False):
        from .conftest import deliver

        order = deliver(advisor_a, vehicle_a, local(2026, 11, 20, 16, 0))  # receiver lost
    with time_machine.travel(local(2026, 11, 20, 17, 10), tick=False):
        periodic.schedule_follow_ups()
    assert FollowUpTask.objects.filter(repair_order=order).count() == 1

    # 00:30 UTC on the 1st is 08:30 in Beijing: the month is December.
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC), tick=False):
        periodic.schedule_home_visits()
        periodic.schedule_home_visits()
    assert len(chosen(store_a)) == 2  # 2% of 101


def test_summary_counts_reminders_sent_and_the_bookings_they_brought(
    store_a, customer_a, vehicle_a, agent_a
):
    import datetime as dt

    from django.utils import timezone

    from dealercare.appointments.models import Appointment
    from dealercare.followups.selectors import daily_summary
    from dealercare.reminders.models import Reminder

    now = timezone.now()
    today = timezone.localdate()
    start = now + dt.timedelta(days=3)
    booking = Appointment.objects.create(
        store=store_a,
        customer=customer_a,
        vehicle=vehicle_a,
        start=start,
        end=start + dt.timedelta(hours=1),
        channel="phone",
        status="confirmed",
    )
    for stage in ("first", "second"):
        Reminder.objects.create(
            store=store_a,
            vehicle=vehicle_a,
            customer=customer_a,
            kind="maintenance",
            stage=stage,
            due_date=today,
            send_on=today,
            status="sent",
            sent_at=now,
            source_key=f"test:{stage}",
            booked_appointment=booking,
        )
    summary = daily_summary(actor=agent_a, store_id=store_a.pk, day=today)
    assert summary.reminders_sent == 2
    assert summary.reminder_bookings == 1
