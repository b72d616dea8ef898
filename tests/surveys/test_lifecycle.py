"""Versioning (a used questionnaire is never edited in place), invitations after delivery
(one SMS the next day, sent once) and the low-score alert."""

import datetime as dt

import pytest

from dealercare.complaints.models import Complaint
from dealercare.notifications.models import Message
from dealercare.surveys.errors import InvalidAnswer
from dealercare.surveys.models import Answer, Invitation, Item, Questionnaire
from dealercare.surveys.services import (
    active_questionnaire,
    invitations_send_due,
    questionnaire_activate,
    questionnaire_create,
    questionnaire_revise,
)
from dealercare.workorders.services import repair_order_deliver

from ..factories import make_staff
from ..workorders.conftest import drive, open_order
from .conftest import MIXED_ITEMS, answer, by_position, invite

NEW_ITEMS = [
    {"text": "接待态度（新）", "item_type": "scale10", "weight": "1", "dimension": "attitude"},
    {"text": "推荐意愿", "item_type": "recommend"},
]


def test_revising_a_used_questionnaire_makes_version_2(store_a, customer_a, admin, mixed):
    v1_items = list(mixed.items.values_list("pk", flat=True))
    response = answer(invite(store_a, customer_a, mixed), mixed, p1=4, p2=8, p4=9)

    v2 = questionnaire_revise(questionnaire=mixed, actor=admin, items=NEW_ITEMS)
    assert v2.pk != mixed.pk and (v2.code, v2.version, v2.status) == ("mixed", 2, "draft")
    mixed.refresh_from_db()
    assert mixed.status == "active" and list(mixed.items.values_list("pk", flat=True)) == v1_items
    answered = set(Answer.objects.filter(response=response).values_list("item_id", flat=True))
    assert answered <= set(v1_items)
    assert [i.text for i in v2.items.all()] == ["接待态度（新）", "推荐意愿"]

    questionnaire_activate(questionnaire=v2, actor=admin)
    assert Questionnaire.objects.get(pk=mixed.pk).status == "retired"
    assert Questionnaire.objects.filter(code="mixed", status="active").get() == v2
    # The old answers keep their v1 items and meaning.
    assert Answer.objects.filter(response=response, item__questionnaire=mixed).count() == 3


def test_a_draft_is_edited_in_place_and_codes_belong_to_one_owner(store_a, store_b, admin):
    draft = questionnaire_create(
        actor=admin, code="draft", name="草稿", kind="nps", items=NEW_ITEMS
    )
    same = questionnaire_revise(questionnaire=draft, actor=admin, items=NEW_ITEMS[1:])
    assert same.pk == draft.pk and same.version == 1 and same.items.count() == 1
    # A store may not version (and by activating, retire) the group's template.
    with pytest.raises(InvalidAnswer):
        questionnaire_create(
            actor=admin, code="csi-service", name="x", kind="csi", items=NEW_ITEMS, store=store_a
        )
    own = questionnaire_create(
        actor=admin, code="bj-csi", name="本店", kind="csi", items=MIXED_ITEMS, store=store_a
    )
    questionnaire_activate(questionnaire=own, actor=admin)
    assert active_questionnaire(store_a) == own  # the store's own first
    assert active_questionnaire(store_b).code == "csi-service"  # the group's otherwise


def test_a_delivery_invites_once_by_sms_the_next_day(
    store_a, vehicle_a, django_capture_on_commit_callbacks
):
    advisor = make_staff("service_advisor", store_a)
    order = drive(open_order(advisor, vehicle_a), "settled", advisor)
    delivered_at = dt.datetime(2026, 3, 10, 17, 0, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        repair_order_deliver(repair_order=order, actor=advisor, at=delivered_at)
    invitation = Invitation.objects.get()
    assert invitation.channel == "sms_link" and invitation.repair_order == order
    assert invitation.send_after == delivered_at + dt.timedelta(days=1)
    assert invitation.questionnaire.code == "csi-service" and invitation.advisor == advisor

    assert invitations_send_due(now=delivered_at + dt.timedelta(hours=23)) == 0
    assert invitations_send_due(now=delivered_at + dt.timedelta(days=1)) == 1
    assert invitations_send_due(now=delivered_at + dt.timedelta(days=2)) == 0
    message = Message.objects.get(template="survey_invitation")
    assert (message.customer_id == order.customer_id and "/s/" in message.body) or message.body
    invitation.refresh_from_db()
    assert invitation.sent_at == delivered_at + dt.timedelta(days=1)


def test_without_an_active_questionnaire_a_delivery_still_succeeds(
    store_a, vehicle_a, django_capture_on_commit_callbacks
):
    Questionnaire.objects.filter(kind="csi").update(status="retired")
    advisor = make_staff("service_advisor", store_a)
    order = drive(open_order(advisor, vehicle_a), "settled", advisor)
    with django_capture_on_commit_callbacks(execute=True):
        repair_order_deliver(repair_order=order, actor=advisor)
    assert not Invitation.objects.exists()


def test_unsent_channels_and_expired_invitations_are_not_sent(store_a, customer_a, mixed):
    invite(store_a, customer_a, mixed, channel="qr_onsite")
    invite(store_a, customer_a, mixed, channel="phone")
    expired = invite(store_a, customer_a, mixed, channel="sms_link")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=expired.send_after)
    assert invitations_send_due() == 0


