import datetime as dt

from django.db.models import Q
from ninja import Query, Router, Schema, Status

from dealercare.core.api import Id, errors, require_permission
from dealercare.core.errors import NotFound, PermissionDenied, ValidationFailed
from dealercare.core.scoping import visible_store_ids
from dealercare.customers.selectors import customer_get
from dealercare.org.auth import staff_auth
from dealercare.org.selectors import store_get

from . import selectors, services
from .models import Questionnaire
from .schemas import (
    InvitationIn,
    InvitationOut,
    QuestionnaireIn,
    QuestionnaireOut,
    ResponseIn,
    ResponseOut,
    ResultsOut,
)

router = Router(tags=["surveys"], auth=staff_auth)
public_router = Router(tags=["public"], auth=None)


@router.get("/questionnaires", response={200: list[QuestionnaireOut], **errors(401, 403)})
def questionnaire_list(request):
    require_permission(request.auth, "surveys.view_response")
    questionnaires = Questionnaire.objects.prefetch_related("items").order_by("code", "-version")
    store_ids = visible_store_ids(request.auth)
    if store_ids is not None:  # the group's questionnaires and the user's store's own
        questionnaires = questionnaires.filter(Q(store__isnull=True) | Q(store_id__in=store_ids))
    return list(questionnaires)


@router.post("/questionnaires", response={201: QuestionnaireOut, **errors()})
def questionnaire_create(request, payload: QuestionnaireIn):
    """A new questionnaire (or a new version of an existing code: old answers keep theirs)."""
    require_permission(request.auth, "surveys.add_questionnaire")
    if payload.store_id:
        store = store_get(actor=request.auth, store_id=payload.store_id)
    elif visible_store_ids(request.auth) is not None:
        # Only HQ builds group-wide questionnaires; a store's staff build their store's own.
        profile = getattr(request.auth, "staff_profile", None)
        store = profile.store if profile is not None else None
        if store is None:
            raise PermissionDenied()
    else:
        store = None
    questionnaire = services.questionnaire_create(
        actor=request.auth,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        store=store,
        items=[item.dict() for item in payload.items],
    )
    if payload.activate:
        services.questionnaire_activate(questionnaire=questionnaire, actor=request.auth)
    return Status(201, questionnaire)


@router.post("/survey-invitations", response={201: InvitationOut, **errors()})
def invitation_create(request, payload: InvitationIn):
    """Invite a customer (for a repair order, or directly) on a channel."""
    require_permission(request.auth, "surveys.add_invitation")
    store = store_get(actor=request.auth, store_id=payload.store_id)
    repair_order = None
    if payload.repair_order_id:
        from dealercare.workorders.selectors import repair_order_get

        repair_order = repair_order_get(actor=request.auth, repair_order_id=payload.repair_order_id)
        customer = repair_order.customer
    elif payload.customer_id:
        customer = customer_get(actor=request.auth, customer_id=payload.customer_id)
    else:
        raise ValidationFailed(
            "请指定客户或维修工单。",
            "customer_id or repair_order_id is required.",
            field="customer_id",
        )
    if customer.store_id != store.pk:
        raise ValidationFailed(
            "客户不属于该门店。", "The customer is not in this store.", field="customer_id"
        )
    questionnaire = None
    if payload.questionnaire_id:
        # The group's questionnaires or this store's own; never another store's.
        questionnaire = (
            Questionnaire.objects.filter(Q(store__isnull=True) | Q(store=store))
            .filter(pk=payload.questionnaire_id)
            .first()
        )
        if questionnaire is None:
            raise NotFound("问卷不存在。", "Questionnaire not found.", field="questionnaire_id")
        if questionnaire.status != Questionnaire.Status.ACTIVE:
            raise ValidationFailed(
                "只能使用启用中的问卷。",
                "Only an active questionnaire can be sent.",
                field="questionnaire_id",
            )
    invitation = services.invitation_create(
        store=store,
        customer=customer,
        channel=payload.channel,
        questionnaire=questionnaire,
        repair_order=repair_order,
    )
    return Status(
        201,
        {
            "id": invitation.pk,
            "store_id": invitation.store_id,
            "customer_id": invitation.customer_id,
            "repair_order_id": invitation.repair_order_id,
            "questionnaire_id": invitation.questionnaire_id,
            "channel": invitation.channel,
            "send_after": invitation.send_after,
            "expires_at": invitation.expires_at,
            "link": services.invitation_link(invitation),
        },
    )


class ResultsQuery(Schema):
    store_id: Id | None = None
    month: dt.date
    group_by: str = "item"


@router.get("/survey-results", response={200: ResultsOut, **errors(401, 403, 422)})
def survey_results(request, query: Query[ResultsQuery]):
    """CSI, NPS and response rate of a month, with rows per item, dimension or advisor."""
    require_permission(request.auth, "surveys.view_response")
    if query.group_by not in selectors.GROUPINGS:
        raise ValidationFailed(
            "group_by 应为 item、dimension、advisor 或 store。",
            "group_by must be item, dimension, advisor or store.",
            field="group_by",
        )
    if query.store_id is not None:
        store_get(actor=request.auth, store_id=query.store_id)  # another store's: 404
    return selectors.survey_results(
        actor=request.auth, store_id=query.store_id, month=query.month, group_by=query.group_by
    )


@public_router.post(
    "/surveys/{token}/responses", response={201: ResponseOut, **errors(404, 409, 410, 422)}
)
def response_submit(request, token: str, payload: ResponseIn):
    """The customer's answers from the one-time link (a second submission: 409)."""
    invitation = services.invitation_from_token(token)
    response = services.response_submit(invitation=invitation, answers=payload.answers)
    return Status(201, response)
