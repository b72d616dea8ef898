"""Appointment benchmarks on PostgreSQL with the demo data (issue: appointments).

- slot availability of a store-day: GET /api/v1/stores/{id}/slots, one client, N requests;
- booking throughput: 16 concurrent clients POST /api/v1/appointments for S seconds (201 and
  409 `slot_full` both count as answered requests; anything else is an error).

Runs against gunicorn (2 workers) on loopback, like production. Writes
bench/results/<utc time>-appointments.json and prints a table. Run through `make bench`.
"""

import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from recording import result_write, run_facts

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CLIENTS = 16
BOOKING_SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
SLOT_REQUESTS = int(os.environ.get("BENCH_SLOT_REQUESTS", "300"))


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealercare.settings")
    os.environ.setdefault("DEALERCARE_ENV", "development")
    import django

    django.setup()


def request(conn, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000


def summary(values):
    values = sorted(values)
    return {
        "min": round(values[0], 2),
        "median": round(statistics.median(values), 2),
        "p95": round(values[int(len(values) * 0.95) - 1], 2),
        "max": round(values[-1], 2),
        "n": len(values),
    }


def main():
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    from dealercare.appointments.models import Appointment, SlotCounter
    from dealercare.appointments.slots import day_slots
    from dealercare.customers.models import Vehicle
    from dealercare.org.calendar import store_calendar
    from dealercare.org.models import Store
    from dealercare.org.services import api_token_create

    call_command("migrate", verbosity=0)
    call_command("load_demo", if_empty=True)
    from django.contrib.auth.models import User

    store = Store.objects.order_by("code").first()
    advisor = User.objects.get(username=f"{store.code.lower()}-service_advisor-1")
    _, token = api_token_create(user=advisor)
    calendar = store_calendar(store)
    days = []
    day = dt.date.today() + dt.timedelta(days=1)
    while len(days) < 10:
        if calendar.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    slot_starts = [s.start for d in days for s in day_slots(store, d)]
    vehicles = list(Vehicle.objects.filter(store=store).values_list("pk", "owner_id")[:500])
    before = set(Appointment.objects.filter(store=store).values_list("pk", flat=True))
    data_size = {
        "stores": Store.objects.count(),
        "customers": Vehicle.objects.values("owner").distinct().count(),
        "vehicles": Vehicle.objects.count(),
        "appointments": Appointment.objects.count(),
    }
    connection.close()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dealercare.settings"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dealercare.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
                request(conn, "GET", "/api/v1/me", token)
                break
            except OSError:
                time.sleep(0.2)
        # 1. slot availability, one client
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        latencies = []
        for n in range(SLOT_REQUESTS):
            day = days[n % len(days)]
            status, ms = request(conn, "GET", f"/api/v1/stores/{store.pk}/slots?date={day}", token)
            assert status == 200, status
            latencies.append(ms)

        # 2. booking throughput, 16 clients
        counts = {"created": 0, "slot_full": 0, "errors": 0}
        booking_latencies = []
        lock = threading.Lock()
        deadline = time.monotonic() + BOOKING_SECONDS

        def client(seed):
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            while time.monotonic() < deadline:
                vehicle_id, customer_id = rng.choice(vehicles)
                body = {
                    "store_id": store.pk,
                    "customer_id": customer_id,
                    "vehicle_id": vehicle_id,
                    "start": rng.choice(slot_starts).isoformat(),
                    "service_type": "repair",
                    "channel": "phone",
                }
                status, ms = request(conn, "POST", "/api/v1/appointments", token, body)
                with lock:
                    booking_latencies.append(ms)
                    key = {201: "created", 409: "slot_full"}.get(status, "errors")
                    counts[key] += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    # Leave the data set as it was: remove the benchmark's bookings, recount the slots.
    created = Appointment.objects.filter(store=store).exclude(pk__in=before)
    over_booked = 0
    for counter in SlotCounter.objects.filter(store=store, service_type=""):
        holding = Appointment.objects.filter(
            store=store, start=counter.start, status__in=["requested", "confirmed", "arrived"]
        ).count()
        over_booked += holding > counter.capacity
    created.delete()
    for counter in SlotCounter.objects.filter(store=store):
        holding = Appointment.objects.filter(
            store=store,
            start=counter.start,
            kind=counter.kind,
            status__in=["requested", "confirmed", "arrived"],
            **({"service_type": counter.service_type} if counter.service_type else {}),
        ).count()
        SlotCounter.objects.filter(pk=counter.pk).update(booked=holding)

    result = {
        **run_facts("appointments"),
        "database": "postgresql" if "postgres" in os.environ.get("DATABASE_URL", "") else "sqlite",
        "data_size": data_size,
        "server": "gunicorn, 2 sync workers, loopback",
        "slots_endpoint_ms": summary(latencies),
        "booking": {
            "clients": CLIENTS,
            "seconds": round(elapsed, 1),
            "requests_per_second": round(sum(counts.values()) / elapsed, 1),
            "latency_ms": summary(booking_latencies),
            **counts,
            "over_booked_slots": over_booked,
        },
        "target": "slots endpoint median < 20 ms",
    }
    out = result_write(result)
    b = result["booking"]
    print(f"{'figure':<34}{'min':>8}{'median':>8}{'p95':>8}{'max':>8}")
    for label, figure in [
        ("slots of a store-day (ms)", result["slots_endpoint_ms"]),
        ("booking, 16 clients (ms)", b["latency_ms"]),
    ]:
        cells = "".join(f"{figure[key]:>8}" for key in ("min", "median", "p95", "max"))
        print(f"{label:<34}{cells}")
    print(
        f"booking throughput {b['requests_per_second']} req/s ({b['created']} created, "
        f"{b['slot_full']} slot_full, {b['errors']} errors, {b['over_booked_slots']} over-booked)"
    )
    print(f"data: {data_size}; written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
