"""Reads of complaints (always store-scoped), the SLA clock state and the complaint KPIs."""

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from dealercare.core.errors import NotFound
from dealercare.core.kpi import ratio
from dealercare.core.periods import local_days
from dealercare.org.models import Store

from .models import Compensation, Complaint, HandlingTicket

Status = Complaint.Status
RESOLVED = [Status.CONFIRMED, Status.CLOSED]


# A list row's columns (the API's ComplaintOut, the list page): a complaint's own, without
# its long texts.
LIST_COLUMNS = [
    "id",
    "number",
    "store",
    "customer",
    "vehicle",
    "repair_order",
    "source",
    "category",
    "severity",
    "proposed_severity",
    "status",
    "is_repeat",
    "reopen_count",
    "first_response_due",
    "resolution_due",
    "calendar_estimated",
    "created_at",
]


def list_rows(complaints: QuerySet[Complaint]) -> QuerySet[dict]:
    """The API's rows (ComplaintOut): the complaint's own columns as plain values. Whole
    customers, vehicles and orders, then a record built for every row, were most of a list's
    time."""
    return complaints.select_related(None).values(
        *(Complaint._meta.get_field(name).attname for name in LIST_COLUMNS)
    )


def page_rows(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """What the list page shows: the complaint's own columns, its description, the customer's
    name and the plate."""
    return (
        complaints.select_related(None)
        .select_related("customer", "vehicle")
        .only(*LIST_COLUMNS, "description", "customer__name", "vehicle__plate")
    )


def complaint_list(
    *,
    actor,
    store_id: int | None = None,
    status: str = "",
    severity: str = "",
    overdue: bool | None = None,
    category: str = "",
) -> QuerySet[Complaint]:
    complaints = (
        Complaint.objects.visible_to(actor)
        .in_store(store_id)
        .select_related("store", "customer", "vehicle", "repair_order")
    )
    if status:
        complaints = complaints.filter(status=status)
    if severity:
        complaints = complaints.filter(severity=severity)
    if category:
        complaints = complaints.filter(category=category)
    if overdue is not None:
        late = Q(resolution_due__lt=timezone.now()) & ~Q(status__in=RESOLVED)
        complaints = complaints.filter(late) if overdue else complaints.exclude(late)
    return complaints.order_by("-created_at", "-id")


def complaint_get(*, actor, complaint_id: int) -> Complaint:
    found = (
        complaint_list(actor=actor)
        .prefetch_related("escalations", "tickets__department", "compensations", "events")
        .filter(pk=complaint_id)
        .first()
    )
    if found is None:
        raise NotFound("投诉不存在。", "Complaint not found.")
    return found


def sla_state(complaint: Complaint, now: dt.datetime | None = None) -> dict:
    """Time left on each clock (negative = overdue), and whether it was met."""
    now = now or timezone.now()

    def clock(due, done_at):
        if done_at is not None:
            return {"due": due, "met": done_at <= due, "minutes_left": None}
        return {
            "due": due,
            "met": None,
            "minutes_left": math.floor((due - now).total_seconds() / 60),
        }

    resolved_at = complaint.confirmed_at if complaint.resolved else None
    return {
        "first_response": clock(complaint.first_response_due, complaint.first_responded_at),
        "resolution": clock(complaint.resolution_due, resolved_at),
        "calendar_estimated": complaint.calendar_estimated,
    }


def _cycle_times(hours: list[float]) -> dict[str, Decimal | None]:
    """Mean and 90th percentile (nearest rank) of hours."""
    if not hours:
        return {"mean": None, "p90": None}
    hours = sorted(hours)
    rank = max(math.ceil(0.9 * len(hours)), 1)
    q = Decimal("0.01")
    return {
        "mean": Decimal(sum(hours) / len(hours)).quantize(q),
        "p90": Decimal(hours[rank - 1]).quantize(q),
    }


def _closure_hours(complaints: QuerySet[Complaint]) -> dict[int, list[float]]:
    """Hours from registration to closure of the closed complaints, per store. The database
    subtracts (one interval per row instead of two timestamps to parse)."""
    hours: dict[int, list[float]] = defaultdict(list)
    for store_id, took in (
        complaints.filter(status=Status.CLOSED, closed_at__isnull=False)
        .annotate(took=ExpressionWrapper(F("closed_at") - F("created_at"), DurationField()))
        .values_list("store_id", "took")
    ):
        hours[store_id].append(took.total_seconds() / 3600)
    return hours


def cycle_time_hours(complaints: QuerySet[Complaint]) -> dict[str, Decimal | None]:
    """Mean and 90th percentile (nearest rank) of hours from registration to closure."""
    return _cycle_times([h for hours in _closure_hours(complaints).values() for h in hours])


def _kpi_counts() -> dict:
    resolved = Q(confirmed_at__isnull=False)
    return {
        "total": Count("id"),
        "resolved": Count("id", filter=resolved),
        "on_time": Count("id", filter=resolved & Q(confirmed_at__lte=F("resolution_due"))),
        # Settled at the first contact: resolved without a handling ticket.
        "first_contact": Count(
            "id",
            filter=resolved & ~Exists(HandlingTicket.objects.filter(complaint=OuterRef("pk"))),
        ),
        "repeats": Count("id", filter=Q(is_repeat=True)),
        "ever_resolved": Count("id", filter=resolved | Q(reopen_count__gt=0)),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
        # Each complaint's compensation summed first: a join would repeat the counted rows.
        "spent": Sum(
            Subquery(
                Compensation.objects.filter(complaint=OuterRef("pk"))
                .order_by()
                .values("complaint")
                .annotate(amount=Sum("amount"))
                .values("amount"),
                output_field=DecimalField(),
            )
        ),
    }


# On PostgreSQL every KPI of the chosen complaints comes from this one statement. Composing the
# same aggregate through the ORM (eleven filtered aggregates, two subqueries) took Django twice as
# long as PostgreSQL takes to run it (bench/README.md); the ORM only picks the complaints.
# Elsewhere _kpi_counts and _closure_hours give the same figures (tests run on both).
_KPIS_SQL = """
SELECT {group_column}
       count(*) AS total,
       count(*) FILTER (WHERE c.confirmed_at IS NOT NULL) AS resolved,
       count(*) FILTER (WHERE c.confirmed_at <= c.resolution_due) AS on_time,
       count(*) FILTER (
           WHERE c.confirmed_at IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM complaints_handlingticket t WHERE t.complaint_id = c.id)
       ) AS first_contact,
       count(*) FILTER (WHERE c.is_repeat) AS repeats,
       count(*) FILTER (WHERE c.confirmed_at IS NOT NULL OR c.reopen_count > 0) AS ever_resolved,
       count(*) FILTER (WHERE c.reopen_count > 0) AS reopened,
       sum((SELECT sum(k.amount) FROM complaints_compensation k WHERE k.complaint_id = c.id))
           AS spent,
       avg(h.hours) AS hours_mean,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY h.hours) AS hours_p90
FROM ({chosen}) c
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.status = %s AND c.closed_at IS NOT NULL
                THEN extract(epoch FROM c.closed_at - c.created_at)::float8 / 3600 END AS hours
) h
{group_by}
"""


_KPI_COLUMNS = (
    "id",
    "store_id",
    "status",
    "created_at",
    "closed_at",
    "confirmed_at",
    "resolution_due",
    "is_repeat",
    "reopen_count",
)
_NO_COMPLAINTS = {
    "total": 0,
    **dict.fromkeys(
        ("resolved", "on_time", "first_contact", "repeats", "ever_resolved", "reopened"), 0
    ),
    **dict.fromkeys(("spent", "hours_mean", "hours_p90")),
}


def _kpi_rows(complaints: QuerySet[Complaint], *, by_store: bool) -> list[dict]:
    try:
        chosen, params = complaints.order_by().values(*_KPI_COLUMNS).query.sql_with_params()
    except EmptyResultSet:  # e.g. a filter on an empty list of stores
        return [] if by_store else [_NO_COMPLAINTS]
    sql = _KPIS_SQL.format(
        group_column="c.store_id," if by_store else "",
        chosen=chosen,
        group_by="GROUP BY c.store_id" if by_store else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, Status.CLOSED])
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _in_query() -> bool:
    return connection.vendor == "postgresql"


