"""The scheduling task in real huey consumer processes (SQLite queue, or Redis in the PG run).

Two consumers executing the task at the same moment create no duplicate; a consumer killed
(SIGKILL) in the middle of a run loses the task — huey delivers at most once — and the next
run creates whatever is missing. To make "at the same moment" certain rather than likely, the
test holds the follow-up table's write lock while both runs read the deliveries, so both
compute the full list and then insert the same keys against each other.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from dealercare.followups import tasks
from dealercare.followups.models import FollowUpTask
from dealercare.followups.services import follow_ups_schedule

from .conftest import assert_one_task_each, bulk_deliveries, database_url

ROOT = Path(__file__).resolve().parents[2]
TABLE = FollowUpTask._meta.db_table
# One worker, no periodic schedule (the test enqueues), quick to pick up what is queued.
CONSUMER_OPTIONS = ["--workers", "1", "--no-periodic", "--skip-checks", "-d", "0.05", "-m", "0.2"]

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued_huey():
    """Enqueue for real (not immediate) while the test runs."""
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


@pytest.fixture
def consumers(queued_huey, tmp_path):
    """`consumers(n)`: start n consumer processes (one worker each, no periodic schedule),
    each logging to its own file; returns [(process, log path)]."""
    started = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dealercare.settings_test",
        "DATABASE_URL": database_url(),
        "HUEY_IMMEDIATE": "false",
    }

    def start(n: int):
        for index in range(n):
            log = tmp_path / f"consumer-{len(started) + index}.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "dealercare", "run_huey", *CONSUMER_OPTIONS],
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            started.append((process, log))
        return started[-n:]

    yield start
    for process, _log in started:
        if process.poll() is None:
            process.terminate()
    for process, _log in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until(condition, what: str, timeout: float = 60, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def log_of(path: Path) -> str:
    return path.read_text(errors="replace")


def writers_waiting() -> int:
    """PostgreSQL: sessions waiting for a lock on the follow-up table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
            [TABLE],
        )
        return cursor.fetchone()[0]


def hold_write_lock():
    """Inside a transaction: nobody else may insert into the follow-up table until it ends
    (readers carry on). SQLite: the IMMEDIATE transaction holds the database's write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{TABLE}" IN SHARE ROW EXCLUSIVE MODE')


def test_two_consumers_race_then_one_is_killed_half_way(
    store_a, customer_a, vehicle_a, agent_a, consumers
):
    """One pair of consumer processes (booting takes seconds) for both stories."""
    (first, first_log), (second, second_log) = consumers(2)  # they boot while data is made
    logs = (first_log, second_log)
    order_ids = bulk_deliveries(store_a, customer_a, vehicle_a, None, count=1000, at=timezone.now())
    wait_until(lambda: all("consumer started" in log_of(log) for log in logs), "the consumers")

    # 1. Both consumers run the scheduling task at the same moment: no duplicate.
    with transaction.atomic():
        hold_write_lock()
        tasks.schedule_follow_ups()
        tasks.schedule_follow_ups()
        wait_until(
            lambda: all("Executing" in log_of(log) for log in logs),
            "each consumer to take one run",
        )
        if connection.vendor == "postgresql":
            # Both runs have read all 1,000 deliveries as missing and wait to insert them.
            wait_until(lambda: writers_waiting() == 2, "both runs to wait for the lock")
        else:
            time.sleep(1.5)  # reading 1,000 rows takes a few hundredths of a second
        assert FollowUpTask.objects.count() == 0
    wait_until(lambda: all("executed in" in log_of(log) for log in logs), "both runs to finish")
    for process, log in ((first, first_log), (second, second_log)):
        assert process.poll() is None, log_of(log)
        assert "Unhandled exception" not in log_of(log), log_of(log)
    assert_one_task_each(order_ids)
    assert follow_ups_schedule() == 0

    # 2. A consumer killed (SIGKILL) in the middle of a run: the batches it committed stay,
    # the task is lost with it (huey delivers at most once), and the next run — the hourly
    # schedule — creates exactly the rest.
    total = 6000  # three batches of 2,000, each committed on its own
    order_ids += bulk_deliveries(
        store_a, customer_a, vehicle_a, None, count=total, at=timezone.now(), start=1000
    )
    run = tasks.schedule_follow_ups()
    before = len(order_ids) - total
    wait_until(
        lambda: before < FollowUpTask.objects.count() < len(order_ids), "a first batch", every=0.005
    )
    with transaction.atomic():
        hold_write_lock()  # the run cannot commit another batch now
        done = FollowUpTask.objects.count() - before
        process, log = next(
            (process, log)
            for process, log in ((first, first_log), (second, second_log))
            if f"Executing dealercare.followups.tasks.schedule_follow_ups: {run.id}" in log_of(log)
        )
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
    assert 0 < done < total, f"the run was not interrupted half-way ({done} of {total})"
    assert f"{run.id} executed" not in log_of(log)
    assert FollowUpTask.objects.count() - before == done  # the batch in flight died with it

    assert follow_ups_schedule() == total - done
    assert_one_task_each(order_ids)
