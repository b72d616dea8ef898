"""Exactly one follow-up per delivery, whatever runs twice, races or dies half-way.

The guarantee is the unique `source_key`, not a flag in memory: these tests run the receiver
and the scheduling run in every order, twice, at once in threads with their own database
connections, and after a run that died between two batches.
"""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from dealercare.followups import services
from dealercare.followups.models import FollowUpTask
from dealercare.followups.receivers import follow_up_on_delivery
from dealercare.org.calendar import store_calendar
from dealercare.workorders.models import RepairOrder

from .conftest import assert_one_task_each, bulk_deliveries


def test_receiver_then_scheduling_run_then_receiver_again(delivered, advisor_a, vehicle_a, agent_a):
    order = delivered(advisor_a, vehicle_a, timezone.now() - dt.timedelta(hours=1))
    task = FollowUpTask.objects.get(repair_order=order)
    assert task.assignee == agent_a  # the receiver assigns the store's least busy agent

    assert services.follow_ups_schedule() == 0
    again, created = services.follow_up_schedule_after_service(repair_order=order)
    assert (again.pk, created) == (task.pk, False)
    follow_up_on_delivery(sender=RepairOrder, repair_order=order, at=order.delivered_at)
    assert_one_task_each([order.pk])


@pytest.mark.django_db
def test_scheduling_run_twice_creates_nothing_the_second_time(
    store_a, customer_a, vehicle_a, advisor_a
):
    order_ids = bulk_deliveries(
        store_a, customer_a, vehicle_a, advisor_a, count=40, at=timezone.now()
    )
    assert services.follow_ups_schedule() == 40
    assert services.follow_ups_schedule() == 0
    assert_one_task_each(order_ids)
    # The receiver arriving late (a slow signal) finds the run's task.
    order = RepairOrder.objects.get(pk=order_ids[0])
    task, created = services.follow_up_schedule_after_service(repair_order=order)
    assert not created and task.assignee is None
    assert_one_task_each(order_ids)


@pytest.mark.django_db
def test_run_that_died_half_way_is_completed_by_the_next_run(
    store_a, customer_a, vehicle_a, advisor_a, monkeypatch
):
    """The process dies after two batches of ten were committed: those stay, the next run
    creates the other fifteen and nothing twice."""
    order_ids = bulk_deliveries(
        store_a, customer_a, vehicle_a, advisor_a, count=35, at=timezone.now()
    )
    monkeypatch.setattr(services, "BATCH_SIZE", 10)
    real_insert, batches = services._insert, []

    def dies_after_two_batches(tasks):
        if len(batches) == 2:
            raise SystemExit("killed")  # what a SIGKILL looks like from the database's side
        batches.append(len(tasks))
        return real_insert(tasks)

    monkeypatch.setattr(services, "_insert", dies_after_two_batches)
    with pytest.raises(SystemExit):
        services.follow_ups_schedule()
    assert FollowUpTask.objects.count() == 20
    monkeypatch.setattr(services, "_insert", real_insert)

    assert services.follow_ups_schedule() == 15
    assert services.follow_ups_schedule() == 0
    assert_one_task_each(order_ids)


@pytest.mark.django_db
def test_missing_tasks_anywhere_are_recreated_and_only_those(
    store_a, customer_a, vehicle_a, advisor_a
):
    """Every other task lost (deleted): the run recreates exactly those, with the same dates."""
    order_ids = bulk_deliveries(
        store_a, customer_a, vehicle_a, advisor_a, count=30, at=timezone.now()
    )
    services.follow_ups_schedule()
    before = {
        t.repair_order_id: (t.pk, t.window_start, t.due_date) for t in FollowUpTask.objects.all()
    }
    lost = order_ids[::2]
    FollowUpTask.objects.filter(repair_order_id__in=lost).delete()

    assert services.follow_ups_schedule() == len(lost)
    assert_one_task_each(order_ids)
    after = {
        t.repair_order_id: (t.pk, t.window_start, t.due_date) for t in FollowUpTask.objects.all()
    }
    for pk in order_ids:
        assert after[pk][1:] == before[pk][1:]
        assert (after[pk][0] == before[pk][0]) == (pk not in lost)


def _run_at_once(jobs, *, timeout=60):
    """Each job in its own thread with its own database connection, released together; the
    results (or the exception raised) in order."""
    results = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(index, job):
        try:
            barrier.wait(timeout=timeout)
            results[index] = job()
        except BaseException as exc:  # reported by the caller's assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a run hung"
    return results


@pytest.mark.django_db(transaction=True)
def test_scheduling_runs_and_receivers_racing(
    store_a, customer_a, vehicle_a, advisor_a, agent_a, monkeypatch
):
    """Threads with their own database connections (one transactional test: resetting the
    database afterwards costs seconds).

    1. Four receivers of one delivery at once (a signal sent twice, a retried request): one
       task; the losers get the winner's task back instead of an IntegrityError.
    2. Two runs that both read every delivery as missing before either inserts (held at a
       barrier), while the receivers of a third of them fire: one task each, no error."""
    (single,) = bulk_deliveries(
        store_a, customer_a, vehicle_a, advisor_a, count=1, at=timezone.now(), start=10_000
    )

    def receiver():
        order = RepairOrder.objects.select_related("store").get(pk=single)
        task, created = services.follow_up_schedule_after_service(repair_order=order)
        return task.pk, created

    results = _run_at_once([receiver] * 4)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert_one_task_each([single])

    order_ids = bulk_deliveries(
        store_a, customer_a, vehicle_a, advisor_a, count=300, at=timezone.now()
    )
    monkeypatch.setattr(services, "BATCH_SIZE", 100)
    real_insert = services._insert
    both_have_read = threading.Barrier(2)
    seen = threading.local()

    def insert_when_both_have_read(tasks):
        if not getattr(seen, "waited", False):
            seen.waited = True
            both_have_read.wait(timeout=30)
        return real_insert(tasks)

    monkeypatch.setattr(services, "_insert", insert_when_both_have_read)

    def receivers():
        created = 0
        for order in RepairOrder.objects.filter(pk__in=order_ids[::3]).select_related("store"):
            created += services.follow_up_schedule_after_service(repair_order=order)[1]
        return created

    results = _run_at_once([services.follow_ups_schedule, services.follow_ups_schedule, receivers])

    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    assert_one_task_each([single, *order_ids])
    # Whoever won each row, the dates are those of its delivery.
    calendar = store_calendar(store_a)
    for task in FollowUpTask.objects.select_related("repair_order"):
        delivered_on = timezone.localtime(task.repair_order.delivered_at, calendar.tz).date()
        assert (task.window_start, task.due_date, task.calendar_estimated) == (
            services.follow_up_window(calendar, delivered_on, 3)
        )


@pytest.mark.django_db
def test_a_failing_receiver_does_not_undo_the_delivery(
    delivered, advisor_a, vehicle_a, monkeypatch, caplog
):
    """The receiver runs after the delivery committed: if it fails (database hiccup, bug),
    the advisor's delivery still succeeds, the failure is logged, and the scheduling run
    creates the follow-up."""

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "follow_up_schedule_after_service", broken)
    order = delivered(advisor_a, vehicle_a, timezone.now() - dt.timedelta(minutes=5))

    assert RepairOrder.objects.get(pk=order.pk).status == "delivered"
    assert not FollowUpTask.objects.filter(repair_order=order).exists()
    assert "scheduling run will create it" in caplog.text
    monkeypatch.undo()
    assert services.follow_ups_schedule() == 1
    assert_one_task_each([order.pk])