def _cycle_time_of(counts: dict) -> dict[str, Decimal | None]:
    if counts["hours_mean"] is None:
        return {"mean": None, "p90": None}
    q = Decimal("0.01")
    return {
        "mean": Decimal(counts["hours_mean"]).quantize(q),
        "p90": Decimal(counts["hours_p90"]).quantize(q),
    }


def _kpis(counts: dict, hours: list[float] | None) -> dict:
    total = counts["total"]
    return {
        "total": total,
        "cycle_time": _cycle_time_of(counts) if hours is None else _cycle_times(hours),
        "on_time_rate": ratio(counts["on_time"], counts["resolved"]),
        "first_contact_rate": ratio(counts["first_contact"], counts["resolved"]),
        "repeat_rate": ratio(counts["repeats"], total),
        "reopen_rate": ratio(counts["reopened"], counts["ever_resolved"]),
        "compensation_per_complaint": (
            (Decimal(counts["spent"] or 0) / total).quantize(Decimal("0.01")) if total else None
        ),
    }


def complaint_kpis(complaints: QuerySet[Complaint]) -> dict:
    """The complaint KPIs of a set of complaints (DOMAIN.md), in one query whatever its size
    (two on SQLite): cycle time, on-time resolution, first-contact resolution, repeat and
    reopen rates, compensation per complaint."""
    complaints = complaints.order_by()
    if _in_query():
        return _kpis(_kpi_rows(complaints, by_store=False)[0], None)
    hours = [h for values in _closure_hours(complaints).values() for h in values]
    return _kpis(complaints.aggregate(**_kpi_counts()), hours)


