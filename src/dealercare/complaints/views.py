import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealercare.core.context import ip_from_request
from dealercare.core.errors import DomainError
from dealercare.core.links import customer_link_read
from dealercare.core.views import form_add_domain_error, get_or_404
from dealercare.customers.models import Customer, Vehicle
from dealercare.customers.validators import normalize_mobile, normalize_plate, validate_mobile
from dealercare.org.models import Department, Store
from dealercare.org.selectors import current_store_id, store_get

from . import reports, selectors, services
from .forms import ComplaintForm, ProposeForm, PublicComplaintForm
from .models import Complaint, Severity


def _complaint_or_404(request, complaint_id):
    return get_or_404(selectors.complaint_get, actor=request.user, complaint_id=complaint_id)


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
def complaint_list(request):
    status = (
        request.GET.get("status", "")
        if request.GET.get("status") in Complaint.Status.values
        else ""
    )
    severity = (
        request.GET.get("severity", "") if request.GET.get("severity") in Severity.values else ""
    )
    overdue = True if request.GET.get("overdue") == "1" else None
    complaints = selectors.complaint_list(
        actor=request.user,
        store_id=current_store_id(request),
        status=status,
        severity=severity,
        overdue=overdue,
    )
    page = Paginator(selectors.page_rows(complaints), 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "severity": severity,
        "overdue": overdue,
        "statuses": Complaint.Status.choices,
        "severities": Severity.choices,
        "now": timezone.now(),
    }
    return render(request, "complaints/list.html", context)


def _find_customer(actor, store, lookup):
    digits = normalize_mobile(lookup)
    if digits.isdigit() and len(digits) == 11:
        customer = (
            Customer.objects.visible_to(actor).in_store(store.pk).filter(mobile=digits).first()
        )
        return customer, None
    vehicle = (
        Vehicle.objects.visible_to(actor)
        .in_store(store.pk)
        .filter(plate=normalize_plate(lookup))
        .first()
    )
    return (vehicle.owner, vehicle) if vehicle else (None, None)


