"""Every write to complaints: registration with a proposed severity and SLA clocks on the
store's calendar, immediate and ladder escalations (each exactly once), the handling ticket,
resolution with compensation and approval, customer confirmation, closure and reopening."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dealercare.core.audit import audit_log_write
from dealercare.core.errors import PermissionDenied, ValidationFailed
from dealercare.core.links import customer_link_token, customer_link_url
from dealercare.core.models import AuditLog
from dealercare.core.money import to_money
from dealercare.core.numbering import human_number
from dealercare.core.workdays import WorkCalendar
from dealercare.customers.models import Customer, CustomerEvent
from dealercare.customers.services import customer_timeline_add
from dealercare.notifications.services import message_send, messages_queue
from dealercare.org.calendar import store_calendar
from dealercare.org.models import Department, Store

from .errors import ApprovalRequired, IllegalTransition, SeverityReasonRequired
from .models import (
    DEFAULT_SLA,
    Clock,
    Compensation,
    Complaint,
    ComplaintEvent,
    Escalation,
    HandlingTicket,
    Severity,
    SlaPolicy,
)

Status = Complaint.Status
LINK_PURPOSE = "complaint"
REPEAT_DAYS = 90
SAFETY_WORDS = [
    "刹车失灵",
    "失控",
    "起火",
    "自燃",
    "冒烟",
    "气囊",
    "安全隐患",
    "事故",
    "断轴",
    "爆胎",
]
MEDIA_WORDS = ["媒体", "记者", "曝光", "微博", "抖音", "小红书", "电视台", "集体", "维权", "律师"]


def sla_policy(store: Store, severity: str) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(store=store, severity=severity).first()
    return policy or _default_policy(store, severity)


def _default_policy(store: Store, severity: str) -> SlaPolicy:
    """The targets of a store without its own row (not saved)."""
    return SlaPolicy(store=store, severity=severity, **DEFAULT_SLA[Severity(severity)])


def deadline(calendar: WorkCalendar, start: dt.datetime, minutes: int, clock: str) -> dt.datetime:
    """`minutes` after `start` on the policy's clock: business hours of the store's working
    days, or plain calendar time (what the customer feels)."""
    if clock == Clock.BUSINESS:
        return calendar.add_business_time(start, dt.timedelta(minutes=minutes))
    return start + dt.timedelta(minutes=minutes)


def elapsed_share(calendar, start, due, clock, now) -> float:
    """How much of a target has passed (1.0 = due now)."""
    if clock == Clock.BUSINESS:
        total = calendar.business_time_between(start, due)
        used = calendar.business_time_between(start, min(now, due)) + max(
            now - due, dt.timedelta(0)
        )
    else:
        total, used = due - start, now - start
    return 1.0 if total <= dt.timedelta(0) else used / total


def _recent_complaints(customer: Customer, vehicle, at: dt.datetime):
    """The complaints of the same customer (or about the same vehicle) in the 90 days before
    `at`: what makes a new one a repeat complaint (DOMAIN.md)."""
    same = Q(customer=customer)
    if vehicle is not None:
        same |= Q(vehicle=vehicle)
    return Complaint.objects.filter(
        same, created_at__gte=at - dt.timedelta(days=REPEAT_DAYS), created_at__lte=at
    )


def severity_propose(
    *,
    customer: Customer,
    description: str,
    source: str,
    vehicle=None,
    at: dt.datetime | None = None,
) -> tuple[str, list[str]]:
    """(severity, reasons): safety or media words → critical; a repeat complainant, the
    manufacturer hotline or 12315 → major; otherwise normal."""
    at = at or timezone.now()
    reasons = []
    if any(word in description for word in SAFETY_WORDS):
        reasons.append("涉及安全")
    if any(word in description for word in MEDIA_WORDS):
        reasons.append("涉及媒体/群体")
    if reasons:
        return Severity.CRITICAL, reasons
    if _recent_complaints(customer, vehicle, at).exists():
        reasons.append("90天内重复投诉")
    if source in {Complaint.Source.OEM_HOTLINE, Complaint.Source.CONSUMER_ASSOCIATION}:
        reasons.append("厂家热线/12315")
    return (Severity.MAJOR if reasons else Severity.NORMAL), reasons


def complaint_link_path(complaint: Complaint) -> str:
    token = customer_link_token(purpose=LINK_PURPOSE, object_id=complaint.pk)
    return reverse("complaints_public:detail", args=[token])


def complaint_link(complaint: Complaint) -> str:
    return customer_link_url(complaint_link_path(complaint))


def _staff_with_roles(store: Store, roles: list[str], *, hq: bool = False) -> list[User]:
    staff = User.objects.filter(is_active=True, groups__name__in=roles, staff_profile__store=store)
    if hq:
        staff = staff | User.objects.filter(
            is_active=True, groups__name="hq_quality", staff_profile__store__isnull=True
        )
    return list(staff.distinct().select_related("staff_profile"))


def _notify_staff(complaint: Complaint, staff: list[User], *, key: str, headline: str) -> list[str]:
    """One alert per person, queued in one insert (an escalation run may alert many)."""
    messages_queue(
        [
            {
                "store": complaint.store,
                "channel": "outbox",
                "recipient": f"{user.staff_profile.display_name}（{user.get_username()}）",
                "template": "complaint_staff_alert",
                "idempotency_key": f"complaint:{complaint.pk}:{key}:{user.pk}",
                "context": {"store": complaint.store, "complaint": complaint, "headline": headline},
            }
            for user in staff
        ]
    )
    return [user.get_username() for user in staff]


def _event(complaint, *, actor, from_status="", to_status="", note="", at=None):
    at = at or timezone.now()
    ComplaintEvent.objects.create(
        complaint=complaint,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=from_status,
        to_status=to_status,
        note=note[:300],
    )
    customer_timeline_add(
        customer_id=complaint.customer_id,
        store_id=complaint.store_id,
        kind=CustomerEvent.Kind.COMPLAINT,
        at=at,
        actor=actor,
        summary=f"{complaint.number} {Status(to_status).label if to_status else ''} {note}",
        data={"complaint_id": complaint.pk, "status": to_status},
    )


@transaction.atomic
def complaint_register(
    *,
    actor,
    store: Store,
    customer: Customer,
    source: str,
    category: str,
    description: str,
    severity: str | None = None,
    severity_reason: str = "",
    vehicle=None,
    repair_order=None,
    follow_up=None,
    client_ip: str | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    at = at or timezone.now()
    if customer.store_id != store.pk:
        raise ValidationFailed(
            "客户不属于该门店。", "The customer is not in this store.", field="customer_id"
        )
    if vehicle is not None and vehicle.store_id != store.pk:
        raise ValidationFailed(
            "车辆不属于该门店。", "The vehicle is not in this store.", field="vehicle_id"
        )
    if repair_order is not None and repair_order.store_id != store.pk:
        raise ValidationFailed(
            "维修工单不属于该门店。",
            "The repair order is not in this store.",
            field="repair_order_id",
        )
    if not (description or "").strip():
        raise ValidationFailed("请填写投诉内容。", "Describe the complaint.", field="description")
    proposed, reasons = severity_propose(
        customer=customer, vehicle=vehicle, description=description, source=source, at=at
    )
    severity = severity or proposed
    if severity != proposed and not severity_reason.strip():
        raise SeverityReasonRequired(Severity(proposed).label)
    policy = sla_policy(store, severity)
    calendar = store_calendar(store)
    is_repeat = _recent_complaints(customer, vehicle, at).exists()
    local_day = at.astimezone(ZoneInfo(store.time_zone)).date()
    first_response_due = deadline(
        calendar, at, policy.first_response_minutes, policy.first_response_clock
    )
    resolution_due = deadline(calendar, at, policy.resolution_minutes, policy.resolution_clock)
    last_day = max(first_response_due, resolution_due).astimezone(calendar.tz).date()
    complaint = Complaint.objects.create(
        store=store,
        number=human_number(prefix="TS", store_code=store.code, day=local_day),
        customer=customer,
        vehicle=vehicle,
        repair_order=repair_order,
        follow_up=follow_up,
        source=source,
        category=category,
        severity=severity,
        proposed_severity=proposed,
        severity_reason=severity_reason.strip()[:200] or "、".join(reasons),
        description=description.strip(),
        registered_by=actor if getattr(actor, "pk", None) else None,
        first_response_due=first_response_due,
        resolution_due=resolution_due,
        # Estimated when any day the clocks run over is in a year without statutory data.
        calendar_estimated=calendar.is_estimated_between(local_day, last_day),
        is_repeat=is_repeat,
        client_ip=client_ip,
    )
    if complaint.created_at != at:
        # The clocks, the escalation shares and the cycle time start at the registration
        # moment; `created_at` is set by `auto_now_add`, so a given `at` is written after.
        Complaint.objects.filter(pk=complaint.pk).update(created_at=at)
        complaint.created_at = at
    _event(
        complaint,
        actor=actor,
        to_status=Status.NEW,
        at=at,
        note=f"{complaint.get_severity_display()} · {complaint.get_category_display()}",
    )
    audit_log_write(actor=actor, action=AuditLog.Action.CREATE, obj=complaint)
    if severity in {Severity.MAJOR, Severity.CRITICAL}:
        staff = _staff_with_roles(
            store, ["store_manager", "aftersales_manager"], hq=severity == Severity.CRITICAL
        )
        notified = _notify_staff(
            complaint,
            staff,
            key="immediate",
            headline=f"{complaint.get_severity_display()}投诉，请立即关注",
        )
        Escalation.objects.create(
            complaint=complaint,
            target=Escalation.Target.FIRST_RESPONSE,
            level=Escalation.Level.IMMEDIATE,
            at=at,
            notified=notified,
        )
    _dedicated_manager_check(customer, at)
    return complaint


def _dedicated_manager_check(customer: Customer, at: dt.datetime) -> None:
    """Customers with 2 or more complaints in 90 days get a dedicated service manager."""
    customer.refresh_from_db(fields=["service_manager"])
    if customer.service_manager_id:
        return
    recent = Complaint.objects.filter(
        customer=customer,
        created_at__gte=at - dt.timedelta(days=REPEAT_DAYS),
        created_at__lte=at,
    ).count()
    if recent >= 2:
        manager = (
            User.objects.filter(
                is_active=True, groups__name="cs_manager", staff_profile__store=customer.store_id
            )
            .order_by("pk")
            .first()
        )
        if manager is not None:
            Customer.objects.filter(pk=customer.pk).update(service_manager=manager)
            customer.service_manager = manager


_ACTIONS = {
    # action: (from, to, 中文, English)
    "acknowledge": ({Status.NEW}, Status.ACKNOWLEDGED, "响应", "acknowledged"),
    "dispatch": ({Status.ACKNOWLEDGED}, Status.DISPATCHED, "派单", "dispatched"),
    "accept": ({Status.DISPATCHED}, Status.ACCEPTED, "签收", "accepted"),
    # From `acknowledged`: settled at the first contact, without a handling ticket (what the
    # first-contact resolution rate counts); from `accepted`: the department's proposal.
    "propose": (
        {Status.ACKNOWLEDGED, Status.ACCEPTED},
        Status.PROPOSED,
        "提交方案",
        "given a resolution",
    ),
    "confirm": ({Status.PROPOSED}, Status.CONFIRMED, "确认", "confirmed"),
    "close": ({Status.CONFIRMED}, Status.CLOSED, "结案", "closed"),
    "reopen": ({Status.CONFIRMED, Status.CLOSED}, Status.ACKNOWLEDGED, "重开", "reopened"),
}


def _move(complaint: Complaint, action: str, actor, *, at=None, note="", **fields) -> Complaint:
    allowed, target, zh, en = _ACTIONS[action]
    at = at or timezone.now()
    moved = Complaint.objects.filter(pk=complaint.pk, status__in=allowed).update(
        status=target, updated_at=at, **fields
    )
    source = complaint.status
    complaint.refresh_from_db()
    if not moved:
        raise IllegalTransition(complaint.get_status_display(), zh, en)
    _event(complaint, actor=actor, from_status=source, to_status=target, at=at, note=note)
    audit_log_write(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=complaint,
        changes={"status": [source, target]},
    )
    return complaint


@transaction.atomic
def complaint_acknowledge(*, complaint, actor, note: str = "", at=None):
    """The first response to the customer (stops the first-response clock)."""
    at = at or timezone.now()
    return _move(complaint, "acknowledge", actor, at=at, note=note, first_responded_at=at)


@transaction.atomic
def complaint_dispatch(*, complaint, actor, department: Department, at=None):
    """Send the handling ticket (处理单) to the department's supervisor."""
    at = at or timezone.now()
    if department.store_id != complaint.store_id:
        raise ValidationFailed(
            "部门不属于该门店。", "The department is not in this store.", field="department_id"
        )
    complaint = _move(complaint, "dispatch", actor, at=at, note=department.get_kind_display())
    policy = sla_policy(complaint.store, complaint.severity)
    calendar = store_calendar(complaint.store)
    ticket = HandlingTicket.objects.create(
        complaint=complaint,
        department=department,
        supervisor=department.supervisor,
        dispatched_at=at,
        proposal_due=calendar.add_working_days(
            timezone.localtime(at, calendar.tz).date(), policy.proposal_working_days
        ),
    )
    if department.supervisor:
        _notify_staff(
            complaint,
            [department.supervisor],
            key=f"ticket:{ticket.pk}",
            headline=f"请签收处理单（{ticket.proposal_due:%m-%d} 前提交方案）",
        )
    return complaint


