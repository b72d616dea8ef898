"""Job benchmarks (issue 8): each periodic job or all-stores aggregation beside the one
hand-written SQL statement that computes the same result (the database's own limit).

- scheduling_daily_run: the daily run (follow_ups_schedule + reminders_schedule) on a typical day,
  and a second run the same day, which must create nothing. Target: under 10 s.
- escalation_scan: escalations_scan (every minute). No fixed target.
- csi_month_all_stores: last month's survey results grouped by store (HQ's ranking on the
  results page, /surveys/?group_by=store). Target: at most 2x the SQL.
- complaint_kpis_all_stores: the complaint KPIs (cycle time, on-time, first-contact, repeat and
  reopen rates, compensation per complaint) of last month for every store, as HQ's weekly report
  compares them (complaint_kpis_by_store). Target: at most 2x the SQL.

Each SQL statement's result is checked to equal the product's before anything is timed (one
untimed run each, which also counts the product's queries). Jobs that write run in a transaction
rolled back after every repetition (for the scheduling run a savepoint inside the transaction that
set up the day, see _the_day_before): every repetition starts from the same state and the database
is unchanged afterwards. Tables that were never analyzed (a copied database) get planner statistics
first, as autovacuum would give them. `ratio` = product median / SQL median.

    DATABASE_URL=postgres://... DEALERCARE_ENV=development .venv/bin/python bench/jobs.py

Writes bench/results/<utc time>-jobs.json and prints a table. BENCH_REPEAT sets the repetitions.
"""

import datetime as dt
import os
import statistics
import time
from contextlib import contextmanager
from decimal import Decimal

from recording import ROOT, result_write, run_facts

SCHEDULING_LIMIT_S = 10
AGGREGATION_LIMIT_RATIO = 2


# -- the hand-written statements ------------------------------------------------------------------