@login_required
@permission_required("complaints.add_complaint", raise_exception=True)
def complaint_create(request):
    store_id = current_store_id(request)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and store_id is None:
        form.add_error(None, _("请先在页面顶部选择门店。"))
    elif request.method == "POST" and form.is_valid():
        store = store_get(actor=request.user, store_id=store_id)
        data = form.cleaned_data
        customer, vehicle = _find_customer(request.user, store, data["lookup"])
        if customer is None:
            form.add_error("lookup", _("没有找到该手机号或车牌的客户，请先建档。"))
        else:
            try:
                complaint = services.complaint_register(
                    actor=request.user,
                    store=store,
                    customer=customer,
                    vehicle=vehicle,
                    source=data["source"],
                    category=data["category"],
                    severity=data["severity"] or None,
                    severity_reason=data["severity_reason"],
                    description=data["description"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(
                    request, _("已登记投诉 %(number)s。") % {"number": complaint.number}
                )
                return redirect("complaints:detail", complaint_id=complaint.pk)
    return render(request, "complaints/form.html", {"form": form})


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
def complaint_detail(request, complaint_id: int):
    complaint = _complaint_or_404(request, complaint_id)
    context = {
        "complaint": complaint,
        "sla": selectors.sla_state(complaint),
        "departments": Department.objects.filter(store=complaint.store),
        "propose_form": ProposeForm(),
        "link": services.complaint_link(complaint),
        "events": complaint.events.select_related("actor__staff_profile").order_by("-at", "-id"),
        "tickets": complaint.tickets.select_related("department", "supervisor__staff_profile"),
        "can_approve": request.user.is_superuser
        or request.user.staff_profile.has_role("store_manager"),
    }
    return render(request, "complaints/detail.html", context)


ACTIONS = {
    "acknowledge": services.complaint_acknowledge,
    "accept": services.complaint_accept,
    "confirm": services.complaint_confirm,
    "close": services.complaint_close,
    "reopen": services.complaint_reopen,
    "approve": services.complaint_compensation_approve,
}


@login_required
@permission_required("complaints.change_complaint", raise_exception=True)
@require_POST
def complaint_action(request, complaint_id: int, action: str):
    complaint = _complaint_or_404(request, complaint_id)
    try:
        if action == "dispatch":
            department = get_object_or_404(Department, pk=request.POST.get("department") or 0)
            services.complaint_dispatch(
                complaint=complaint, actor=request.user, department=department
            )
        elif action == "propose":
            form = ProposeForm(request.POST)
            if not form.is_valid():
                context = {
                    "complaint": complaint,
                    "sla": selectors.sla_state(complaint),
                    "propose_form": form,
                    "departments": Department.objects.filter(store=complaint.store),
                    "link": services.complaint_link(complaint),
                    "events": complaint.events.all(),
                    "tickets": complaint.tickets.all(),
                    "can_approve": False,
                }
                return render(request, "complaints/detail.html", context, status=422)
            services.complaint_propose(
                complaint=complaint,
                actor=request.user,
                root_cause=form.cleaned_data["root_cause"],
                corrective_action=form.cleaned_data["corrective_action"],
                resolution=form.cleaned_data["resolution"],
                compensations=form.compensations(),
            )
        elif action in ACTIONS:
            ACTIONS[action](complaint=complaint, actor=request.user)
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        complaint.refresh_from_db()
        messages.success(
            request,
            _("%(number)s：%(status)s")
            % {"number": complaint.number, "status": complaint.get_status_display()},
        )
    return redirect("complaints:detail", complaint_id=complaint.pk)


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
def closure_report(request, complaint_id: int):
    complaint = _complaint_or_404(request, complaint_id)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            reports.closure_report_xlsx(complaint),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="closure-{complaint.number}.xlsx"'
        return response
    return render(request, "complaints/closure_report.html", {"complaint": complaint})


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
def weekly_report(request):
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    week_start = day - dt.timedelta(days=day.weekday())
    report = selectors.weekly_report(
        actor=request.user, store_id=current_store_id(request), week_start=week_start
    )
    labels = {
        **dict(Complaint.Category.choices),
        **dict(Severity.choices),
        **dict(Department.Kind.choices),
    }
    for key, field in (
        ("by_category", "category"),
        ("by_severity", "severity"),
        ("by_department", "tickets__department__kind"),
    ):
        for row in report[key]:
            row["label"] = labels.get(row[field], row[field])
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            reports.weekly_report_xlsx(report, {k: str(v) for k, v in labels.items()}),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="complaints-week-{week_start}.xlsx"'
        )
        return response
    return render(request, "complaints/weekly.html", {"report": report, "labels": labels})


# -- the customer's phone pages --------------------------------------------------------------
def public_complaint(request, token: str):
    try:
        complaint_id = customer_link_read(purpose=services.LINK_PURPOSE, token=token)
    except DomainError as exc:
        return render(
            request, "appointments/public_link_error.html", {"error": exc}, status=exc.status
        )
    complaint = get_object_or_404(Complaint.objects.select_related("store"), pk=complaint_id)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            services.complaint_confirm(complaint=complaint, actor=None, note="客户在手机上确认")
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("感谢您的确认。"))
        return redirect(request.path)
    return render(
        request, "complaints/public_detail.html", {"complaint": complaint, "store": complaint.store}
    )


def public_complaint_new(request, code: str):
    store = get_object_or_404(Store, code=code, is_active=True)
    form = PublicComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mobile = normalize_mobile(data["mobile"])
        try:
            validate_mobile(mobile)
        except ValidationError as exc:
            form.add_error("mobile", exc.messages[0])
        else:
            try:
                complaint = services.complaint_submit_online(
                    store=store,
                    name=data["name"],
                    mobile=mobile,
                    plate=data["plate"],
                    category=data["category"],
                    description=data["description"],
                    ip=ip_from_request(request),
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                return redirect(services.complaint_link_path(complaint))
    return render(request, "complaints/public_new.html", {"form": form, "store": store})
