"""The daily scheduling run at dealer-group scale (issue: follow-ups and reminders).

Builds (or reuses) a PostgreSQL data set of 12 stores with 150,000 vehicles, a month of
repair orders (50 a working day per store) and insurance policies, then times:
- the scheduling run: follow-ups for the deliveries, service forecasts for every vehicle, both
  reminder stages and renewal reminders, sending; and a second run the same day (creates nothing);
- the agent's worklist page with 200 open tasks (in-process, through the whole middleware stack).
Writes bench/results/<utc time>-scheduling.json and prints a table. Run through `make bench`.
"""

import datetime as dt
import os
import statistics
import time
from pathlib import Path

from recording import result_write, run_facts

ROOT = Path(__file__).resolve().parents[1]
VEHICLES = int(os.environ.get("BENCH_VEHICLES", "150000"))
CUSTOMERS = int(VEHICLES * 0.8)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealercare.settings")
    os.environ.setdefault("DEALERCARE_ENV", "development")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from dealercare.customers.models import Vehicle
    from dealercare.demo.generator import DemoGenerator
    from dealercare.followups.models import FollowUpTask
    from dealercare.followups.services import follow_ups_schedule
    from dealercare.reminders.models import InsurancePolicy, Reminder
    from dealercare.reminders.services import reminders_schedule

    call_command("migrate", verbosity=0)
    build_seconds = None
    if not Vehicle.objects.exists():
        started = time.monotonic()
        DemoGenerator(
            seed=8,
            customers=CUSTOMERS,
            vehicles=VEHICLES,
            appointments_per_day=0,
            history_days=0,
            repair_orders_per_day=50,
            repair_order_days=30,
        ).generate()
        _policies(InsurancePolicy, Vehicle)
        build_seconds = round(time.monotonic() - started, 1)
    # Start from nothing scheduled: yesterday's run is the first after installing (it works off
    # the backlog: every forecast, every reminder already due); today's is a typical day.
    from dealercare.notifications.models import Message
    from dealercare.reminders.models import ServiceForecast

    Reminder.objects.all().delete()
    FollowUpTask.objects.all().delete()
    ServiceForecast.objects.all().delete()
    Message.objects.filter(template__in=["maintenance_reminder", "renewal_reminder"]).delete()
    connection.close()

    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    timings = {}
    started = time.monotonic()
    backlog_follow_ups = follow_ups_schedule(now=timezone.now() - dt.timedelta(days=1))
    backlog = reminders_schedule(today=yesterday)
    timings["backlog_run_s"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    follow_ups = follow_ups_schedule()
    reminders = reminders_schedule(today=today)
    timings["first_run_s"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    again_follow_ups = follow_ups_schedule()
    again = reminders_schedule(today=today)
    timings["second_run_s"] = round(time.monotonic() - started, 2)

    agent = User.objects.filter(groups__name="cs_agent", staff_profile__store__code="BJ01").first()
    open_tasks = FollowUpTask.objects.filter(store__code="BJ01", status="pending")
    FollowUpTask.objects.filter(pk__in=list(open_tasks.values_list("pk", flat=True)[:200])).update(
        assignee=agent, next_attempt_on=timezone.localdate()
    )
    client = Client()
    client.force_login(agent)
    client.get("/follow-ups/")
    page_ms = []
    for _ in range(40):
        t = time.perf_counter()
        response = client.get("/follow-ups/")
        page_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    result = {
        **run_facts("scheduling"),
        "database": connection.vendor,
        "data_size": {
            "vehicles": Vehicle.objects.count(),
            "policies": InsurancePolicy.objects.count(),
            "build_seconds": build_seconds,
        },
        "backlog_run_after_install": {
            "seconds": timings["backlog_run_s"],
            "follow_ups_created": backlog_follow_ups,
            **backlog,
        },
        "daily_run": {
            "seconds": timings["first_run_s"],
            "follow_ups_created": follow_ups,
            **reminders,
        },
        "second_run": {
            "seconds": timings["second_run_s"],
            "follow_ups_created": again_follow_ups,
            **again,
        },
        "worklist_page_ms": {
            "min": round(min(page_ms), 1),
            "median": round(statistics.median(page_ms), 1),
            "max": round(max(page_ms), 1),
            "n": len(page_ms),
            "open_tasks": 200,
        },
        "targets": "daily run < 10 s; second run creates nothing; worklist median < 100 ms",
    }
    out = result_write(result)
    print(
        f"first run after install (backlog): {timings['backlog_run_s']} s "
        f"(follow-ups {backlog_follow_ups}, {backlog})"
    )
    print(f"daily run: {timings['first_run_s']} s (follow-ups {follow_ups}, {reminders})")
    print(f"second run: {timings['second_run_s']} s (follow-ups {again_follow_ups}, {again})")
    w = result["worklist_page_ms"]
    print(
        f"worklist page, 200 open tasks: median {w['median']} ms (min {w['min']}, max {w['max']})"
    )
    print(f"written {out.relative_to(ROOT)}")


def _policies(InsurancePolicy, Vehicle):
    """One policy per vehicle, ending spread over the next year."""
    import random

    from django.utils import timezone

    rng = random.Random(8)
    today = timezone.localdate()
    InsurancePolicy.objects.bulk_create(
        (
            InsurancePolicy(
                store_id=store_id,
                vehicle_id=pk,
                insurer=rng.choice(["中国人保", "平安保险", "太平洋保险"]),
                end_date=today + dt.timedelta(days=rng.randrange(1, 366)),
            )
            for pk, store_id in Vehicle.objects.values_list("pk", "store_id").iterator()
        ),
        batch_size=5000,
    )


if __name__ == "__main__":
    main()
