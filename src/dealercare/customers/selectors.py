"""Reads of customers and vehicles; every one starts from what the actor may see."""

import re

from django.db.models import Count, Q, QuerySet

from dealercare.core.errors import NotFound

from .models import Consent, Customer, CustomerEvent, Vehicle
from .validators import normalize_plate


def customer_search_filter(q: str) -> Q:
    """Name, mobile (any part), plate or VIN; one definition for the API and the pages."""
    q = (q or "").strip()
    if not q:
        return Q()
    compact = normalize_plate(q)
    condition = Q(name__icontains=q)
    digits = re.sub(r"\D", "", q)
    if digits and len(digits) >= 4 and len(digits) == len(q.replace(" ", "")):
        condition |= Q(mobile__contains=digits)
    if len(compact) >= 3:
        condition |= Q(vehicles__plate__icontains=compact)
    if len(compact) >= 6:
        condition |= Q(vehicles__vin__icontains=compact)
    return condition


def customer_list(*, actor, store_id: int | None = None, q: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.visible_to(actor).in_store(store_id)
    if q:
        matching = Customer.objects.filter(customer_search_filter(q)).values("pk")
        customers = customers.filter(pk__in=matching)
    # An explicit order: Django drops Meta.ordering from GROUP BY queries, and paging an
    # unordered list repeats and skips rows.
    return (
        customers.select_related("store")
        .annotate(vehicle_count=Count("vehicles"))
        .order_by("-created_at", "-id")
    )


def customer_get(*, actor, customer_id: int) -> Customer:
    customer = Customer.objects.visible_to(actor).select_related("store").filter(pk=customer_id)
    found = customer.first()
    if found is None:
        raise NotFound("客户不存在。", "Customer not found.")
    return found


def customer_consents(customer: Customer) -> dict[str, Consent | None]:
    """The current (latest) consent per purpose."""
    current: dict[str, Consent | None] = {purpose: None for purpose in Consent.Purpose.values}
    for consent in customer.consents.order_by("-at", "-id"):
        if current.get(consent.purpose) is None:
            current[consent.purpose] = consent
    return current


def customer_timeline(customer: Customer, limit: int = 100) -> QuerySet[CustomerEvent]:
    return customer.events.select_related("actor__staff_profile").order_by("-at", "-id")[:limit]


def vehicle_list(
    *, actor, store_id: int | None = None, q: str = "", owner_id: int | None = None
) -> QuerySet[Vehicle]:
    vehicles = (
        Vehicle.objects.visible_to(actor)
        .in_store(store_id)
        .select_related("owner")
        .order_by("plate", "id")  # plates repeat across stores: a stable order for paging
    )
    if owner_id is not None:
        vehicles = vehicles.filter(owner_id=owner_id)
    if q:
        compact = normalize_plate(q)
        vehicles = vehicles.filter(Q(plate__icontains=compact) | Q(vin__icontains=compact))
    return vehicles


def vehicle_get(*, actor, vehicle_id: int) -> Vehicle:
    vehicle = (
        Vehicle.objects.visible_to(actor).select_related("owner").filter(pk=vehicle_id).first()
    )
    if vehicle is None:
        raise NotFound("车辆不存在。", "Vehicle not found.")
    return vehicle