# The daily run in one statement: the after-service follow-ups of the last two weeks' deliveries
# without one (due dates on each store's working-day calendar), the service forecasts of the
# vehicles whose inputs changed, the maintenance and renewal reminders whose stage is due, and
# the channel of every reminder due today (a message with service consent and a mobile, else a
# call). It does not render or queue the messages, create the call tasks, mark the reminders sent
# or attribute bookings: the product does all that on top.
SCHEDULING_SQL = """
WITH
cal AS (
    SELECT s.id AS store_id, d::date AS day,
           coalesce(o.is_working_day, sd.kind = 'workday', extract(isodow FROM d) < 6) AS working
    FROM org_store s
    CROSS JOIN generate_series(
        %(cal_from)s::date,
        %(today)s::date + 30
            + 2 * greatest(3, (SELECT max(due_working_days) FROM followups_followuppolicy)),
        interval '1 day'
    ) AS d
    LEFT JOIN org_storecalendaroverride o ON o.store_id = s.id AND o.date = d::date
    LEFT JOIN core_statutoryday sd ON sd.date = d::date
),
cal_n AS (
    -- n: working days up to and including the day; "the k-th working day after D" is the
    -- working day numbered n(D) + k.
    SELECT store_id, day, working,
           count(*) FILTER (WHERE working) OVER (
               PARTITION BY store_id ORDER BY day ROWS UNBOUNDED PRECEDING
           ) AS n
    FROM cal
),
missing AS (
    SELECT o.id, o.store_id, o.customer_id, o.vehicle_id,
           (o.delivered_at AT TIME ZONE s.time_zone)::date AS delivered_on,
           coalesce(p.due_working_days, 3) AS due_days
    FROM workorders_repairorder o
    JOIN org_store s ON s.id = o.store_id
    LEFT JOIN followups_followuppolicy p ON p.store_id = o.store_id
    WHERE o.status = 'delivered' AND o.delivered_at >= %(since)s AND o.delivered_at <= %(now)s
      AND NOT EXISTS (
          SELECT 1 FROM followups_followuptask f
          WHERE f.repair_order_id = o.id AND f.kind = 'after_service'
      )
),
follow_ups AS (
    SELECT m.*, ws.day AS window_start,
           CASE WHEN m.due_days = 0 THEN m.delivered_on ELSE due.day END AS due_date
    FROM missing m
    JOIN cal_n k ON k.store_id = m.store_id AND k.day = m.delivered_on
    JOIN cal_n ws ON ws.store_id = m.store_id AND ws.working AND ws.n = k.n + 1
    LEFT JOIN cal_n due ON due.store_id = m.store_id AND due.working AND due.n = k.n + m.due_days
),
follow_ups_written AS (
    INSERT INTO followups_followuptask (
        created_at, updated_at, kind, status, result, source_key, window_start, due_date,
        next_attempt_on, calendar_estimated, attempts, reasons, comment, needs_complaint,
        customer_id, repair_order_id, store_id, vehicle_id
    )
    SELECT %(stamp)s, %(stamp)s, 'after_service', 'pending', '',
           'after_service:repair_order:' || id, window_start, due_date, window_start,
           EXISTS (
               SELECT 1
               FROM generate_series(
                   extract(year FROM delivered_on)::int, extract(year FROM due_date)::int
               ) AS y
               WHERE y NOT IN (SELECT year FROM core_calendaryear)
           ),
           0, '[]', '', false, customer_id, id, store_id, vehicle_id
    FROM follow_ups
    ON CONFLICT (source_key) DO NOTHING
    RETURNING 1
),
need AS (
    -- Vehicles without a forecast, or with a reading or a delivered maintenance order dated on
    -- or after the day their forecast was computed.
    SELECT v.id
    FROM customers_vehicle v
    WHERE NOT EXISTS (SELECT 1 FROM reminders_serviceforecast f WHERE f.vehicle_id = v.id)
    UNION
    SELECT r.vehicle_id
    FROM customers_mileagereading r
    JOIN reminders_serviceforecast f ON f.vehicle_id = r.vehicle_id
    WHERE (r.read_at AT TIME ZONE %(tz)s)::date >= f.computed_on
    UNION
    SELECT o.vehicle_id
    FROM workorders_repairorder o
    JOIN reminders_serviceforecast f ON f.vehicle_id = o.vehicle_id
    WHERE o.status = 'delivered' AND o.job_type = 'maintenance'
      AND (o.delivered_at AT TIME ZONE %(tz)s)::date >= f.computed_on
),
last_service AS (
    SELECT DISTINCT ON (o.vehicle_id)
           o.vehicle_id, (o.delivered_at AT TIME ZONE %(tz)s)::date AS day, o.mileage_km AS km
    FROM workorders_repairorder o
    WHERE o.vehicle_id IN (SELECT id FROM need)
      AND o.status = 'delivered' AND o.job_type = 'maintenance'
    ORDER BY o.vehicle_id, o.delivered_at DESC, o.id DESC
),
readings AS (
    SELECT r.vehicle_id, (r.read_at AT TIME ZONE %(tz)s)::date AS day, r.km,
           row_number() OVER w AS pos,
           count(*) OVER (PARTITION BY r.vehicle_id) AS total,
           CASE WHEN r.km < lag(r.km) OVER w THEN 1 ELSE 0 END AS reset
    FROM customers_mileagereading r
    WHERE r.vehicle_id IN (SELECT id FROM need)
    WINDOW w AS (PARTITION BY r.vehicle_id ORDER BY r.read_at, r.id)
),
segments AS (
    -- A reading lower than the one before starts the history afresh.
    SELECT *, sum(reset) OVER (PARTITION BY vehicle_id ORDER BY pos) AS segment
    FROM readings
),
segments_last AS (
    SELECT *, max(segment) OVER (PARTITION BY vehicle_id) AS last_segment FROM segments
),
history AS (
    SELECT vehicle_id,
           min(day) FILTER (WHERE pos = 1) AS first_day,
           min(km) FILTER (WHERE pos = 1) AS first_km,
           min(day) FILTER (WHERE pos = total) AS last_day,
           min(km) FILTER (WHERE pos = total) AS last_km,
           count(*) FILTER (WHERE segment = last_segment) AS segment_readings,
           (array_agg(day ORDER BY pos) FILTER (WHERE segment = last_segment))[1] AS segment_day,
           (array_agg(km ORDER BY pos) FILTER (WHERE segment = last_segment))[1] AS segment_km
    FROM segments_last
    GROUP BY vehicle_id
),
anchored AS (
    SELECT v.id AS vehicle_id, ls.day AS service_day, ls.km AS service_km,
           coalesce(ls.day, v.purchase_date, h.first_day, (v.created_at AT TIME ZONE %(tz)s)::date)
               AS anchor_day,
           CASE WHEN ls.vehicle_id IS NOT NULL THEN ls.km
                WHEN v.purchase_date IS NOT NULL OR h.vehicle_id IS NULL THEN 0
                ELSE h.first_km END AS anchor_km,
           CASE WHEN h.segment_readings >= 2 AND h.last_day - h.segment_day >= 30
                THEN round((h.last_km - h.segment_km)::numeric / (h.last_day - h.segment_day), 2)
           END AS history_rate,
           h.last_day, h.last_km,
           coalesce(i.km, ib.km, 5000) AS interval_km,
           coalesce(i.months, ib.months, 6) AS interval_months
    FROM need
    JOIN customers_vehicle v ON v.id = need.id
    LEFT JOIN last_service ls ON ls.vehicle_id = v.id
    LEFT JOIN history h ON h.vehicle_id = v.id
    LEFT JOIN reminders_serviceinterval i ON i.brand = v.brand AND i.model = v.model
    LEFT JOIN reminders_serviceinterval ib ON ib.brand = v.brand AND ib.model = ''
),
latest AS (
    SELECT a.*, coalesce(a.history_rate, 40.00) AS rate,
           (a.anchor_day + make_interval(months => a.interval_months))::date AS by_time,
           a.anchor_km + a.interval_km AS due_km,
           CASE WHEN a.last_day IS NULL OR a.last_day < a.anchor_day OR a.last_km < a.anchor_km
                THEN a.anchor_day ELSE a.last_day END AS latest_day,
           CASE WHEN a.last_day IS NULL OR a.last_day < a.anchor_day OR a.last_km < a.anchor_km
                THEN a.anchor_km ELSE a.last_km END AS latest_km
    FROM anchored a
),
forecasts_written AS (
    INSERT INTO reminders_serviceforecast (
        vehicle_id, last_service_date, last_service_km, daily_km, rate_source, due_date, due_km,
        computed_on
    )
    SELECT vehicle_id, service_day, service_km, rate,
           CASE WHEN history_rate IS NULL THEN 'default' ELSE 'history' END,
           least(by_time, CASE WHEN rate > 0
                               THEN latest_day + round((due_km - latest_km)::numeric / rate)::int
                               ELSE by_time END),
           due_km, %(today)s
    FROM latest
    ON CONFLICT (vehicle_id) DO UPDATE SET
        last_service_date = EXCLUDED.last_service_date,
        last_service_km = EXCLUDED.last_service_km,
        daily_km = EXCLUDED.daily_km,
        rate_source = EXCLUDED.rate_source,
        due_date = EXCLUDED.due_date,
        due_km = EXCLUDED.due_km,
        computed_on = EXCLUDED.computed_on
    RETURNING vehicle_id, last_service_date, due_date
),
forecasts AS (
    SELECT vehicle_id, last_service_date, due_date FROM forecasts_written
    UNION ALL
    SELECT vehicle_id, last_service_date, due_date
    FROM reminders_serviceforecast
    WHERE due_date BETWEEN %(today)s AND %(today)s::date + 14
      AND vehicle_id NOT IN (SELECT id FROM need)
),
stages AS (
    -- The latest stage whose day has come: 14 / 3 days before a service, 60 / 30 before a
    -- policy ends.
    SELECT v.store_id, f.vehicle_id, v.owner_id AS customer_id, NULL::bigint AS policy_id,
           'maintenance' AS kind,
           CASE WHEN f.due_date <= %(today)s::date + 3 THEN 'second' ELSE 'first' END AS stage,
           f.due_date,
           f.due_date - CASE WHEN f.due_date <= %(today)s::date + 3 THEN 3 ELSE 14 END AS send_on,
           'maintenance:' || f.vehicle_id || ':'
               || coalesce(to_char(f.last_service_date, 'YYYYMMDD'), 'first') || ':' AS key_prefix
    FROM forecasts f
    JOIN customers_vehicle v ON v.id = f.vehicle_id
    WHERE f.due_date BETWEEN %(today)s AND %(today)s::date + 14
    UNION ALL
    SELECT p.store_id, p.vehicle_id, v.owner_id, p.id, 'renewal',
           CASE WHEN p.end_date <= %(today)s::date + 30 THEN 'd30' ELSE 'd60' END,
           p.end_date,
           p.end_date - CASE WHEN p.end_date <= %(today)s::date + 30 THEN 30 ELSE 60 END,
           'renewal:' || p.id || ':'
    FROM reminders_insurancepolicy p
    JOIN customers_vehicle v ON v.id = p.vehicle_id
    WHERE p.renewed_at IS NULL
      AND p.end_date > %(today)s AND p.end_date <= %(today)s::date + 60
),
reminders_written AS (
    INSERT INTO reminders_reminder (
        created_at, updated_at, kind, stage, due_date, send_on, status, source_key,
        customer_id, policy_id, store_id, vehicle_id
    )
    SELECT %(stamp)s, %(stamp)s, kind, stage, due_date, send_on, 'scheduled', key_prefix || stage,
           customer_id, policy_id, store_id, vehicle_id
    FROM stages
    ON CONFLICT (source_key) DO NOTHING
    RETURNING customer_id, send_on, source_key
),
due AS (
    SELECT r.customer_id, r.source_key
    FROM reminders_reminder r
    WHERE r.status = 'scheduled' AND r.send_on <= %(today)s
      AND NOT (
          r.kind = 'renewal' AND EXISTS (
              SELECT 1 FROM reminders_insurancepolicy p
              WHERE p.id = r.policy_id AND p.renewed_at IS NOT NULL
          )
      )
    UNION ALL
    SELECT customer_id, source_key FROM reminders_written WHERE send_on <= %(today)s
),
channels AS (
    SELECT d.source_key,
           coalesce((
               SELECT c.granted FROM customers_consent c
               WHERE c.customer_id = d.customer_id AND c.purpose = 'service'
               ORDER BY c.at DESC, c.id DESC
               LIMIT 1
           ), false) AND cu.mobile <> '' AS message
    FROM due d
    JOIN customers_customer cu ON cu.id = d.customer_id
)
SELECT (SELECT count(*) FROM follow_ups_written),
       (SELECT count(*) FROM forecasts_written),
       (SELECT count(*) FROM reminders_written),
       coalesce(array_agg(source_key) FILTER (WHERE message), '{}'),
       coalesce(array_agg(source_key) FILTER (WHERE NOT message), '{}')
FROM channels
"""

