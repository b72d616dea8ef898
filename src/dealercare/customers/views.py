import copy

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealercare.core.errors import DomainError
from dealercare.core.views import form_add_domain_error, get_or_404
from dealercare.org.selectors import current_store_id, store_get

from . import selectors, services
from .forms import ConsentForm, CustomerCreateForm, CustomerForm, VehicleCreateForm, VehicleForm


def _customer_or_404(request, customer_id):
    return get_or_404(selectors.customer_get, actor=request.user, customer_id=customer_id)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request):
    q = request.GET.get("q", "").strip()
    customers = selectors.customer_list(
        actor=request.user, store_id=current_store_id(request), q=q
    ).order_by("-created_at", "-id")
    page = Paginator(customers, 25).get_page(request.GET.get("page"))
    context = {"page": page, "q": q}
    if request.htmx and request.htmx.target == "customer-results":
        return render(request, "customers/partials/_customer_results.html", context)
    return render(request, "customers/customer_list.html", context)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request, customer_id: int):
    customer = _customer_or_404(request, customer_id)
    context = {
        "customer": customer,
        "consents": selectors.customer_consents(customer),
        "vehicles": customer.vehicles.order_by("plate"),
        "timeline": selectors.customer_timeline(customer),
        "consent_form": ConsentForm(),
        "can_reveal": request.user.has_perm("customers.reveal_mobile"),
        "can_edit": request.user.has_perm("customers.change_customer"),
    }
    return render(request, "customers/customer_detail.html", context)


@login_required
@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request):
    store_id = current_store_id(request)
    form = CustomerCreateForm(request.POST or None)
    if request.method == "POST" and store_id is None:
        form.add_error(None, _("请先在页面顶部选择门店。"))
    elif request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in CustomerForm.Meta.fields}
        try:
            customer = services.customer_create(
                actor=request.user,
                store=store_get(actor=request.user, store_id=store_id),
                data=data,
                service_consent=form.cleaned_data["service_consent"],
                marketing_consent=form.cleaned_data["marketing_consent"],
                consent_source=form.cleaned_data["consent_source"],
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return redirect("customers:detail", customer_id=customer.pk)
    return render(
        request, "customers/customer_form.html", {"form": form, "needs_store": store_id is None}
    )


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request, customer_id: int):
    customer = _customer_or_404(request, customer_id)
    can_reveal = request.user.has_perm("customers.reveal_mobile")
    # The form edits a copy: the service compares it with the stored values.
    form = CustomerForm(request.POST or None, instance=copy.copy(customer))
    if not can_reveal:
        del form.fields["mobile"]
    if request.method == "GET" and can_reveal:
        # The edit form shows the full number: that is a reveal, and is logged as one.
        services.customer_mobile_reveal(actor=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(actor=request.user, customer=customer, data=form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@login_required
@require_POST
def customer_mobile_reveal(request, customer_id: int):
    customer = _customer_or_404(request, customer_id)
    try:
        mobile = services.customer_mobile_reveal(actor=request.user, customer=customer)
    except DomainError as exc:
        return HttpResponse(format_html('<span class="error">{}</span>', exc.message), status=403)
    return HttpResponse(format_html('<span class="mobile-full">{}</span>', mobile))


@login_required
@permission_required("customers.change_customer", raise_exception=True)
@require_POST
def customer_consent_set(request, customer_id: int):
    customer = _customer_or_404(request, customer_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.customer_consent_set(actor=request.user, customer=customer, **form.cleaned_data)
    return redirect("customers:detail", customer_id=customer.pk)


@login_required
@permission_required("customers.add_vehicle", raise_exception=True)
def vehicle_create(request, customer_id: int):
    customer = _customer_or_404(request, customer_id)
    form = VehicleCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        mileage_km = data.pop("mileage_km", None)
        try:
            services.vehicle_create(
                actor=request.user, owner=customer, data=data, mileage_km=mileage_km
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/vehicle_form.html", {"form": form, "customer": customer})


@login_required
@permission_required("customers.change_vehicle", raise_exception=True)
def vehicle_edit(request, vehicle_id: int):
    vehicle = get_or_404(selectors.vehicle_get, actor=request.user, vehicle_id=vehicle_id)
    form = VehicleForm(request.POST or None, instance=copy.copy(vehicle))
    if request.method == "POST" and form.is_valid():
        try:
            services.vehicle_update(actor=request.user, vehicle=vehicle, data=form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return redirect("customers:detail", customer_id=vehicle.owner_id)
    context = {"form": form, "customer": vehicle.owner, "vehicle": vehicle}
    return render(request, "customers/vehicle_form.html", context)
