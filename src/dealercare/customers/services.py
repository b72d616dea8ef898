"""Every write to customers and vehicles: atomic, validated, audit-logged, on the timeline."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dealercare.core.audit import audit_log_write, field_changes
from dealercare.core.errors import PermissionDenied, from_django_validation_error
from dealercare.core.models import AuditLog

from .errors import DuplicateMobile, DuplicateVehicle, MileageDecreaseNeedsReason
from .models import Consent, Customer, CustomerEvent, MileageReading, Vehicle
from .validators import normalize_mobile, normalize_plate, normalize_vin

CUSTOMER_FIELDS = {
    "name",
    "mobile",
    "gender",
    "birthday",
    "lunar_birthday",
    "source",
    "language",
    "email",
    "tags",
    "notes",
}
VEHICLE_FIELDS = {"vin", "plate", "brand", "model", "color", "purchase_date"}


def _full_clean(instance, exclude=None):
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        raise from_django_validation_error(exc) from exc


def _normalized_customer_data(data: dict) -> dict:
    data = {key: value for key, value in data.items() if key in CUSTOMER_FIELDS}
    if "mobile" in data:
        data["mobile"] = normalize_mobile(data["mobile"])
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    for key in ("lunar_birthday", "email", "notes"):
        if key in data and data[key] is None:
            data[key] = ""
    if "tags" in data:
        # null clears the tags; blank and repeated tags are dropped.
        data["tags"] = list(dict.fromkeys(tag.strip() for tag in data["tags"] or () if tag.strip()))
    return data


def _normalized_vehicle_data(data: dict) -> dict:
    data = {key: value for key, value in data.items() if key in VEHICLE_FIELDS}
    if "vin" in data:
        data["vin"] = normalize_vin(data["vin"])
    if "plate" in data:
        data["plate"] = normalize_plate(data["plate"])
    if "color" in data and data["color"] is None:
        data["color"] = ""
    return data


def customer_timeline_add(
    *, customer_id: int, store_id: int, kind: str, actor, summary: str = "", data=None, at=None
) -> CustomerEvent:
    """One event on the customer's timeline; every app's state changes write theirs here."""
    return CustomerEvent.objects.create(
        customer_id=customer_id,
        store_id=store_id,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or timezone.now(),
        summary=summary.strip()[:200],
        data=data or {},
    )


def _event(customer, kind, *, actor, summary="", data=None, at=None):
    return customer_timeline_add(
        customer_id=customer.pk,
        store_id=customer.store_id,
        kind=kind,
        actor=actor,
        summary=summary,
        data=data,
        at=at,
    )


@transaction.atomic
def customer_create(
    *,
    actor,
    store,
    data: dict,
    service_consent: bool = True,
    marketing_consent: bool = False,
    consent_source: str = Consent.Source.STAFF,
) -> Customer:
    customer = Customer(store=store, **_normalized_customer_data(data))
    _full_clean(customer)
    if Customer.objects.filter(store=store, mobile=customer.mobile).exists():
        raise DuplicateMobile()
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:  # a concurrent insert of the same mobile
        raise DuplicateMobile() from exc
    now = timezone.now()
    for purpose, granted in (
        (Consent.Purpose.SERVICE, service_consent),
        (Consent.Purpose.MARKETING, marketing_consent),
    ):
        Consent.objects.create(
            customer=customer,
            purpose=purpose,
            granted=granted,
            source=consent_source,
            at=now,
            recorded_by=actor,
        )
    _event(customer, CustomerEvent.Kind.CREATED, actor=actor, summary=customer.name, at=now)
    audit_log_write(actor=actor, action=AuditLog.Action.CREATE, obj=customer)
    return customer


@transaction.atomic
def customer_update(*, actor, customer: Customer, data: dict) -> Customer:
    data = _normalized_customer_data(data)
    changes = field_changes(customer, data)
    if not changes:
        return customer
    for name, value in data.items():
        setattr(customer, name, value)
    _full_clean(customer)
    if (
        "mobile" in changes
        and Customer.objects.filter(store_id=customer.store_id, mobile=customer.mobile)
        .exclude(pk=customer.pk)
        .exists()
    ):
        raise DuplicateMobile()
    try:
        with transaction.atomic():
            customer.save(update_fields=[*changes, "updated_at"])
    except IntegrityError as exc:  # a concurrent write of the same mobile
        raise DuplicateMobile() from exc
    # The timeline and the audit log never keep a full mobile number.
    logged = {
        name: (["***", "***"] if name == "mobile" else pair) for name, pair in changes.items()
    }
    _event(
        customer,
        CustomerEvent.Kind.UPDATED,
        actor=actor,
        summary="、".join(changes),
        data={"fields": sorted(changes)},
    )
    audit_log_write(actor=actor, action=AuditLog.Action.UPDATE, obj=customer, changes=logged)
    return customer


@transaction.atomic
def customer_consent_set(
    *, actor, customer: Customer, purpose: str, granted: bool, source: str
) -> Consent:
    consent = Consent(
        customer=customer,
        purpose=purpose,
        granted=granted,
        source=source,
        at=timezone.now(),
        recorded_by=actor,
    )
    _full_clean(consent, exclude=["customer", "recorded_by"])
    consent.save()
    _event(
        customer,
        CustomerEvent.Kind.CONSENT_CHANGED,
        actor=actor,
        summary=f"{consent.get_purpose_display()}：{'同意' if granted else '撤回'}",
        data={"purpose": purpose, "granted": granted, "source": source},
    )
    audit_log_write(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=customer,
        changes={f"consent_{purpose}": [None, granted]},
    )
    return consent


def customer_mobile_reveal(*, actor, customer: Customer) -> str:
    """The full mobile number, for a role allowed to see it; every reveal is audit-logged."""
    if not actor.has_perm("customers.reveal_mobile"):
        raise PermissionDenied(
            "您的角色不能查看完整手机号。", "Your role may not see full numbers."
        )
    audit_log_write(
        actor=actor, action=AuditLog.Action.REVEAL, obj=customer, changes={"mobile": [None, "***"]}
    )
    return customer.mobile


@transaction.atomic
def vehicle_create(*, actor, owner: Customer, data: dict, mileage_km: int | None = None) -> Vehicle:
    vehicle = Vehicle(store_id=owner.store_id, owner=owner, **_normalized_vehicle_data(data))
    _full_clean(vehicle, exclude=["store", "owner"])
    _vehicle_unique_check(vehicle)
    _vehicle_save(vehicle)
    if mileage_km:
        mileage_record(actor=actor, vehicle=vehicle, km=mileage_km, log_event=False)
    _event(
        owner,
        CustomerEvent.Kind.VEHICLE_ADDED,
        actor=actor,
        summary=str(vehicle),
        data={"vehicle_id": vehicle.pk},
    )
    audit_log_write(actor=actor, action=AuditLog.Action.CREATE, obj=vehicle)
    return vehicle


@transaction.atomic
def vehicle_update(*, actor, vehicle: Vehicle, data: dict) -> Vehicle:
    data = _normalized_vehicle_data(data)
    changes = field_changes(vehicle, data)
    if not changes:
        return vehicle
    for name, value in data.items():
        setattr(vehicle, name, value)
    _full_clean(vehicle, exclude=["store", "owner"])
    _vehicle_unique_check(vehicle)
    _vehicle_save(vehicle, update_fields=[*changes, "updated_at"])
    _event(
        vehicle.owner,
        CustomerEvent.Kind.VEHICLE_UPDATED,
        actor=actor,
        summary=f"{vehicle.plate}：{'、'.join(changes)}",
        data={"vehicle_id": vehicle.pk},
    )
    audit_log_write(actor=actor, action=AuditLog.Action.UPDATE, obj=vehicle, changes=changes)
    return vehicle


def _vehicle_unique_check(vehicle: Vehicle) -> None:
    others = Vehicle.objects.filter(store_id=vehicle.store_id).exclude(pk=vehicle.pk)
    # A VIN may still be missing (a vehicle booked online); missing VINs never conflict.
    if vehicle.vin and others.filter(vin=vehicle.vin).exists():
        raise DuplicateVehicle("vin")
    if others.filter(plate=vehicle.plate).exists():
        raise DuplicateVehicle("plate")


def _vehicle_save(vehicle: Vehicle, **kwargs) -> None:
    try:
        with transaction.atomic():
            vehicle.save(**kwargs)
    except IntegrityError as exc:  # a concurrent write of the same VIN or plate
        _vehicle_unique_check(vehicle)
        raise DuplicateVehicle("vin") from exc


@transaction.atomic
def mileage_record(
    *,
    actor,
    vehicle: Vehicle,
    km: int,
    at: dt.datetime | None = None,
    reason: str = "",
    source: str = MileageReading.Source.MANUAL,
    log_event: bool = True,
) -> MileageReading:
    """Record an odometer reading; lower than the last one needs a reason."""
    at = at or timezone.now()
    last = vehicle.mileage_readings.order_by("-read_at", "-id").first()
    if last is not None and km < last.km and not reason.strip():
        raise MileageDecreaseNeedsReason(last.km)
    reading = MileageReading.objects.create(
        vehicle=vehicle,
        km=km,
        read_at=at,
        source=source,
        reason=reason.strip(),
        recorded_by=actor,
    )
    if last is None or at >= last.read_at:
        vehicle.current_mileage_km = km
        vehicle.save(update_fields=["current_mileage_km", "updated_at"])
    if log_event:
        _event(
            vehicle.owner,
            CustomerEvent.Kind.MILEAGE_RECORDED,
            actor=actor,
            summary=f"{vehicle.plate}：{km} km",
            data={"vehicle_id": vehicle.pk, "km": km},
        )
    return reading