# The escalation scan in one statement: it writes every rung (at risk: the store's percentage of
# a target passed; breached: the target passed) that an open complaint has reached and not had
# yet, on the store's business-hours calendar where the target runs on business time. It does
# not notify anybody or write the complaint's events and the customer's timeline, as the product
# does for each rung.
ESCALATION_SQL = """
WITH
open_complaints AS (
    SELECT c.id, c.store_id, s.time_zone, c.created_at, c.first_response_due, c.resolution_due,
           c.first_responded_at,
           coalesce(p.escalate_at_percent, 80) AS percent,
           coalesce(p.first_response_clock, 'business') AS first_response_clock,
           coalesce(p.resolution_clock, 'calendar') AS resolution_clock
    FROM complaints_complaint c
    JOIN org_store s ON s.id = c.store_id
    LEFT JOIN complaints_slapolicy p ON p.store_id = c.store_id AND p.severity = c.severity
    WHERE c.status NOT IN ('confirmed', 'closed') AND c.created_at <= %(now)s
),
targets AS (
    SELECT id, store_id, time_zone, created_at, percent, 'resolution' AS target,
           resolution_due AS due, resolution_clock AS clock
    FROM open_complaints
    UNION ALL
    SELECT id, store_id, time_zone, created_at, percent, 'first_response',
           first_response_due, first_response_clock
    FROM open_complaints
    WHERE first_responded_at IS NULL
),
hours AS (
    SELECT store_id, start, "end" AS finish FROM org_businessperiod
    UNION ALL
    SELECT s.id, v.start, v.finish
    FROM org_store s
    CROSS JOIN (
        VALUES (time '08:30', time '12:00'), (time '13:30', time '17:30')
    ) AS v (start, finish)
    WHERE NOT EXISTS (SELECT 1 FROM org_businessperiod b WHERE b.store_id = s.id)
),
hours_ordered AS (
    SELECT store_id, start, finish,
           max(finish) OVER (
               PARTITION BY store_id ORDER BY start, finish
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS finish_before
    FROM hours
),
hours_grouped AS (
    SELECT store_id, start, finish,
           count(*) FILTER (WHERE finish_before IS NULL OR finish_before < start) OVER (
               PARTITION BY store_id ORDER BY start, finish ROWS UNBOUNDED PRECEDING
           ) AS island
    FROM hours_ordered
),
periods AS (
    -- Overlapping or touching opening periods merged, as the calendar does.
    SELECT store_id, min(start) AS start, max(finish) AS finish
    FROM hours_grouped
    GROUP BY store_id, island
),
shares AS (
    SELECT t.*,
           CASE WHEN t.clock = 'business' THEN b.total ELSE t.due - t.created_at END AS total,
           CASE WHEN t.clock = 'business' THEN b.used + greatest(%(now)s - t.due, interval '0')
                ELSE %(now)s - t.created_at END AS used
    FROM targets t
    LEFT JOIN LATERAL (
        SELECT coalesce(sum(greatest(
                   least(p.finish_at, t.due) - greatest(p.start_at, t.created_at), interval '0'
               )), interval '0') AS total,
               coalesce(sum(greatest(
                   least(p.finish_at, least(%(now)s, t.due)) - greatest(p.start_at, t.created_at),
                   interval '0'
               )), interval '0') AS used
        FROM (
            SELECT (d::date + h.start) AT TIME ZONE t.time_zone AS start_at,
                   (d::date + h.finish) AT TIME ZONE t.time_zone AS finish_at
            FROM generate_series(
                (t.created_at AT TIME ZONE t.time_zone)::date,
                (t.due AT TIME ZONE t.time_zone)::date,
                interval '1 day'
            ) AS d
            JOIN periods h ON h.store_id = t.store_id
            LEFT JOIN org_storecalendaroverride o ON o.store_id = t.store_id AND o.date = d::date
            LEFT JOIN core_statutoryday sd ON sd.date = d::date
            WHERE coalesce(o.is_working_day, sd.kind = 'workday', extract(isodow FROM d) < 6)
        ) AS p
    ) AS b ON t.clock = 'business'
),
rungs AS (
    SELECT id, target, 'at_risk' AS level
    FROM shares
    WHERE total <= interval '0'
       OR extract(epoch FROM used) * 100 >= percent * extract(epoch FROM total)
    UNION ALL
    SELECT id, target, 'breached' FROM shares WHERE %(now)s >= due
)
INSERT INTO complaints_escalation (complaint_id, target, level, at, notified)
SELECT id, target, level, %(now)s, '[]' FROM rungs
ON CONFLICT (complaint_id, target, level) DO NOTHING
RETURNING complaint_id, target, level
"""