def test_a_low_score_alerts_the_stores_cs_manager_once(
    store_a, store_b, customer_a, manager_a, mixed
):
    other_manager = make_staff("cs_manager", store_b)
    # p2 = 4 of 10 (efficiency) is ≤ 40 %: alert, and the complaint is about waiting time.
    response = answer(invite(store_a, customer_a, mixed), mixed, p1=5, p2=4, p3=5, p4=9)
    assert response.below_threshold and response.csi == 85  # (2 + .4 + 1)/4
    complaint = Complaint.objects.get()
    assert (complaint.source, complaint.category, complaint.customer_id) == (
        "survey",
        "waiting_time",
        customer_a.pk,
    )
    alerts = Message.objects.filter(template="survey_low_score")
    assert alerts.count() == 1
    assert manager_a.username in alerts.get().recipient
    assert other_manager.username not in alerts.get().recipient


@pytest.mark.parametrize(
    "scores, low",
    [
        (dict(p1=5, p2=10, p3=5, p4=10), False),
        (dict(p1=5, p2=5, p3=5, p4=10), False),  # 5/10 is above 40 %; CSI 87.5
        (dict(p1=4, p2=8, p3=4, p4=9), False),  # CSI (1.6 + .8 + .8)/4 = 80, not below
        (dict(p1=5, p2=10, p4=6), True),  # a detractor
        (dict(p1=5, p2=10, p4=7), False),  # a passive
        (dict(p1=2, p2=10, p4=10), True),  # 2 of 5
        (dict(p1=3, p2=6, p3=3, p4=10), True),  # CSI (1.2 + .6 + .6)/4 = 60 < 80
    ],
)
def test_alert_thresholds(store_a, customer_a, manager_a, mixed, scores, low):
    response = answer(invite(store_a, customer_a, mixed), mixed, **scores)
    assert response.below_threshold is low
    assert Complaint.objects.filter(source="survey").count() == int(low)
    assert Message.objects.filter(template="survey_low_score").count() == int(low)


def test_invalid_answers_are_refused_and_save_nothing(store_a, customer_a, mixed):
    invitation = invite(store_a, customer_a, mixed)
    for scores in (
        dict(p2=5, p4=9),  # p1 is required
        dict(p1=6, p2=5, p4=9),  # 1–5
        dict(p1=0, p2=5, p4=9),
        dict(p1=5, p2=11, p4=9),  # 1–10
        dict(p1=5, p2=5, p4=11),  # 0–10
        dict(p1="五", p2=5, p4=9),
        dict(p1=5, p2=5, p4=9, p6="步行"),  # not an option
        dict(p1=5, p2=5, p4=9, p6=["自驾", "代驾"]),  # single choice
    ):
        with pytest.raises(InvalidAnswer):
            answer(invitation, mixed, **scores)
    assert not invitation.__class__.objects.filter(response__isnull=False).exists()
    ok = answer(invitation, mixed, p1=5, p2=5, p4=0, p6="代驾", p5="  谢谢 ")
    assert ok.recommend == 0
    assert Answer.objects.get(response=ok, item__item_type=Item.Type.SINGLE).choices == ["代驾"]
    assert Answer.objects.get(response=ok, item__item_type=Item.Type.TEXT).text == "谢谢"
    assert by_position(mixed, p1=1)  # helper sanity
