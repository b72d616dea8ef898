import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from dealercare.core.api import Id, Text

from .models import Compensation, Complaint, Severity


class ComplaintIn(Schema):
    store_id: Id
    customer_id: Id
    vehicle_id: Id | None = None
    repair_order_id: Id | None = None
    source: Complaint.Source
    category: Complaint.Category
    severity: Severity | None = Field(None, description="Omit to take the proposed severity")
    severity_reason: Text = Field("", max_length=200)
    description: Text = Field(..., min_length=1, max_length=4000)


class ClockOut(Schema):
    due: dt.datetime
    met: bool | None
    minutes_left: int | None


class SlaStateOut(Schema):
    first_response: ClockOut
    resolution: ClockOut
    calendar_estimated: bool


class EscalationOut(Schema):
    target: str
    level: str
    at: dt.datetime
    notified: list[str]


class CompensationIn(Schema):
    kind: Compensation.Kind
    amount: Decimal = Field(..., ge=0, le=1_000_000, decimal_places=2)


class CompensationOut(CompensationIn):
    needs_approval: bool
    approved_at: dt.datetime | None


class ComplaintOut(Schema):
    id: int
    number: str
    store_id: int
    customer_id: int
    vehicle_id: int | None
    repair_order_id: int | None
    source: str
    category: str
    severity: str
    proposed_severity: str
    status: str
    is_repeat: bool
    reopen_count: int
    first_response_due: dt.datetime
    resolution_due: dt.datetime
    calendar_estimated: bool = Field(
        ..., description="A deadline counts days of a year without statutory holiday data"
    )
    created_at: dt.datetime


class ComplaintDetailOut(ComplaintOut):
    description: str
    root_cause: str
    corrective_action: str
    resolution: str
    sla: SlaStateOut
    escalations: list[EscalationOut]
    compensations: list[CompensationOut]


class DispatchIn(Schema):
    department_id: Id


class ProposeIn(Schema):
    root_cause: Text = Field(..., min_length=1, max_length=2000)
    corrective_action: Text = Field(..., min_length=1, max_length=2000)
    resolution: Text = Field(..., min_length=1, max_length=2000)
    compensations: list[CompensationIn] = Field(default_factory=list, max_length=10)


class NoteIn(Schema):
    note: Text = Field("", max_length=300)


class SlaPolicyOut(Schema):
    store_id: int
    severity: str
    first_response_minutes: int
    first_response_clock: str
    resolution_minutes: int
    resolution_clock: str
    escalate_at_percent: int
    compensation_approval_limit: Decimal
