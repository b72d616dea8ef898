"""Throughput and latency over HTTP of the pages and API endpoints staff use all day.

Starts gunicorn as production does (`serve`: 2 sync workers, DEBUG off, no access log), logs
in as staff of store BJ01 (a session cookie for pages, a bearer token for the API) and loads
each endpoint with wrk at 1 and 8 connections. GET /healthz/ (no database work) runs first: the
ceiling, what the server and our middleware alone can answer; every endpoint is also given as
a share of it. Only GETs, on records picked with a few cheap queries, so it runs as well on the
demo group as on a data set of a million repair orders.

Writes bench/results/<utc time>-web.json and prints a table. Run from the repository:
`DATABASE_URL=... REDIS_URL=... DEALERCARE_ENV=development .venv/bin/python bench/web.py`
(BENCH_SECONDS per wrk run, default 10; BENCH_ONLY names a comma-separated subset).
"""

import datetime as dt
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from recording import result_write, run_facts

ROOT = Path(__file__).resolve().parents[1]
WRK_SCRIPT = Path(__file__).resolve().with_name("wrk_report.lua")
WORKERS = 2
# Targets at the highest concurrency; a row missing one is marked in the table.
P95_TARGET_MS = 50
CEILING_SHARE_TARGET = 0.5


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # with its query string, percent-encoded
    actor: str  # role whose session or token requests it
    auth: str  # "session" (pages) or "bearer" (API)
    check: Callable[[bytes], bool]  # does the answer really show what was asked for?
    expects: str  # what `check` looks for, for the error message


def web_benchmarks(
    *, duration_s: int = 10, concurrencies=(1, 8), port: int = 8765, only: set[str] = frozenset()
) -> dict:
    """Run gunicorn on 127.0.0.1:`port` and wrk against every endpoint (or those named in
    `only`) at each concurrency. Needs Django set up, with the benchmark database in
    DATABASE_URL."""
    from django.conf import settings
    from django.db import connections

    from dealercare.core.tasks import worker_heartbeat

    wrk_version = _wrk_version()
    fixtures = _fixtures()
    # Production runs the job worker beside the web server, and every staff page shows when it
    # last reported. Its heartbeat is recorded as the worker would, before each endpoint (the
    # worker itself is not run: its jobs would change the data set the job benchmarks measure).
    worker_heartbeat.call_local()
    credentials = _credentials(fixtures["actors"])
    try:
        endpoints = [e for e in _endpoints(fixtures) if not only or e.name in only]
        work = {e.name: _work_per_request(e, credentials[e.actor][e.auth]) for e in endpoints}
        connections.close_all()  # this process stays idle while the server works
        base = f"http://127.0.0.1:{port}"
        with _gunicorn(port):
            ceiling = {f"c{c}": _wrk(f"{base}/healthz/", {}, c, duration_s) for c in concurrencies}
            results = {}
            for endpoint in endpoints:
                worker_heartbeat.call_local()
                connections.close_all()
                headers = credentials[endpoint.actor][endpoint.auth]
                _check_answer(port, endpoint, headers)
                row = {
                    "method": "GET",
                    "path": endpoint.path,
                    "actor": fixtures["actors"][endpoint.actor].get_username(),
                    "auth": endpoint.auth,
                    "work": work[endpoint.name],
                }
                for c in concurrencies:
                    figure = _wrk(base + endpoint.path, headers, c, duration_s)
                    row[f"c{c}"] = figure
                    row[f"ratio_of_ceiling_c{c}"] = round(
                        figure["requests_per_s"] / ceiling[f"c{c}"]["requests_per_s"], 3
                    )
                results[endpoint.name] = row
    finally:
        _credentials_delete(credentials)
    runs = [("ceiling", key, figure) for key, figure in ceiling.items()] + [
        (name, f"c{c}", row[f"c{c}"]) for name, row in results.items() for c in concurrencies
    ]
    return {
        "duration_s": duration_s,
        "server": f"gunicorn, {WORKERS} sync workers",
        "configuration": {
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "sessions": settings.SESSION_ENGINE.rsplit(".", 1)[-1],
            "auth_cache_seconds": getattr(settings, "AUTH_CACHE_SECONDS", 0),
            "job_worker": "heartbeat recorded, not running",
        },
        "load_generator": f"wrk {wrk_version}",
        "concurrencies": list(concurrencies),
        "fixtures": {k: v for k, v in fixtures.items() if k != "actors"},
        "ceiling": ceiling,
        "endpoints": results,
        # A run with errors measured something else than the page (an error page, a refusal).
        "runs_with_errors": [f"{name} {key}" for name, key, figure in runs if figure["errors"]],
        "targets": f"at c={max(concurrencies)}: p95 < {P95_TARGET_MS} ms and at least "
        f"{CEILING_SHARE_TARGET:.0%} of the ceiling's requests per second",
    }


