"""Every write to repair orders: reception, lines, add-ons and the owner's decisions, the state
machine, settlement and delivery (which publishes `repair_order_delivered`)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dealercare.core.audit import audit_log_write
from dealercare.core.errors import ValidationFailed
from dealercare.core.links import customer_link_token, customer_link_url
from dealercare.core.models import AuditLog
from dealercare.core.money import to_money
from dealercare.core.numbering import human_number
from dealercare.customers.models import CustomerEvent, MileageReading, Vehicle
from dealercare.customers.services import customer_timeline_add, mileage_record
from dealercare.notifications.services import message_send
from dealercare.org.models import Store

from .errors import AlreadyDecided, IllegalTransition, InvalidLine, OrderClosed
from .models import AddOn, RepairOrder, RepairOrderEvent, RepairOrderLine, WorkshopPolicy
from .signals import repair_order_delivered

Status = RepairOrder.Status
PROGRESS_PURPOSE = "ro-progress"
ADD_ON_PURPOSE = "add-on"

# The workshop's state machine (DOMAIN.md): from → the states it may go to.
TRANSITIONS: dict[str, set[str]] = {
    Status.RECEPTION: {Status.DISPATCHED, Status.CANCELLED},
    Status.DISPATCHED: {Status.IN_PROGRESS, Status.CANCELLED},
    Status.IN_PROGRESS: {Status.WAITING_PARTS, Status.QC},
    Status.WAITING_PARTS: {Status.IN_PROGRESS},
    Status.QC: {Status.WASHING, Status.READY, Status.IN_PROGRESS},
    Status.WASHING: {Status.READY},
    Status.READY: {Status.SETTLED},
    Status.SETTLED: {Status.DELIVERED},
    Status.DELIVERED: set(),
    Status.CANCELLED: set(),
}
EDITABLE = {
    Status.RECEPTION,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.WAITING_PARTS,
    Status.QC,
}
# The owner may still answer an add-on until the bill is settled.
DECIDABLE = EDITABLE | {Status.WASHING, Status.READY}
# The owner hears about these steps (service notifications, no marketing consent needed).
NOTIFY_ON = {Status.DISPATCHED: "ro_dispatched", Status.READY: "ro_ready"}


def workshop_policy(store: Store) -> WorkshopPolicy:
    try:
        return store.workshop_policy
    except WorkshopPolicy.DoesNotExist:
        return WorkshopPolicy(store=store)


def progress_path(repair_order: RepairOrder) -> str:
    token = customer_link_token(purpose=PROGRESS_PURPOSE, object_id=repair_order.pk)
    return reverse("workorders_public:progress", args=[token])


def progress_url(repair_order: RepairOrder) -> str:
    return customer_link_url(progress_path(repair_order))


def add_on_token(add_on: AddOn) -> str:
    return customer_link_token(purpose=ADD_ON_PURPOSE, object_id=add_on.pk)


def _event(repair_order, *, actor, from_status="", to_status="", note="", at=None):
    at = at or timezone.now()
    RepairOrderEvent.objects.create(
        repair_order=repair_order,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=from_status,
        to_status=to_status,
        note=note[:300],
    )
    label = RepairOrder.Status(to_status).label if to_status else ""
    customer_timeline_add(
        customer_id=repair_order.customer_id,
        store_id=repair_order.store_id,
        kind=CustomerEvent.Kind.REPAIR_ORDER,
        at=at,
        actor=actor,
        summary=f"{repair_order.number} {label} {note}",
        data={"repair_order_id": repair_order.pk, "status": to_status},
    )


def _notify(repair_order: RepairOrder, template: str, *, key: str, **context) -> None:
    customer = repair_order.customer
    message_send(
        store=repair_order.store,
        customer=customer,
        channel="outbox",
        recipient=customer.mobile,
        template=template,
        language=customer.language,
        idempotency_key=f"repair-order:{repair_order.pk}:{key}",
        context={
            "store": repair_order.store,
            "customer_name": customer.name,
            "plate": repair_order.vehicle.plate,
            "number": repair_order.number,
            "promised_at": repair_order.promised_at,
            "link": progress_url(repair_order),
            **context,
        },
    )


# -- reception ------------------------------------------------------------------------------
@transaction.atomic
def repair_order_open(
    *,
    actor,
    store: Store,
    vehicle: Vehicle,
    mileage_km: int,
    description: str,
    job_type: str,
    promised_at: dt.datetime,
    appointment=None,
    walkaround: dict | None = None,
    mileage_reason: str = "",
) -> RepairOrder:
    """Receive a car (接车): from an arrived appointment or a walk-in."""
    from dealercare.appointments.models import Appointment

    if vehicle.store_id != store.pk:
        raise ValidationFailed(
            "车辆不属于该门店。", "The vehicle is not in this store.", field="vehicle_id"
        )
    if not (description or "").strip():
        raise ValidationFailed(
            "请填写客户描述。", "Describe the customer's request.", field="description"
        )
    now = timezone.now()
    if timezone.is_naive(promised_at):
        # A time without a zone is the store's wall-clock time.
        promised_at = timezone.make_aware(promised_at, ZoneInfo(store.time_zone))
    if promised_at <= now:
        raise ValidationFailed(
            "预计交车时间必须晚于现在。",
            "The promised time must be in the future.",
            field="promised_at",
        )
    if appointment is not None and (
        appointment.store_id != store.pk or appointment.status != Appointment.Status.ARRIVED
    ):
        raise ValidationFailed(
            "只能从本店“已到店”的预约开单。",
            "Only an arrived appointment of this store can be opened.",
            field="appointment_id",
        )
    if appointment is not None and (
        appointment.customer_id != vehicle.owner_id
        or (appointment.vehicle_id is not None and appointment.vehicle_id != vehicle.pk)
    ):
        raise ValidationFailed(
            "预约的客户或车辆与本次接车不符。",
            "The appointment is for another customer or vehicle.",
            field="appointment_id",
        )
    mileage_record(
        actor=actor,
        vehicle=vehicle,
        km=mileage_km,
        at=now,
        reason=mileage_reason,
        source=MileageReading.Source.RECEPTION,
        log_event=False,
    )
    local_day = now.astimezone(ZoneInfo(store.time_zone)).date()
    repair_order = RepairOrder.objects.create(
        store=store,
        number=human_number(prefix="RO", store_code=store.code, day=local_day),
        vehicle=vehicle,
        customer_id=vehicle.owner_id,
        appointment=appointment,
        advisor=actor if getattr(actor, "pk", None) else None,
        job_type=job_type,
        mileage_km=mileage_km,
        description=description.strip(),
        walkaround=walkaround or {},
        promised_at=promised_at,
    )
    if appointment is not None:
        from dealercare.appointments import services as appointment_services

        appointment_services.appointment_convert(appointment=appointment, actor=actor)
    _event(repair_order, actor=actor, to_status=Status.RECEPTION, at=now)
    audit_log_write(actor=actor, action=AuditLog.Action.CREATE, obj=repair_order)
    return repair_order


def _lock(repair_order: RepairOrder) -> str:
    """Take the order's row lock (PostgreSQL; the IMMEDIATE transaction already holds the write
    lock on SQLite) and return its current status: settlement, add-on decisions and new lines
    then happen one after the other, never on a status read before someone else changed it."""
    status = (
        RepairOrder.objects.select_for_update()
        .filter(pk=repair_order.pk)
        .values_list("status", flat=True)
        .get()
    )
    repair_order.status = status
    return status


def _editable(repair_order: RepairOrder) -> None:
    if _lock(repair_order) not in EDITABLE:
        raise OrderClosed()


def _normalized_job(name: str) -> str:
    return "".join(name.split()).lower()


def _flag_comeback(repair_order: RepairOrder, job_name: str) -> None:
    """A repeat of a job done on the same vehicle within the comeback window (返修)."""
    if repair_order.comeback_of_id:
        return
    days = workshop_policy(repair_order.store).comeback_days
    earlier = (
        RepairOrder.objects.filter(
            vehicle_id=repair_order.vehicle_id,
            status=Status.DELIVERED,
            delivered_at__gte=repair_order.created_at - dt.timedelta(days=days),
            delivered_at__lte=repair_order.created_at,
        )
        .exclude(pk=repair_order.pk)
        .order_by("-delivered_at")
    )
    wanted = _normalized_job(job_name)
    for candidate in earlier.prefetch_related("lines"):
        if any(
            line.kind == RepairOrderLine.Kind.LABOUR and _normalized_job(line.name) == wanted
            for line in candidate.lines.all()
        ):
            repair_order.comeback_of = candidate
            repair_order.save(update_fields=["comeback_of", "updated_at"])
            _event(
                repair_order, actor=None, note=f"返修：重复 {candidate.number} 的项目“{job_name}”"
            )
            return


@transaction.atomic
def repair_order_line_add(
    *,
    actor,
    repair_order: RepairOrder,
    kind: str,
    name: str,
    unit_price,
    hours=None,
    quantity=None,
) -> RepairOrderLine:
    _editable(repair_order)
    name = (name or "").strip()
    if not name:
        raise InvalidLine("请填写项目名称。", "Name the line.", field="name")
    unit_price = to_money(unit_price)
    if unit_price < 0:
        raise InvalidLine(
            "单价不能为负数。", "The unit price cannot be negative.", field="unit_price"
        )
    if kind == RepairOrderLine.Kind.LABOUR:
        if hours is None or Decimal(str(hours)) <= 0:
            raise InvalidLine(
                "工时项目必须填写大于 0 的工时。", "A labour line needs hours > 0.", field="hours"
            )
        line = RepairOrderLine.objects.create(
            repair_order=repair_order,
            kind=kind,
            name=name,
            hours=Decimal(str(hours)),
            quantity=Decimal("1"),
            unit_price=unit_price,
        )
        _flag_comeback(repair_order, name)
    elif kind == RepairOrderLine.Kind.PART:
        quantity = Decimal(str(quantity if quantity is not None else 1))
        if quantity <= 0:
            raise InvalidLine("数量必须大于 0。", "The quantity must be > 0.", field="quantity")
        line = RepairOrderLine.objects.create(
            repair_order=repair_order,
            kind=kind,
            name=name,
            quantity=quantity,
            unit_price=unit_price,
        )
    else:
        raise InvalidLine("类型必须是工时或配件。", "kind must be labour or part.", field="kind")
    audit_log_write(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=repair_order,
        changes={"line": [None, f"{kind} {name} {line.amount}"]},
    )
    return line


# -- add-ons --------------------------------------------------------------------------------
@transaction.atomic
def add_on_create(
    *, actor, repair_order: RepairOrder, name: str, price, description: str = "", photo=None
) -> AddOn:
    """Propose an add-on item; the owner gets a link to approve or decline it on the phone."""
    _editable(repair_order)
    if not (name or "").strip():
        raise InvalidLine("请填写增项名称。", "Name the add-on.", field="name")
    price = to_money(price)
    if price < 0:
        raise InvalidLine("价格不能为负数。", "The price cannot be negative.", field="price")
    add_on = AddOn(
        repair_order=repair_order,
        name=name.strip(),
        description=(description or "").strip(),
        price=price,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if photo is not None:
        _check_photo(photo)
        add_on.photo.save(photo.name, photo, save=False)
    add_on.save()
    _event(repair_order, actor=actor, note=f"增项待客户确认：{add_on.name} ¥{add_on.price}")
    _notify(
        repair_order,
        "ro_add_on_waiting",
        key=f"add-on:{add_on.pk}",
        add_on_name=add_on.name,
        add_on_price=add_on.price,
    )
    return add_on


MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}


def _check_photo(photo) -> None:
    if photo.size > MAX_PHOTO_BYTES or getattr(photo, "content_type", "") not in PHOTO_TYPES:
        raise ValidationFailed(
            "照片须为 JPEG/PNG/WebP/HEIC，且不超过 8 MB。",
            "The photo must be JPEG, PNG, WebP or HEIC, at most 8 MB.",
            field="photo",
        )


@transaction.atomic
def add_on_photo_attach(*, add_on: AddOn, photo, actor) -> AddOn:
    _check_photo(photo)
    add_on.photo.save(photo.name, photo, save=True)
    audit_log_write(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=add_on.repair_order,
        changes={"add_on_photo": [None, add_on.name]},
    )
    return add_on


@transaction.atomic
def add_on_decide(
    *,
    add_on: AddOn,
    decision: str,
    actor=None,
    via: str = AddOn.Via.LINK,
    decided_by_name: str = "",
) -> AddOn:
    """Record the owner's decision once; a second decision is refused (409) and the first
    stands, also when two arrive at the same moment."""
    if decision not in {AddOn.Decision.APPROVED, AddOn.Decision.DECLINED}:
        raise ValidationFailed(
            "决定必须是同意或拒绝。", "decision must be approved or declined.", field="decision"
        )
    repair_order = add_on.repair_order
    if via == AddOn.Via.PHONE and not decided_by_name.strip():
        raise ValidationFailed(
            "电话确认请记录客户姓名。", "Record who approved on the phone.", field="decided_by_name"
        )
    # Once settled the bill is frozen: no decision can change what was charged.
    if _lock(repair_order) not in DECIDABLE:
        raise OrderClosed()
    now = timezone.now()
    decided = AddOn.objects.filter(pk=add_on.pk, decision=AddOn.Decision.PENDING).update(
        decision=decision,
        decided_at=now,
        decided_via=via,
        decided_by_name=decided_by_name.strip()[:50],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    add_on.refresh_from_db()
    if not decided:
        raise AlreadyDecided(add_on.get_decision_display())
    who = "客户" if via == AddOn.Via.LINK else f"电话：{add_on.decided_by_name}"
    _event(
        repair_order,
        actor=actor,
        note=f"增项{add_on.get_decision_display()}：{add_on.name}（{who}）",
    )
    return add_on


# -- the state machine ----------------------------------------------------------------------
@transaction.atomic
def repair_order_transition(
    *,
    repair_order: RepairOrder,
    to: str,
    actor,
    at: dt.datetime | None = None,
    technicians=None,
) -> RepairOrder:
    if to == Status.DELIVERED:
        return repair_order_deliver(repair_order=repair_order, actor=actor, at=at)
    if to == Status.SETTLED:
        return repair_order_settle(repair_order=repair_order, actor=actor, at=at)
    return _move(repair_order=repair_order, to=to, actor=actor, at=at, technicians=technicians)


def _move(*, repair_order, to, actor, at=None, technicians=None, extra=None) -> RepairOrder:
    at = at or timezone.now()
    source = repair_order.status
    try:
        target = Status(to)
    except ValueError as exc:
        raise ValidationFailed(
            "未知的工单状态。", "Unknown repair order state.", field="to"
        ) from exc
    if target not in TRANSITIONS[Status(source)]:
        raise IllegalTransition(Status(source).label, target.label)
    # The conditional UPDATE makes two clicks at once safe: only one moves the order.
    moved = RepairOrder.objects.filter(pk=repair_order.pk, status=source).update(
        status=target, updated_at=at, **(extra or {})
    )
    if not moved:
        repair_order.refresh_from_db()
        raise IllegalTransition(repair_order.get_status_display(), target.label)
    repair_order.refresh_from_db()
    if technicians:
        repair_order.technicians.set(technicians)
    _event(repair_order, actor=actor, from_status=source, to_status=target, at=at)
    audit_log_write(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=repair_order,
        changes={"status": [source, target]},
    )
    if target in NOTIFY_ON:
        _notify(repair_order, NOTIFY_ON[target], key=f"status:{target}")
    return repair_order


def repair_order_totals(repair_order: RepairOrder) -> dict[str, Decimal]:
    """Labour, parts, approved add-ons, discount and total, as exact Decimal sums.
    Pending and declined add-ons are shown but never charged."""
    labour = parts = Decimal("0.00")
    for line in repair_order.lines.all():
        if line.kind == RepairOrderLine.Kind.LABOUR:
            labour += line.amount
        else:
            parts += line.amount
    approved = pending = Decimal("0.00")
    for add_on in repair_order.add_ons.all():
        if add_on.decision == AddOn.Decision.APPROVED:
            approved += add_on.price
        elif add_on.decision == AddOn.Decision.PENDING:
            pending += add_on.price
    subtotal = labour + parts + approved
    discount = min(repair_order.discount, subtotal)
    return {
        "labour": labour,
        "parts": parts,
        "add_ons_approved": approved,
        "add_ons_pending": pending,
        "discount": discount,
        "total": subtotal - discount,
    }


@transaction.atomic
def repair_order_settle(
    *,
    repair_order: RepairOrder,
    actor,
    at: dt.datetime | None = None,
    discount=None,
    next_service_advice: str | None = None,
) -> RepairOrder:
    """Settle the bill (结算): the total is frozen; unanswered add-ons are not charged."""
    at = at or timezone.now()
    source = _lock(repair_order)
    if Status.SETTLED not in TRANSITIONS[Status(source)]:
        raise IllegalTransition(Status(source).label, Status.SETTLED.label)
    if discount is not None:
        discount = to_money(discount)
        if discount < 0:
            raise ValidationFailed(
                "优惠不能为负数。", "The discount cannot be negative.", field="discount"
            )
        RepairOrder.objects.filter(pk=repair_order.pk).update(discount=discount)
    if next_service_advice is not None:
        RepairOrder.objects.filter(pk=repair_order.pk).update(
            next_service_advice=next_service_advice.strip()[:300]
        )
    # The total from the rows as they are now, under the lock (not from a caller's prefetched
    # lines and add-ons, which may be older than a decision taken meanwhile).
    fresh = RepairOrder.objects.get(pk=repair_order.pk)
    total = repair_order_totals(fresh)["total"]
    return _move(
        repair_order=repair_order,
        to=Status.SETTLED,
        actor=actor,
        at=at,
        extra={"settled_total": total, "settled_at": at},
    )


@transaction.atomic
def repair_order_deliver(
    *, repair_order: RepairOrder, actor, at: dt.datetime | None = None
) -> RepairOrder:
    """Hand the car back (交车). Publishes `repair_order_delivered` after commit: the follow-up
    clock and the reminders start from here."""
    at = at or timezone.now()
    repair_order = _move(
        repair_order=repair_order,
        to=Status.DELIVERED,
        actor=actor,
        at=at,
        extra={"delivered_at": at},
    )
    from django.db.models import Q

    from dealercare.customers.models import Customer

    day = at.astimezone(ZoneInfo(repair_order.store.time_zone)).date()
    Customer.objects.filter(
        Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=day), pk=repair_order.customer_id
    ).update(last_visit_at=day)
    transaction.on_commit(
        lambda: repair_order_delivered.send(sender=RepairOrder, repair_order=repair_order, at=at)
    )
    return repair_order
