"""The outbox: a row in the business transaction, delivered after commit, idempotent, retried."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client

from dealercare.notifications.models import Message
from dealercare.notifications.services import message_send, messages_deliver_due


def send(store, customer, *, key="test:1", channel="outbox", recipient="13812345678"):
    return message_send(
        store=store,
        customer=customer,
        channel=channel,
        recipient=recipient,
        template="test_message",
        context={"store": store, "customer_name": customer.name},
        idempotency_key=key,
        language=customer.language,
    )


@pytest.mark.django_db(transaction=True)
def test_message_is_delivered_after_the_transaction_commits(store_a, customer_a):
    message = send(store_a, customer_a)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 1
    assert message.subject == "【北京朝阳店】测试消息"
    assert "王芳您好" in message.body


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_business_change_leaves_no_message(store_a, customer_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        send(store_a, customer_a, key="rolled-back")
        raise RuntimeError("the business change failed")
    assert not Message.objects.filter(idempotency_key="rolled-back").exists()


def test_the_same_idempotency_key_sends_once(store_a, customer_a):
    first = send(store_a, customer_a, key="reminder:42")
    second = send(store_a, customer_a, key="reminder:42")
    assert first.pk == second.pk
    assert Message.objects.filter(idempotency_key="reminder:42").count() == 1


def test_english_customers_get_the_english_template(store_a, customer_a):
    customer_a.language = "en"
    message = send(store_a, customer_a, key="en:1")
    assert message.subject == "[北京朝阳店] Test message"
    assert message.body.startswith("Hello 王芳")


@pytest.mark.django_db(transaction=True)
def test_smtp_channel_sends_an_email_with_the_idempotency_key(store_a, customer_a):
    send(store_a, customer_a, key="mail:1", channel="smtp", recipient="wang@example.com")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.com"]
    assert mail.outbox[0].extra_headers["Message-ID"] == "<mail:1@dealercare>"


@pytest.mark.django_db(transaction=True)
def test_failed_delivery_is_retried_later_then_marked_failed(store_a, customer_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    message = send(store_a, customer_a, key="mail:down", channel="smtp", recipient="a@example.com")
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert message.attempts == 1
    assert "Connection refused" in message.last_error or "Error" in message.last_error
    # Not due yet: the sweeper leaves it alone.
    assert messages_deliver_due() == 0
    with time_machine.travel(message.next_attempt_at + dt.timedelta(seconds=1)):
        assert messages_deliver_due() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.attempts == 2


def test_sweeper_delivers_a_message_whose_task_was_lost(store_a, customer_a):
    # A row written without its task (the queue lost it): the periodic sweeper finishes the job.
    lost = Message.objects.create(
        store=store_a,
        customer=customer_a,
        channel="outbox",
        recipient="x",
        template="t",
        subject="s",
        body="b",
        idempotency_key="lost:1",
        next_attempt_at=store_a.created_at,
    )
    assert messages_deliver_due() == 1
    lost.refresh_from_db()
    assert lost.status == Message.Status.SENT


def test_message_center_lists_the_store_messages_only(store_a, customer_a, customer_b, agent_a):
    send(store_a, customer_a, key="a:1")
    send(customer_b.store, customer_b, key="b:1")
    client = Client()
    client.force_login(agent_a)
    page = client.get("/messages/").content.decode()
    assert "【北京朝阳店】测试消息" in page
    assert "【上海浦东店】测试消息" not in page