def web_table(result: dict) -> str:
    """A fixed-width table; at the highest concurrency a row missing a target is marked MISS,
    a row with errors ERRORS."""
    top = f"c{max(result['concurrencies'])}"
    header = (
        f"{'endpoint':<24} {'c':>3} {'req/s':>8} {'% ceil':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'queries':>7} {'calls':>7}"
    )
    lines = [header, "-" * len(header)]

    def line(name, key, figure, ratio, work=None):
        latency = figure["latency_ms"]
        marks = []
        if key == top and (latency["p95"] >= P95_TARGET_MS or ratio < CEILING_SHARE_TARGET):
            marks.append("MISS")
        if figure["errors"]:
            marks.append("ERRORS")
        lines.append(
            f"{name:<24} {key[1:]:>3} {figure['requests_per_s']:>8.1f} {ratio:>7.1%} "
            f"{latency['p50']:>8.1f} {latency['p95']:>8.1f} {latency['p99']:>8.1f} "
            f"{figure['errors']:>7} {work['queries'] if work else '':>7} "
            f"{work['python_calls'] if work else '':>7} {' '.join(marks)}".rstrip()
        )

    for key, figure in result["ceiling"].items():
        line("ceiling /healthz/", key, figure, 1.0)
    for name, row in result["endpoints"].items():
        for key in result["ceiling"]:
            line(name, key, row[key], row[f"ratio_of_ceiling_{key}"], row.get("work"))
    return "\n".join(lines)


def _work_per_request(endpoint: Endpoint, headers: dict, repeat: int = 5) -> dict:
    """What one request costs whatever else the machine is doing: its SQL queries and the
    Python function calls it makes (counted by cProfile), in this process through Django's test
    client with the same headers. Timings on this shared machine move by ±30%; these do not."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client

    client = Client(headers=headers)
    for _ in range(2):  # the first requests fill per-process caches
        client.get(endpoint.path)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(endpoint.path)
    if response.status_code != 200 or not endpoint.check(response.content):
        raise RuntimeError(
            f"{endpoint.name} answered {response.status_code} in process, "
            f"expected 200 with {endpoint.expects}"
        )
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(repeat):
        client.get(endpoint.path)
    profile.disable()
    return {
        "queries": len(queries),
        "python_calls": round(pstats.Stats(profile).total_calls / repeat),
    }


# --- what is requested, by whom ------------------------------------------------------------


def _fixtures() -> dict:
    """Store BJ01's staff and records to request, each found with an indexed query."""
    from django.contrib.auth.models import User
    from django.db.models import Count, Exists, OuterRef
    from django.utils import timezone

    from dealercare.appointments.models import Appointment
    from dealercare.complaints.models import Complaint
    from dealercare.customers.models import Customer
    from dealercare.org.models import Store
    from dealercare.surveys.models import Response
    from dealercare.workorders.models import RepairOrder, RepairOrderLine

    store = Store.objects.get(code="BJ01")
    actors = {}
    for role in ("cs_agent", "service_advisor", "cs_manager"):
        actors[role] = (
            User.objects.filter(is_active=True, groups__name=role, staff_profile__store=store)
            .order_by("pk")
            .first()
        )
        if actors[role] is None:
            raise RuntimeError(f"BJ01 has no active {role}")

    delivered = RepairOrder.objects.filter(store=store, status=RepairOrder.Status.DELIVERED)
    repair_order = (
        delivered.filter(Exists(RepairOrderLine.objects.filter(repair_order=OuterRef("pk"))))
        .order_by("-delivered_at", "-pk")
        .first()
    )
    if repair_order is None:
        raise RuntimeError("BJ01 has no delivered repair order with lines")
    # A customer with history: of the latest deliveries' customers, the one with most visits.
    recent = list(delivered.order_by("-delivered_at").values_list("customer_id", flat=True)[:100])
    customer = (
        Customer.objects.filter(pk__in=recent, store=store)
        .annotate(repair_orders_n=Count("repair_orders"))
        .order_by("-repair_orders_n", "pk")
        .first()
    )
    vehicle = customer.vehicles.filter(store=store).order_by("plate").first()

    # Today's day plan, or the next day with appointments when today has none.
    today = timezone.localdate()
    day_start = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    next_start = (
        Appointment.objects.filter(store=store, start__gte=day_start)
        .order_by("start")
        .values_list("start", flat=True)
        .first()
    )
    day = timezone.localdate(next_start) if next_start else today

    # The current month's CSI, or the latest month with responses.
    month = (
        Response.objects.filter(store=store, month__lte=today.replace(day=1))
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    ) or today.replace(day=1)

    # The complaint filter with the most rows: the list's count and first page at their dearest.
    complaint_filter = (
        Complaint.objects.filter(store=store)
        .values("status", "severity")
        .annotate(n=Count("id"))
        .order_by("-n", "status", "severity")
        .first()
    )
    if complaint_filter is None:
        raise RuntimeError("BJ01 has no complaints")
    return {
        "store": store.code,
        "actors": actors,
        "customer_id": customer.pk,
        "customer_repair_orders": customer.repair_orders_n,
        "plate": vehicle.plate,
        "day": day.isoformat(),
        "repair_order_id": repair_order.pk,
        "repair_order_number": repair_order.number,
        "month": month.isoformat(),
        "complaint_status": complaint_filter["status"],
        "complaint_severity": complaint_filter["severity"],
        "complaints_matching": complaint_filter["n"],
    }