# A month's CSI (mean of the responses' CSI), NPS and responses of every store, with the
# invitations sent in the month and how many were answered (the response rate).
CSI_SQL = """
SELECT s.id,
       coalesce(r.responses, 0), r.csi, r.nps,
       coalesce(i.invited, 0), coalesce(i.answered, 0)
FROM org_store s
LEFT JOIN (
    SELECT store_id,
           count(*) AS responses,
           round(avg(csi), 2) AS csi,
           round(
               (count(*) FILTER (WHERE recommend >= 9) - count(*) FILTER (WHERE recommend <= 6))
               * 100.0 / nullif(count(recommend), 0),
               2
           ) AS nps
    FROM surveys_response
    WHERE month = %(month)s
    GROUP BY store_id
) AS r ON r.store_id = s.id
LEFT JOIN (
    SELECT i.store_id, count(*) AS invited, count(a.id) AS answered
    FROM surveys_invitation i
    LEFT JOIN surveys_response a ON a.invitation_id = i.id
    WHERE i.send_after >= %(start)s AND i.send_after < %(end)s
    GROUP BY i.store_id
) AS i ON i.store_id = s.id
WHERE s.is_active
"""

# The complaint KPIs of a month's complaints, every store. Hours as float8 and the mean summed in
# ascending order, as the product does in Python, so that the rounding agrees to the last digit.
COMPLAINT_KPIS_SQL = """
SELECT s.id,
       count(c.id) AS total,
       count(c.hours) AS closed,
       avg(c.hours ORDER BY c.hours) AS mean_hours,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY c.hours) AS p90_hours,
       count(*) FILTER (WHERE c.confirmed_at IS NOT NULL) AS resolved,
       count(*) FILTER (WHERE c.confirmed_at <= c.resolution_due) AS on_time,
       count(*) FILTER (WHERE c.confirmed_at IS NOT NULL AND NOT c.ticketed) AS first_contact,
       count(*) FILTER (WHERE c.is_repeat) AS repeats,
       count(*) FILTER (WHERE c.confirmed_at IS NOT NULL OR c.reopen_count > 0) AS ever_resolved,
       count(*) FILTER (WHERE c.reopen_count > 0) AS reopened,
       coalesce(sum(c.compensation), 0) AS compensation
FROM org_store s
LEFT JOIN (
    SELECT c.id, c.store_id, c.confirmed_at, c.resolution_due, c.is_repeat, c.reopen_count,
           CASE WHEN c.status = 'closed' AND c.closed_at IS NOT NULL
                THEN extract(epoch FROM c.closed_at - c.created_at)::float8 / 3600 END AS hours,
           EXISTS (SELECT 1 FROM complaints_handlingticket t WHERE t.complaint_id = c.id)
               AS ticketed,
           (SELECT sum(k.amount) FROM complaints_compensation k WHERE k.complaint_id = c.id)
               AS compensation
    FROM complaints_complaint c
    WHERE c.created_at >= %(start)s AND c.created_at < %(end)s
) AS c ON c.store_id = s.id
WHERE s.is_active
GROUP BY s.id
"""


