"""Benchmarks at dealer-group scale: `make bench` (SIZE=S|M|L, default L).

Builds the PostgreSQL data set of the chosen size with the demo generator (or reuses it when the
database already holds one), then runs the web benchmarks (gunicorn + wrk, beside the bare
/healthz/ ceiling) and the job benchmarks (beside hand-written SQL), writes one JSON file under
bench/results/ and prints the tables. DATABASE_URL names the data set's database.
"""

import os
import sys
import time

from recording import result_write, run_facts

TABLES = {
    "stores": "org_store",
    "customers": "customers_customer",
    "vehicles": "customers_vehicle",
    "repair_orders": "workorders_repairorder",
    "repair_order_lines": "workorders_repairorderline",
    "follow_ups": "followups_followuptask",
    "complaints": "complaints_complaint",
    "survey_responses": "surveys_response",
    "survey_answers": "surveys_answer",
    "appointments": "appointments_appointment",
    "service_forecasts": "reminders_serviceforecast",
    "reminders": "reminders_reminder",
}


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealercare.settings")
    os.environ.setdefault("DEALERCARE_ENV", "development")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dealercare.demo.bulk import SIZES, bench_dataset_build
    from dealercare.org.models import Store

    size = SIZES[os.environ.get("SIZE", "L").upper()]
    if connection.vendor != "postgresql":
        print("make bench runs on PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    build = None
    if not Store.objects.exists():
        print(f"Building data set {size.code} ({size.stores} stores, {size.years} years)...")
        started = time.monotonic()
        build = bench_dataset_build(size)
        build["seconds"] = round(time.monotonic() - started, 1)
        build_record = result_write({**run_facts(f"dataset-{size.code}"), **build})
        print(f"Built in {build['seconds']} s ({build_record.name})")
    else:
        print(f"Reusing the data set in {connection.settings_dict['NAME']}")

    from jobs import job_benchmarks, jobs_table
    from web import web_benchmarks, web_table

    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    web = web_benchmarks(duration_s=seconds)
    jobs = job_benchmarks(repeat=int(os.environ.get("BENCH_REPEAT", "5")))
    result = {
        **run_facts(f"group-{size.code}"),
        "database": f"PostgreSQL {connection.pg_version // 10000}",
        "data_size": {"size": size.code, "years": size.years, **_counts(connection)},
        "data_set_build": build or "reused",
        "web": web,
        "jobs": jobs,
    }
    out = result_write(result)
    print(web_table(web))
    print(jobs_table(jobs))
    print(f"written {out.relative_to(out.parents[2])}")
    return 0


def _counts(connection) -> dict:
    with connection.cursor() as cursor:
        counts = {}
        for name, table in TABLES.items():
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[name] = cursor.fetchone()[0]
        return counts


if __name__ == "__main__":
    sys.exit(main())
