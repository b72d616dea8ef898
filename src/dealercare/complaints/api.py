from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from dealercare.core.api import Id, Limit, Offset, Page, errors, paginate, require_permission
from dealercare.customers.selectors import customer_get, vehicle_get
from dealercare.org.auth import staff_auth
from dealercare.org.models import Department
from dealercare.org.selectors import store_get

from . import selectors, services
from .models import Complaint, Severity
from .schemas import (
    ComplaintDetailOut,
    ComplaintIn,
    ComplaintOut,
    DispatchIn,
    NoteIn,
    ProposeIn,
    SlaPolicyOut,
)

router = Router(tags=["complaints"], auth=staff_auth)


def _detail(complaint: Complaint) -> dict:
    return {
        **ComplaintOut.from_orm(complaint).dict(),
        "description": complaint.description,
        "root_cause": complaint.root_cause,
        "corrective_action": complaint.corrective_action,
        "resolution": complaint.resolution,
        "sla": selectors.sla_state(complaint),
        "escalations": list(complaint.escalations.all()),
        "compensations": list(complaint.compensations.all()),
    }


def _get(request, complaint_id) -> Complaint:
    return selectors.complaint_get(actor=request.auth, complaint_id=complaint_id)


class ComplaintFilter(Schema):
    store_id: Id | None = None
    status: Complaint.Status | None = None
    severity: Severity | None = None
    category: Complaint.Category | None = None
    overdue: bool | None = None


@router.get("/complaints", response={200: Page[ComplaintOut], **errors(401, 403, 422)})
def complaint_list(request, filters: Query[ComplaintFilter], limit: Limit = 50, offset: Offset = 0):
    require_permission(request.auth, "complaints.view_complaint")
    complaints = selectors.complaint_list(
        actor=request.auth,
        store_id=filters.store_id,
        status=filters.status or "",
        severity=filters.severity or "",
        category=filters.category or "",
        overdue=filters.overdue,
    )
    return paginate(selectors.list_rows(complaints), limit=limit, offset=offset)


@router.post("/complaints", response={201: ComplaintDetailOut, **errors()})
def complaint_register(request, payload: ComplaintIn):
    """Register a complaint; the severity is proposed from the text and history unless given
    (a different one needs `severity_reason`)."""
    require_permission(request.auth, "complaints.add_complaint")
    from dealercare.workorders.selectors import repair_order_get

    complaint = services.complaint_register(
        actor=request.auth,
        store=store_get(actor=request.auth, store_id=payload.store_id),
        customer=customer_get(actor=request.auth, customer_id=payload.customer_id),
        vehicle=vehicle_get(actor=request.auth, vehicle_id=payload.vehicle_id)
        if payload.vehicle_id
        else None,
        repair_order=repair_order_get(actor=request.auth, repair_order_id=payload.repair_order_id)
        if payload.repair_order_id
        else None,
        source=payload.source,
        category=payload.category,
        severity=payload.severity,
        severity_reason=payload.severity_reason,
        description=payload.description,
    )
    return Status(201, _detail(_get(request, complaint.pk)))


@router.get(
    "/complaints/{complaint_id}", response={200: ComplaintDetailOut, **errors(401, 403, 404, 422)}
)
def complaint_detail(request, complaint_id: Id):
    require_permission(request.auth, "complaints.view_complaint")
    return _detail(_get(request, complaint_id))


def _act(request, complaint_id, service, **kwargs):
    require_permission(request.auth, "complaints.change_complaint")
    service(complaint=_get(request, complaint_id), actor=request.auth, **kwargs)
    return _detail(_get(request, complaint_id))


@router.post(
    "/complaints/{complaint_id}/acknowledge", response={200: ComplaintDetailOut, **errors()}
)
def complaint_acknowledge(request, complaint_id: Id, payload: NoteIn | None = None):
    return _act(
        request, complaint_id, services.complaint_acknowledge, note=payload.note if payload else ""
    )


@router.post("/complaints/{complaint_id}/dispatch", response={200: ComplaintDetailOut, **errors()})
def complaint_dispatch(request, complaint_id: Id, payload: DispatchIn):
    department = get_object_or_404(Department, pk=payload.department_id)
    return _act(request, complaint_id, services.complaint_dispatch, department=department)


@router.post("/complaints/{complaint_id}/accept", response={200: ComplaintDetailOut, **errors()})
def complaint_accept(request, complaint_id: Id):
    return _act(request, complaint_id, services.complaint_accept)


@router.post("/complaints/{complaint_id}/propose", response={200: ComplaintDetailOut, **errors()})
def complaint_propose(request, complaint_id: Id, payload: ProposeIn):
    return _act(
        request,
        complaint_id,
        services.complaint_propose,
        root_cause=payload.root_cause,
        corrective_action=payload.corrective_action,
        resolution=payload.resolution,
        compensations=[c.dict() for c in payload.compensations],
    )


@router.post("/complaints/{complaint_id}/approve", response={200: ComplaintDetailOut, **errors()})
def complaint_approve(request, complaint_id: Id):
    """The store manager approves the compensation above the policy's limit (403 otherwise)."""
    return _act(request, complaint_id, services.complaint_compensation_approve)


@router.post("/complaints/{complaint_id}/confirm", response={200: ComplaintDetailOut, **errors()})
def complaint_confirm(request, complaint_id: Id, payload: NoteIn | None = None):
    """The customer confirmed the resolution on the phone (recorded by the agent)."""
    return _act(
        request, complaint_id, services.complaint_confirm, note=payload.note if payload else ""
    )


@router.post("/complaints/{complaint_id}/close", response={200: ComplaintDetailOut, **errors()})
def complaint_close(request, complaint_id: Id):
    return _act(request, complaint_id, services.complaint_close)


@router.post("/complaints/{complaint_id}/reopen", response={200: ComplaintDetailOut, **errors()})
def complaint_reopen(request, complaint_id: Id, payload: NoteIn | None = None):
    return _act(
        request, complaint_id, services.complaint_reopen, note=payload.note if payload else ""
    )


@router.get("/sla/policies", response={200: list[SlaPolicyOut], **errors(401, 403, 404, 422)})
def sla_policies(request, store_id: Id):
    """The store's SLA targets per severity (its own rows, or the defaults)."""
    require_permission(request.auth, "complaints.view_complaint")
    store = store_get(actor=request.auth, store_id=store_id)
    return [services.sla_policy(store, severity) for severity in Severity.values]
