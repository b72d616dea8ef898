"""Property-based API tests: schemathesis generates requests from /api/v1/openapi.json.

Every generated request (valid and deliberately invalid) must get a declared status code and a
body that matches the documented schema, and never a server error. The app runs in-process
through WSGI, inside the test's database transaction, authenticated as a store agent who already
has a customer with a vehicle.
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dealercare.org.services import api_token_create

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Enough to find the usual suspects in ~20 s; raise it for a deeper run.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "40"))


@pytest.fixture
def shared_connection(db):
    """Requests through WSGI share the test's connection and transaction.

    Django's WSGI handler closes "old" connections at the start and end of each request, which
    would end the test transaction; Django's test client avoids this the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def agent_token(agent_a, vehicle_a, customer_b):
    """A store-A agent's bearer token; store A has a customer with a vehicle, store B one more."""
    _token, key = api_token_create(user=agent_a)
    return key


# Loaded at import (rendering /api/v1/openapi.json touches no database), not through
# `schemathesis.pytest.from_fixture`: that loader sets `Function._nodeid`, which pytest 9.2 no
# longer has (AttributeError with schemathesis 4.32.5).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler()).include(
    path_regex=r"^/api/v1/(customers|vehicles|me$|stores$|auth/token$)"
)
schema.config.generation.update(max_examples=MAX_EXAMPLES)


@schema.parametrize()
# The fixtures' data is shared by all examples of an operation on purpose: a growing store.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_api_conforms_to_its_schema(case, shared_connection, agent_token, vehicle_a):
    # Aim half of the generated ids at records that exist, so updates and reads really run.
    for name, real_id in (("customer_id", vehicle_a.owner_id), ("vehicle_id", vehicle_a.pk)):
        value = (case.path_parameters or {}).get(name)
        if isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = real_id
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {agent_token}"}, checks=CHECKS
    )
    if case.path != "/api/v1/auth/token":
        assert response.status_code != 401, "the agent's token must be accepted"
