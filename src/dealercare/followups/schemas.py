import datetime as dt

from ninja import Field, Schema

from dealercare.core.api import Id, Text
from dealercare.core.masking import mask_phone

from .models import DissatisfactionReason, FollowUpTask


# Validated from the rows of selectors.list_rows (plain values), not from tasks.
class FollowUpOut(Schema):
    id: int
    store_id: int
    kind: str
    status: str
    result: str
    window_start: dt.date
    due_date: dt.date
    next_attempt_on: dt.date
    attempts: int
    customer_id: int
    customer_name: str
    mobile_masked: str
    vehicle_id: int | None
    plate: str | None
    repair_order_id: int | None
    repair_order_number: str | None
    assignee_id: int | None
    calendar_estimated: bool
    needs_complaint: bool
    reasons: list[str]
    comment: str
    complaint_id: int | None = None

    @staticmethod
    def resolve_mobile_masked(row):
        return mask_phone(row["customer_mobile"])


class FollowUpFilter(Schema):
    store_id: Id | None = None
    status: FollowUpTask.Status | None = None
    kind: FollowUpTask.Kind | None = None
    repair_order_id: Id | None = None
    assignee: Id | None = None


class OutcomeIn(Schema):
    result: FollowUpTask.Result
    reasons: list[DissatisfactionReason] = Field(default_factory=list, max_length=7)
    comment: Text = Field("", max_length=2000)