def complaint_kpis_by_store(complaints: QuerySet[Complaint]) -> dict[int, dict]:
    """complaint_kpis for each store in the set (HQ's comparison), in one query (two on
    SQLite)."""
    complaints = complaints.order_by()
    if _in_query():
        return {row["store_id"]: _kpis(row, None) for row in _kpi_rows(complaints, by_store=True)}
    counts = complaints.values("store_id").annotate(**_kpi_counts())
    hours = _closure_hours(complaints)
    return {row["store_id"]: _kpis(row, hours.get(row["store_id"], [])) for row in counts}


def on_time_resolution_rate(complaints: QuerySet[Complaint]) -> Decimal | None:
    """Resolved (customer confirmed) by the resolution deadline ÷ resolved."""
    return complaint_kpis(complaints)["on_time_rate"]


def first_contact_resolution_rate(complaints: QuerySet[Complaint]) -> Decimal | None:
    """Resolved without a handling ticket (settled at the first contact) ÷ resolved."""
    return complaint_kpis(complaints)["first_contact_rate"]


def repeat_complaint_rate(complaints: QuerySet[Complaint]) -> Decimal | None:
    return complaint_kpis(complaints)["repeat_rate"]


def reopen_rate(complaints: QuerySet[Complaint]) -> Decimal | None:
    """Complaints reopened at least once ÷ complaints that were ever resolved."""
    return complaint_kpis(complaints)["reopen_rate"]


def compensation_per_complaint(complaints: QuerySet[Complaint]) -> Decimal | None:
    return complaint_kpis(complaints)["compensation_per_complaint"]


def weekly_report(*, actor, store_id: int | None, week_start: dt.date) -> dict:
    """The weekly quality-meeting report: by category, root cause, department and severity,
    cycle time, overdue, compensation, repeat rate."""
    start, end = local_days(week_start, week_start + dt.timedelta(days=7))
    week = complaint_list(actor=actor, store_id=store_id).filter(
        created_at__gte=start, created_at__lt=end
    )

    kpis = complaint_kpis(week)

    def grouped(field):
        return list(week.values(field).annotate(n=Count("id")).order_by("-n", field))

    return {
        "week_start": week_start,
        "total": kpis["total"],
        "by_category": grouped("category"),
        "by_severity": grouped("severity"),
        "by_department": list(
            week.filter(tickets__isnull=False)
            .values("tickets__department__kind")
            .annotate(n=Count("id", distinct=True))
            .order_by("-n")
        ),
        "root_causes": list(week.exclude(root_cause="").values_list("number", "root_cause")),
        "cycle_time": kpis["cycle_time"],
        "overdue": list(complaint_list(actor=actor, store_id=store_id, overdue=True)[:50]),
        "compensation_total": week.aggregate(s=Sum("compensations__amount"))["s"] or Decimal("0"),
        "repeat_rate": kpis["repeat_rate"],
        "on_time_rate": kpis["on_time_rate"],
        "kpis": kpis,
        # HQ's meeting compares the stores; a store's own report has only itself.
        "by_store": _by_store(week) if store_id is None else [],
    }


def _by_store(complaints: QuerySet[Complaint]) -> list[dict]:
    kpis = complaint_kpis_by_store(complaints)
    if len(kpis) < 2:
        return []  # one store's report: its figures are the report itself
    names = dict(Store.objects.filter(pk__in=kpis).values_list("pk", "name"))
    return sorted(
        (
            {
                "store_id": pk,
                "store": names[pk],
                **row,
                # In the table's column order.
                "rates": [
                    row[k]
                    for k in ("on_time_rate", "first_contact_rate", "repeat_rate", "reopen_rate")
                ],
            }
            for pk, row in kpis.items()
        ),
        key=lambda row: (-row["total"], row["store"]),
    )
