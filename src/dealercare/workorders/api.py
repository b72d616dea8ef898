from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from dealercare.core.api import Id, Limit, Offset, Page, errors, paginate, require_permission
from dealercare.core.errors import ValidationFailed
from dealercare.core.links import customer_link_read
from dealercare.customers.selectors import vehicle_get
from dealercare.org.auth import staff_auth
from dealercare.org.selectors import store_get

from . import selectors, services
from .models import AddOn, RepairOrder
from .schemas import (
    AddOnIn,
    AddOnOut,
    DecisionIn,
    LineIn,
    LineOut,
    PublicDecisionIn,
    PublicRepairOrderOut,
    RepairOrderDetailOut,
    RepairOrderIn,
    RepairOrderOut,
    TransitionIn,
)

router = Router(tags=["repair orders"], auth=staff_auth)
public_router = Router(tags=["public"], auth=None)


def _detail(repair_order: RepairOrder) -> dict:
    return {
        **RepairOrderOut.from_orm(repair_order).dict(),
        "walkaround": repair_order.walkaround,
        "lines": list(repair_order.lines.all()),
        "add_ons": list(repair_order.add_ons.all()),
        "totals": services.repair_order_totals(repair_order),
        "timeline": list(repair_order.events.all()),
        "progress_url": services.progress_url(repair_order),
        "settled_total": repair_order.settled_total,
        "next_service_advice": repair_order.next_service_advice,
    }


def _get(request, repair_order_id: int) -> RepairOrder:
    return selectors.repair_order_get(actor=request.auth, repair_order_id=repair_order_id)


class RepairOrderFilter(Schema):
    store_id: Id | None = None
    status: RepairOrder.Status | None = None
    vehicle_id: Id | None = None


@router.get("/repair-orders", response={200: Page[RepairOrderOut], **errors(401, 403, 422)})
def repair_order_list(
    request, filters: Query[RepairOrderFilter], limit: Limit = 50, offset: Offset = 0
):
    require_permission(request.auth, "workorders.view_repairorder")
    orders = selectors.repair_order_list(
        actor=request.auth,
        store_id=filters.store_id,
        status=filters.status or "",
        vehicle_id=filters.vehicle_id,
    )
    return paginate(orders, limit=limit, offset=offset)


@router.post("/repair-orders", response={201: RepairOrderDetailOut, **errors()})
def repair_order_open(request, payload: RepairOrderIn):
    """Receive a car (接车) from an arrived appointment or a walk-in."""
    require_permission(request.auth, "workorders.add_repairorder")
    from dealercare.appointments.selectors import appointment_get

    store = store_get(actor=request.auth, store_id=payload.store_id)
    vehicle = vehicle_get(actor=request.auth, vehicle_id=payload.vehicle_id)
    appointment = (
        appointment_get(actor=request.auth, appointment_id=payload.appointment_id)
        if payload.appointment_id
        else None
    )
    repair_order = services.repair_order_open(
        actor=request.auth,
        store=store,
        vehicle=vehicle,
        appointment=appointment,
        mileage_km=payload.mileage_km,
        mileage_reason=payload.mileage_reason,
        description=payload.description,
        job_type=payload.job_type,
        promised_at=payload.promised_at,
        walkaround=payload.walkaround,
    )
    return Status(201, _detail(_get(request, repair_order.pk)))


@router.get(
    "/repair-orders/{repair_order_id}",
    response={200: RepairOrderDetailOut, **errors(401, 403, 404, 422)},
)
def repair_order_detail(request, repair_order_id: Id):
    require_permission(request.auth, "workorders.view_repairorder")
    return _detail(_get(request, repair_order_id))


@router.post("/repair-orders/{repair_order_id}/lines", response={201: LineOut, **errors()})
def repair_order_line_add(request, repair_order_id: Id, payload: LineIn):
    require_permission(request.auth, "workorders.change_repairorder")
    line = services.repair_order_line_add(
        actor=request.auth,
        repair_order=_get(request, repair_order_id),
        kind=payload.kind,
        name=payload.name,
        hours=payload.hours,
        quantity=payload.quantity,
        unit_price=payload.unit_price,
    )
    return Status(201, line)