def _ticket(complaint) -> HandlingTicket:
    return complaint.tickets.order_by("-dispatched_at").first()


@transaction.atomic
def complaint_accept(*, complaint, actor, at=None):
    at = at or timezone.now()
    complaint = _move(complaint, "accept", actor, at=at)
    HandlingTicket.objects.filter(pk=_ticket(complaint).pk).update(accepted_at=at)
    return complaint


@transaction.atomic
def complaint_propose(
    *,
    complaint,
    actor,
    root_cause: str,
    corrective_action: str,
    resolution: str,
    compensations=(),
    at=None,
):
    """The supervisor's resolution: root cause, corrective action, what the customer gets."""
    at = at or timezone.now()
    for field, value in (
        ("root_cause", root_cause),
        ("corrective_action", corrective_action),
        ("resolution", resolution),
    ):
        if not (value or "").strip():
            raise ValidationFailed(
                "请填写问题原因、整改措施和处理方案。",
                "Root cause, corrective action and resolution are required.",
                field=field,
            )
    limit = sla_policy(complaint.store, complaint.severity).compensation_approval_limit
    rows = []
    for item in compensations:
        amount = to_money(item["amount"])
        if amount < 0:
            raise ValidationFailed(
                "补偿金额不能为负数。", "A compensation cannot be negative.", field="compensations"
            )
        rows.append(Compensation(complaint=complaint, kind=item["kind"], amount=amount))
    total = sum((row.amount for row in rows), Decimal("0.00"))
    for row in rows:
        row.needs_approval = total > limit
    complaint = _move(
        complaint,
        "propose",
        actor,
        at=at,
        root_cause=root_cause.strip(),
        corrective_action=corrective_action.strip(),
        resolution=resolution.strip(),
    )
    Compensation.objects.bulk_create(rows)
    # The department's proposal answers its open ticket (none when settled at first contact).
    complaint.tickets.filter(accepted_at__isnull=False, proposed_at__isnull=True).update(
        proposed_at=at
    )
    if total > limit:
        _notify_staff(
            complaint,
            _staff_with_roles(complaint.store, ["store_manager"]),
            key=f"approval:{at:%Y%m%d%H%M%S}",
            headline=f"补偿 ¥{total} 待您审批",
        )
    return complaint