# -- measuring ------------------------------------------------------------------------------------


def _clock(fn):
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1000, out


def _summary(values: list[float]) -> dict:
    return {
        "min": round(min(values), 1),
        "median": round(statistics.median(values), 1),
        "max": round(max(values), 1),
    }


@contextmanager
def _rolled_back():
    """A transaction (a savepoint inside one) undone at the end, whatever happened in it."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _fetch(sql: str, params: dict) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _queries(fn) -> int:
    """How many statements one call makes (an untimed call: capturing slows every query)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def _same(what: str, product, sql) -> None:
    if product == sql:
        return
    lines = [f"{what}: the hand-written SQL does not compute what the product computes"]
    if isinstance(product, dict) and isinstance(sql, dict):
        for key in sorted(product.keys() | sql.keys(), key=str):
            if product.get(key) != sql.get(key):
                lines.append(
                    f"  [{key}] product {product.get(key)!r}\n  [{key}] sql     {sql.get(key)!r}"
                )
    elif isinstance(product, set) and isinstance(sql, set):
        lines.append(f"  only in the product ({len(product - sql)}): {sorted(product - sql)[:5]}")
        lines.append(f"  only in the SQL ({len(sql - product)}): {sorted(sql - product)[:5]}")
    else:
        lines.append(f"  product {product!r}\n  sql     {sql!r}")
    raise AssertionError("\n".join(lines[:30]))


def _job(product_ms, sql_ms, **facts) -> dict:
    return {
        "product_ms": _summary(product_ms),
        "sql_ms": _summary(sql_ms),
        "ratio": round(statistics.median(product_ms) / statistics.median(sql_ms), 2),
        **facts,
    }


def _hq_user():
    """Someone who sees every store, as the HQ pages' user does."""
    from django.contrib.auth.models import User

    hq = (
        User.objects.filter(
            is_active=True, groups__name="hq_quality", staff_profile__store__isnull=True
        )
        .order_by("pk")
        .first()
    )
    hq = hq or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    if hq is None:
        raise RuntimeError("no HQ quality user nor superuser: nobody sees every store")
    return hq


def _last_month() -> tuple[dt.date, dt.datetime, dt.datetime]:
    """The surveys page's default month (the previous one), and its bounds in local time (how
    the selectors count a month's invitations and complaints)."""
    from django.utils import timezone

    from dealercare.surveys.selectors import previous_month

    month = previous_month(timezone.localdate().replace(day=1))
    following = (month + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        month,
        dt.datetime.combine(month, dt.time.min, tz),
        dt.datetime.combine(following, dt.time.min, tz),
    )


