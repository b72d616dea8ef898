"""Every write to appointments: booking (never over-booked), transitions, online booking with
an SMS code, reminders."""

import datetime as dt
import hashlib
import hmac
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from dealercare.core.audit import audit_log_write
from dealercare.core.links import customer_link_token, customer_link_url
from dealercare.core.models import AuditLog
from dealercare.customers.models import Customer, CustomerEvent, Vehicle
from dealercare.customers.services import customer_timeline_add
from dealercare.notifications.services import message_send
from dealercare.org.calendar import store_calendar
from dealercare.org.models import Store

from .errors import (
    IllegalTransition,
    RateLimited,
    SlotFull,
    SlotUnavailable,
    VerificationFailed,
)
from .models import Appointment, AppointmentEvent, Bay, VerificationCode
from .slots import ALL_TYPES, booking_policy, slot_capacity, slot_times

LINK_PURPOSE = "appointment"
Status = Appointment.Status
HOLDING = [Status.REQUESTED, Status.CONFIRMED, Status.ARRIVED]
VERIFICATION_TTL = dt.timedelta(minutes=10)
VERIFICATION_MAX_ATTEMPTS = 5
# Rate limits of the public booking page: (count, window) per mobile and per IP address.
CODES_PER_MOBILE = [(1, dt.timedelta(seconds=60)), (5, dt.timedelta(hours=1))]
CODES_PER_IP = [(20, dt.timedelta(hours=1))]
BOOKINGS_PER_MOBILE = [(3, dt.timedelta(days=1))]
BOOKINGS_PER_IP = [(20, dt.timedelta(hours=1))]


def appointment_link_path(appointment: Appointment) -> str:
    """The customer's page of a booking (view or cancel), behind a signed, expiring token."""
    token = customer_link_token(purpose=LINK_PURPOSE, object_id=appointment.pk)
    return reverse("appointments_public:detail", args=[token])


def appointment_link(appointment: Appointment) -> str:
    return customer_link_url(appointment_link_path(appointment))


