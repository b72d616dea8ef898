import datetime as dt

from ninja import Field, Schema

from dealercare.core.api import Id, Text

from .models import DissatisfactionReason, FollowUpTask


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
    def resolve_complaint_id(obj):
        # A list annotates it (selectors.with_first_complaint_id): one query for the page.
        if hasattr(obj, "first_complaint_id"):
            return obj.first_complaint_id
        complaint = obj.complaints.order_by("pk").first()
        return complaint.pk if complaint else None

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name

    @staticmethod
    def resolve_mobile_masked(obj):
        return obj.customer.mobile_masked

    @staticmethod
    def resolve_plate(obj):
        return obj.vehicle.plate if obj.vehicle_id else None

    @staticmethod
    def resolve_repair_order_number(obj):
        return obj.repair_order.number if obj.repair_order_id else None


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
