import datetime as dt

from ninja import Field, Schema
from pydantic import field_validator

from dealercare.core.api import Id, Text
from dealercare.core.codes import ServiceType

from .models import Appointment


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int
    available: int


class SlotsOut(Schema):
    store_id: int
    date: dt.date
    kind: str
    service_type: str | None
    calendar_estimated: bool
    slots: list[SlotOut]


class AppointmentIn(Schema):
    store_id: Id
    customer_id: Id
    vehicle_id: Id | None = None
    start: dt.datetime = Field(..., examples=["2026-12-01T09:30:00+08:00"])
    service_type: ServiceType = ServiceType.MAINTENANCE
    channel: Appointment.Channel = Appointment.Channel.PHONE
    kind: Appointment.Kind = Appointment.Kind.SERVICE
    note: Text = Field("", max_length=500)


# Validated from the rows of selectors.list_rows (plain values), not from appointments.
class AppointmentOut(Schema):
    id: int
    store_id: int
    customer_id: int
    customer_name: str
    vehicle_id: int | None
    plate: str | None = None
    kind: str
    start: dt.datetime
    end: dt.datetime
    service_type: str
    channel: str
    status: str
    bay: str | None = Field(None, validation_alias="bay_name")  # the bay's name
    note: str
    created_at: dt.datetime


class CancelIn(Schema):
    note: Text = Field("", max_length=200)


class VerificationCodeIn(Schema):
    mobile: Text = Field(..., max_length=20, examples=["13812345678"])


class VerificationCodeOut(Schema):
    sent: bool
    expires_in_seconds: int


class PublicAppointmentIn(Schema):
    name: Text = Field(..., min_length=1, max_length=50)
    mobile: Text = Field(..., max_length=20)
    plate: Text = Field(..., max_length=12)
    service_type: ServiceType = ServiceType.MAINTENANCE
    start: dt.datetime
    note: Text = Field("", max_length=500)
    code: Text = Field(..., min_length=4, max_length=8)

    @field_validator("service_type")
    @classmethod
    def _not_internal(cls, value: ServiceType) -> ServiceType:
        # Internal jobs (the dealer's own cars) are not booked by customers; the public page
        # does not offer them either.
        if value == ServiceType.INTERNAL:
            raise ValueError("internal jobs cannot be booked online")
        return value


class PublicAppointmentOut(Schema):
    id: int
    status: str
    start: dt.datetime
    link: str