# -- the jobs -------------------------------------------------------------------------------------


def _the_day_before(now: dt.datetime, today: dt.date) -> None:
    """The state in which today's run has a day's work, whatever ran before: what yesterday's
    and today's runs created is taken away (the follow-ups of the deliveries since yesterday,
    the reminders due from yesterday on with their messages and call tasks; forecasts computed
    since yesterday count as older), then yesterday's run is done again. In the caller's
    transaction, rolled back with it. Touches a day or two of rows, never a whole table."""
    from dealercare.followups.models import FollowUpTask
    from dealercare.followups.services import follow_ups_schedule
    from dealercare.notifications.models import Message
    from dealercare.reminders.models import Reminder, ServiceForecast
    from dealercare.reminders.services import reminders_schedule

    yesterday = today - dt.timedelta(days=1)
    FollowUpTask.objects.filter(
        kind=FollowUpTask.Kind.AFTER_SERVICE,
        repair_order__delivered_at__gt=now - dt.timedelta(days=1),
        repair_order__delivered_at__lte=now,
    ).delete()
    recent = Reminder.objects.filter(send_on__gte=yesterday)
    keys = list(recent.values_list("source_key", flat=True))
    Message.objects.filter(idempotency_key__in=[f"reminder:{key}" for key in keys]).delete()
    FollowUpTask.objects.filter(source_key__in=[f"call:{key}" for key in keys]).delete()
    recent.delete()
    ServiceForecast.objects.filter(computed_on__gte=yesterday).update(
        computed_on=yesterday - dt.timedelta(days=1)
    )
    follow_ups_schedule(now=now - dt.timedelta(days=1))
    reminders_schedule(today=yesterday)


