"""Reads of repair orders (always store-scoped) and the workshop KPIs."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from dealercare.core.codes import ServiceType
from dealercare.core.errors import NotFound
from dealercare.core.kpi import ratio
from dealercare.core.money import CENT, to_money
from dealercare.core.workdays import WorkCalendar

from .models import RepairOrder

Status = RepairOrder.Status


def repair_order_list(
    *,
    actor,
    store_id: int | None = None,
    status: str = "",
    vehicle_id: int | None = None,
    open_only: bool = False,
) -> QuerySet[RepairOrder]:
    orders = (
        RepairOrder.objects.visible_to(actor)
        .in_store(store_id)
        .select_related("store", "vehicle", "customer", "advisor__staff_profile")
    )
    if status:
        orders = orders.filter(status=status)
    if vehicle_id is not None:
        orders = orders.filter(vehicle_id=vehicle_id)
    if open_only:
        orders = orders.exclude(status__in=[Status.DELIVERED, Status.CANCELLED])
    return orders.order_by("-created_at", "-id")


def repair_order_get(*, actor, repair_order_id: int) -> RepairOrder:
    # Not the store nor the order a comeback returns to (read when used): planning a join of
    # seven tables, the orders table twice, took PostgreSQL longer than reading them.
    found = (
        RepairOrder.objects.visible_to(actor)
        .select_related("vehicle", "customer", "advisor__staff_profile")
        .prefetch_related("lines", "add_ons", "technicians__staff_profile")
        .filter(pk=repair_order_id)
        .first()
    )
    if found is None:
        raise NotFound("维修工单不存在。", "Repair order not found.")
    return found


def vehicles_per_working_day(
    orders: QuerySet[RepairOrder], calendar: WorkCalendar, start: dt.date, end: dt.date
) -> Decimal | None:
    """Repair orders delivered in [start, end] ÷ the working days in it (target 20/day)."""
    working_days = calendar.working_days_between(start - dt.timedelta(days=1), end)
    if not working_days:
        return None
    # Days are the store's days (its calendar's zone), whatever the database session's zone.
    delivered = orders.filter(
        status=Status.DELIVERED,
        delivered_at__gte=dt.datetime.combine(start, dt.time.min, calendar.tz),
        delivered_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, calendar.tz),
    ).count()
    return (Decimal(delivered) / Decimal(working_days)).quantize(CENT, rounding=ROUND_HALF_UP)


def revenue_per_repair_order(
    orders: QuerySet[RepairOrder], job_type: str | None = None
) -> Decimal | None:
    """Mean settled total of settled or delivered orders (targets 800; insurance 1,800)."""
    billed = orders.filter(
        status__in=[Status.SETTLED, Status.DELIVERED], settled_total__isnull=False
    )
    if job_type:
        billed = billed.filter(job_type=job_type)
    # Sum and count, divided here: AVG is a float on SQLite and would round differently from
    # PostgreSQL's exact numeric at half a cent.
    sums = billed.aggregate(total=Sum("settled_total"), count=Count("id"))
    if not sums["count"]:
        return None
    return (to_money(sums["total"]) / sums["count"]).quantize(CENT, rounding=ROUND_HALF_UP)


def insurance_revenue_per_repair_order(orders: QuerySet[RepairOrder]) -> Decimal | None:
    return revenue_per_repair_order(orders, job_type=ServiceType.INSURANCE)


def comeback_rate(orders: QuerySet[RepairOrder]) -> Decimal | None:
    """Comebacks ÷ repair orders, cancelled ones excluded (target < 2%)."""
    counts = orders.exclude(status=Status.CANCELLED).aggregate(
        total=Count("id"), comebacks=Count("id", filter=Q(comeback_of__isnull=False))
    )
    return ratio(counts["comebacks"], counts["total"])


def on_time_delivery_rate(orders: QuerySet[RepairOrder]) -> Decimal | None:
    """Delivered no later than promised ÷ delivered."""
    counts = orders.filter(status=Status.DELIVERED).aggregate(
        total=Count("id"), on_time=Count("id", filter=Q(delivered_at__lte=F("promised_at")))
    )
    return ratio(counts["on_time"], counts["total"])
