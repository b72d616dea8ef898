import os
from pathlib import Path

import pytest
from django.test import Client

from dealercare.org.services import api_token_create

from .factories import make_customer, make_staff, make_store, make_vehicle


@pytest.fixture
def store_a(db):
    return make_store("BJ01", name="北京朝阳店", plate_prefix="京A")


@pytest.fixture
def store_b(db):
    return make_store("SH01", name="上海浦东店", plate_prefix="沪A")


@pytest.fixture
def agent_a(store_a):
    return make_staff("cs_agent", store_a)


@pytest.fixture
def agent_b(store_b):
    return make_staff("cs_agent", store_b)


@pytest.fixture
def technician_a(store_a):
    return make_staff("technician", store_a)


@pytest.fixture
def hq_user(db):
    return make_staff("hq_quality", None)


@pytest.fixture
def customer_a(store_a, agent_a):
    return make_customer(store_a, agent_a, name="王芳", mobile="13812345678")


@pytest.fixture
def vehicle_a(customer_a, agent_a):
    return make_vehicle(customer_a, agent_a, plate="京A12345")


@pytest.fixture
def customer_b(store_b, agent_b):
    return make_customer(store_b, agent_b, name="李强", mobile="13987654321")


def api_client_for(user) -> Client:
    """A client that authenticates the way API consumers do: a bearer token."""
    _token, key = api_token_create(user=user)
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def api_as():
    return api_client_for


def pytest_collection_modifyitems(config, items):
    """A test for one database only is left out of the other database's run (CI runs both),
    rather than reported as skipped there."""
    from django.db import connection

    other = "sqlite_only" if connection.vendor == "postgresql" else "postgresql_only"
    kept = [item for item in items if other not in item.keywords]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's huey queue file (settings_test gives each run its own)."""
    queue = os.environ.get("HUEY_SQLITE_PATH", "")
    if "huey-test-" in queue:
        for suffix in ("", "-wal", "-shm"):
            Path(queue + suffix).unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _fresh_statutory_calendar():
    """Each test reads the calendar table afresh (a rolled-back import may look unchanged)."""
    from dealercare.org.calendar import _statutory_cache

    _statutory_cache.update(version=None, calendar=None)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (Redis in the PostgreSQL run: its own database, not
    the queue's), as the ids and rows it cached for an earlier test may be reused."""
    from django.core.cache import cache

    cache.clear()
