"""Store scoping (another store's record is a 404), phone masking per role, and the audit trail."""

import pytest
from django.test import Client

from dealercare.core.models import AuditLog
from dealercare.customers.models import Customer, CustomerEvent, Vehicle
from dealercare.org.roles import Role

from ..factories import make_staff, make_vehicle

JSON = "application/json"
FULL = "13812345678"
MASKED = "138****5678"
B_FULL = "13987654321"
# Roles that may see a full number (DOMAIN.md: masked for roles that do not need it).
REVEALING_ROLES = ["cs_agent", "service_advisor", "cs_manager", "sales_consultant", "store_manager"]
NON_REVEALING_ROLES = ["technician", "aftersales_manager", "hq_quality"]


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def user_for(role, store_a):
    """A user of that role: group roles (hq_quality, admin) sit at HQ, the others in store A."""
    return make_staff(role, None if role in ("hq_quality", "admin") else store_a)


@pytest.fixture
def vehicle_b(customer_b, agent_b):
    return make_vehicle(customer_b, agent_b, plate="沪A88888")


# --- scoping -----------------------------------------------------------------------------------


def test_other_stores_customer_is_not_found_through_the_api(api_as, agent_a, customer_b):
    client = api_as(agent_a)
    response = client.get(f"/api/v1/customers/{customer_b.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"

    response = client.patch(
        f"/api/v1/customers/{customer_b.pk}", {"name": "被改了"}, content_type=JSON
    )
    assert response.status_code == 404
    customer_b.refresh_from_db()
    assert customer_b.name == "李强"

    response = client.post(f"/api/v1/customers/{customer_b.pk}/reveal-mobile")
    assert response.status_code == 404
    assert B_FULL not in response.content.decode()
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()

    response = client.post(
        f"/api/v1/customers/{customer_b.pk}/consents",
        {"purpose": "marketing", "granted": True},
        content_type=JSON,
    )
    assert response.status_code == 404


def test_other_stores_vehicle_is_not_found_through_the_api(api_as, agent_a, vehicle_b):
    client = api_as(agent_a)
    assert client.get(f"/api/v1/vehicles/{vehicle_b.pk}").status_code == 404
    response = client.patch(f"/api/v1/vehicles/{vehicle_b.pk}", {"color": "红"}, content_type=JSON)
    assert response.status_code == 404
    vehicle_b.refresh_from_db()
    assert vehicle_b.color == ""


def test_other_stores_customer_page_is_not_found(agent_a, customer_a, customer_b, vehicle_b):
    client = page_client(agent_a)
    assert client.get(f"/customers/{customer_a.pk}/").status_code == 200
    assert client.get(f"/customers/{customer_b.pk}/").status_code == 404
    assert client.get(f"/customers/{customer_b.pk}/edit/").status_code == 404
    assert client.post(f"/customers/{customer_b.pk}/reveal-mobile/").status_code == 404
    assert client.get(f"/customers/vehicles/{vehicle_b.pk}/edit/").status_code == 404
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()


def test_hq_sees_every_store(api_as, hq_user, customer_a, customer_b, vehicle_b):
    client = api_as(hq_user)
    assert client.get(f"/api/v1/customers/{customer_a.pk}").status_code == 200
    assert client.get(f"/api/v1/customers/{customer_b.pk}").status_code == 200
    assert client.get(f"/api/v1/vehicles/{vehicle_b.pk}").status_code == 200
    names = {item["name"] for item in client.get("/api/v1/customers").json()["items"]}
    assert names == {"王芳", "李强"}
    only_b = client.get("/api/v1/customers", {"store_id": customer_b.store_id}).json()
    assert [item["name"] for item in only_b["items"]] == ["李强"]

    pages = page_client(hq_user)
    assert pages.get(f"/customers/{customer_a.pk}/").status_code == 200
    assert pages.get(f"/customers/{customer_b.pk}/").status_code == 200


def test_store_list_never_contains_another_stores_customers(
    api_as, agent_a, customer_a, customer_b, vehicle_b
):
    client = api_as(agent_a)
    for params in (
        {},
        {"q": "李强"},
        {"q": B_FULL[-4:]},
        {"q": "沪A88888"},
        {"q": vehicle_b.vin[-6:]},
        {"store_id": customer_b.store_id},
    ):
        body = client.get("/api/v1/customers", params).json()
        assert "李强" not in {item["name"] for item in body["items"]}, params
        assert all(item["store_id"] == customer_a.store_id for item in body["items"])
        vehicles = client.get("/api/v1/vehicles", params).json()
        assert vehicle_b.pk not in {item["id"] for item in vehicles["items"]}, params

    page = page_client(agent_a).get("/customers/", {"q": "李"}).content.decode()
    assert "李强" not in page


# --- masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_every_role_sees_the_number_masked(api_as, store_a, customer_a, role):
    user = user_for(role, store_a)
    client = api_as(user)

    detail = client.get(f"/api/v1/customers/{customer_a.pk}")
    assert detail.status_code == 200
    assert detail.json()["mobile_masked"] == MASKED
    listing = client.get("/api/v1/customers")
    assert [item["mobile_masked"] for item in listing.json()["items"]] == [MASKED]
    for response in (detail, listing):
        assert FULL not in response.content.decode()

    pages = page_client(user)
    page = pages.get(f"/customers/{customer_a.pk}/").content.decode()
    assert MASKED in page
    assert FULL not in page
    page = pages.get("/customers/").content.decode()
    assert MASKED in page
    assert FULL not in page
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()


@pytest.mark.parametrize("role", [*REVEALING_ROLES, "admin"])
def test_reveal_gives_the_full_number_and_is_audit_logged(api_as, store_a, customer_a, role):
    user = user_for(role, store_a)
    response = api_as(user).post(
        f"/api/v1/customers/{customer_a.pk}/reveal-mobile", REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 200
    assert response.json() == {"mobile": FULL}

    log = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert log.actor == user
    assert log.object_type == "customers.customer"
    assert log.object_id == str(customer_a.pk)
    assert log.ip_address == "203.0.113.7"
    assert log.store_id == customer_a.store_id
    assert FULL not in str(log.changes) + log.object_repr  # the log itself stays masked


@pytest.mark.parametrize("role", NON_REVEALING_ROLES)
def test_roles_without_permission_cannot_reveal(api_as, store_a, customer_a, role):
    user = user_for(role, store_a)
    response = api_as(user).post(f"/api/v1/customers/{customer_a.pk}/reveal-mobile")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert FULL not in response.content.decode()

    page = page_client(user).post(f"/customers/{customer_a.pk}/reveal-mobile/")
    assert page.status_code == 403
    assert FULL not in page.content.decode()
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()


def test_reveal_on_the_page_is_audit_logged(agent_a, customer_a):
    response = page_client(agent_a).post(
        f"/customers/{customer_a.pk}/reveal-mobile/", REMOTE_ADDR="198.51.100.4"
    )
    assert response.status_code == 200
    assert FULL in response.content.decode()
    log = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert (log.actor, log.object_id, log.ip_address) == (
        agent_a,
        str(customer_a.pk),
        "198.51.100.4",
    )


def test_edit_form_showing_the_full_number_counts_as_a_reveal(agent_a, customer_a):
    response = page_client(agent_a).get(f"/customers/{customer_a.pk}/edit/")
    assert response.status_code == 200
    assert (
        AuditLog.objects.filter(
            action=AuditLog.Action.REVEAL, actor=agent_a, object_id=str(customer_a.pk)
        ).count()
        == 1
    )


# --- audit log and timeline on every write -----------------------------------------------------


def _audit(obj, action):
    return AuditLog.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
    )


def test_every_write_is_audited_and_on_the_timeline(api_as, agent_a, store_a):
    client = api_as(agent_a)
    # Create a customer.
    response = client.post(
        "/api/v1/customers",
        {"name": "赵敏", "mobile": "13800138000"},
        content_type=JSON,
        REMOTE_ADDR="203.0.113.8",
    )
    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    created = _audit(customer, AuditLog.Action.CREATE).get()
    assert (created.actor, created.store_id, created.ip_address) == (
        agent_a,
        store_a.pk,
        "203.0.113.8",
    )
    assert customer.events.get().kind == CustomerEvent.Kind.CREATED

    # Update it, including the mobile: the log says which fields, never the number.
    response = client.patch(
        f"/api/v1/customers/{customer.pk}",
        {"name": "赵敏敏", "mobile": "13800138999"},
        content_type=JSON,
    )
    assert response.status_code == 200
    updated = _audit(customer, AuditLog.Action.UPDATE).get()
    assert updated.actor == agent_a
    assert updated.changes["name"] == ["赵敏", "赵敏敏"]
    assert "13800138999" not in str(updated.changes)
    assert "13800138000" not in str(updated.changes)
    event = customer.events.get(kind=CustomerEvent.Kind.UPDATED)
    assert sorted(event.data["fields"]) == ["mobile", "name"]
    assert event.actor == agent_a

    # Add a vehicle.
    response = client.post(
        "/api/v1/vehicles",
        {
            "customer_id": customer.pk,
            "vin": "1HGCM82633A004352",
            "plate": "京A20001",
            "brand": "本田",
            "model": "雅阁",
        },
        content_type=JSON,
    )
    assert response.status_code == 201
    vehicle = Vehicle.objects.get(pk=response.json()["id"])
    assert _audit(vehicle, AuditLog.Action.CREATE).get().actor == agent_a
    assert customer.events.get(kind=CustomerEvent.Kind.VEHICLE_ADDED).data == {
        "vehicle_id": vehicle.pk
    }

    # Change the vehicle.
    response = client.patch(
        f"/api/v1/vehicles/{vehicle.pk}", {"plate": "京A20002"}, content_type=JSON
    )
    assert response.status_code == 200
    change = _audit(vehicle, AuditLog.Action.UPDATE).get()
    assert change.changes == {"plate": ["京A20001", "京A20002"]}
    assert "京A20002" in customer.events.get(kind=CustomerEvent.Kind.VEHICLE_UPDATED).summary

    # Record a consent.
    response = client.post(
        f"/api/v1/customers/{customer.pk}/consents",
        {"purpose": "marketing", "granted": True},
        content_type=JSON,
    )
    assert response.status_code == 201
    assert customer.events.filter(kind=CustomerEvent.Kind.CONSENT_CHANGED).count() == 1

    # The page's timeline shows it all, newest first.
    timeline = page_client(agent_a).get(f"/customers/{customer.pk}/").context["timeline"]
    assert [event.kind for event in timeline] == [
        CustomerEvent.Kind.CONSENT_CHANGED,
        CustomerEvent.Kind.VEHICLE_UPDATED,
        CustomerEvent.Kind.VEHICLE_ADDED,
        CustomerEvent.Kind.UPDATED,
        CustomerEvent.Kind.CREATED,
    ]


def test_an_unchanged_patch_writes_nothing(api_as, agent_a, customer_a):
    logs, events = AuditLog.objects.count(), CustomerEvent.objects.count()
    response = api_as(agent_a).patch(
        f"/api/v1/customers/{customer_a.pk}", {"name": "王芳"}, content_type=JSON
    )
    assert response.status_code == 200
    assert (AuditLog.objects.count(), CustomerEvent.objects.count()) == (logs, events)


def test_refused_writes_leave_no_trace(api_as, agent_a, customer_a, vehicle_a):
    logs, events = AuditLog.objects.count(), CustomerEvent.objects.count()
    client = api_as(agent_a)
    refused = [
        client.post("/api/v1/customers", {"name": "x", "mobile": "123"}, content_type=JSON),
        client.post("/api/v1/customers", {"name": "x", "mobile": FULL}, content_type=JSON),
        client.patch(
            f"/api/v1/customers/{customer_a.pk}", {"mobile": "010-88886666"}, content_type=JSON
        ),
        client.post(
            "/api/v1/vehicles",
            {
                "customer_id": customer_a.pk,
                "vin": vehicle_a.vin,
                "plate": "京A77777",
                "brand": "大众",
                "model": "朗逸",
            },
            content_type=JSON,
        ),
        client.patch(f"/api/v1/vehicles/{vehicle_a.pk}", {"plate": "京A"}, content_type=JSON),
    ]
    assert [response.status_code for response in refused] == [422, 409, 422, 409, 422]
    assert (AuditLog.objects.count(), CustomerEvent.objects.count()) == (logs, events)
