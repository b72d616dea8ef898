import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from dealercare.core.context import ip_from_request
from dealercare.core.errors import DomainError, NotFound
from dealercare.core.links import customer_link_read
from dealercare.core.views import form_add_domain_error, get_or_404
from dealercare.customers.models import Customer, Vehicle
from dealercare.customers.validators import normalize_mobile, validate_mobile
from dealercare.org.calendar import store_calendar
from dealercare.org.models import Store
from dealercare.org.selectors import current_store_id, store_get

from . import selectors, services
from .forms import AppointmentForm, PublicBookingForm
from .models import Appointment, Bay
from .slots import booking_policy, day_slots, day_slots_by_kind

ACTIONS = {
    "confirm": services.appointment_confirm,
    "arrive": services.appointment_arrive,
    "no-show": services.appointment_no_show,
    "cancel": services.appointment_cancel,
}
# The day plan's buttons, by service action: (URL action, label, secondary style).
ACTION_BUTTONS = {
    "confirm": ("confirm", pgettext_lazy("appointment action", "确认"), False),
    "arrive": ("arrive", pgettext_lazy("appointment action", "到店"), True),
    "no_show": ("no-show", pgettext_lazy("appointment action", "未到"), True),
    "cancel": ("cancel", pgettext_lazy("appointment action", "取消"), True),
}


def _with_buttons(appointments: list[Appointment]) -> None:
    """Sets each appointment's status buttons (`buttons`: url, label, secondary) once per page
    rather than working them out in the template for every booking (most of its time)."""
    now = timezone.now()
    labels = {action: str(label) for action, (_url, label, _style) in ACTION_BUTTONS.items()}
    for appointment in appointments:
        appointment.buttons = [
            (
                reverse("appointments:action", args=[appointment.pk, ACTION_BUTTONS[action][0]]),
                labels[action],
                ACTION_BUTTONS[action][2],
            )
            for action in services.appointment_actions_open(appointment, at=now)
            if action in ACTION_BUTTONS
        ]


def _day_from(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@login_required
@permission_required("appointments.view_appointment", raise_exception=True)
def day_plan(request):
    """The store's day: bays × service slots, who is booked where, free places, deliveries."""
    day = _day_from(request)
    store_id = current_store_id(request)
    context = {
        "day": day,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
    }
    if store_id is None:
        return render(request, "appointments/day_plan.html", {**context, "needs_store": True})
    store = store_get(actor=request.user, store_id=store_id)
    calendar = store_calendar(store)
    bays = list(Bay.objects.filter(store=store, is_active=True).order_by("name"))
    slots = day_slots_by_kind(store, day, calendar=calendar)
    appointments = list(
        selectors.plan_rows(
            selectors.appointment_list(actor=request.user, store_id=store.pk, day=day)
        )
    )
    if request.user.has_perm("appointments.change_appointment"):
        _with_buttons(appointments)
    by_cell = {
        (a.start, a.bay_id): a
        for a in appointments
        if a.kind == Appointment.Kind.SERVICE and a.holds_capacity and a.bay_id
    }
    rows = [
        {
            "slot": slot,
            "cells": [
                {"bay": bay, "appointment": by_cell.get((slot.start, bay.pk))} for bay in bays
            ],
        }
        for slot in slots[Appointment.Kind.SERVICE]
    ]
    context.update(
        store=store,
        bays=bays,
        rows=rows,
        is_working_day=calendar.is_working_day(day),
        calendar_estimated=calendar.is_estimated(day),
        deliveries=[a for a in appointments if a.kind == Appointment.Kind.DELIVERY],
        delivery_slots=slots[Appointment.Kind.DELIVERY],
        others=[
            a
            for a in appointments
            if a.kind == Appointment.Kind.SERVICE and (not a.holds_capacity or not a.bay_id)
        ],
        share=selectors.online_share(appointments),
    )
    return render(request, "appointments/day_plan.html", context)


def _find_car(actor, store: Store, lookup: str) -> tuple[Customer, Vehicle | None]:
    vehicle = (
        Vehicle.objects.visible_to(actor)
        .in_store(store.pk)
        .filter(plate=lookup)
        .select_related("owner")
        .first()
    )
    if vehicle is not None:
        return vehicle.owner, vehicle
    customer = Customer.objects.visible_to(actor).in_store(store.pk).filter(mobile=lookup).first()
    if customer is None:
        raise NotFound(
            "没有找到该车牌或手机号的客户，请先建档。",
            "No customer with this plate or mobile; create the customer first.",
            field="lookup",
        )
    return customer, customer.vehicles.order_by("plate").first()


@login_required
@permission_required("appointments.add_appointment", raise_exception=True)
def appointment_create(request):
    store_id = current_store_id(request)
    initial = {"kind": Appointment.Kind.SERVICE, "channel": Appointment.Channel.PHONE}
    if request.GET.get("start"):
        initial["start"] = request.GET["start"][:16]
    if request.GET.get("kind"):
        initial["kind"] = request.GET["kind"]
    form = AppointmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and store_id is None:
        form.add_error(None, _("请先在页面顶部选择门店。"))
    elif request.method == "POST" and form.is_valid():
        store = store_get(actor=request.user, store_id=store_id)
        data = form.cleaned_data
        try:
            customer, vehicle = _find_car(request.user, store, data["lookup"])
            start = data["start"].astimezone(ZoneInfo(store.time_zone))
            appointment = services.appointment_book(
                actor=request.user,
                store=store,
                customer=customer,
                vehicle=vehicle,
                start=start,
                service_type=data["service_type"],
                channel=data["channel"],
                note=data["note"],
                kind=data["kind"],
            )
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("已为 %(name)s 预约 %(time)s。")
                % {
                    "name": customer.name,
                    "time": timezone.localtime(appointment.start).strftime("%m-%d %H:%M"),
                },
            )
            return redirect(
                f"{reverse('appointments:day_plan')}?date={timezone.localtime(appointment.start).date()}"
            )
    return render(request, "appointments/appointment_form.html", {"form": form})