@router.post("/repair-orders/{repair_order_id}/add-ons", response={201: AddOnOut, **errors()})
def add_on_create(request, repair_order_id: Id, payload: AddOnIn):
    """Propose an add-on; the owner is sent a link to approve or decline it."""
    require_permission(request.auth, "workorders.change_repairorder")
    add_on = services.add_on_create(
        actor=request.auth,
        repair_order=_get(request, repair_order_id),
        name=payload.name,
        description=payload.description,
        price=payload.price,
    )
    return Status(201, add_on)


@router.post(
    "/repair-orders/{repair_order_id}/add-ons/{add_on_id}/photo",
    response={200: AddOnOut, **errors()},
)
def add_on_photo(request, repair_order_id: Id, add_on_id: Id, photo: File[UploadedFile]):
    """Attach a photo (multipart `photo`: JPEG, PNG, WebP or HEIC, at most 8 MB)."""
    require_permission(request.auth, "workorders.change_repairorder")
    add_on = get_object_or_404(AddOn, pk=add_on_id, repair_order=_get(request, repair_order_id))
    return services.add_on_photo_attach(add_on=add_on, photo=photo, actor=request.auth)


@router.post(
    "/repair-orders/{repair_order_id}/add-ons/{add_on_id}/decision",
    response={200: AddOnOut, **errors()},
)
def add_on_decide(request, repair_order_id: Id, add_on_id: Id, payload: DecisionIn):
    """The owner's decision taken by phone and recorded by the advisor (who said it, when)."""
    require_permission(request.auth, "workorders.change_repairorder")
    repair_order = _get(request, repair_order_id)
    add_on = get_object_or_404(AddOn, pk=add_on_id, repair_order=repair_order)
    return services.add_on_decide(
        add_on=add_on,
        decision=payload.decision,
        actor=request.auth,
        via=AddOn.Via.PHONE,
        decided_by_name=payload.decided_by_name,
    )


@router.post(
    "/repair-orders/{repair_order_id}/transition", response={200: RepairOrderDetailOut, **errors()}
)
def repair_order_transition(request, repair_order_id: Id, payload: TransitionIn):
    require_permission(request.auth, "workorders.change_repairorder")
    repair_order = _get(request, repair_order_id)
    technicians = None
    if payload.technician_ids:
        from django.contrib.auth.models import User

        technicians = list(
            User.objects.filter(
                pk__in=payload.technician_ids, staff_profile__store_id=repair_order.store_id
            )
        )
        if len(technicians) != len(set(payload.technician_ids)):
            raise ValidationFailed(
                "技师不属于该门店。", "Technicians must work in this store.", field="technician_ids"
            )
    services.repair_order_transition(
        repair_order=repair_order, to=payload.to, actor=request.auth, technicians=technicians
    )
    return _detail(_get(request, repair_order_id))


# -- public: the owner's phone, reached by signed links ------------------------------------
def public_detail(repair_order: RepairOrder) -> dict:
    return {
        "number": repair_order.number,
        "store_name": repair_order.store.name,
        "plate": repair_order.vehicle.plate,
        "status": repair_order.status,
        "status_label": repair_order.get_status_display(),
        "promised_at": repair_order.promised_at,
        "totals": services.repair_order_totals(repair_order),
        "add_ons": list(repair_order.add_ons.all()),
        "timeline": [e for e in repair_order.events.all() if e.to_status],
    }


@public_router.get(
    "/repair-orders/{token}", response={200: PublicRepairOrderOut, **errors(404, 410)}
)
def public_repair_order(request, token: str):
    """The progress of one repair order, for the owner's signed link."""
    repair_order_id = customer_link_read(purpose=services.PROGRESS_PURPOSE, token=token)
    repair_order = get_object_or_404(
        RepairOrder.objects.select_related("store", "vehicle"), pk=repair_order_id
    )
    return public_detail(repair_order)


@public_router.post(
    "/add-ons/{token}/decision", response={200: AddOnOut, **errors(404, 409, 410, 422)}
)
def public_add_on_decide(request, token: str, payload: PublicDecisionIn):
    """The owner approves or declines one add-on from the link in the message."""
    add_on_id = customer_link_read(purpose=services.ADD_ON_PURPOSE, token=token)
    add_on = get_object_or_404(AddOn.objects.select_related("repair_order"), pk=add_on_id)
    return services.add_on_decide(add_on=add_on, decision=payload.decision, via=AddOn.Via.LINK)