def _endpoints(f: dict) -> list[Endpoint]:
    def query(path, **params):
        return f"{path}?{urlencode(params)}"

    complaint_filter = {"status": f["complaint_status"], "severity": f["complaint_severity"]}
    return [
        # A second reference beside the ceiling: the smallest authenticated read there is (the
        # token, then the user's stores), what any endpoint that reads the database pays.
        Endpoint(
            "stores api (reference)",
            "/api/v1/stores",
            "cs_agent",
            "bearer",
            _json(lambda data: f["store"] in [s["code"] for s in data]),
            f"store {f['store']}",
        ),
        Endpoint(
            "follow-ups api",
            query("/api/v1/follow-ups", status="pending"),
            "cs_agent",
            "bearer",
            _json(lambda data: data["items"]),
            "open follow-ups",
        ),
        Endpoint("follow-ups page", "/follow-ups/", "cs_agent", "session", _page(), "a page"),
        Endpoint(
            "customer search api",
            query("/api/v1/customers", q=f["plate"]),
            "cs_agent",
            "bearer",
            _json(lambda data: f["customer_id"] in [c["id"] for c in data["items"]]),
            f"customer {f['customer_id']}",
        ),
        Endpoint(
            "customer search page",
            query("/customers/", q=f["plate"]),
            "cs_agent",
            "session",
            _page(f"/customers/{f['customer_id']}/"),
            f"a link to customer {f['customer_id']}",
        ),
        Endpoint(
            "customer page",
            f"/customers/{f['customer_id']}/",
            "cs_agent",
            "session",
            _page(f["plate"]),
            f"plate {f['plate']}",
        ),
        Endpoint(
            "day plan page",
            query("/appointments/", date=f["day"]),
            "service_advisor",
            "session",
            _page(),
            "a page",
        ),
        Endpoint(
            "day plan api",
            query("/api/v1/appointments", date=f["day"]),
            "service_advisor",
            "bearer",
            _json(lambda data: data["items"]),
            f"appointments on {f['day']}",
        ),
        Endpoint(
            "repair order page",
            f"/workorders/{f['repair_order_id']}/",
            "service_advisor",
            "session",
            _page(f["repair_order_number"]),
            f"repair order {f['repair_order_number']}",
        ),
        Endpoint(
            "complaints api",
            query("/api/v1/complaints", **complaint_filter),
            "cs_manager",
            "bearer",
            _json(
                lambda data: (
                    data["items"]
                    and all(
                        (c["status"], c["severity"]) == tuple(complaint_filter.values())
                        for c in data["items"]
                    )
                )
            ),
            f"complaints {complaint_filter}",
        ),
        Endpoint(
            "complaints page",
            query("/complaints/", **complaint_filter),
            "cs_manager",
            "session",
            _page("/complaints/"),
            "links to complaints",
        ),
        Endpoint(
            "csi page",
            query("/surveys/", month=f["month"][:7]),
            "cs_manager",
            "session",
            _page(),
            "a page",
        ),
        Endpoint(
            "csi api",
            query("/api/v1/survey-results", month=f["month"]),
            "cs_manager",
            "bearer",
            _json(lambda data: data["responses"] > 0),
            f"responses in {f['month'][:7]}",
        ),
    ]