def scheduling_daily_run(repeat: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from dealercare.followups.models import FollowUpTask
    from dealercare.followups.services import SWEEP_DAYS, follow_ups_schedule
    from dealercare.reminders.models import Reminder, ServiceForecast
    from dealercare.reminders.services import reminders_schedule

    now = timezone.now()
    today = timezone.localdate(now)
    after_service = FollowUpTask.Kind.AFTER_SERVICE

    def run():
        follow_ups = follow_ups_schedule(now=now)
        return {"follow_ups": follow_ups, **reminders_schedule(today=today)}

    def created(rows: dict) -> int:
        return sum(n for key, n in rows.items() if key != "forecasts")

    def written_since(since: dt.datetime) -> dict:
        """What a run wrote (bounded by a day's work, never a whole table)."""
        return {
            "follow_ups": set(
                FollowUpTask.objects.filter(kind=after_service, created_at__gte=since).values_list(
                    "source_key",
                    "store_id",
                    "customer_id",
                    "vehicle_id",
                    "repair_order_id",
                    "assignee_id",
                    "window_start",
                    "due_date",
                    "next_attempt_on",
                    "calendar_estimated",
                )
            ),
            "forecasts": set(
                ServiceForecast.objects.filter(computed_on=today).values_list(
                    "vehicle_id",
                    "last_service_date",
                    "last_service_km",
                    "daily_km",
                    "rate_source",
                    "due_date",
                    "due_km",
                )
            ),
            "reminders": set(
                Reminder.objects.filter(created_at__gte=since).values_list(
                    "source_key",
                    "store_id",
                    "vehicle_id",
                    "customer_id",
                    "policy_id",
                    "kind",
                    "stage",
                    "due_date",
                    "send_on",
                )
            ),
        }

    def sql_params() -> dict:
        since = now - dt.timedelta(days=SWEEP_DAYS)
        return {
            "now": now,
            "since": since,
            "today": today,
            "cal_from": since.date() - dt.timedelta(days=2),
            "tz": timezone.get_current_timezone_name(),
            "stamp": timezone.now(),
        }

    product_ms, again_ms, again_created, sql_ms, sql_again_ms = [], [], [], [], []
    with _rolled_back():
        started = time.monotonic()
        _the_day_before(now, today)
        with connection.cursor() as cursor:
            # What autovacuum would have done after yesterday's commit: statistics that count
            # this transaction's rows, so the planner sees the tables as they would be.
            cursor.execute(
                "ANALYZE reminders_serviceforecast, reminders_reminder, followups_followuptask,"
                " notifications_message"
            )
        setup_s = round(time.monotonic() - started, 1)

        # Untimed: the check that the statement computes the product's result, query counts.
        with _rolled_back():
            since = timezone.now()
            queries = _queries(run)
            product = written_since(since)
            sent = Reminder.objects.filter(sent_at__gte=since)
            product["dispatch"] = {
                status: set(sent.filter(status=status).values_list("source_key", flat=True))
                for status in (Reminder.Status.SENT, Reminder.Status.CALL_TASK)
            }
        with _rolled_back():
            since = timezone.now()
            (counts,) = _fetch(SCHEDULING_SQL, sql_params())
            sql = written_since(since)
            sql["dispatch"] = {
                Reminder.Status.SENT: set(counts[3]),
                Reminder.Status.CALL_TASK: set(counts[4]),
            }
        for part in product:
            _same(f"scheduling run: {part}", product[part], sql[part])

        for _ in range(repeat):
            with _rolled_back():
                ms, rows = _clock(run)
                product_ms.append(ms)
                ms, again = _clock(run)
                again_ms.append(ms)
                again_created.append(created(again))
            with _rolled_back():
                for times in (sql_ms, sql_again_ms):
                    params = sql_params()
                    times.append(_clock(lambda params=params: _fetch(SCHEDULING_SQL, params))[0])

    met = max(product_ms) < SCHEDULING_LIMIT_S * 1000 and max(again_created) == 0
    return _job(
        product_ms,
        sql_ms,
        rows=rows,
        second_run={
            **_job(again_ms, sql_again_ms),
            "created": max(again_created),
            "forecasts_recomputed": again["forecasts"],
        },
        product_queries=queries,
        setup_s=setup_s,
        target=f"every run < {SCHEDULING_LIMIT_S} s; a second run the same day creates nothing",
        met=met,
        sql_covers="follow-ups, forecasts, reminders, each due reminder's channel (not: message "
        "rendering and queueing, call tasks, status updates, booking attribution)",
    )


def escalation_scan(repeat: int) -> dict:
    from django.utils import timezone

    from dealercare.complaints.models import Complaint, Escalation
    from dealercare.complaints.services import escalations_scan

    now = timezone.now()
    params = {"now": now}

    with _rolled_back():
        queries = _queries(lambda: escalations_scan(now=now))
        product = set(
            Escalation.objects.filter(at=now).values_list("complaint_id", "target", "level")
        )
    with _rolled_back():
        sql = set(_fetch(ESCALATION_SQL, params))
    _same("escalation scan", product, sql)

    product_ms, again_ms, again_created, sql_ms, sql_again_ms = [], [], [], [], []
    for _ in range(repeat):
        with _rolled_back():
            ms, created = _clock(lambda: escalations_scan(now=now))
            product_ms.append(ms)
            ms, again = _clock(lambda: escalations_scan(now=now))
            again_ms.append(ms)
            again_created.append(again)
        with _rolled_back():
            sql_ms.append(_clock(lambda: _fetch(ESCALATION_SQL, params))[0])
            sql_again_ms.append(_clock(lambda: _fetch(ESCALATION_SQL, params))[0])
    open_complaints = Complaint.objects.exclude(
        status__in=[Complaint.Status.CONFIRMED, Complaint.Status.CLOSED]
    ).count()
    return _job(
        product_ms,
        sql_ms,
        rows={"open_complaints": open_complaints, "escalations": created},
        second_run={**_job(again_ms, sql_again_ms), "created": max(again_created)},
        product_queries=queries,
        target="report only (no fixed target)",
        met=None,
        sql_covers="the escalation rows (not: notifying staff, the complaint's events, the "
        "customer's timeline)",
    )


def csi_month_all_stores(repeat: int) -> dict:
    from dealercare.core.kpi import ratio
    from dealercare.surveys.selectors import survey_results

    hq = _hq_user()
    month, start, end = _last_month()
    params = {"month": month, "start": start, "end": end}

    def product():
        # HQ's monthly ranking: every store's figures side by side.
        rows = survey_results(actor=hq, store_id=None, month=month, group_by="store")["rows"]
        return {
            row["key"]: {
                "responses": row["answers"],
                "csi": row["csi"],
                "nps": row["nps"],
                "response_rate": row["response_rate"],
            }
            for row in rows
        }

    def sql():
        return {
            store_id: {
                "responses": responses,
                "csi": csi,
                "nps": nps,
                # Rounded as the product rounds (Decimal.quantize: half to even).
                "response_rate": ratio(answered, invited),
            }
            for store_id, responses, csi, nps, invited, answered in _fetch(CSI_SQL, params)
        }

    results = product()
    _same("CSI month", results, sql())
    product_ms, sql_ms = _timed_pair(product, sql, repeat)
    return _job(
        product_ms,
        sql_ms,
        rows={
            "month": month.isoformat(),
            "stores": len(results),
            "responses": sum(r["responses"] for r in results.values()),
        },
        product_queries=_queries(product),
        target=f"ratio <= {AGGREGATION_LIMIT_RATIO}",
        met=statistics.median(product_ms) <= AGGREGATION_LIMIT_RATIO * statistics.median(sql_ms),
        sql_covers="responses, CSI, NPS, response rate per store (the product also builds "
        "its per-item rows)",
    )


def complaint_kpis_all_stores(repeat: int, months: int = 1) -> dict:
    from dealercare.complaints import selectors
    from dealercare.complaints.models import Complaint
    from dealercare.core.kpi import ratio
    from dealercare.org.models import Store

    hq = _hq_user()
    month, start, end = _last_month()
    for _ in range(months - 1):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    start = dt.datetime.combine(month, dt.time.min, start.tzinfo)
    params = {"start": start, "end": end}
    cents = Decimal("0.01")

    def product():
        # HQ's comparison of the stores (the weekly report's table), for a month.
        month_complaints = selectors.complaint_list(actor=hq).filter(
            created_at__gte=start, created_at__lt=end
        )
        return {
            store_id: {k: v for k, v in kpis.items() if k != "total"}
            for store_id, kpis in selectors.complaint_kpis_by_store(month_complaints).items()
        }

    def sql():
        out = {}
        for row in _fetch(COMPLAINT_KPIS_SQL, params):
            (store_id, total, closed, mean, p90, resolved, on_time, first_contact) = row[:8]
            repeats, ever_resolved, reopened, compensation = row[8:]
            # Rounded as the product rounds (Decimal.quantize: half to even).
            out[store_id] = {
                "cycle_time": {
                    "mean": Decimal(mean).quantize(cents) if closed else None,
                    "p90": Decimal(p90).quantize(cents) if closed else None,
                },
                "on_time_rate": ratio(on_time, resolved),
                "first_contact_rate": ratio(first_contact, resolved),
                "repeat_rate": ratio(repeats, total),
                "reopen_rate": ratio(reopened, ever_resolved),
                "compensation_per_complaint": (
                    (Decimal(compensation) / total).quantize(cents) if total else None
                ),
            }
        return out

    _same("complaint KPIs", product(), sql())
    product_ms, sql_ms = _timed_pair(product, sql, repeat)
    return _job(
        product_ms,
        sql_ms,
        rows={
            "from": month.isoformat(),
            "months": months,
            "stores": Store.objects.filter(is_active=True).count(),
            "complaints": Complaint.objects.filter(
                created_at__gte=start, created_at__lt=end
            ).count(),
        },
        product_queries=_queries(product),
        target=f"ratio <= {AGGREGATION_LIMIT_RATIO}",
        met=statistics.median(product_ms) <= AGGREGATION_LIMIT_RATIO * statistics.median(sql_ms),
        sql_covers="all six KPIs per store",
    )


def _timed_pair(product, sql, repeat: int) -> tuple[list[float], list[float]]:
    """Alternating, so that whatever else the machine does weighs on both alike."""
    product_ms, sql_ms = [], []
    for _ in range(repeat):
        product_ms.append(_clock(product)[0])
        sql_ms.append(_clock(sql)[0])
    return product_ms, sql_ms


JOBS = {
    "scheduling_daily_run": scheduling_daily_run,
    "escalation_scan": escalation_scan,
    "csi_month_all_stores": csi_month_all_stores,
    "complaint_kpis_all_stores": complaint_kpis_all_stores,
    # The same over a year: how the ratio goes when the database has more to do.
    "complaint_kpis_year_all_stores": lambda repeat: complaint_kpis_all_stores(repeat, months=12),
}


def statistics_ready() -> list[str]:
    """ANALYZE the tables that never were (a database restored or copied from a template has no
    planner statistics until autovacuum sees enough changes): without them PostgreSQL guesses,
    and both the product's queries and the hand-written statements get plans that production,
    where autovacuum keeps the statistics, would not. Statistics only; no row changes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.reltuples < 0"
            " ORDER BY c.relname"
        )
        tables = [name for (name,) in cursor.fetchall()]
        for name in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return tables


def job_benchmarks(*, repeat: int = 5) -> dict:
    """Every job beside its SQL statement, `repeat` timed runs each (Django set up already)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the job benchmarks' statements are PostgreSQL: set DATABASE_URL")
    analyzed = statistics_ready()
    return {
        "repeat": repeat,
        "analyzed_first": analyzed,
        "jobs": {name: job(repeat) for name, job in JOBS.items()},
    }


def jobs_table(result) -> str:
    def ms(summary):
        return f"{summary['median']:>9.1f} ({summary['min']:.1f}–{summary['max']:.1f})"

    lines = [
        f"{'job':<27} {'product ms median (min–max)':>32} {'SQL ms median (min–max)':>28} "
        f"{'ratio':>7}  met",
    ]
    for name, job in result["jobs"].items():
        met = {True: "yes", False: "NO", None: "—"}[job["met"]]
        lines.append(
            f"{name:<27} {ms(job['product_ms']):>32} {ms(job['sql_ms']):>28} "
            f"{job['ratio']:>6.1f}x  {met}"
        )
        if "second_run" in job:
            again = job["second_run"]
            lines.append(
                f"{'  second run, same time':<27} {ms(again['product_ms']):>32} "
                f"{ms(again['sql_ms']):>28} {again['ratio']:>6.1f}x  "
                f"created {again['created']}"
            )
    lines.append("")
    for name, job in result["jobs"].items():
        lines.append(f"{name}: target {job['target']}; {job['product_queries']} product queries")
        lines.append(f"  rows {job['rows']}")
        lines.append(f"  SQL covers {job['sql_covers']}")
    lines.append(f"(ratio = product median / SQL median; {result['repeat']} runs each)")
    return "\n".join(lines)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealercare.settings")
    os.environ.setdefault("DEALERCARE_ENV", "development")
    import django

    django.setup()
    from django.db import connection

    result = job_benchmarks(repeat=int(os.environ.get("BENCH_REPEAT", "5")))
    print(jobs_table(result))
    out = result_write({**run_facts("jobs"), "database": connection.vendor, **result})
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
