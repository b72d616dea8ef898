import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealercare.core.errors import DomainError, NotFound
from dealercare.core.links import customer_link_read
from dealercare.core.views import form_add_domain_error, get_or_404
from dealercare.customers.models import Vehicle
from dealercare.org.selectors import current_store_id, store_get

from . import selectors, services
from .forms import AddOnForm, LineForm, PhoneDecisionForm, ReceptionForm, SettleForm
from .models import AddOn, RepairOrder

Status = RepairOrder.Status
BOARD_COLUMNS = [
    Status.RECEPTION,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.WAITING_PARTS,
    Status.QC,
    Status.WASHING,
    Status.READY,
    Status.SETTLED,
]


def _order_or_404(request, repair_order_id):
    return get_or_404(
        selectors.repair_order_get, actor=request.user, repair_order_id=repair_order_id
    )


@login_required
@permission_required("workorders.view_repairorder", raise_exception=True)
def board(request):
    """The workshop board: every open order of the store, by state."""
    store_id = current_store_id(request)
    orders = list(
        selectors.repair_order_list(actor=request.user, store_id=store_id, open_only=True)
        .prefetch_related("add_ons")
        .order_by("promised_at", "id")
    )
    now = timezone.now()
    for order in orders:
        order.pending_add_ons = sum(1 for a in order.add_ons.all() if a.decision == "pending")
        order.overdue = order.promised_at < now and order.status not in {Status.SETTLED}
    columns = [
        {
            "status": status,
            "label": Status(status).label,
            "orders": [o for o in orders if o.status == status],
        }
        for status in BOARD_COLUMNS
    ]
    return render(request, "workorders/board.html", {"columns": columns, "count": len(orders)})


@login_required
@permission_required("workorders.add_repairorder", raise_exception=True)
def reception(request):
    from dealercare.appointments.selectors import appointment_get

    store_id = current_store_id(request)
    appointment = None
    if request.GET.get("appointment") or request.POST.get("appointment"):
        try:
            appointment = appointment_get(
                actor=request.user,
                appointment_id=int(
                    request.GET.get("appointment") or request.POST.get("appointment")
                ),
            )
        except (NotFound, ValueError) as exc:
            raise Http404 from exc
    initial = {
        "promised_at": (timezone.localtime() + dt.timedelta(hours=3)).replace(
            second=0, microsecond=0
        )
    }
    if appointment is not None:
        initial.update(
            plate=appointment.vehicle.plate if appointment.vehicle else "",
            job_type=appointment.service_type,
            description=appointment.note,
        )
    form = ReceptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and store_id is None:
        form.add_error(None, _("请先在页面顶部选择门店。"))
    elif request.method == "POST" and form.is_valid():
        store = store_get(actor=request.user, store_id=store_id)
        data = form.cleaned_data
        vehicle = (
            Vehicle.objects.visible_to(request.user)
            .in_store(store.pk)
            .filter(plate=data["plate"])
            .first()
        )
        if vehicle is None:
            form.add_error("plate", _("本店没有这个车牌的车辆，请先在客户档案中登记。"))
        else:
            try:
                order = services.repair_order_open(
                    actor=request.user,
                    store=store,
                    vehicle=vehicle,
                    appointment=appointment,
                    mileage_km=data["mileage_km"],
                    mileage_reason=data["mileage_reason"],
                    description=data["description"],
                    job_type=data["job_type"],
                    promised_at=data["promised_at"],
                    walkaround=form.walkaround(),
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("已开单 %(number)s。") % {"number": order.number})
                return redirect("workorders:detail", repair_order_id=order.pk)
    return render(request, "workorders/reception.html", {"form": form, "appointment": appointment})


@login_required
@permission_required("workorders.view_repairorder", raise_exception=True)
def detail(request, repair_order_id: int):
    order = _order_or_404(request, repair_order_id)
    return render(request, "workorders/detail.html", _detail_context(order))


def _detail_context(order, **forms):
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "add_ons": list(order.add_ons.all()),
        "totals": services.repair_order_totals(order),
        "timeline": order.events.select_related("actor__staff_profile").order_by("-at", "-id"),
        "next_states": [s for s in Status if s in services.TRANSITIONS[Status(order.status)]],
        "editable": order.status in services.EDITABLE,
        "progress_url": services.progress_url(order),
        "line_form": forms.get("line_form") or LineForm(auto_id="line-%s"),
        "add_on_form": forms.get("add_on_form") or AddOnForm(auto_id="add-on-%s"),
        "settle_form": forms.get("settle_form") or SettleForm(initial={"discount": order.discount}),
        "phone_form": PhoneDecisionForm(),
    }


