"""Reads of appointments (always store-scoped) and the appointment KPIs."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet

from dealercare.core.errors import NotFound
from dealercare.core.kpi import ratio
from dealercare.core.periods import local_day

from .models import Appointment

Status = Appointment.Status


def _not_found() -> NotFound:
    # The same answer whether the appointment does not exist or belongs to another store.
    return NotFound("预约不存在。", "Appointment not found.")


def appointment_list(
    *,
    actor,
    store_id: int | None = None,
    day: dt.date | None = None,
    status: str = "",
    kind: str = "",
) -> QuerySet[Appointment]:
    appointments = (
        Appointment.objects.visible_to(actor)
        .in_store(store_id)
        .select_related("store", "customer", "vehicle", "bay")
    )
    if day is not None:
        start, end = local_day(day)
        appointments = appointments.filter(start__gte=start, start__lt=end)
    if status:
        appointments = appointments.filter(status=status)
    if kind:
        appointments = appointments.filter(kind=kind)
    return appointments.order_by("start", "id")


# The API's rows (AppointmentOut) as plain values: the appointment's own columns and the name or
# plate of its customer, vehicle and bay, not four records built for every row.
API_COLUMNS = (
    "id",
    "store_id",
    "customer_id",
    "vehicle_id",
    "kind",
    "start",
    "end",
    "service_type",
    "channel",
    "status",
    "note",
    "created_at",
)


def list_rows(appointments: QuerySet[Appointment]) -> QuerySet[dict]:
    return appointments.select_related(None).values(
        *API_COLUMNS,
        customer_name=F("customer__name"),
        plate=F("vehicle__plate"),
        bay_name=F("bay__name"),
    )


def appointment_row(*, actor, appointment_id: int) -> dict:
    """One appointment as the API shows it (list_rows)."""
    row = list_rows(appointment_list(actor=actor).filter(pk=appointment_id)).first()
    if row is None:
        raise _not_found()
    return row


def plan_rows(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """What the day plan shows of each appointment: its own columns and its customer's name and
    vehicle's plate."""
    return (
        appointments.select_related(None)
        .select_related("customer", "vehicle")
        .only(*API_COLUMNS, "bay_id", "customer__name", "vehicle__plate")
    )


def appointment_get(*, actor, appointment_id: int) -> Appointment:
    found = (
        Appointment.objects.visible_to(actor)
        .select_related("store", "customer", "vehicle", "bay")
        .filter(pk=appointment_id)
        .first()
    )
    if found is None:
        raise _not_found()
    return found


def online_share(appointments: QuerySet[Appointment] | list[Appointment]) -> Decimal | None:
    """Online appointments ÷ all appointments (every status), e.g. 0.6500; None when none.
    Counted by the database, or among appointments already read (the day plan's)."""
    if isinstance(appointments, list):
        online = sum(1 for a in appointments if a.channel == Appointment.Channel.ONLINE)
        return ratio(online, len(appointments))
    counts = appointments.aggregate(
        total=Count("id"), online=Count("id", filter=Q(channel=Appointment.Channel.ONLINE))
    )
    return ratio(counts["online"], counts["total"])


def show_rate(appointments: QuerySet[Appointment]) -> Decimal | None:
    """Customers who came ÷ those who came or did not: (arrived + converted) ÷ (arrived +
    converted + no_show). Bookings not yet due or cancelled do not count; None when none."""
    counts = appointments.aggregate(
        showed=Count("id", filter=Q(status__in=[Status.ARRIVED, Status.CONVERTED])),
        no_show=Count("id", filter=Q(status=Status.NO_SHOW)),
    )
    return ratio(counts["showed"], counts["showed"] + counts["no_show"])
