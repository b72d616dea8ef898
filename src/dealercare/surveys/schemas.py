import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from dealercare.core.api import Id, Text

from .models import Dimension, Invitation, Item, Questionnaire


class ItemIn(Schema):
    text: Text = Field(..., min_length=1, max_length=200)
    item_type: Item.Type
    weight: Decimal = Field(Decimal("1"), ge=0, le=100, decimal_places=2)
    dimension: Dimension | None = None
    options: list[Text] = Field(default_factory=list, max_length=20)
    required: bool = True


class ItemOut(Schema):
    id: int
    position: int
    text: str
    item_type: str
    weight: Decimal
    dimension: str
    options: list
    required: bool


class QuestionnaireIn(Schema):
    code: str = Field(..., pattern=r"^[a-z0-9-]{2,40}$")
    name: Text = Field(..., min_length=1, max_length=100)
    kind: Questionnaire.Kind
    store_id: Id | None = None
    items: list[ItemIn] = Field(..., min_length=1, max_length=50)
    activate: bool = False


class QuestionnaireOut(Schema):
    id: int
    code: str
    version: int
    name: str
    kind: str
    status: str
    store_id: int | None
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class InvitationIn(Schema):
    store_id: Id
    customer_id: Id | None = None
    repair_order_id: Id | None = None
    questionnaire_id: Id | None = None
    channel: Invitation.Channel = Invitation.Channel.SMS_LINK


class InvitationOut(Schema):
    id: int
    store_id: int
    customer_id: int
    repair_order_id: int | None
    questionnaire_id: int
    channel: str
    send_after: dt.datetime
    expires_at: dt.datetime
    link: str


class ResponseIn(Schema):
    answers: dict[str, int | str | list[str]] = Field(
        ..., description="item id → score, choice(s) or text"
    )


class ResponseOut(Schema):
    id: int
    csi: Decimal | None
    recommend: int | None
    below_threshold: bool


class ResultRowOut(Schema):
    key: str | int | None
    label: str
    answers: int
    csi: Decimal | None
    nps: Decimal | None = None
    response_rate: Decimal | None = None  # rows per store


class ResultsOut(Schema):
    month: dt.date
    group_by: str
    responses: int
    csi: Decimal | None
    nps: Decimal | None
    response_rate: Decimal | None
    rows: list[ResultRowOut]
