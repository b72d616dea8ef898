"""Benchmark data sets at dealer-group scale (PostgreSQL only).

The ORM demo (generator.py, history.py) writes a few hundred thousand rows; a large group's five
years are millions (size L: 12 stores, 120,000 customers, 150,000 vehicles, 1.3 million repair
orders with their lines, events, follow-ups, complaints and survey answers). Those are written
here with INSERT ... SELECT over generate_series inside the database, which is what makes L fit
in minutes on two cores. Organisation, staff, customers and vehicles still come from the demo
generator, so every page shows the same kind of data as the demo, only more of it.

Figures per store follow DOMAIN.md's large dealer: about 10,000 active customers and 50-70
repair orders a day; stores open every day of the year (4S stores do).
"""

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from dealercare.core.codes import ServiceType
from dealercare.followups.models import DissatisfactionReason
from dealercare.workorders.models import RepairOrder

from .history import JOB_MIX, JOBS, LABOUR_RATE, OPEN_STATUSES

CUSTOMERS_PER_STORE = 10_000
VEHICLES_PER_STORE = 12_500
REPAIR_ORDERS_PER_DAY = 60  # each store-day draws 50-70
INVITED_SHARE = 0.5  # deliveries whose owner got a survey link
ANSWERED_SHARE = 0.35  # invitations answered
COMPLAINT_SHARE = 0.01  # deliveries followed by a complaint
RECENT_DAYS = 14  # the follow-up scheduling run's own window: those it makes itself


@dataclass(frozen=True)
class BenchSize:
    code: str
    stores: int
    years: int

    @property
    def customers(self) -> int:
        return self.stores * CUSTOMERS_PER_STORE

    @property
    def vehicles(self) -> int:
        return self.stores * VEHICLES_PER_STORE


SIZES = {
    "S": BenchSize("S", stores=1, years=1),
    "M": BenchSize("M", stores=12, years=3),
    "L": BenchSize("L", stores=12, years=5),
}


class BenchDataSetRefused(Exception):
    pass


def bench_dataset_build(size: BenchSize, *, seed: int = 20261126, log=print) -> dict:
    """The demo group at a benchmark size, ending in the state after yesterday's scheduling
    run (follow-ups for the last two weeks' deliveries, service forecasts, reminders sent)."""
    from dealercare.followups.services import follow_ups_schedule
    from dealercare.reminders.services import reminders_schedule

    from .generator import DemoGenerator

    if connection.vendor != "postgresql":
        raise BenchDataSetRefused("benchmark data sets are built on PostgreSQL only")
    timings = {}
    started = time.monotonic()
    counts = DemoGenerator(
        seed=seed,
        stores=size.stores,
        customers=size.customers,
        vehicles=size.vehicles,
        appointments_per_day=30,
        history_days=30,
        repair_orders_per_day=0,
    ).generate()
    timings["organisation_customers_vehicles"] = round(time.monotonic() - started, 1)
    log(f"  organisation, customers and vehicles: {timings['organisation_customers_vehicles']} s")
    history = BulkHistory(days=365 * size.years, seed=seed % 1000 / 1000, log=log)
    timings.update(history.generate())
    started = time.monotonic()
    yesterday = history.now - dt.timedelta(days=1)
    follow_ups_schedule(now=yesterday)
    reminders_schedule(today=timezone.localdate(yesterday))
    timings["scheduling_run_of_yesterday"] = round(time.monotonic() - started, 1)
    log(f"  yesterday's scheduling run: {timings['scheduling_run_of_yesterday']} s")
    # The tables as autovacuum would soon leave them: planner statistics that include the
    # scheduling run's tens of thousands of open tasks (estimates from before it pick slow plans
    # for the worklist), and visibility maps, without which every index-only count reads the
    # table as well. VACUUM cannot run in a transaction: outside one only, as load_demo runs.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    return {"size": size.code, "stores": counts["stores"], "timings_s": timings}