@transaction.atomic
def complaint_compensation_approve(*, complaint, actor, at=None):
    profile = getattr(actor, "staff_profile", None)
    if not actor.is_superuser and not (profile and profile.has_role("store_manager")):
        raise PermissionDenied(
            "只有总经理可以审批补偿。", "Only the store manager approves compensation."
        )
    at = at or timezone.now()
    approved = complaint.compensations.filter(needs_approval=True, approved_at__isnull=True).update(
        approved_by=actor, approved_at=at
    )
    if approved:
        _event(complaint, actor=actor, note="补偿已审批", at=at)
    return complaint


@transaction.atomic
def complaint_confirm(*, complaint, actor=None, at=None, note: str = "") -> Complaint:
    """The customer confirms the resolution (by phone, recorded by the agent, or on the link)."""
    at = at or timezone.now()
    pending = complaint.compensations.filter(needs_approval=True, approved_at__isnull=True)
    if pending.exists():
        raise ApprovalRequired(
            sla_policy(complaint.store, complaint.severity).compensation_approval_limit
        )
    return _move(complaint, "confirm", actor, at=at, note=note or "客户确认", confirmed_at=at)


@transaction.atomic
def complaint_close(*, complaint, actor, at=None) -> Complaint:
    """Close with the closure report; the complaint-closure follow-up is created."""
    from dealercare.followups.models import FollowUpTask

    at = at or timezone.now()
    complaint = _move(complaint, "close", actor, at=at, closed_at=at)
    calendar = store_calendar(complaint.store)
    day = timezone.localtime(at, calendar.tz).date()
    start = calendar.next_working_day(day)
    try:
        with transaction.atomic():
            FollowUpTask.objects.create(
                store=complaint.store,
                kind=FollowUpTask.Kind.COMPLAINT_CLOSURE,
                source_key=f"complaint_closure:complaint:{complaint.pk}:{complaint.reopen_count}",
                customer=complaint.customer,
                vehicle=complaint.vehicle,
                window_start=start,
                due_date=calendar.add_working_days(day, 3),
                next_attempt_on=start,
                calendar_estimated=calendar.is_estimated(day),
            )
    except IntegrityError:
        pass
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint, actor, note: str = "", at=None) -> Complaint:
    """Back to acknowledged; the resolution clock starts again from the reopening (the customer
    is owed a full resolution time, not an order that is overdue at once)."""
    at = at or timezone.now()
    policy = sla_policy(complaint.store, complaint.severity)
    resolution_due = deadline(
        store_calendar(complaint.store), at, policy.resolution_minutes, policy.resolution_clock
    )
    complaint = _move(
        complaint,
        "reopen",
        actor,
        at=at,
        note=note or "重开",
        closed_at=None,
        confirmed_at=None,
        resolution_due=resolution_due,
    )
    Complaint.objects.filter(pk=complaint.pk).update(reopen_count=complaint.reopen_count + 1)
    complaint.refresh_from_db()
    return complaint


