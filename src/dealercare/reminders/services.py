"""The daily reminder run: forecasts for every vehicle, maintenance reminders 14 and 3 days
before the predicted service, insurance renewal reminders 60 and 30 days before a policy ends,
sending (messages for customers with service consent, a call task for the others), and the
bookings they brought. Set-based and idempotent: a second run the same day creates nothing."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from dealercare.appointments.models import Appointment
from dealercare.core.audit import audit_log_write
from dealercare.core.errors import ValidationFailed
from dealercare.core.models import AuditLog
from dealercare.customers.models import Consent, MileageReading, Vehicle
from dealercare.followups.models import FollowUpTask
from dealercare.notifications.services import messages_queue
from dealercare.org.calendar import store_calendar
from dealercare.workorders.models import RepairOrder

from .forecast import Reading, predict_next_service
from .models import InsurancePolicy, Reminder, ServiceForecast, ServiceInterval

Kind, Stage, Status = Reminder.Kind, Reminder.Stage, Reminder.Status
MAINTENANCE_STAGES = [(Stage.FIRST, 14), (Stage.SECOND, 3)]
RENEWAL_STAGES = [(Stage.DAYS_60, 60), (Stage.DAYS_30, 30)]
ATTRIBUTION_DAYS = 30


def _stage_due(end: dt.date, today: dt.date, stages) -> tuple[str, dt.date] | None:
    """The stage to send by `today`: the latest one whose day has come. An earlier stage whose
    day is past when a later one is already due is skipped, so that a car entering the window
    2 days before its service (or a policy recorded 20 days before its end) gets one message,
    not two on the same day."""
    due = [(stage, end - dt.timedelta(days=days)) for stage, days in stages]
    due = [(stage, send_on) for stage, send_on in due if send_on <= today]
    return min(due, key=lambda item: end - item[1]) if due else None


def _intervals() -> dict[tuple[str, str], tuple[int, int]]:
    return {(i.brand, i.model): (i.km, i.months) for i in ServiceInterval.objects.all()}


def _interval_for(intervals, brand: str, model: str) -> tuple[int, int]:
    return intervals.get((brand, model)) or intervals.get((brand, "")) or (5000, 6)


def vehicles_needing_forecast() -> QuerySet:
    """Vehicles whose forecast is missing or whose inputs changed since it was computed: a new
    mileage reading or a delivered maintenance order. A forecast depends on nothing else (not
    on today), so the daily run recomputes only these; an interval change clears them all."""
    missing = Vehicle.objects.filter(service_forecast__isnull=True).values("pk")
    new_readings = MileageReading.objects.filter(
        read_at__date__gte=F("vehicle__service_forecast__computed_on")
    ).values("vehicle_id")
    new_services = RepairOrder.objects.filter(
        status=RepairOrder.Status.DELIVERED,
        job_type="maintenance",
        delivered_at__date__gte=F("vehicle__service_forecast__computed_on"),
    ).values("vehicle_id")
    return Vehicle.objects.filter(
        Q(pk__in=missing) | Q(pk__in=new_readings) | Q(pk__in=new_services)
    ).values("pk")


def forecasts_refresh(*, today: dt.date | None = None, vehicle_ids=None) -> int:
    """Recompute the service forecast of every vehicle (or of the given ones)."""
    today = today or timezone.localdate()
    vehicles = Vehicle.objects.all()
    if vehicle_ids is not None:
        vehicles = vehicles.filter(pk__in=vehicle_ids)
    # The latest delivered maintenance order of each vehicle, with *its* mileage (not the
    # highest mileage of any order: after an odometer correction an older order reads higher).
    last_service = {
        row["vehicle_id"]: row
        for row in RepairOrder.objects.filter(
            vehicle__in=vehicles, status=RepairOrder.Status.DELIVERED, job_type="maintenance"
        )
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("vehicle_id")],
                order_by=[F("delivered_at").desc(), F("id").desc()],
            )
        )
        .filter(recency=1)
        .values("vehicle_id", day=F("delivered_at"), km=F("mileage_km"))
    }
    readings: dict[int, list[Reading]] = defaultdict(list)
    for vehicle_id, read_at, km in (
        MileageReading.objects.filter(vehicle__in=vehicles)
        .order_by("vehicle_id", "read_at", "id")
        .values_list("vehicle_id", "read_at", "km")
        .iterator(chunk_size=20000)
    ):
        readings[vehicle_id].append(Reading(timezone.localtime(read_at).date(), km))
    intervals = _intervals()
    rows = []
    for vehicle_id, brand, model, purchase_date, created_at in (
        vehicles.order_by("pk")
        .values_list("pk", "brand", "model", "purchase_date", "created_at")
        .iterator(chunk_size=20000)
    ):
        service = last_service.get(vehicle_id)
        history = readings.get(vehicle_id, [])
        if service:
            anchor_day, anchor_km = timezone.localtime(service["day"]).date(), service["km"]
        else:
            anchor_day = purchase_date or (
                history[0].day if history else timezone.localtime(created_at).date()
            )
            anchor_km = 0 if purchase_date or not history else history[0].km
        interval_km, interval_months = _interval_for(intervals, brand, model)
        forecast = predict_next_service(
            readings=history,
            last_service_date=anchor_day,
            last_service_km=anchor_km,
            interval_km=interval_km,
            interval_months=interval_months,
        )
        rows.append(
            ServiceForecast(
                vehicle_id=vehicle_id,
                last_service_date=anchor_day if service else None,
                last_service_km=anchor_km if service else None,
                daily_km=forecast.daily_km,
                rate_source="history" if forecast.from_history else "default",
                due_date=forecast.due_date,
                due_km=forecast.due_km,
                computed_on=today,
            )
        )
    ServiceForecast.objects.bulk_create(
        rows,
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["vehicle"],
        update_fields=[
            "last_service_date",
            "last_service_km",
            "daily_km",
            "rate_source",
            "due_date",
            "due_km",
            "computed_on",
        ],
    )
    return len(rows)


def _maintenance_reminders(today: dt.date) -> list[Reminder]:
    window_end = today + dt.timedelta(days=max(days for _, days in MAINTENANCE_STAGES))
    reminders = []
    for vehicle_id, store_id, customer_id, due, last_service in (
        ServiceForecast.objects.filter(due_date__gte=today, due_date__lte=window_end)
        .values_list(
            "vehicle_id", "vehicle__store_id", "vehicle__owner_id", "due_date", "last_service_date"
        )
        .iterator(chunk_size=20000)
    ):
        # The cycle is the last service: a forecast that moves a few days does not remind twice.
        cycle = f"{last_service:%Y%m%d}" if last_service else "first"
        if stage_due := _stage_due(due, today, MAINTENANCE_STAGES):
            stage, send_on = stage_due
            reminders.append(
                Reminder(
                    store_id=store_id,
                    vehicle_id=vehicle_id,
                    customer_id=customer_id,
                    kind=Kind.MAINTENANCE,
                    stage=stage,
                    due_date=due,
                    send_on=send_on,
                    source_key=f"maintenance:{vehicle_id}:{cycle}:{stage}",
                )
            )
    return reminders


def _renewal_reminders(today: dt.date) -> list[Reminder]:
    reminders = []
    for policy_id, store_id, vehicle_id, customer_id, end in InsurancePolicy.objects.filter(
        renewed_at__isnull=True,
        end_date__gt=today,
        end_date__lte=today + dt.timedelta(days=60),
    ).values_list("pk", "store_id", "vehicle_id", "vehicle__owner_id", "end_date"):
        if stage_due := _stage_due(end, today, RENEWAL_STAGES):
            stage, send_on = stage_due
            reminders.append(
                Reminder(
                    store_id=store_id,
                    vehicle_id=vehicle_id,
                    customer_id=customer_id,
                    policy_id=policy_id,
                    kind=Kind.RENEWAL,
                    stage=stage,
                    due_date=end,
                    send_on=send_on,
                    source_key=f"renewal:{policy_id}:{stage}",
                )
            )
    return reminders


def _dispatch(today: dt.date, now: dt.datetime) -> tuple[int, int]:
    """Send what is due: a message where the customer consents to service notifications, a
    call task (reminder_call / renewal_call) for everyone else."""
    latest_service_consent = (
        Consent.objects.filter(customer=OuterRef("customer_id"), purpose=Consent.Purpose.SERVICE)
        .order_by("-at", "-id")
        .values("granted")[:1]
    )
    due = list(
        Reminder.objects.filter(status=Status.SCHEDULED, send_on__lte=today)
        .exclude(kind=Kind.RENEWAL, policy__renewed_at__isnull=False)
        .annotate(consented=Subquery(latest_service_consent))
        .select_related("store", "customer", "vehicle")
    )
    messages, calls, sent_ids, call_ids = [], [], [], []
    calendars = {}
    for reminder in due:
        customer = reminder.customer
        if reminder.consented and customer.mobile:
            template = (
                "maintenance_reminder" if reminder.kind == Kind.MAINTENANCE else "renewal_reminder"
            )
            messages.append(
                {
                    "store": reminder.store,
                    "customer": customer,
                    "channel": "outbox",
                    "recipient": customer.mobile,
                    "template": template,
                    "language": customer.language,
                    "idempotency_key": f"reminder:{reminder.source_key}",
                    "context": {
                        "store": reminder.store,
                        "customer_name": customer.name,
                        "plate": reminder.vehicle.plate,
                        "due_date": reminder.due_date,
                    },
                }
            )
            sent_ids.append(reminder.pk)
        else:
            calendar = calendars.setdefault(reminder.store_id, store_calendar(reminder.store))
            start = today if calendar.is_working_day(today) else calendar.next_working_day(today)
            calls.append(
                FollowUpTask(
                    store_id=reminder.store_id,
                    customer_id=reminder.customer_id,
                    vehicle_id=reminder.vehicle_id,
                    kind=FollowUpTask.Kind.REMINDER_CALL
                    if reminder.kind == Kind.MAINTENANCE
                    else FollowUpTask.Kind.RENEWAL_CALL,
                    source_key=f"call:{reminder.source_key}",
                    window_start=start,
                    due_date=max(calendar.add_working_days(start, 2), start),
                    next_attempt_on=start,
                    calendar_estimated=calendar.is_estimated(start),
                )
            )
            call_ids.append(reminder.pk)
    with transaction.atomic():
        messages_queue(messages)
        FollowUpTask.objects.bulk_create(calls, ignore_conflicts=True, batch_size=2000)
        # Conditional on the status: of two runs at once, each reminder is counted by one.
        sent = Reminder.objects.filter(pk__in=sent_ids, status=Status.SCHEDULED).update(
            status=Status.SENT, sent_at=now
        )
        called = Reminder.objects.filter(pk__in=call_ids, status=Status.SCHEDULED).update(
            status=Status.CALL_TASK, sent_at=now
        )
    return sent, called


def _attribute_bookings(now: dt.datetime) -> int:
    """A booking made within 30 days after a reminder is credited to it (the vehicle's first
    appointment created in that window). Set-based: two queries and one update per booking,
    not a query per reminder. Reminders sent a few days longer ago are looked at too, so that a
    missed daily run does not lose a booking made on the 30th day."""
    window = dt.timedelta(days=ATTRIBUTION_DAYS)
    open_reminders = Reminder.objects.filter(
        booked_appointment__isnull=True,
        sent_at__isnull=False,
        sent_at__gte=now - window - dt.timedelta(days=7),
    )
    reminders = list(open_reminders.values_list("pk", "vehicle_id", "sent_at"))
    if not reminders:
        return 0
    bookings: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for vehicle_id, created_at, pk in (
        Appointment.objects.filter(
            vehicle_id__in=open_reminders.values("vehicle_id"),
            created_at__gte=min(sent_at for _, _, sent_at in reminders),
        )
        .order_by("vehicle_id", "created_at", "id")
        .values_list("vehicle_id", "created_at", "pk")
    ):
        bookings[vehicle_id].append((created_at, pk))
    credited: dict[int, list[int]] = defaultdict(list)
    for reminder_id, vehicle_id, sent_at in reminders:
        first = next(
            (booking for booking in bookings.get(vehicle_id, ()) if booking[0] >= sent_at), None
        )
        if first is not None and first[0] <= sent_at + window:
            credited[first[1]].append(reminder_id)
    attributed = 0
    for appointment_id, reminder_ids in credited.items():
        attributed += Reminder.objects.filter(
            pk__in=reminder_ids, booked_appointment__isnull=True
        ).update(booked_appointment_id=appointment_id)
    return attributed


def reminders_schedule(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily run. Safe to run twice, concurrently, or again after dying half-way: every
    reminder and call task has a unique source key, and sending is conditional on the status."""
    today = today or timezone.localdate()
    now = timezone.now()
    forecasts = forecasts_refresh(today=today, vehicle_ids=vehicles_needing_forecast())
    new = _maintenance_reminders(today) + _renewal_reminders(today)
    keys = [r.source_key for r in new]
    before = Reminder.objects.filter(source_key__in=keys).count() if keys else 0
    Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=5000)
    created = (Reminder.objects.filter(source_key__in=keys).count() - before) if keys else 0
    sent, calls = _dispatch(today, now)
    return {
        "forecasts": forecasts,
        "reminders_created": created,
        "messages": sent,
        "call_tasks": calls,
        "bookings_attributed": _attribute_bookings(now),
    }