@login_required
@permission_required("workorders.change_repairorder", raise_exception=True)
@require_POST
def line_add(request, repair_order_id: int):
    order = _order_or_404(request, repair_order_id)
    form = LineForm(request.POST, auto_id="line-%s")
    if form.is_valid():
        try:
            services.repair_order_line_add(
                actor=request.user, repair_order=order, **form.cleaned_data
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return redirect("workorders:detail", repair_order_id=order.pk)
    return render(
        request, "workorders/detail.html", _detail_context(order, line_form=form), status=422
    )


@login_required
@permission_required("workorders.change_repairorder", raise_exception=True)
@require_POST
def add_on_add(request, repair_order_id: int):
    order = _order_or_404(request, repair_order_id)
    form = AddOnForm(request.POST, request.FILES, auto_id="add-on-%s")
    if form.is_valid():
        try:
            services.add_on_create(actor=request.user, repair_order=order, **form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("增项已发送给客户确认。"))
            return redirect("workorders:detail", repair_order_id=order.pk)
    return render(
        request, "workorders/detail.html", _detail_context(order, add_on_form=form), status=422
    )


@login_required
@permission_required("workorders.change_repairorder", raise_exception=True)
@require_POST
def add_on_phone_decision(request, repair_order_id: int, add_on_id: int):
    order = _order_or_404(request, repair_order_id)
    add_on = get_object_or_404(AddOn, pk=add_on_id, repair_order=order)
    form = PhoneDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择同意或拒绝，并填写电话中确认的客户姓名。"))
    else:
        try:
            services.add_on_decide(
                add_on=add_on, actor=request.user, via=AddOn.Via.PHONE, **form.cleaned_data
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("workorders:detail", repair_order_id=order.pk)


@login_required
@permission_required("workorders.change_repairorder", raise_exception=True)
@require_POST
def transition(request, repair_order_id: int):
    order = _order_or_404(request, repair_order_id)
    target = request.POST.get("to", "")
    try:
        if target == Status.SETTLED:
            form = SettleForm(request.POST)
            if not form.is_valid():
                return render(
                    request,
                    "workorders/detail.html",
                    _detail_context(order, settle_form=form),
                    status=422,
                )
            services.repair_order_settle(
                repair_order=order, actor=request.user, **form.cleaned_data
            )
        else:
            services.repair_order_transition(repair_order=order, to=target, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        order.refresh_from_db()
        messages.success(
            request,
            _("工单 %(number)s：%(status)s")
            % {"number": order.number, "status": order.get_status_display()},
        )
    return redirect("workorders:detail", repair_order_id=order.pk)


# -- the owner's phone page -----------------------------------------------------------------
def public_progress(request, token: str):
    try:
        repair_order_id = customer_link_read(purpose=services.PROGRESS_PURPOSE, token=token)
    except DomainError as exc:
        return render(
            request, "appointments/public_link_error.html", {"error": exc}, status=exc.status
        )
    order = get_object_or_404(
        RepairOrder.objects.select_related("store", "vehicle"), pk=repair_order_id
    )
    if request.method == "POST":
        add_on_id = request.POST.get("add_on", "")
        if not add_on_id.isdigit():
            raise Http404
        add_on = get_object_or_404(AddOn, pk=int(add_on_id), repair_order=order)
        try:
            services.add_on_decide(
                add_on=add_on, decision=request.POST.get("decision", ""), via=AddOn.Via.LINK
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已记录您的决定：%(name)s %(decision)s")
                % {"name": add_on.name, "decision": add_on.get_decision_display()},
            )
        return redirect(request.path)
    steps = [
        Status.RECEPTION,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.QC,
        Status.READY,
        Status.DELIVERED,
    ]
    reached = {e.to_status for e in order.events.all() if e.to_status}
    context = {
        "order": order,
        "store": order.store,
        "totals": services.repair_order_totals(order),
        "add_ons": list(order.add_ons.all()),
        "steps": [
            {"label": Status(s).label, "done": s in reached or order.status == s} for s in steps
        ],
        "timeline": [e for e in order.events.order_by("-at", "-id") if e.to_status],
        "lines": list(order.lines.all()),
    }
    return render(request, "workorders/public_progress.html", context)
