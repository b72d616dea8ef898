"""Reads of complaints (always store-scoped), the SLA clock state and the complaint KPIs."""

import datetime as dt
import math
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from dealercare.core.errors import NotFound
from dealercare.core.kpi import ratio

from .models import Complaint

Status = Complaint.Status
RESOLVED = [Status.CONFIRMED, Status.CLOSED]


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


def cycle_time_hours(complaints: QuerySet[Complaint]) -> dict[str, Decimal | None]:
    """Mean and 90th percentile (nearest rank) of hours from registration to closure."""
    hours = sorted(
        (closed - created).total_seconds() / 3600
        for created, closed in complaints.filter(
            status=Status.CLOSED, closed_at__isnull=False
        ).values_list("created_at", "closed_at")
    )
    if not hours:
        return {"mean": None, "p90": None}
    rank = max(math.ceil(0.9 * len(hours)), 1)
    q = Decimal("0.01")
    return {
        "mean": Decimal(sum(hours) / len(hours)).quantize(q),
        "p90": Decimal(hours[rank - 1]).quantize(q),
    }


def on_time_resolution_rate(complaints: QuerySet[Complaint]) -> Decimal | None:
    """Resolved (customer confirmed) by the resolution deadline ÷ resolved."""
    resolved = complaints.filter(confirmed_at__isnull=False)
    return ratio(resolved.filter(confirmed_at__lte=F("resolution_due")).count(), resolved.count())


def first_contact_resolution_rate(complaints: QuerySet[Complaint]) -> Decimal | None:
    """Resolved without a handling ticket (settled at the first contact) ÷ resolved."""
    resolved = complaints.filter(confirmed_at__isnull=False)
    return ratio(resolved.filter(tickets__isnull=True).count(), resolved.count())


def repeat_complaint_rate(complaints: QuerySet[Complaint]) -> Decimal | None:
    counts = complaints.aggregate(total=Count("id"), repeat=Count("id", filter=Q(is_repeat=True)))
    return ratio(counts["repeat"], counts["total"])


def reopen_rate(complaints: QuerySet[Complaint]) -> Decimal | None:
    """Complaints reopened at least once ÷ complaints that were ever resolved."""
    ever_resolved = complaints.filter(Q(confirmed_at__isnull=False) | Q(reopen_count__gt=0))
    return ratio(ever_resolved.filter(reopen_count__gt=0).count(), ever_resolved.count())


def compensation_per_complaint(complaints: QuerySet[Complaint]) -> Decimal | None:
    total = complaints.count()
    if not total:
        return None
    spent = complaints.aggregate(s=Sum("compensations__amount"))["s"] or Decimal("0")
    return (Decimal(spent) / total).quantize(Decimal("0.01"))


def weekly_report(*, actor, store_id: int | None, week_start: dt.date) -> dict:
    """The weekly quality-meeting report: by category, root cause, department and severity,
    cycle time, overdue, compensation, repeat rate."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(week_start, dt.time.min, tz)
    week = complaint_list(actor=actor, store_id=store_id).filter(
        created_at__gte=start, created_at__lt=start + dt.timedelta(days=7)
    )

    def grouped(field):
        return list(week.values(field).annotate(n=Count("id")).order_by("-n", field))

    return {
        "week_start": week_start,
        "total": week.count(),
        "by_category": grouped("category"),
        "by_severity": grouped("severity"),
        "by_department": list(
            week.filter(tickets__isnull=False)
            .values("tickets__department__kind")
            .annotate(n=Count("id", distinct=True))
            .order_by("-n")
        ),
        "root_causes": list(week.exclude(root_cause="").values_list("number", "root_cause")),
        "cycle_time": cycle_time_hours(week),
        "overdue": list(complaint_list(actor=actor, store_id=store_id, overdue=True)[:50]),
        "compensation_total": week.aggregate(s=Sum("compensations__amount"))["s"] or Decimal("0"),
        "repeat_rate": repeat_complaint_rate(week),
        "on_time_rate": on_time_resolution_rate(week),
    }