# -- booking --------------------------------------------------------------------------------
def _check_start(*, store: Store, start: dt.datetime, kind: str, channel: str) -> dt.datetime:
    """The slot's end, or a clear 422 saying why `start` cannot be booked."""
    if start.tzinfo is None:
        raise SlotUnavailable("invalid_start", "预约时间必须带时区。", "start needs a time zone.")
    calendar = store_calendar(store)
    policy = booking_policy(store)
    local = start.astimezone(calendar.tz)
    now = timezone.now()
    if start <= now:
        raise SlotUnavailable("in_the_past", "不能预约过去的时间。", "That time is in the past.")
    if not calendar.is_working_day(local.date()):
        raise SlotUnavailable(
            "closed_day",
            f"{local:%Y-%m-%d} 门店休息，不能预约。",
            f"The store is closed on {local:%Y-%m-%d}.",
        )
    slot = next(
        (s for s in slot_times(calendar, policy, local.date(), kind) if s[0] == local), None
    )
    if slot is None:
        if kind == Appointment.Kind.DELIVERY:
            windows = "、".join(f"{a}–{b}" for a, b in policy.delivery_windows)
            raise SlotUnavailable(
                "outside_delivery_windows",
                f"交车预约只能在交车时间窗内（{windows}）。",
                f"Deliveries are booked only inside the delivery windows ({windows}).",
            )
        raise SlotUnavailable(
            "outside_business_hours",
            "该时间不在营业时段内，或不是整点时段的开始。",
            "That time is outside business hours or not the start of a slot.",
        )
    lead = dt.timedelta(
        minutes=policy.delivery_lead_minutes
        if kind == Appointment.Kind.DELIVERY
        else policy.online_lead_minutes
        if channel == Appointment.Channel.ONLINE
        else 0
    )
    if start < now + lead:
        minutes = int(lead.total_seconds() // 60)
        raise SlotUnavailable(
            "too_soon",
            f"需至少提前 {minutes} 分钟预约。",
            f"Book at least {minutes} minutes ahead.",
        )
    if kind == Appointment.Kind.SERVICE and local.date() > timezone.localdate() + dt.timedelta(
        days=policy.days_ahead
    ):
        raise SlotUnavailable(
            "too_far_ahead",
            f"最多可预约未来 {policy.days_ahead} 天。",
            f"Bookings open {policy.days_ahead} days ahead.",
        )
    if store.blocked_periods.filter(start__lt=slot[1], end__gt=slot[0]).exists():
        raise SlotUnavailable(
            "blocked", "该时段门店不接受预约。", "The store takes no bookings then."
        )
    return slot[1]


def _take_place(*, store, kind, start, key, capacity):
    """Increment the slot counter only while it is below capacity: one conditional UPDATE that
    the database serialises (a row lock on PostgreSQL, the write lock on SQLite)."""
    from .models import SlotCounter

    counter, _ = SlotCounter.objects.get_or_create(
        store=store, kind=kind, start=start, service_type=key, defaults={"capacity": capacity}
    )
    taken = SlotCounter.objects.filter(pk=counter.pk, booked__lt=capacity).update(
        booked=F("booked") + 1, capacity=capacity
    )
    if not taken:
        raise SlotFull()


def _release_place(appointment: Appointment) -> None:
    from .models import SlotCounter

    keys = (
        [ALL_TYPES]
        if appointment.kind == Appointment.Kind.DELIVERY
        else [ALL_TYPES, appointment.service_type]
    )
    # One UPDATE per row, in the same order as a booking takes them (the slot total first):
    # a single UPDATE … IN (…) locks the rows in scan order and can deadlock on PostgreSQL
    # against a concurrent booking of the same slot.
    for key in keys:
        SlotCounter.objects.filter(
            store_id=appointment.store_id,
            kind=appointment.kind,
            start=appointment.start,
            service_type=key,
            booked__gt=0,
        ).update(booked=F("booked") - 1)


def _free_bay(appointment: Appointment) -> Bay | None:
    taken = Appointment.objects.filter(
        store_id=appointment.store_id,
        start=appointment.start,
        status__in=HOLDING,
        bay__isnull=False,
    ).values_list("bay_id", flat=True)
    return (
        Bay.objects.filter(store_id=appointment.store_id, is_active=True)
        .exclude(pk__in=list(taken))
        .order_by("name")
        .first()
    )


def _local_start(appointment: Appointment) -> dt.datetime:
    return appointment.start.astimezone(ZoneInfo(appointment.store.time_zone))


def _event(appointment, *, actor, from_status, note=""):
    now = timezone.now()
    AppointmentEvent.objects.create(
        appointment=appointment,
        at=now,
        actor=actor,
        from_status=from_status,
        to_status=appointment.status,
        note=note,
    )
    customer_timeline_add(
        customer_id=appointment.customer_id,
        store_id=appointment.store_id,
        kind=CustomerEvent.Kind.APPOINTMENT,
        at=now,
        actor=actor,
        summary=f"{_local_start(appointment):%m-%d %H:%M} "
        f"{appointment.get_service_type_display()}：{appointment.get_status_display()}",
        data={"appointment_id": appointment.pk, "status": appointment.status},
    )


def _notify(appointment: Appointment, template: str) -> None:
    customer = appointment.customer
    message_send(
        store=appointment.store,
        customer=customer,
        channel="outbox",
        recipient=customer.mobile,
        template=template,
        language=customer.language,
        idempotency_key=f"appointment:{appointment.pk}:{template}",
        context={
            "store": appointment.store,
            "customer_name": customer.name,
            "start": _local_start(appointment),
            "service_type": appointment.get_service_type_display(),
            "plate": appointment.vehicle.plate if appointment.vehicle else "",
            "link": appointment_link(appointment),
        },
    )


@transaction.atomic
def appointment_book(
    *,
    actor,
    store: Store,
    customer: Customer,
    vehicle: Vehicle | None,
    start: dt.datetime,
    service_type: str,
    channel: str,
    note: str = "",
    kind: str = Appointment.Kind.SERVICE,
) -> Appointment:
    """Book a slot; 409 `slot_full` when no place is left, 422 when `start` is not bookable."""
    if customer.store_id != store.pk or (vehicle is not None and vehicle.owner_id != customer.pk):
        from dealercare.core.errors import ValidationFailed

        raise ValidationFailed(
            "车辆不属于该客户或门店。",
            "The vehicle does not belong to this customer and store.",
            field="vehicle_id",
        )
    end = _check_start(store=store, start=start, kind=kind, channel=channel)
    policy = booking_policy(store)
    keys = [ALL_TYPES] if kind == Appointment.Kind.DELIVERY else [ALL_TYPES, service_type]
    for key in keys:
        _take_place(
            store=store,
            kind=kind,
            start=start,
            key=key,
            capacity=slot_capacity(store, policy, kind, key),
        )
    status = Status.REQUESTED if channel == Appointment.Channel.ONLINE else Status.CONFIRMED
    appointment = Appointment(
        store=store,
        customer=customer,
        vehicle=vehicle,
        kind=kind,
        start=start,
        end=end,
        service_type=service_type,
        channel=channel,
        status=status,
        note=note.strip()[:500],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if kind == Appointment.Kind.SERVICE:
        appointment.bay = _free_bay(appointment)
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:  # a concurrent booking took the same bay first
        appointment.bay = _free_bay(appointment)
        if appointment.bay is None:
            raise SlotFull() from exc
        appointment.save()
    _event(appointment, actor=actor, from_status="")
    audit_log_write(actor=actor, action=AuditLog.Action.CREATE, obj=appointment)
    if channel != Appointment.Channel.WALK_IN:
        _notify(
            appointment,
            "appointment_received" if status == Status.REQUESTED else "appointment_confirmed",
        )
    return appointment


# -- transitions ----------------------------------------------------------------------------
_ACTIONS = {
    # action: (allowed from, to, 中文, English)
    "confirm": ({Status.REQUESTED}, Status.CONFIRMED, "确认", "confirmed"),
    "arrive": ({Status.REQUESTED, Status.CONFIRMED}, Status.ARRIVED, "标记到店", "marked arrived"),
    "no_show": (
        {Status.REQUESTED, Status.CONFIRMED},
        Status.NO_SHOW,
        "标记未到店",
        "marked no-show",
    ),
    "cancel": ({Status.REQUESTED, Status.CONFIRMED}, Status.CANCELLED, "取消", "cancelled"),
    "convert": ({Status.ARRIVED}, Status.CONVERTED, "开单", "converted"),
}


def _too_early(appointment: Appointment, target: str, at: dt.datetime) -> bool:
    # A customer is a no-show only once the booked time has come.
    return target == Status.NO_SHOW and appointment.start > at


def appointment_actions_open(appointment: Appointment, *, at: dt.datetime) -> list[str]:
    """The status changes staff may make at `at` (for the buttons a page offers), by the rules
    the transitions check."""
    return [
        action
        for action, (allowed, target, _zh, _en) in _ACTIONS.items()
        if appointment.status in allowed and not _too_early(appointment, target, at)
    ]


@transaction.atomic
def _transition(*, appointment: Appointment, action: str, actor, note: str = "") -> Appointment:
    allowed, target, action_zh, action_en = _ACTIONS[action]
    if _too_early(appointment, target, timezone.now()):
        raise IllegalTransition("尚未到预约时间", action_zh, action_en + " before its start")
    # Re-read under the write lock (a row lock on PostgreSQL; the IMMEDIATE transaction holds
    # the database's write lock on SQLite): two advisors clicking at once must not both
    # succeed, and the event records the state the change really came from, not the one the
    # caller loaded before someone else changed it.
    from_status = (
        Appointment.objects.select_for_update()
        .filter(pk=appointment.pk)
        .values_list("status", flat=True)
        .first()
    )
    changed = Appointment.objects.filter(pk=appointment.pk, status__in=allowed).update(
        status=target, updated_at=timezone.now()
    )
    if not changed:
        appointment.refresh_from_db()
        raise IllegalTransition(appointment.get_status_display(), action_zh, action_en)
    appointment.refresh_from_db()
    if target == Status.CANCELLED:
        _release_place(appointment)
    _event(appointment, actor=actor, from_status=from_status, note=note)
    audit_log_write(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=appointment,
        changes={"status": [from_status, target]},
    )
    if target == Status.CONFIRMED:
        _notify(appointment, "appointment_confirmed")
    elif target == Status.CANCELLED:
        _notify(appointment, "appointment_cancelled")
    return appointment


def appointment_confirm(*, appointment, actor):
    return _transition(appointment=appointment, action="confirm", actor=actor)


def appointment_arrive(*, appointment, actor):
    return _transition(appointment=appointment, action="arrive", actor=actor)


def appointment_no_show(*, appointment, actor):
    return _transition(appointment=appointment, action="no_show", actor=actor)


def appointment_cancel(*, appointment, actor, note: str = ""):
    return _transition(appointment=appointment, action="cancel", actor=actor, note=note)


def appointment_convert(*, appointment, actor):
    """The car came and a repair order was opened from the booking (已开单)."""
    return _transition(appointment=appointment, action="convert", actor=actor)


# -- reminders ------------------------------------------------------------------------------
def appointment_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind every confirmed booking of tomorrow (store time), exactly once each: the message
    idempotency key and `reminder_sent_at` make a second run the same day a no-op."""
    now = now or timezone.now()
    # "Tomorrow" is the store's tomorrow: whatever its zone, it ends within two days from now.
    candidates = Appointment.objects.filter(
        status=Status.CONFIRMED,
        reminder_sent_at__isnull=True,
        start__gt=now,
        start__lt=now + dt.timedelta(days=2),
    ).select_related("store", "customer", "vehicle")
    sent = 0
    for appointment in candidates:
        tz = ZoneInfo(appointment.store.time_zone)
        if appointment.start.astimezone(tz).date() != now.astimezone(tz).date() + dt.timedelta(
            days=1
        ):
            continue
        with transaction.atomic():
            # Still confirmed and not reminded (a cancel may have come in since the query).
            claimed = Appointment.objects.filter(
                pk=appointment.pk, status=Status.CONFIRMED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if claimed:
                _notify(appointment, "appointment_reminder")
                sent += 1
    return sent


# -- the public booking page ----------------------------------------------------------------
def _hash_code(mobile: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{mobile}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def _limit(queryset, limits, *, field: str, now: dt.datetime) -> None:
    for count, window in limits:
        if queryset.filter(created_at__gt=now - window).count() >= count:
            raise RateLimited(field=field)


@transaction.atomic
def verification_code_send(*, store: Store, mobile: str, ip: str | None) -> VerificationCode:
    """Send a 6-digit code by SMS (through the outbox); rate-limited per mobile and per IP."""
    now = timezone.now()
    _limit(
        VerificationCode.objects.filter(mobile=mobile), CODES_PER_MOBILE, field="mobile", now=now
    )
    if ip:
        _limit(VerificationCode.objects.filter(ip_address=ip), CODES_PER_IP, field="ip", now=now)
    code = f"{secrets.randbelow(10**6):06d}"
    verification = VerificationCode.objects.create(
        store=store,
        mobile=mobile,
        code_hash=_hash_code(mobile, code),
        ip_address=ip,
        created_at=now,
        expires_at=now + VERIFICATION_TTL,
    )
    message_send(
        store=store,
        channel="outbox",
        recipient=mobile,
        template="verification_code",
        idempotency_key=f"verification:{verification.pk}",
        context={"store": store, "code": code, "minutes": int(VERIFICATION_TTL.seconds / 60)},
    )
    return verification


def verification_code_verify(*, store: Store, mobile: str, code: str) -> VerificationCode:
    """The latest unexpired, unused code for the mobile if `code` matches it. A wrong code counts
    an attempt (committed at once: call this outside the booking transaction)."""
    latest = (
        VerificationCode.objects.filter(
            store=store, mobile=mobile, used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )
    if latest is None:
        raise VerificationFailed()
    # Take the attempt before comparing, with a conditional UPDATE: guesses sent in parallel
    # cannot get more than VERIFICATION_MAX_ATTEMPTS comparisons between them (reading
    # `attempts` and counting afterwards would let every parallel request through the check).
    claimed = VerificationCode.objects.filter(
        pk=latest.pk, attempts__lt=VERIFICATION_MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        raise VerificationFailed()
    if not hmac.compare_digest(latest.code_hash, _hash_code(mobile, (code or "").strip())):
        raise VerificationFailed()
    # The right code costs no attempt: a booking refused afterwards (slot full) may be retried.
    VerificationCode.objects.filter(pk=latest.pk).update(attempts=F("attempts") - 1)
    return latest


def appointment_book_online(
    *,
    store: Store,
    name: str,
    mobile: str,
    plate: str,
    service_type: str,
    start: dt.datetime,
    code: str,
    note: str = "",
    ip: str | None = None,
) -> Appointment:
    """The car owner's booking from the public page: verified mobile, then the same booking
    as staff make. The code is spent only if the booking succeeds."""
    from dealercare.customers.services import customer_create, vehicle_create
    from dealercare.customers.validators import normalize_mobile, normalize_plate

    mobile, plate = normalize_mobile(mobile), normalize_plate(plate)
    now = timezone.now()
    _limit(
        Appointment.objects.filter(channel=Appointment.Channel.ONLINE, customer__mobile=mobile),
        BOOKINGS_PER_MOBILE,
        field="mobile",
        now=now,
    )
    if ip:
        _limit(Appointment.objects.filter(client_ip=ip), BOOKINGS_PER_IP, field="ip", now=now)
    verification = verification_code_verify(store=store, mobile=mobile, code=code)
    with transaction.atomic():
        spent = VerificationCode.objects.filter(pk=verification.pk, used_at__isnull=True).update(
            used_at=now
        )
        if not spent:
            raise VerificationFailed()
        customer = Customer.objects.filter(store=store, mobile=mobile).first()
        if customer is None:
            customer = customer_create(
                actor=None,
                store=store,
                data={"name": name, "mobile": mobile, "source": Customer.Source.ONLINE},
                consent_source="online",
            )
        vehicle = Vehicle.objects.filter(store=store, plate=plate).first()
        if vehicle is not None and vehicle.owner_id != customer.pk:
            vehicle = None  # someone else's plate: book without linking that car
        elif vehicle is None:
            vehicle = vehicle_create(
                actor=None,
                owner=customer,
                data={"plate": plate, "vin": "", "brand": "待确认", "model": "待确认"},
            )
        appointment = appointment_book(
            actor=None,
            store=store,
            customer=customer,
            vehicle=vehicle,
            start=start,
            service_type=service_type,
            channel=Appointment.Channel.ONLINE,
            note=note,
        )
        if ip:
            Appointment.objects.filter(pk=appointment.pk).update(client_ip=ip)
    return appointment
