"""Money, masking, signed customer links, the heartbeat: small parts every issue builds on."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from dealercare.core.links import (
    LinkExpired,
    LinkInvalid,
    customer_link_read,
    customer_link_token,
)
from dealercare.core.masking import mask_phone, mask_vin
from dealercare.core.models import WorkerHeartbeat
from dealercare.core.money import format_yuan, money_sum, to_money
from dealercare.core.tasks import worker_heartbeat


def test_money_rounds_half_up_to_cents_and_never_floats():
    assert to_money("12.345") == Decimal("12.35")
    assert to_money(0.1) + to_money(0.2) == Decimal("0.30")
    assert money_sum(["0.10", "0.20", 1]) == Decimal("1.30")
    assert format_yuan("1234.5") == "¥1,234.50"
    with pytest.raises(ValueError):
        to_money("abc")


def test_phone_and_vin_masking():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
    assert mask_phone("12345") == "*****"
    assert mask_vin("LSVAU2180N2183294") == "***********183294"


def test_signed_link_round_trip_and_purpose_is_bound():
    token = customer_link_token(purpose="ro-progress", object_id=42)
    assert customer_link_read(purpose="ro-progress", token=token) == 42
    with pytest.raises(LinkInvalid):
        customer_link_read(purpose="survey", token=token)


def test_tampered_link_is_invalid():
    token = customer_link_token(purpose="ro-progress", object_id=42)
    with pytest.raises(LinkInvalid) as error:
        customer_link_read(purpose="ro-progress", token=token.replace(token[2], "x", 1) + "x")
    assert error.value.status == 404
    assert error.value.message_zh == "链接无效。"


def test_expired_link_says_so():
    token = customer_link_token(purpose="ro-progress", object_id=7)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=15)),
        pytest.raises(LinkExpired) as error,
    ):
        customer_link_read(purpose="ro-progress", token=token)
    assert error.value.status == 410
    assert "过期" in error.value.message_zh


@pytest.mark.django_db
def test_heartbeat_job_is_shown_in_the_staff_header(agent_a):
    client = Client()
    client.force_login(agent_a)
    assert "任务进程未运行" in client.get("/customers/").content.decode()
    worker_heartbeat.call_local()
    assert WorkerHeartbeat.objects.count() == 1
    page = client.get("/customers/").content.decode()
    assert "任务进程未运行" not in page
    assert "前在线" in page


def test_choice_labels_follow_the_active_language():
    from django.utils import translation

    from dealercare.followups.models import FollowUpTask

    task = FollowUpTask(kind="after_service")
    with translation.override("zh-hans"):
        assert task.get_kind_display() == "维修保养回访"
    with translation.override("en"):
        assert task.get_kind_display() == "Post-service follow-up"
    assert FollowUpTask(kind="not_a_kind").get_kind_display() == "not_a_kind"