def escalations_scan(*, now: dt.datetime | None = None) -> int:
    """The periodic escalation run: at 80% of a target and when it is breached, the next level
    of the ladder is notified, once per complaint, target and level (a unique row decides)."""
    now = now or timezone.now()
    created = 0
    open_query = Complaint.objects.exclude(status__in=[Status.CONFIRMED, Status.CLOSED]).filter(
        created_at__lte=now
    )
    open_complaints = list(open_query.select_related("store"))
    reached = set(
        Escalation.objects.filter(complaint__in=open_query.values("pk")).values_list(
            "complaint_id", "target", "level"
        )
    )
    policies = {
        (policy.store_id, policy.severity): policy
        for policy in SlaPolicy.objects.filter(
            store__in={complaint.store_id for complaint in open_complaints}
        )
    }
    calendars = {}
    staff: dict = {}  # who is alerted, per store and rung: looked up once per run
    for complaint in open_complaints:
        policy = policies.get((complaint.store_id, complaint.severity)) or _default_policy(
            complaint.store, complaint.severity
        )
        if complaint.store_id not in calendars:
            calendars[complaint.store_id] = store_calendar(complaint.store)
        calendar = calendars[complaint.store_id]
        targets = [
            (Escalation.Target.RESOLUTION, complaint.resolution_due, policy.resolution_clock)
        ]
        if complaint.first_responded_at is None:
            targets.append(
                (
                    Escalation.Target.FIRST_RESPONSE,
                    complaint.first_response_due,
                    policy.first_response_clock,
                )
            )
        for target, due, clock in targets:
            share = elapsed_share(calendar, complaint.created_at, due, clock, now)
            levels = []
            if share >= policy.escalate_at_percent / 100:
                levels.append(Escalation.Level.AT_RISK)
            if now >= due:
                levels.append(Escalation.Level.BREACHED)
            for level in levels:
                # Known rungs are skipped; a concurrent run is stopped by the unique row.
                if (complaint.pk, target, level) not in reached:
                    created += _escalate(complaint, target, level, now, staff)
    return created