@login_required
@permission_required("appointments.change_appointment", raise_exception=True)
@require_POST
def appointment_action(request, appointment_id: int, action: str):
    if action not in ACTIONS:
        raise Http404
    appointment = get_or_404(
        selectors.appointment_get, actor=request.user, appointment_id=appointment_id
    )
    try:
        ACTIONS[action](appointment=appointment, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s 的预约已更新：%(status)s")
            % {
                "name": appointment.customer.name,
                "status": appointment.get_status_display(),
            },
        )
    day = timezone.localtime(appointment.start).date()
    return redirect(f"{reverse('appointments:day_plan')}?date={day}")


# -- the car owner's phone pages ------------------------------------------------------------
def _first_bookable_day(store, days, service_type, calendar) -> dt.date | None:
    for day in days:
        if any(
            s.available for s in day_slots(store, day, service_type=service_type, calendar=calendar)
        ):
            return day
    return days[0] if days else None


def public_book(request, code: str):
    store = get_object_or_404(Store, code=code, is_active=True)
    policy = booking_policy(store)
    calendar = store_calendar(store)
    today = timezone.localdate()
    days = [
        day
        for day in (today + dt.timedelta(days=n) for n in range(policy.days_ahead + 1))
        if calendar.is_working_day(day)
    ]
    data = request.POST if request.method == "POST" else None
    service_type = (data or request.GET).get("service_type") or "maintenance"
    try:
        day = dt.date.fromisoformat((data or request.GET).get("day", ""))
    except ValueError:
        day = _first_bookable_day(store, days, service_type, calendar) or today
    form = PublicBookingForm(data, initial={"service_type": service_type, "day": day})
    code_sent = False
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            if request.POST.get("action") == "send_code":
                mobile = normalize_mobile(cleaned["mobile"])
                try:
                    validate_mobile(mobile)
                except ValidationError as exc:
                    form.add_error("mobile", exc.messages[0])
                else:
                    services.verification_code_send(
                        store=store, mobile=mobile, ip=ip_from_request(request)
                    )
                    code_sent = True
            else:
                if not cleaned.get("code"):
                    form.add_error("code", _("请输入短信验证码。"))
                else:
                    appointment = services.appointment_book_online(
                        store=store,
                        name=cleaned["name"],
                        mobile=cleaned["mobile"],
                        plate=cleaned["plate"],
                        service_type=cleaned["service_type"],
                        start=cleaned["start"],
                        code=cleaned["code"],
                        note=cleaned["note"],
                        ip=ip_from_request(request),
                    )
                    return redirect(services.appointment_link_path(appointment))
        except DomainError as exc:
            form_add_domain_error(form, exc)
    slots = day_slots(store, day, service_type=service_type, calendar=calendar)
    chosen = (data or {}).get("start", "")
    context = {
        "store": store,
        "form": form,
        "days": days,
        "day": day,
        "slots": slots,
        "service_type": service_type,
        "chosen": chosen,
        "code_sent": code_sent,
    }
    return render(request, "appointments/public_book.html", context)


def public_appointment(request, token: str):
    try:
        appointment_id = customer_link_read(purpose=services.LINK_PURPOSE, token=token)
    except DomainError as exc:
        return render(
            request, "appointments/public_link_error.html", {"error": exc}, status=exc.status
        )
    appointment = get_object_or_404(
        Appointment.objects.select_related("store", "vehicle", "customer"), pk=appointment_id
    )
    if request.method == "POST" and request.POST.get("action") == "cancel":
        try:
            services.appointment_cancel(appointment=appointment, actor=None, note="客户自助取消")
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("预约已取消。"))
        return redirect(request.path)
    return render(request, "appointments/public_appointment.html", {"appointment": appointment})