@transaction.atomic
def insurance_policy_renew(
    *, policy: InsurancePolicy, actor, with_us: bool = True, at: dt.datetime | None = None
) -> InsurancePolicy:
    """Record a renewal (the conversion of the renewal reminders). Its reminders not sent yet
    are dropped: a renewed policy gets no more."""
    at = at or timezone.now()
    # Conditional on the row, not on the caller's copy: of two renewals at once, one wins.
    renewed = InsurancePolicy.objects.filter(pk=policy.pk, renewed_at__isnull=True).update(
        renewed_at=at, renewed_with_us=with_us
    )
    if not renewed:
        raise ValidationFailed(
            "该保单已登记续保。", "This policy is already renewed.", field="policy"
        )
    Reminder.objects.filter(policy=policy, status=Status.SCHEDULED).delete()
    policy.refresh_from_db()
    audit_log_write(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=policy,
        changes={"renewed_with_us": [None, with_us]},
    )
    return policy


def renewal_conversion(policies) -> Decimal | None:
    """Policies renewed with us ÷ policies that got a renewal reminder (a message sent or a
    call task made; one only scheduled does not count yet)."""
    reminded = policies.filter(
        pk__in=Reminder.objects.filter(
            kind=Kind.RENEWAL, status__in=[Status.SENT, Status.CALL_TASK]
        ).values("policy_id")
    )
    total = reminded.count()
    if not total:
        return None
    return (Decimal(reminded.filter(renewed_with_us=True).count()) / Decimal(total)).quantize(
        Decimal("0.0001")
    )
