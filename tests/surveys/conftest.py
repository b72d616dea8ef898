"""Survey test helpers: a hand-made questionnaire whose figures are computed by hand in the
tests, invitations in a chosen month, and answers keyed by item position."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dealercare.surveys.models import Invitation, Questionnaire
from dealercare.surveys.services import (
    invitation_create,
    questionnaire_activate,
    questionnaire_create,
    response_submit,
)

from ..factories import make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = dt.date(2026, 3, 1)

# position → (text, type, weight, dimension, required)
MIXED_ITEMS = [
    {"text": "接待态度", "item_type": "scale5", "weight": "2", "dimension": "attitude"},
    {"text": "交车及时", "item_type": "scale10", "weight": "1", "dimension": "efficiency"},
    {
        "text": "休息区礼貌",
        "item_type": "scale5",
        "weight": "1",
        "dimension": "attitude",
        "required": False,
    },
    {"text": "推荐意愿", "item_type": "recommend"},
    {"text": "其他意见", "item_type": "text", "required": False},
    {"text": "到店方式", "item_type": "single", "options": ["自驾", "代驾"], "required": False},
]


def at(day: int, hour: int = 10, month: dt.date = MONTH) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def admin(db):
    return make_staff("admin", None)


@pytest.fixture
def manager_a(store_a):
    return make_staff("cs_manager", store_a)


@pytest.fixture
def advisor_a(store_a):
    return make_staff("service_advisor", store_a)


@pytest.fixture
def mixed(admin) -> Questionnaire:
    """Active, group-wide: a weighted 1–5 item, a 1–10 item, an optional 1–5 item (same
    dimension as the first), the 0–10 recommend question, optional text and choice."""
    questionnaire = questionnaire_create(
        actor=admin, code="mixed", name="混合问卷", kind="csi", items=MIXED_ITEMS
    )
    return questionnaire_activate(questionnaire=questionnaire, actor=admin)


def invite(store, customer, questionnaire=None, *, day=1, channel="phone", advisor=None, key=None):
    invitation = invitation_create(
        store=store,
        customer=customer,
        channel=channel,
        questionnaire=questionnaire,
        send_after=at(day, 9),
        source_key=key,
    )
    if advisor is not None:
        Invitation.objects.filter(pk=invitation.pk).update(advisor=advisor)
        invitation.refresh_from_db()
    return invitation


def by_position(questionnaire, **scores) -> dict:
    """answers from p1=4, p2=7...: item id (as a string, like the JSON body) → value."""
    items = {item.position: item for item in questionnaire.items.all()}
    return {str(items[int(key[1:])].pk): value for key, value in scores.items()}


def answer(invitation, questionnaire, *, day=5, **scores):
    return response_submit(
        invitation=invitation, answers=by_position(questionnaire, **scores), at=at(day)
    )
