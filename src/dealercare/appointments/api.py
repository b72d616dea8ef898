import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from dealercare.core.api import Id, Limit, Offset, Page, errors, paginate, require_permission
from dealercare.core.codes import ServiceType
from dealercare.core.context import ip_from_request
from dealercare.core.errors import from_django_validation_error
from dealercare.customers.selectors import customer_get, vehicle_get
from dealercare.customers.validators import normalize_mobile, validate_mobile
from dealercare.org.auth import staff_auth
from dealercare.org.calendar import store_calendar
from dealercare.org.models import Store
from dealercare.org.selectors import store_get

from . import selectors, services
from .models import Appointment
from .schemas import (
    AppointmentIn,
    AppointmentOut,
    CancelIn,
    PublicAppointmentIn,
    PublicAppointmentOut,
    SlotsOut,
    VerificationCodeIn,
    VerificationCodeOut,
)
from .slots import ALL_TYPES, day_slots

router = Router(tags=["appointments"], auth=staff_auth)
public_router = Router(tags=["public"], auth=None)


def _slots(store: Store, day: dt.date, kind: str, service_type: str | None) -> dict:
    calendar = store_calendar(store)
    slots = day_slots(
        store, day, kind=kind, service_type=service_type or ALL_TYPES, calendar=calendar
    )
    return {
        "store_id": store.pk,
        "date": day,
        "kind": kind,
        "service_type": service_type,
        "calendar_estimated": calendar.is_estimated(day),
        "slots": [
            {
                "start": s.start,
                "end": s.end,
                "capacity": s.capacity,
                "booked": s.booked,
                "available": s.available,
            }
            for s in slots
        ],
    }


class SlotQuery(Schema):
    date: dt.date
    service_type: ServiceType | None = None
    kind: Appointment.Kind = Appointment.Kind.SERVICE


@router.get("/stores/{store_id}/slots", response={200: SlotsOut, **errors(401, 403, 404, 422)})
def store_slots(request, store_id: Id, query: Query[SlotQuery]):
    """Each slot of the day with its capacity, places booked and places available."""
    require_permission(request.auth, "appointments.view_appointment")
    store = store_get(actor=request.auth, store_id=store_id)
    return _slots(store, query.date, query.kind, query.service_type)


class AppointmentFilter(Schema):
    store_id: Id | None = None
    date: dt.date | None = None
    status: Appointment.Status | None = None
    kind: Appointment.Kind | None = None


@router.get("/appointments", response={200: Page[AppointmentOut], **errors(401, 403, 422)})
def appointment_list(
    request, filters: Query[AppointmentFilter], limit: Limit = 50, offset: Offset = 0
):
    require_permission(request.auth, "appointments.view_appointment")
    appointments = selectors.appointment_list(
        actor=request.auth,
        store_id=filters.store_id,
        day=filters.date,
        status=filters.status or "",
        kind=filters.kind or "",
    )
    return paginate(
        selectors.list_rows(appointments), limit=limit, offset=offset, counted=appointments
    )


@router.post("/appointments", response={201: AppointmentOut, **errors()})
def appointment_create(request, payload: AppointmentIn):
    require_permission(request.auth, "appointments.add_appointment")
    store = store_get(actor=request.auth, store_id=payload.store_id)
    customer = customer_get(actor=request.auth, customer_id=payload.customer_id)
    vehicle = (
        vehicle_get(actor=request.auth, vehicle_id=payload.vehicle_id)
        if payload.vehicle_id
        else None
    )
    appointment = services.appointment_book(
        actor=request.auth,
        store=store,
        customer=customer,
        vehicle=vehicle,
        start=payload.start,
        service_type=payload.service_type,
        channel=payload.channel,
        note=payload.note,
        kind=payload.kind,
    )
    return Status(201, selectors.appointment_row(actor=request.auth, appointment_id=appointment.pk))


@router.get(
    "/appointments/{appointment_id}", response={200: AppointmentOut, **errors(401, 403, 404, 422)}
)
def appointment_detail(request, appointment_id: Id):
    require_permission(request.auth, "appointments.view_appointment")
    return selectors.appointment_row(actor=request.auth, appointment_id=appointment_id)


def _transition(request, appointment_id: int, service, **kwargs):
    require_permission(request.auth, "appointments.change_appointment")
    appointment = selectors.appointment_get(actor=request.auth, appointment_id=appointment_id)
    service(appointment=appointment, actor=request.auth, **kwargs)
    return selectors.appointment_row(actor=request.auth, appointment_id=appointment_id)


@router.post("/appointments/{appointment_id}/confirm", response={200: AppointmentOut, **errors()})
def appointment_confirm(request, appointment_id: Id):
    return _transition(request, appointment_id, services.appointment_confirm)


@router.post("/appointments/{appointment_id}/arrive", response={200: AppointmentOut, **errors()})
def appointment_arrive(request, appointment_id: Id):
    return _transition(request, appointment_id, services.appointment_arrive)


@router.post("/appointments/{appointment_id}/no-show", response={200: AppointmentOut, **errors()})
def appointment_no_show(request, appointment_id: Id):
    return _transition(request, appointment_id, services.appointment_no_show)


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **errors()})
def appointment_cancel(request, appointment_id: Id, payload: CancelIn | None = None):
    note = payload.note if payload else ""
    return _transition(request, appointment_id, services.appointment_cancel, note=note)


# -- public (the car owner's phone; rate-limited, no login) ----------------------------------
def _public_store(code: str) -> Store:
    return get_object_or_404(Store, code=code, is_active=True)


@public_router.get("/stores/{code}/slots", response={200: SlotsOut, **errors(404, 422)})
def public_store_slots(request, code: str, query: Query[SlotQuery]):
    return _slots(_public_store(code), query.date, query.kind, query.service_type)


@public_router.post(
    "/stores/{code}/verification-codes",
    response={201: VerificationCodeOut, **errors(404, 422, 429)},
)
def verification_code_create(request, code: str, payload: VerificationCodeIn):
    """Send a booking verification code by SMS. Limited per mobile (1 a minute, 5 an hour)
    and per IP address (20 an hour): 429 `rate_limited` beyond."""
    store = _public_store(code)
    mobile = normalize_mobile(payload.mobile)
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        error = from_django_validation_error(exc)
        error.field = "mobile"
        raise error from exc
    services.verification_code_send(store=store, mobile=mobile, ip=ip_from_request(request))
    return Status(
        201, {"sent": True, "expires_in_seconds": int(services.VERIFICATION_TTL.total_seconds())}
    )


@public_router.post(
    "/stores/{code}/appointments",
    response={201: PublicAppointmentOut, **errors(404, 409, 422, 429)},
)
def public_appointment_create(request, code: str, payload: PublicAppointmentIn):
    """Book with the verification code; limited per mobile (3 a day) and per IP (20 an hour)."""
    appointment = services.appointment_book_online(
        store=_public_store(code),
        name=payload.name,
        mobile=payload.mobile,
        plate=payload.plate,
        service_type=payload.service_type,
        start=payload.start,
        code=payload.code,
        note=payload.note,
        ip=ip_from_request(request),
    )
    return Status(
        201,
        {
            "id": appointment.pk,
            "status": appointment.status,
            "start": appointment.start,
            "link": services.appointment_link(appointment),
        },
    )