def _escalate(complaint, target, level, now, staff_cache: dict) -> int:
    roles = (
        ("cs_manager", "aftersales_manager")
        if level == Escalation.Level.AT_RISK
        else ("store_manager",)
    )
    hq = level == Escalation.Level.BREACHED and complaint.severity == Severity.CRITICAL
    key = (complaint.store_id, roles, hq)
    if key not in staff_cache:
        staff_cache[key] = _staff_with_roles(complaint.store, list(roles), hq=hq)
    staff = staff_cache[key]
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                complaint=complaint, target=target, level=level, at=now
            )
            label = Escalation.Target(target).label
            headline = f"{label}{'即将超时' if level == Escalation.Level.AT_RISK else '已超时'}"
            escalation.notified = _notify_staff(
                complaint, staff, key=f"{target}:{level}", headline=headline
            )
            escalation.save(update_fields=["notified"])
            _event(complaint, actor=None, note=f"升级：{headline}", at=now)
    except IntegrityError:  # another run got there first
        return 0
    return 1


ONLINE_PER_MOBILE = (3, dt.timedelta(days=1))
ONLINE_PER_IP = (10, dt.timedelta(hours=1))


@transaction.atomic
def complaint_submit_online(
    *,
    store: Store,
    name: str,
    mobile: str,
    plate: str,
    category: str,
    description: str,
    ip: str | None,
) -> Complaint:
    """A customer's complaint from the public phone form; rate-limited per mobile and per IP.
    The customer gets a message with the link to follow it."""
    from dealercare.appointments.errors import RateLimited
    from dealercare.customers.services import customer_create
    from dealercare.customers.validators import normalize_plate

    now = timezone.now()
    count, window = ONLINE_PER_MOBILE
    if (
        Complaint.objects.filter(
            source=Complaint.Source.ONLINE, customer__mobile=mobile, created_at__gte=now - window
        ).count()
        >= count
    ):
        raise RateLimited(field="mobile")
    if ip:
        count, window = ONLINE_PER_IP
        if (
            Complaint.objects.filter(
                source=Complaint.Source.ONLINE, client_ip=ip, created_at__gte=now - window
            ).count()
            >= count
        ):
            raise RateLimited(field="ip")
    customer = Customer.objects.filter(store=store, mobile=mobile).first() or customer_create(
        actor=None,
        store=store,
        data={"name": name, "mobile": mobile, "source": "online"},
        consent_source="online",
    )
    vehicle = (
        store.vehicles.filter(plate=normalize_plate(plate), owner=customer).first()
        if plate
        else None
    )
    complaint = complaint_register(
        actor=None,
        store=store,
        customer=customer,
        vehicle=vehicle,
        source=Complaint.Source.ONLINE,
        category=category,
        description=description,
        client_ip=ip,
        at=now,
    )
    message_send(
        store=store,
        customer=customer,
        channel="outbox",
        recipient=customer.mobile,
        template="complaint_received",
        language=customer.language,
        idempotency_key=f"complaint:{complaint.pk}:received",
        context={
            "store": store,
            "customer_name": customer.name,
            "number": complaint.number,
            "link": complaint_link(complaint),
        },
    )
    return complaint
