from ninja import Query, Router

from dealercare.core.api import Id, Limit, Offset, Page, errors, paginate, require_permission
from dealercare.org.auth import staff_auth

from . import selectors, services
from .schemas import FollowUpFilter, FollowUpOut, OutcomeIn

router = Router(tags=["follow-ups"], auth=staff_auth)


@router.get("/follow-ups", response={200: Page[FollowUpOut], **errors(401, 403, 422)})
def follow_up_list(request, filters: Query[FollowUpFilter], limit: Limit = 50, offset: Offset = 0):
    require_permission(request.auth, "followups.view_followuptask")
    tasks = selectors.follow_up_list(
        actor=request.auth,
        store_id=filters.store_id,
        status=filters.status or "",
        kind=filters.kind or "",
        repair_order_id=filters.repair_order_id,
        assignee_id=filters.assignee,
    )
    return paginate(selectors.list_rows(tasks), limit=limit, offset=offset, counted=tasks)


@router.get("/follow-ups/{task_id}", response={200: FollowUpOut, **errors(401, 403, 404, 422)})
def follow_up_detail(request, task_id: Id):
    require_permission(request.auth, "followups.view_followuptask")
    return selectors.follow_up_row(actor=request.auth, task_id=task_id)


@router.post("/follow-ups/{task_id}/outcome", response={200: FollowUpOut, **errors()})
def follow_up_outcome(request, task_id: Id, payload: OutcomeIn):
    """Record a call: satisfied, dissatisfied (reasons required) or unreachable (retried on a
    later working day up to the store's limit, then closed as unreachable)."""
    require_permission(request.auth, "followups.change_followuptask")
    task = selectors.follow_up_get(actor=request.auth, task_id=task_id)
    services.follow_up_record_outcome(
        task=task,
        actor=request.auth,
        result=payload.result,
        reasons=payload.reasons,
        comment=payload.comment,
    )
    return selectors.follow_up_row(actor=request.auth, task_id=task.pk)