def _page(*texts: str) -> Callable[[bytes], bool]:
    """A whole rendered page (not a fragment or an error) that contains each of `texts`."""
    return lambda body: (
        len(body) > 2000 and b"</html>" in body and all(text.encode() in body for text in texts)
    )


def _json(predicate) -> Callable[[bytes], bool]:
    return lambda body: bool(predicate(json.loads(body)))


def _credentials(actors: dict) -> dict:
    """Per role: a session cookie (sessions live in the database, so gunicorn accepts them)
    and a bearer token. GETs only, so no CSRF token."""
    from django.conf import settings
    from django.test import Client

    from dealercare.org.services import api_token_create

    credentials = {}
    for role, user in actors.items():
        client = Client()
        client.force_login(user)
        session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
        token, key = api_token_create(user=user)
        credentials[role] = {
            "session": {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
            "bearer": {"Authorization": f"Bearer {key}"},
            "session_key": session_key,
            "token_id": token.pk,
        }
    return credentials


def _credentials_delete(credentials: dict) -> None:
    from django.contrib.sessions.models import Session

    from dealercare.org.models import ApiToken

    Session.objects.filter(
        session_key__in=[c["session_key"] for c in credentials.values()]
    ).delete()
    ApiToken.objects.filter(pk__in=[c["token_id"] for c in credentials.values()]).delete()


def _check_answer(port: int, endpoint: Endpoint, headers: dict) -> None:
    """One request before loading an endpoint: a 302 to the login page, a 404 or an empty
    list would make its figures worthless. No redirect is followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", endpoint.path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(
            f"{endpoint.name}: GET {endpoint.path} answered {response.status} "
            f"{response.getheader('Location') or body[:300]!r}"
        )
    try:
        answered = endpoint.check(body)
    except (ValueError, KeyError, TypeError):
        answered = False
    if not answered:
        raise RuntimeError(
            f"{endpoint.name}: GET {endpoint.path} answered 200 without {endpoint.expects} "
            f"({len(body)} bytes: {body[:300]!r})"
        )


# --- server and load generator -------------------------------------------------------------


@contextmanager
def _gunicorn(port: int):
    """gunicorn as `serve` runs it, with this process's environment and DEBUG off; its output
    is shown when something fails."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is in use: another server would be measured")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "dealercare.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "DEBUG": "false"}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(server, port)
            yield
        except BaseException:
            _stop(server)
            log.seek(0)
            tail = log.read()[-4000:].decode(errors="replace")
            print(f"--- gunicorn output (end) ---\n{tail}", file=sys.stderr)
            raise
        finally:
            _stop(server)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _wait_healthy(server: subprocess.Popen, port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/healthz/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz/ within {timeout_s:.0f} s")


def _wrk_version() -> str:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    output = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return output.split()[1]  # "wrk 4.1.0 [epoll] Copyright ..."


def _wrk(url: str, headers: dict, connections: int, duration_s: int) -> dict:
    """One wrk run. Errors: responses that are not 2xx plus socket errors and timeouts."""
    command = ["wrk", "-t", str(min(connections, 2)), "-c", str(connections)]
    command += ["-d", f"{duration_s}s", "--timeout", "30s", "--latency", "-s", str(WRK_SCRIPT)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    run = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + 90)
    report = next((line for line in run.stdout.splitlines() if line.startswith("WRK_JSON ")), None)
    if run.returncode != 0 or report is None:
        raise RuntimeError(f"wrk failed on {url}: {run.stdout[-2000:]} {run.stderr[-2000:]}")
    raw = json.loads(report.removeprefix("WRK_JSON "))
    socket_errors = sum(raw["socket_errors"].values())
    figure = {
        "requests_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "requests": raw["requests"],
        "errors": raw["non_2xx"] + socket_errors,
        "latency_ms": {key: round(us / 1000, 2) for key, us in raw["latency_us"].items()},
    }
    if figure["errors"]:
        figure["error_detail"] = {"non_2xx": raw["non_2xx"], **raw["socket_errors"]}
    return figure


def bench_only() -> set[str]:
    """BENCH_ONLY="customer search api,complaints api" measures only those endpoints."""
    return {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealercare.settings")
    os.environ.setdefault("DEALERCARE_ENV", "development")
    import django

    django.setup()
    from django.db import connection

    result = web_benchmarks(
        duration_s=int(os.environ.get("BENCH_SECONDS", "10")), only=bench_only()
    )
    out = result_write({**run_facts("web"), "database": connection.vendor, **result})
    print(web_table(result))
    if result["runs_with_errors"]:
        print(f"runs with errors: {', '.join(result['runs_with_errors'])}")
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