class BulkHistory:
    """Years of history for the stores, written by the database itself."""

    def __init__(self, *, days: int, seed: float = 0.42, log=print):
        self.seed = seed
        self.log = log
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.first_day = self.today - dt.timedelta(days=days)
        self.timings: dict[str, float] = {}

    def generate(self) -> dict[str, float]:
        if connection.vendor != "postgresql":
            raise BenchDataSetRefused("benchmark data sets are built on PostgreSQL only")
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [self.seed])
        for step in (
            self._staging,
            self.repair_orders,
            self.repair_order_lines,
            self.events,
            self.follow_ups,
            self.follow_up_attempts,
            self.complaints,
            self.surveys,
            self.customers_last_visit,
        ):
            started = time.monotonic()
            with transaction.atomic():
                step()
            self.timings[step.__name__.strip("_")] = round(time.monotonic() - started, 1)
            self.log(f"  {step.__name__.strip('_')}: {self.timings[step.__name__.strip('_')]} s")
        self._drop_staging()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return self.timings

    def _sql(self, sql: str, params: dict | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or {})
            return cursor.rowcount

    # -- staging: each store's vehicles numbered 1..n, its staff; the job catalogue ------------
    def _staging(self) -> None:
        self._drop_staging()
        self._sql(
            """
            CREATE UNLOGGED TABLE bench_vehicle AS
            SELECT store_id, row_number() OVER (PARTITION BY store_id ORDER BY id) AS n,
                   id AS vehicle_id
            FROM customers_vehicle
            """
        )
        self._sql("ALTER TABLE bench_vehicle ADD PRIMARY KEY (store_id, n)")
        self._sql(
            """
            CREATE UNLOGGED TABLE bench_store AS
            SELECT s.id AS store_id, s.code,
                   (SELECT count(*) FROM bench_vehicle v WHERE v.store_id = s.id) AS vehicles,
                   ARRAY(SELECT p.user_id FROM org_staffprofile p
                         JOIN auth_user_groups ug ON ug.user_id = p.user_id
                         JOIN auth_group g ON g.id = ug.group_id
                         WHERE p.store_id = s.id AND g.name = 'service_advisor') AS advisors,
                   ARRAY(SELECT p.user_id FROM org_staffprofile p
                         JOIN auth_user_groups ug ON ug.user_id = p.user_id
                         JOIN auth_group g ON g.id = ug.group_id
                         WHERE p.store_id = s.id AND g.name = 'cs_agent') AS agents
            FROM org_store s
            WHERE EXISTS (SELECT FROM bench_vehicle v WHERE v.store_id = s.id)
            """
        )
        self._sql(
            "CREATE UNLOGGED TABLE bench_job (job_id int PRIMARY KEY, job_type text, "
            "labour text, hours numeric, total numeric)"
        )
        self._sql(
            "CREATE UNLOGGED TABLE bench_job_part (job_id int, name text, quantity numeric, "
            "unit_price numeric)"
        )
        jobs, parts, draws = [], [], []
        for job_type, weight in _weights(JOB_MIX).items():
            for labour, hours, job_parts in JOBS[job_type]:
                job_id = len(jobs) + 1
                total = Decimal(hours) * LABOUR_RATE + sum(
                    (Decimal(q) * Decimal(p) for _, q, p in job_parts), Decimal("0")
                )
                jobs.append((job_id, str(job_type), labour, Decimal(hours), total))
                parts += [(job_id, name, Decimal(q), Decimal(p)) for name, q, p in job_parts]
                draws += [job_id] * round(weight * 60 / len(JOBS[job_type]))
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_job VALUES (%s, %s, %s, %s, %s)", jobs)
            cursor.executemany("INSERT INTO bench_job_part VALUES (%s, %s, %s, %s)", parts)
        self.job_draws = draws

    def _drop_staging(self) -> None:
        self._sql(
            "DROP TABLE IF EXISTS bench_vehicle, bench_store, bench_job, bench_job_part, bench_ro"
        )

    # -- repair orders -------------------------------------------------------------------------
    def repair_orders(self) -> None:
        status_labels = _case("status", RepairOrder.Status.choices)
        self._sql(
            """
            CREATE UNLOGGED TABLE bench_ro AS
            WITH arrival AS MATERIALIZED (
                SELECT s.store_id, s.code, d::date AS day, n,
                       1 + floor(random() * s.vehicles)::bigint AS vehicle_n,
                       ((d::date + time '08:30') + random() * interval '8 hours')
                           AT TIME ZONE 'Asia/Shanghai' AS arrived_at,
                       s.advisors[1 + floor(random() * cardinality(s.advisors))::int] AS advisor_id,
                       (%(draws)s::int[])[1 + floor(random() * %(draw_count)s)::int] AS job_id,
                       random() AS r1, random() AS r2, random() AS r3, random() AS r4
                FROM bench_store s
                CROSS JOIN generate_series(%(first_day)s::date, %(today)s::date, interval '1 day') d
                CROSS JOIN LATERAL generate_series(
                    1, %(per_day)s - 10 + abs(hashtext(s.code || d::date::text)) %% 21
                ) n
            ), ordered AS (
                SELECT a.*, v.id AS vehicle_id, v.owner_id, v.current_mileage_km, v.purchase_date,
                       j.job_type, j.total,
                       a.arrived_at + (3 + a.r1 * 17) * interval '1 minute' AS created_at
                FROM arrival a
                JOIN bench_vehicle bv ON bv.store_id = a.store_id AND bv.n = a.vehicle_n
                JOIN customers_vehicle v ON v.id = bv.vehicle_id
                JOIN bench_job j ON j.job_id = a.job_id
                WHERE a.arrived_at <= %(now)s
            ), timed AS (
                SELECT o.*,
                       o.created_at + (ARRAY[2, 3, 3, 4, 6, 24])[1 + floor(o.r2 * 6)::int]
                           * interval '1 hour' AS promised_at,
                       CASE WHEN o.job_type = 'maintenance' AND o.r4 < 0.2
                            THEN round(o.total * 0.1, 2) ELSE 0 END AS discount
                FROM ordered o
            ), delivered AS (
                SELECT t.*,
                       CASE WHEN t.day < %(today)s AND t.r3 >= 0.02 THEN t.promised_at +
                            CASE WHEN t.r4 < 0.12 THEN (5 + t.r1 * 115) ELSE -(t.r4 * 90) END
                            * interval '1 minute' END AS delivered_candidate
                FROM timed t
            )
            SELECT nextval(pg_get_serial_sequence('workorders_repairorder', 'id')) AS id,
                   store_id, day, job_id, owner_id AS customer_id, vehicle_id, advisor_id,
                   job_type, created_at, promised_at, discount, total,
                   'RO' || to_char(day, 'YYYYMMDD') || lpad(n::text, 4, '0') AS number,
                   greatest(1, (current_mileage_km * greatest(
                       (%(today)s::date - coalesce(purchase_date, %(today)s::date))
                           - (%(today)s::date - day), 1)
                       / greatest(%(today)s::date - coalesce(purchase_date, %(today)s::date), 1)
                   ))::int AS mileage_km,
                   CASE WHEN day = %(today)s
                        THEN (%(open)s::text[])[1 + floor(r3 * %(open_count)s)::int]
                        WHEN r3 < 0.02 THEN 'cancelled'
                        WHEN delivered_candidate > %(now)s THEN 'ready'
                        ELSE 'delivered' END AS status,
                   CASE WHEN delivered_candidate <= %(now)s THEN delivered_candidate END
                       AS delivered_at,
                   (ARRAY['例行保养', '刹车有异响', '空调不凉', '仪表故障灯亮', '事故维修',
                          '车身剐蹭', '常规检查'])[1 + floor(r1 * 7)::int] AS description,
                   (ARRAY['1/4', '1/2', '3/4'])[1 + floor(r2 * 3)::int] AS fuel_level
            FROM delivered
            """,
            {
                "draws": self.job_draws,
                "draw_count": len(self.job_draws),
                "first_day": self.first_day,
                "today": self.today,
                "now": self.now,
                "per_day": REPAIR_ORDERS_PER_DAY,
                "open": OPEN_STATUSES,
                "open_count": len(OPEN_STATUSES),
            },
        )
        self._sql("ALTER TABLE bench_ro ADD PRIMARY KEY (id)")
        self._sql(
            """
            INSERT INTO workorders_repairorder (
                id, created_at, updated_at, number, job_type, status, mileage_km, description,
                walkaround, promised_at, discount, next_service_advice, settled_total,
                settled_at, delivered_at, advisor_id, customer_id, store_id, vehicle_id)
            SELECT id, created_at, coalesce(delivered_at, created_at), number, job_type, status,
                   mileage_km, description, jsonb_build_object('fuel_level', fuel_level),
                   promised_at, discount, '',
                   CASE WHEN status IN ('delivered', 'settled') THEN total - discount END,
                   CASE WHEN delivered_at IS NOT NULL
                        THEN delivered_at - interval '10 minutes' END,
                   delivered_at, advisor_id, customer_id, store_id, vehicle_id
            FROM bench_ro ORDER BY id
            """
        )
        self.status_labels = status_labels

    def repair_order_lines(self) -> None:
        self._sql(
            """
            INSERT INTO workorders_repairorderline (
                kind, name, hours, quantity, unit_price, created_at, repair_order_id)
            SELECT 'labour', j.labour, j.hours, 1, %(rate)s, r.created_at, r.id
            FROM bench_ro r JOIN bench_job j ON j.job_id = r.job_id
            UNION ALL
            SELECT 'part', p.name, NULL, p.quantity, p.unit_price, r.created_at, r.id
            FROM bench_ro r JOIN bench_job_part p ON p.job_id = r.job_id
            """,
            {"rate": LABOUR_RATE},
        )

    def events(self) -> None:
        """Each order's event row and its line on the owner's timeline."""
        self._sql(
            """
            INSERT INTO workorders_repairorderevent (at, from_status, to_status, note,
                                                     repair_order_id)
            SELECT coalesce(delivered_at, created_at), '', status, '', id FROM bench_ro
            """
        )
        self._sql(
            f"""
            INSERT INTO customers_customerevent (kind, at, summary, data, customer_id, store_id)
            SELECT 'repair_order', coalesce(delivered_at, created_at),
                   number || ' ' || {self.status_labels},
                   jsonb_build_object('repair_order_id', id, 'status', status),
                   customer_id, store_id
            FROM bench_ro
            """
        )

    # -- after-service follow-ups ------------------------------------------------------------
    def follow_ups(self) -> None:
        """Done for every delivery before the scheduling run's window (mostly satisfied); the
        window itself is left to the product's own run, called by the data-set command."""
        self._sql(
            """
            INSERT INTO followups_followuptask (
                created_at, updated_at, kind, status, result, source_key, window_start, due_date,
                next_attempt_on, calendar_estimated, attempts, reasons, comment,
                needs_complaint, done_at, assignee_id, customer_id, repair_order_id, store_id,
                vehicle_id)
            SELECT r.delivered_at, w.done_at, 'after_service',
                   CASE WHEN w.roll < 0.9 THEN 'done' ELSE 'closed_unreachable' END,
                   CASE WHEN w.roll < 0.85 THEN 'satisfied'
                        WHEN w.roll < 0.9 THEN 'dissatisfied' ELSE 'unreachable' END,
                   'after_service:repair_order:' || r.id,
                   w.day + 1, w.day + 3, w.day + 1, false,
                   CASE WHEN w.roll < 0.9 THEN 1 ELSE 3 END,
                   CASE WHEN w.roll >= 0.85 AND w.roll < 0.9
                        THEN jsonb_build_array(
                                 (%(reasons)s::text[])[1 + floor(w.roll2 * %(n)s)::int])
                        ELSE '[]'::jsonb END,
                   CASE WHEN w.roll >= 0.85 AND w.roll < 0.9
                        THEN (ARRAY['等待时间太长', '价格没提前说清楚', '车没洗干净'])
                             [1 + floor(w.roll2 * 3)::int]
                        ELSE '' END,
                   false, w.done_at,
                   s.agents[1 + floor(w.roll2 * cardinality(s.agents))::int],
                   r.customer_id, r.id, r.store_id, r.vehicle_id
            FROM bench_ro r
            JOIN bench_store s ON s.store_id = r.store_id
            CROSS JOIN LATERAL (
                SELECT (r.delivered_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
                       ((r.delivered_at AT TIME ZONE 'Asia/Shanghai')::date + 1 + time '10:00')
                           AT TIME ZONE 'Asia/Shanghai' AS done_at,
                       random() + 0 * r.id AS roll, random() + 0 * r.id AS roll2
            ) w
            WHERE r.status = 'delivered' AND r.delivered_at < %(window)s
            """,
            {
                "reasons": DissatisfactionReason.values,
                "n": len(DissatisfactionReason.values),
                "window": self.now - dt.timedelta(days=RECENT_DAYS),
            },
        )

    def follow_up_attempts(self) -> None:
        """The calls behind every finished follow-up: one for a reached customer, three a day
        apart for one never reached (the last on the day it was closed)."""
        self._sql(
            """
            INSERT INTO followups_followupattempt (task_id, at, actor_id, result, reasons, comment)
            SELECT t.id, t.done_at - (t.attempts - n) * interval '1 day', t.assignee_id,
                   t.result, t.reasons, t.comment
            FROM followups_followuptask t
            CROSS JOIN LATERAL generate_series(1, t.attempts) AS n
            WHERE t.done_at IS NOT NULL
            """
        )

    # -- complaints ----------------------------------------------------------------------------
    def complaints(self) -> None:
        from dealercare.complaints.models import DEFAULT_SLA, Severity

        first, resolve = (
            _case(
                "severity",
                [(code, DEFAULT_SLA[Severity(code)][target]) for code in Severity.values],
            )
            for target in ("first_response_minutes", "resolution_minutes")
        )
        self._sql(
            f"""
            WITH picked AS (
                SELECT r.id, r.store_id, r.customer_id, r.vehicle_id,
                       r.delivered_at + (1 + floor(random() * 5)) * interval '1 day'
                           + floor(random() * 6) * interval '1 hour' AS created_at,
                       random() AS r1, random() AS r2, random() AS r3
                FROM bench_ro r
                WHERE r.status = 'delivered' AND random() < %(share)s
            ), classified AS (
                SELECT p.*,
                       CASE WHEN p.r1 < 0.85 THEN 'normal' WHEN p.r1 < 0.97 THEN 'major'
                            ELSE 'critical' END AS severity,
                       (ARRAY['attitude', 'waiting_time', 'price_transparency', 'repair_quality',
                              'parts', 'environment', 'other'])[1 + floor(p.r2 * 7)::int]
                           AS category,
                       (p.created_at AT TIME ZONE 'Asia/Shanghai')::date AS day
                FROM picked p WHERE p.created_at <= %(now)s
            ), numbered AS (
                SELECT c.*, s.code,
                       row_number() OVER (PARTITION BY c.store_id, c.day ORDER BY c.created_at)
                           AS n,
                       (%(now)s - c.created_at > interval '10 days' OR c.r3 < 0.5) AS closed
                FROM classified c JOIN bench_store s ON s.store_id = c.store_id
            )
            INSERT INTO complaints_complaint (
                created_at, updated_at, number, source, category, severity, proposed_severity,
                severity_reason, description, status, first_response_due, resolution_due,
                calendar_estimated, first_responded_at, confirmed_at, closed_at, is_repeat,
                reopen_count, root_cause, corrective_action, resolution, customer_id,
                repair_order_id, store_id, vehicle_id)
            SELECT created_at, created_at,
                   'TS' || to_char(day, 'YYYYMMDD') || lpad(n::text, 4, '0'),
                   (ARRAY['phone', 'phone', 'follow_up', 'walk_in', 'third_party',
                          'oem_hotline'])[1 + floor(r3 * 6)::int],
                   category, severity, severity, '',
                   CASE category WHEN 'attitude' THEN '服务顾问态度冷淡，解释不耐烦'
                        WHEN 'waiting_time' THEN '保养等了三个多小时，比承诺时间晚很多'
                        WHEN 'price_transparency' THEN '结算时多出了没说过的项目费用'
                        WHEN 'repair_quality' THEN '修完后同样的异响又出现了'
                        WHEN 'parts' THEN '更换的配件不是原厂件'
                        WHEN 'environment' THEN '休息区没有空调，卫生间不干净'
                        ELSE '预约了却没有工位' END,
                   CASE WHEN closed THEN 'closed'
                        ELSE (ARRAY['new', 'acknowledged', 'dispatched', 'accepted'])
                             [1 + floor(r2 * 4)::int] END,
                   created_at + {first} * interval '1 minute',
                   created_at + {resolve} * interval '1 minute',
                   false,
                   CASE WHEN closed THEN created_at + (5 + r1 * 145) * interval '1 minute' END,
                   CASE WHEN closed THEN created_at + (3 + r2 * 87) * interval '1 hour' END,
                   CASE WHEN closed THEN created_at + (4 + r2 * 87) * interval '1 hour' END,
                   false, 0,
                   CASE WHEN closed THEN '流程执行不到位' ELSE '' END,
                   CASE WHEN closed THEN '班前会通报并复训' ELSE '' END,
                   CASE WHEN closed THEN '致歉并赠送免费洗车' ELSE '' END,
                   customer_id, id, store_id, vehicle_id
            FROM numbered
            """,
            {"share": COMPLAINT_SHARE, "now": self.now},
        )

    # -- survey invitations, responses and answers ---------------------------------------------
    def surveys(self) -> None:
        from dealercare.surveys.models import Item, Questionnaire
        from dealercare.surveys.services import INVITATION_DELAY, INVITATION_VALID

        questionnaire = Questionnaire.objects.filter(code="csi-service", status="active").first()
        if questionnaire is None:
            return
        items = [
            i
            for i in questionnaire.items.all()
            if i.item_type in (Item.Type.SCALE5, Item.Type.RECOMMEND)
        ]
        self._sql(
            """
            INSERT INTO surveys_invitation (
                created_at, updated_at, channel, send_after, sent_at, expires_at, source_key,
                advisor_id, customer_id, repair_order_id, store_id, questionnaire_id)
            SELECT r.delivered_at, r.delivered_at, 'sms_link', r.delivered_at + %(delay)s,
                   CASE WHEN r.delivered_at + %(delay)s < %(now)s
                        THEN r.delivered_at + %(delay)s END,
                   r.delivered_at + %(delay)s + %(valid)s,
                   'sms_link:repair_order:' || r.id,
                   r.advisor_id, r.customer_id, r.id, r.store_id, %(questionnaire)s
            FROM bench_ro r
            WHERE r.status = 'delivered' AND random() < %(share)s
            """,
            {
                "delay": INVITATION_DELAY,
                "valid": INVITATION_VALID,
                "now": self.now,
                "share": INVITED_SHARE,
                "questionnaire": questionnaire.pk,
            },
        )
        # Scores first, so each response's CSI is computed from its own answers. The waiting
        # area is the usual weak point, as in the demo.
        self._sql(
            """
            CREATE UNLOGGED TABLE bench_answer AS
            SELECT i.id AS invitation_id, item.id AS item_id, item.item_type, item.weight,
                   CASE WHEN item.item_type = 'recommend' THEN
                            CASE WHEN x.roll < 0.45 THEN 10 WHEN x.roll < 0.70 THEN 9
                                 WHEN x.roll < 0.85 THEN 8 WHEN x.roll < 0.95 THEN 7 ELSE 5 END
                        ELSE
                            CASE WHEN x.roll < 0.70 THEN 5
                                 WHEN x.roll < 0.92 THEN
                                      CASE WHEN item.dimension = 'environment' THEN 3 ELSE 4 END
                                 WHEN x.roll < 0.98 THEN 3 ELSE 2 END
                   END AS score
            FROM surveys_invitation i
            JOIN surveys_item item ON item.id = ANY(%(items)s)
            CROSS JOIN LATERAL (SELECT random() + 0 * i.id + 0 * item.id AS roll) x
            WHERE i.questionnaire_id = %(questionnaire)s AND i.sent_at IS NOT NULL
              AND abs(hashtext('answered' || i.id::text)) %% 1000 < %(answered)s
            """,
            {
                "items": [i.pk for i in items],
                "questionnaire": questionnaire.pk,
                "answered": int(ANSWERED_SHARE * 1000),
            },
        )
        self._sql(
            """
            INSERT INTO surveys_response (
                channel, submitted_at, month, csi, recommend, below_threshold, advisor_id,
                invitation_id, questionnaire_id, store_id)
            SELECT 'sms_link', t.submitted_at,
                   date_trunc('month', t.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
                   a.csi, a.recommend, a.csi < 80 OR a.recommend <= 6 OR a.lowest <= 2,
                   i.advisor_id, i.id, i.questionnaire_id, i.store_id
            FROM (
                SELECT invitation_id,
                       round(sum(weight * score / 5.0) FILTER (WHERE item_type = 'scale5')
                             / sum(weight) FILTER (WHERE item_type = 'scale5') * 100, 2) AS csi,
                       max(score) FILTER (WHERE item_type = 'recommend') AS recommend,
                       min(score) FILTER (WHERE item_type = 'scale5') AS lowest
                FROM bench_answer GROUP BY invitation_id
            ) a
            JOIN surveys_invitation i ON i.id = a.invitation_id
            CROSS JOIN LATERAL (
                SELECT least(i.send_after + (1 + floor(random() * 29)) * interval '1 hour'
                             + 0 * i.id * interval '1 hour', %(now)s) AS submitted_at
            ) t
            """,
            {"now": self.now},
        )
        self._sql(
            """
            INSERT INTO surveys_answer (score, choices, text, item_id, response_id)
            SELECT a.score, '[]'::jsonb, '', a.item_id, r.id
            FROM bench_answer a JOIN surveys_response r ON r.invitation_id = a.invitation_id
            """
        )
        self._sql("DROP TABLE bench_answer")

    def customers_last_visit(self) -> None:
        self._sql(
            """
            UPDATE customers_customer c SET last_visit_at = last.day
            FROM (SELECT customer_id, max(delivered_at AT TIME ZONE 'Asia/Shanghai')::date AS day
                  FROM bench_ro WHERE status = 'delivered' GROUP BY customer_id) last
            WHERE last.customer_id = c.id
            """
        )


def _weights(mix: list) -> dict:
    counts: dict = {}
    for job_type in mix:
        counts[job_type] = counts.get(job_type, 0) + 1
    return {ServiceType(job_type): n for job_type, n in counts.items()}


def _case(column: str, pairs) -> str:
    """A CASE expression mapping a column's codes to literals (labels or numbers)."""
    whens = " ".join(
        f"WHEN '{code}' THEN " + (str(value) if isinstance(value, int) else f"'{value}'")
        for code, value in pairs
    )
    return f"(CASE {column} {whens} END)"
