"""The real huey consumer process delivers an outbox message (SQLite queue or Redis)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from huey.contrib.djhuey import HUEY

from dealercare.notifications.models import Message
from dealercare.notifications.services import message_send

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def queued_huey():
    """Enqueue for real (not immediate) while the test runs."""
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


@pytest.fixture
def consumer(queued_huey):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dealercare.settings_test",
        "DATABASE_URL": database_url(),
        "HUEY_IMMEDIATE": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "dealercare", "run_huey", "--workers", "1", "--no-periodic"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_consumer_process_delivers_a_queued_message(store_a, customer_a, consumer):
    message = message_send(
        store=store_a,
        customer=customer_a,
        channel="outbox",
        recipient=customer_a.mobile,
        template="test_message",
        context={"store": store_a, "customer_name": customer_a.name},
        idempotency_key="consumer:1",
    )
    assert Message.objects.get(pk=message.pk).status == Message.Status.PENDING
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status == Message.Status.SENT:
            break
        assert consumer.poll() is None, consumer.stdout.read()
        time.sleep(0.2)
    assert message.status == Message.Status.SENT, "the consumer did not deliver the message"
    assert message.attempts == 1
