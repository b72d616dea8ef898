from ninja import Router, Status

from dealercare.core.api import Id, Limit, Offset, Page, Text, errors, paginate, require_permission
from dealercare.core.errors import ValidationFailed
from dealercare.org.auth import staff_auth
from dealercare.org.selectors import store_get

from . import selectors, services
from .schemas import (
    ConsentIn,
    ConsentOut,
    CustomerDetailOut,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    MobileOut,
    VehicleIn,
    VehicleOut,
    VehiclePatch,
)

router = Router(tags=["customers"], auth=staff_auth)


def _store_for_new_record(actor, store_id: int | None):
    profile = getattr(actor, "staff_profile", None)
    if store_id is None:
        if profile is None or profile.store_id is None:
            raise ValidationFailed(
                "请选择门店。", "store_id is required for group users.", field="store_id"
            )
        store_id = profile.store_id
    return store_get(actor=actor, store_id=store_id)


def _detail(customer):
    consents = selectors.customer_consents(customer)
    return {
        **CustomerOut.from_orm(customer).dict(),
        "email": customer.email,
        "notes": customer.notes,
        "consents": [
            {
                "purpose": purpose,
                "granted": bool(consent and consent.granted),
                "source": consent.source if consent else None,
                "at": consent.at if consent else None,
            }
            for purpose, consent in consents.items()
        ],
        "vehicles": list(customer.vehicles.order_by("plate")),
    }


@router.get("/customers", response={200: Page[CustomerOut], **errors(401, 403, 422)})
def customer_list(
    request, q: Text = "", store_id: Id | None = None, limit: Limit = 50, offset: Offset = 0
):
    """Search by name, mobile, plate or VIN (`q`), newest first."""
    require_permission(request.auth, "customers.view_customer")
    customers = selectors.customer_list(actor=request.auth, store_id=store_id, q=q)
    return paginate(customers, limit=limit, offset=offset)


@router.post("/customers", response={201: CustomerDetailOut, **errors()})
def customer_create(request, payload: CustomerIn):
    require_permission(request.auth, "customers.add_customer")
    store = _store_for_new_record(request.auth, payload.store_id)
    data = payload.dict(exclude={"store_id", "service_consent", "marketing_consent"})
    customer = services.customer_create(
        actor=request.auth,
        store=store,
        data=data,
        service_consent=payload.service_consent,
        marketing_consent=payload.marketing_consent,
    )
    return Status(201, _detail(customer))


@router.get(
    "/customers/{customer_id}", response={200: CustomerDetailOut, **errors(401, 403, 404, 422)}
)
def customer_detail(request, customer_id: Id):
    require_permission(request.auth, "customers.view_customer")
    return _detail(selectors.customer_get(actor=request.auth, customer_id=customer_id))


@router.patch("/customers/{customer_id}", response={200: CustomerDetailOut, **errors()})
def customer_update(request, customer_id: Id, payload: CustomerPatch):
    require_permission(request.auth, "customers.change_customer")
    customer = selectors.customer_get(actor=request.auth, customer_id=customer_id)
    customer = services.customer_update(
        actor=request.auth, customer=customer, data=payload.dict(exclude_unset=True)
    )
    return _detail(customer)


@router.post(
    "/customers/{customer_id}/consents", response={201: ConsentOut, **errors(401, 403, 404, 422)}
)
def customer_consent_set(request, customer_id: Id, payload: ConsentIn):
    require_permission(request.auth, "customers.change_customer")
    customer = selectors.customer_get(actor=request.auth, customer_id=customer_id)
    consent = services.customer_consent_set(
        actor=request.auth,
        customer=customer,
        purpose=payload.purpose,
        granted=payload.granted,
        source=payload.source,
    )
    return Status(201, consent)


@router.post(
    "/customers/{customer_id}/reveal-mobile",
    response={200: MobileOut, **errors(401, 403, 404, 422)},
)
def customer_mobile_reveal(request, customer_id: Id):
    """The full mobile number, for roles allowed to see it. Every call is audit-logged."""
    customer = selectors.customer_get(actor=request.auth, customer_id=customer_id)
    return {"mobile": services.customer_mobile_reveal(actor=request.auth, customer=customer)}


@router.get("/vehicles", response={200: Page[VehicleOut], **errors(401, 403, 422)})
def vehicle_list(
    request,
    q: Text = "",
    store_id: Id | None = None,
    customer_id: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    """Search by plate or VIN (`q`); filter by owner (`customer_id`)."""
    require_permission(request.auth, "customers.view_vehicle")
    vehicles = selectors.vehicle_list(
        actor=request.auth, store_id=store_id, q=q, owner_id=customer_id
    )
    return paginate(vehicles, limit=limit, offset=offset)


@router.post("/vehicles", response={201: VehicleOut, **errors()})
def vehicle_create(request, payload: VehicleIn):
    require_permission(request.auth, "customers.add_vehicle")
    owner = selectors.customer_get(actor=request.auth, customer_id=payload.customer_id)
    vehicle = services.vehicle_create(
        actor=request.auth,
        owner=owner,
        data=payload.dict(exclude={"customer_id", "mileage_km"}),
        mileage_km=payload.mileage_km,
    )
    return Status(201, vehicle)


@router.get("/vehicles/{vehicle_id}", response={200: VehicleOut, **errors(401, 403, 404, 422)})
def vehicle_detail(request, vehicle_id: Id):
    require_permission(request.auth, "customers.view_vehicle")
    return selectors.vehicle_get(actor=request.auth, vehicle_id=vehicle_id)


@router.patch("/vehicles/{vehicle_id}", response={200: VehicleOut, **errors()})
def vehicle_update(request, vehicle_id: Id, payload: VehiclePatch):
    require_permission(request.auth, "customers.change_vehicle")
    vehicle = selectors.vehicle_get(actor=request.auth, vehicle_id=vehicle_id)
    return services.vehicle_update(
        actor=request.auth, vehicle=vehicle, data=payload.dict(exclude_unset=True)
    )
