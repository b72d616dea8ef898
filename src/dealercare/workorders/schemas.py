import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from dealercare.core.api import Id, Text
from dealercare.core.codes import ServiceType

from .models import AddOn, RepairOrder, RepairOrderLine

Money = Decimal  # serialised as a string with two places ("123.40")


class RepairOrderIn(Schema):
    store_id: Id
    vehicle_id: Id
    appointment_id: Id | None = None
    mileage_km: int = Field(..., ge=0, le=2_000_000)
    mileage_reason: Text = Field("", max_length=200)
    description: Text = Field(..., min_length=1, max_length=2000)
    job_type: ServiceType
    promised_at: dt.datetime
    walkaround: dict[str, str | bool | int] = Field(default_factory=dict)


class LineIn(Schema):
    kind: RepairOrderLine.Kind
    name: Text = Field(..., min_length=1, max_length=100)
    hours: Decimal | None = Field(None, gt=0, le=999, decimal_places=2)
    quantity: Decimal | None = Field(None, gt=0, le=99999, decimal_places=2)
    unit_price: Decimal = Field(..., ge=0, le=9_999_999, decimal_places=2)


class LineOut(Schema):
    id: int
    kind: str
    name: str
    hours: Decimal | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class AddOnIn(Schema):
    name: Text = Field(..., min_length=1, max_length=100)
    description: Text = Field("", max_length=300)
    price: Decimal = Field(..., ge=0, le=9_999_999, decimal_places=2)


class AddOnOut(Schema):
    id: int
    name: str
    description: str
    price: Decimal
    photo_url: str | None = None
    decision: str
    decided_at: dt.datetime | None
    decided_via: str
    decided_by_name: str

    @staticmethod
    def resolve_photo_url(obj):
        return obj.photo.url if obj.photo else None


class PublicAddOnOut(AddOnOut):
    decision_token: str | None = Field(
        None,
        description="While pending: the token for POST /api/v1/public/add-ons/{token}/decision",
    )

    @staticmethod
    def resolve_decision_token(obj):
        from .services import add_on_token

        return add_on_token(obj) if obj.decision == AddOn.Decision.PENDING else None


class DecisionIn(Schema):
    decision: AddOn.Decision = Field(..., description="approved or declined")
    decided_by_name: Text = Field("", max_length=50, description="Who approved on the phone")


class PublicDecisionIn(Schema):
    decision: AddOn.Decision


class TransitionIn(Schema):
    to: RepairOrder.Status
    technician_ids: list[Id] = Field(default_factory=list, max_length=10)


class TotalsOut(Schema):
    labour: Decimal
    parts: Decimal
    add_ons_approved: Decimal
    add_ons_pending: Decimal
    discount: Decimal
    total: Decimal


class EventOut(Schema):
    at: dt.datetime
    from_status: str
    to_status: str
    note: str


class RepairOrderOut(Schema):
    id: int
    number: str
    store_id: int
    vehicle_id: int
    plate: str
    customer_id: int
    appointment_id: int | None
    job_type: str
    status: str
    mileage_km: int
    description: str
    promised_at: dt.datetime
    delivered_at: dt.datetime | None
    comeback_of_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_plate(obj):
        return obj["plate"] if isinstance(obj, dict) else obj.vehicle.plate


class RepairOrderDetailOut(RepairOrderOut):
    walkaround: dict
    lines: list[LineOut]
    add_ons: list[AddOnOut]
    totals: TotalsOut
    timeline: list[EventOut]
    progress_url: str
    settled_total: Decimal | None
    next_service_advice: str


class PublicRepairOrderOut(Schema):
    number: str
    store_name: str
    plate: str
    status: str
    status_label: str
    promised_at: dt.datetime
    totals: TotalsOut
    add_ons: list[PublicAddOnOut]
    timeline: list[EventOut]
