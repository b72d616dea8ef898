"""Reads of customers and vehicles; every one starts from what the actor may see."""

import re

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dealercare.core.errors import NotFound

from .models import Consent, Customer, CustomerEvent, Vehicle
from .validators import normalize_plate


def customer_search_ids(*, customers: QuerySet[Customer], vehicles: QuerySet[Vehicle], q: str):
    """The ids of the customers whose name, mobile (any part), plate or VIN contains `q`; one
    definition for the API and the pages.

    A union of one query per field, not one query with OR across a join: on PostgreSQL each
    part is answered by its own trigram index (migration 0006), and the planner cannot
    misjudge an OR of a LIKE and a subquery into a scan of every customer."""
    compact = normalize_plate(q)  # plates and VINs are stored in this form
    parts = [customers.filter(name__icontains=q).order_by().values("pk")]
    digits = re.sub(r"\D", "", q)
    if digits and len(digits) >= 4 and len(digits) == len(q.replace(" ", "")):
        parts.append(customers.filter(mobile__contains=digits).order_by().values("pk"))
    if len(compact) >= 3:
        parts.append(vehicles.filter(plate__contains=compact).order_by().values("owner_id"))
    if len(compact) >= 6:
        parts.append(vehicles.filter(vin__contains=compact).order_by().values("owner_id"))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def customer_list(*, actor, store_id: int | None = None, q: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.visible_to(actor).in_store(store_id)
    q = (q or "").strip()
    if q:
        vehicles = Vehicle.objects.visible_to(actor).in_store(store_id)
        customers = customers.filter(
            pk__in=customer_search_ids(customers=customers, vehicles=vehicles, q=q)
        )
    # Counted per listed row (a subquery), not by joining every vehicle and grouping: the
    # page needs 50 counts, and the join made the planner scan all vehicles for them.
    vehicle_count = (
        Vehicle.objects.filter(owner=OuterRef("pk"))
        .order_by()
        .values("owner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        customers.select_related("store")
        .annotate(vehicle_count=Coalesce(Subquery(vehicle_count), 0))
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
        vehicles = vehicles.filter(Q(plate__contains=compact) | Q(vin__contains=compact))
    return vehicles


def vehicle_get(*, actor, vehicle_id: int) -> Vehicle:
    vehicle = (
        Vehicle.objects.visible_to(actor).select_related("owner").filter(pk=vehicle_id).first()
    )
    if vehicle is None:
        raise NotFound("车辆不存在。", "Vehicle not found.")
    return vehicle
