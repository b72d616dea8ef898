import base64
import datetime as dt
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealercare.core.errors import DomainError
from dealercare.org.selectors import current_store_id, store_get

from . import reports, selectors, services
from .errors import ImportRejected
from .forms import ItemFormSet, QuestionnaireForm
from .models import Invitation, Item, Questionnaire


def _month(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        return selectors.previous_month(timezone.localdate().replace(day=1))


@login_required
@permission_required("surveys.view_response", raise_exception=True)
def results(request):
    month = _month(request)
    group_by = request.GET.get("group_by", "item")
    if group_by not in selectors.GROUPINGS:
        group_by = "item"
    store_id = current_store_id(request)
    data = selectors.survey_results(
        actor=request.user, store_id=store_id, month=month, group_by=group_by
    )
    context = {
        "data": data,
        "month": month,
        "group_by": group_by,
        "store_id": store_id,
        "weakest": selectors.weakest_items(store_id=store_id, month=month) if store_id else [],
        "third_party": selectors_third_party(request.user, store_id, month),
    }
    return render(request, "surveys/results.html", context)


def selectors_third_party(actor, store_id, month):
    from django.db.models import Avg, Count

    from .models import ThirdPartyRating

    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return list(
        ThirdPartyRating.objects.visible_to(actor)
        .in_store(store_id)
        .filter(rated_on__gte=start, rated_on__lt=end)
        .values("platform")
        .annotate(n=Count("id"), avg=Avg("rating"))
        .order_by("platform")
    )


def _questionnaires_for(user):
    store_id = getattr(getattr(user, "staff_profile", None), "store_id", None)
    visible = Questionnaire.objects.prefetch_related("items")
    if store_id is not None:
        from django.db.models import Q

        visible = visible.filter(Q(store__isnull=True) | Q(store_id=store_id))
    return visible.order_by("code", "-version")


@login_required
@permission_required("surveys.view_questionnaire", raise_exception=True)
def questionnaires(request):
    """The questionnaire builder: a new questionnaire (or a new version of a code) from item
    types, weights and dimensions; activating a version retires the previous one."""
    can_edit = request.user.has_perm("surveys.add_questionnaire")
    form = QuestionnaireForm(request.POST or None, prefix="q")
    items = ItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and can_edit and form.is_valid() and items.is_valid():
        rows = [row for row in (f.item() for f in items.forms if f.cleaned_data) if row]
        store_id = (
            getattr(request.user.staff_profile, "store_id", None)
            if hasattr(request.user, "staff_profile")
            else None
        )
        try:
            questionnaire = services.questionnaire_create(
                actor=request.user,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                items=rows,
                store=store_get(actor=request.user, store_id=store_id) if store_id else None,
            )
        except DomainError as exc:
            form.add_error("code" if exc.field in {"code", "store_id"} else None, exc.message)
        else:
            messages.success(
                request,
                _("已保存 %(name)s v%(version)s（草稿）。")
                % {"name": questionnaire.name, "version": questionnaire.version},
            )
            return redirect("surveys:questionnaires")
    return render(
        request,
        "surveys/questionnaires.html",
        {
            "questionnaires": _questionnaires_for(request.user),
            "form": form,
            "items": items,
            "can_edit": can_edit,
        },
    )


@login_required
@permission_required("surveys.change_questionnaire", raise_exception=True)
@require_POST
def questionnaire_activate(request, questionnaire_id: int):
    questionnaire = get_object_or_404(_questionnaires_for(request.user), pk=questionnaire_id)
    services.questionnaire_activate(questionnaire=questionnaire, actor=request.user)
    messages.success(
        request,
        _("%(name)s v%(version)s 已启用。")
        % {"name": questionnaire.name, "version": questionnaire.version},
    )
    return redirect("surveys:questionnaires")


@login_required
@permission_required("surveys.view_response", raise_exception=True)
def export(request):
    store_id = current_store_id(request)
    if store_id is None:
        messages.error(request, _("请先在页面顶部选择门店。"))
        return redirect("surveys:results")
    store = store_get(actor=request.user, store_id=store_id)
    month = _month(request)
    response = HttpResponse(
        reports.monthly_csi_xlsx(actor=request.user, store=store, month=month),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="csi-{store.code}-{month:%Y-%m}.xlsx"'
    return response


@login_required
@permission_required("surveys.add_thirdpartyrating", raise_exception=True)
def ratings_import(request):
    """Upload → preview → import; a file with any bad row is refused with every problem listed."""
    context = {}
    if request.method == "POST":
        if "content" in request.POST:  # the confirmed preview
            content = base64.b64decode(request.POST["content"])
            filename = request.POST.get("filename", "ratings.csv")
            try:
                count = services.ratings_import(
                    content=content, filename=filename, actor=request.user
                )
            except ImportRejected as exc:
                context["errors"] = exc.rows
            else:
                messages.success(request, _("已导入 %(n)d 条第三方评价。") % {"n": count})
                return redirect("surveys:results")
        else:
            upload = request.FILES.get("file")
            if upload is None:
                context["file_error"] = _("请选择 CSV 或 Excel 文件。")
            else:
                content = upload.read()
                try:
                    context["preview"] = services.ratings_parse(
                        content, upload.name, actor=request.user
                    )
                except ImportRejected as exc:
                    context["errors"] = exc.rows
                else:
                    context["content"] = base64.b64encode(content).decode()
                    context["filename"] = upload.name
    return render(request, "surveys/import.html", context)


@login_required
@permission_required("surveys.add_invitation", raise_exception=True)
@require_POST
def invitation_new(request):
    """An on-site QR invitation or a phone interview for a repair order."""
    from dealercare.workorders.selectors import repair_order_get

    channel = request.POST.get("channel")
    if channel not in {Invitation.Channel.QR_ONSITE, Invitation.Channel.PHONE}:
        raise Http404
    repair_order = repair_order_get(
        actor=request.user, repair_order_id=int(request.POST.get("repair_order") or 0)
    )
    invitation = services.invitation_create(
        store=repair_order.store,
        customer=repair_order.customer,
        channel=channel,
        repair_order=repair_order,
        source_key=f"{channel}:repair_order:{repair_order.pk}",
    )
    if channel == Invitation.Channel.PHONE:
        return redirect("surveys:phone", invitation_id=invitation.pk)
    return redirect("surveys:qr", invitation_id=invitation.pk)


def _invitation(request, invitation_id) -> Invitation:
    return get_object_or_404(
        Invitation.objects.visible_to(request.user).select_related(
            "questionnaire", "customer", "store"
        ),
        pk=invitation_id,
    )


@login_required
@permission_required("surveys.add_invitation", raise_exception=True)
def qr(request, invitation_id: int):
    invitation = _invitation(request, invitation_id)
    link = services.invitation_link(invitation)
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode().split("?>", 1)[-1]
    return render(
        request, "surveys/qr.html", {"invitation": invitation, "link": link, "svg": mark_safe(svg)}
    )


def _form_items(questionnaire) -> list[dict]:
    """Each item with the values its scale offers (1–5, 1–10, or 0–10 for recommend)."""
    rows = []
    for item in questionnaire.items.all():
        low = 0 if item.item_type == Item.Type.RECOMMEND else 1
        values = list(range(low, item.max_score + 1)) if item.max_score else []
        rows.append({"item": item, "values": values, "field": f"item_{item.pk}"})
    return rows


def _answers_from(post, questionnaire) -> dict:
    answers = {}
    for item in questionnaire.items.all():
        key = f"item_{item.pk}"
        if item.item_type == Item.Type.MULTIPLE:
            answers[str(item.pk)] = post.getlist(key)
        else:
            answers[str(item.pk)] = post.get(key, "")
    return answers


@login_required
@permission_required("surveys.add_response", raise_exception=True)
def phone(request, invitation_id: int):
    """An agent enters the answers during a follow-up call (channel: phone)."""
    invitation = _invitation(request, invitation_id)
    error = None
    if request.method == "POST":
        try:
            services.response_submit(
                invitation=invitation,
                answers=_answers_from(request.POST, invitation.questionnaire),
                channel=Invitation.Channel.PHONE,
                recorded_by=request.user,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("已记录电话问卷。"))
            return redirect("surveys:results")
    return render(
        request,
        "surveys/answer_form.html",
        {
            "invitation": invitation,
            "items": _form_items(invitation.questionnaire),
            "error": error,
            "staff": True,
        },
    )


# -- the customer's phone page ----------------------------------------------------------------
def public_answer(request, token: str):
    try:
        invitation = services.invitation_from_token(token)
    except DomainError as exc:
        return render(request, "surveys/public_closed.html", {"error": exc}, status=exc.status)
    error = None
    if request.method == "POST":
        try:
            services.response_submit(
                invitation=invitation, answers=_answers_from(request.POST, invitation.questionnaire)
            )
        except DomainError as exc:
            if exc.status == 409:
                return render(request, "surveys/public_closed.html", {"error": exc}, status=409)
            error = exc
        else:
            return render(request, "surveys/public_thanks.html", {"store": invitation.store})
    return render(
        request,
        "surveys/answer_form.html",
        {
            "invitation": invitation,
            "items": _form_items(invitation.questionnaire),
            "error": error,
            "store": invitation.store,
        },
    )
