"""The customers and vehicles API as a client uses it: tokens, create, update, search, paging."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dealercare.core.errors import DomainError
from dealercare.customers import services
from dealercare.customers.models import Consent, Customer, MileageReading, Vehicle

from ..factories import make_customer, make_staff, make_vehicle

JSON = "application/json"


def post(client, url, data):
    return client.post(url, data, content_type=JSON)


def patch(client, url, data):
    return client.patch(url, data, content_type=JSON)


def vehicle_payload(customer, **overrides):
    return {
        "customer_id": customer.pk,
        "vin": "1M8GDM9AXKP042788",
        "plate": "京A66666",
        "brand": "大众",
        "model": "帕萨特",
        **overrides,
    }


# --- authentication ----------------------------------------------------------------------------


def test_no_token_is_refused_with_a_code(db):
    response = Client().get("/api/v1/customers")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["message"]


def test_unknown_token_is_refused(db):
    response = Client(headers={"Authorization": "Bearer not-a-token"}).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_wrong_password_gets_no_token(agent_a):
    response = post(
        Client(), "/api/v1/auth/token", {"username": agent_a.username, "password": "wrong"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert "token" not in response.json()


def test_token_flow_and_me_shows_roles(agent_a, store_a):
    response = post(
        Client(), "/api/v1/auth/token", {"username": agent_a.username, "password": "pass-1234"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["token_type"] == "Bearer"

    me = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == agent_a.username
    assert body["roles"] == ["cs_agent"]
    assert body["store_id"] == store_a.pk
    assert body["sees_all_stores"] is False
    assert "customers.reveal_mobile" in body["permissions"]


def test_me_of_hq_user_sees_all_stores(api_as, hq_user, store_a, store_b):
    body = api_as(hq_user).get("/api/v1/me").json()
    assert body["roles"] == ["hq_quality"]
    assert body["store_id"] is None
    assert body["sees_all_stores"] is True
    stores = api_as(hq_user).get("/api/v1/stores").json()
    assert [store["code"] for store in stores] == ["BJ01", "SH01"]


def test_store_staff_see_only_their_store(api_as, agent_a, store_a, store_b):
    stores = api_as(agent_a).get("/api/v1/stores").json()
    assert [store["id"] for store in stores] == [store_a.pk]


# --- customers ---------------------------------------------------------------------------------


def test_create_customer_records_consents(api_as, agent_a, store_a):
    response = post(
        api_as(agent_a),
        "/api/v1/customers",
        {
            "name": "赵敏",
            "mobile": "+86 138 0013 8000",
            "gender": "female",
            "birthday": "1990-05-20",
            "tags": ["VIP", "VIP", " "],
            "service_consent": True,
            "marketing_consent": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["store_id"] == store_a.pk
    assert body["mobile_masked"] == "138****8000"
    assert body["birthday"] == "1990-05-20"
    assert body["tags"] == ["VIP"]  # repeated and blank tags dropped
    consents = {consent["purpose"]: consent for consent in body["consents"]}
    assert consents["service"]["granted"] is True
    assert consents["marketing"]["granted"] is True
    assert consents["marketing"]["source"] == "staff"

    customer = Customer.objects.get(pk=body["id"])
    assert customer.mobile == "13800138000"  # stored without +86 and spaces
    assert Consent.objects.filter(customer=customer).count() == 2


def test_marketing_consent_is_off_unless_given(api_as, agent_a):
    body = post(
        api_as(agent_a), "/api/v1/customers", {"name": "钱", "mobile": "13800138001"}
    ).json()
    consents = {consent["purpose"]: consent["granted"] for consent in body["consents"]}
    assert consents == {"service": True, "marketing": False}


@pytest.mark.parametrize("mobile", ["010-88886666", "1381234567", "abc", "+44 13812345678"])
def test_bad_mobile_is_refused_and_nothing_saved(api_as, agent_a, customer_a, mobile):
    before = (Customer.objects.count(), Consent.objects.count())
    response = post(api_as(agent_a), "/api/v1/customers", {"name": "孙", "mobile": mobile})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_mobile"
    assert body["field"] == "mobile"
    assert "手机号" in body["message"]
    assert (Customer.objects.count(), Consent.objects.count()) == before


def test_missing_name_is_refused_with_its_field(api_as, agent_a):
    response = post(api_as(agent_a), "/api/v1/customers", {"mobile": "13800138002"})
    assert response.status_code == 422
    assert response.json()["field"] == "name"
    assert not Customer.objects.filter(mobile="13800138002").exists()


def test_invalid_json_is_an_invalid_input(api_as, agent_a):
    response = api_as(agent_a).post("/api/v1/customers", "{not json", content_type=JSON)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_json"


def test_duplicate_mobile_in_the_same_store_is_a_conflict(api_as, agent_a, customer_a):
    count = Customer.objects.count()
    # The same number typed differently is still the same number.
    response = post(
        api_as(agent_a), "/api/v1/customers", {"name": "王芳", "mobile": "138 1234 5678"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_mobile"
    assert response.json()["field"] == "mobile"
    assert Customer.objects.count() == count


def test_same_mobile_in_another_store_is_another_customer(api_as, agent_b, customer_a):
    response = post(api_as(agent_b), "/api/v1/customers", {"name": "王芳", "mobile": "13812345678"})
    assert response.status_code == 201


def test_patch_customer(api_as, agent_a, customer_a):
    client = api_as(agent_a)
    response = patch(
        client,
        f"/api/v1/customers/{customer_a.pk}",
        {"name": "王芳芳", "notes": "周末方便接电话", "tags": None},
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "王芳芳"
    assert response.json()["tags"] == []

    again = client.get(f"/api/v1/customers/{customer_a.pk}").json()
    assert again["name"] == "王芳芳"
    assert again["notes"] == "周末方便接电话"
    assert again["mobile_masked"] == "138****5678"  # untouched fields stay


def test_patch_to_another_customers_mobile_is_a_conflict(api_as, agent_a, store_a, customer_a):
    other = make_customer(store_a, agent_a, name="周", mobile="13900001111")
    response = patch(api_as(agent_a), f"/api/v1/customers/{other.pk}", {"mobile": "13812345678"})
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_mobile"
    other.refresh_from_db()
    assert other.mobile == "13900001111"


def test_patch_with_bad_mobile_changes_nothing(api_as, agent_a, customer_a):
    response = patch(
        api_as(agent_a), f"/api/v1/customers/{customer_a.pk}", {"name": "新名字", "mobile": "12345"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "mobile"
    customer_a.refresh_from_db()
    assert (customer_a.name, customer_a.mobile) == ("王芳", "13812345678")


def test_set_consent_is_the_current_consent(api_as, agent_a, customer_a):
    client = api_as(agent_a)
    response = post(
        client,
        f"/api/v1/customers/{customer_a.pk}/consents",
        {"purpose": "marketing", "granted": True, "source": "paper_form"},
    )
    assert response.status_code == 201
    detail = client.get(f"/api/v1/customers/{customer_a.pk}").json()
    marketing = next(c for c in detail["consents"] if c["purpose"] == "marketing")
    assert marketing["granted"] is True
    assert marketing["source"] == "paper_form"


def test_group_admin_without_store_must_choose_one(api_as, store_a):
    client = api_as(make_staff("admin", None))
    response = post(client, "/api/v1/customers", {"name": "吴", "mobile": "13800138003"})
    assert response.status_code == 422
    assert response.json()["field"] == "store_id"
    response = post(
        client, "/api/v1/customers", {"name": "吴", "mobile": "13800138003", "store_id": store_a.pk}
    )
    assert response.status_code == 201
    assert response.json()["store_id"] == store_a.pk


def test_technician_cannot_create_or_change(api_as, technician_a, customer_a):
    client = api_as(technician_a)
    count = Customer.objects.count()
    response = post(client, "/api/v1/customers", {"name": "郑", "mobile": "13800138004"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Customer.objects.count() == count

    response = patch(client, f"/api/v1/customers/{customer_a.pk}", {"name": "改名"})
    assert response.status_code == 403
    customer_a.refresh_from_db()
    assert customer_a.name == "王芳"

    response = post(client, "/api/v1/vehicles", vehicle_payload(customer_a))
    assert response.status_code == 403
    assert not Vehicle.objects.exists()

    # Reading is allowed.
    assert client.get(f"/api/v1/customers/{customer_a.pk}").status_code == 200


# --- vehicles ----------------------------------------------------------------------------------


def test_bad_vin_is_refused_then_the_fixed_vin_is_accepted(api_as, agent_a, customer_a):
    client = api_as(agent_a)
    response = post(
        client, "/api/v1/vehicles", vehicle_payload(customer_a, vin="1M8GDM9A0KP042788")
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "vin"
    assert body["code"] == "invalid_vin_check_digit"
    assert "X" in body["message"]  # tells which check digit is right
    assert not Vehicle.objects.exists()
    assert not customer_a.events.filter(kind="vehicle_added").exists()

    response = post(
        client, "/api/v1/vehicles", vehicle_payload(customer_a, vin="1m8gdm9axkp042788")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["vin"] == "1M8GDM9AXKP042788"
    assert body["customer_id"] == customer_a.pk
    assert body["store_id"] == customer_a.store_id


def test_bad_plate_is_refused(api_as, agent_a, customer_a):
    response = post(
        api_as(agent_a), "/api/v1/vehicles", vehicle_payload(customer_a, plate="京A1234")
    )
    assert response.status_code == 422
    assert response.json()["field"] == "plate"
    assert not Vehicle.objects.exists()


def test_plate_is_stored_normalised(api_as, agent_a, customer_a):
    response = post(
        api_as(agent_a), "/api/v1/vehicles", vehicle_payload(customer_a, plate="粤b·d12345")
    )
    assert response.status_code == 201
    assert response.json()["plate"] == "粤BD12345"


def test_duplicate_vin_or_plate_is_a_conflict(api_as, agent_a, customer_a, vehicle_a):
    client = api_as(agent_a)
    response = post(client, "/api/v1/vehicles", vehicle_payload(customer_a, vin=vehicle_a.vin))
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_vehicle"
    assert response.json()["field"] == "vin"

    response = post(client, "/api/v1/vehicles", vehicle_payload(customer_a, plate=vehicle_a.plate))
    assert response.status_code == 409
    assert response.json()["field"] == "plate"
    assert Vehicle.objects.count() == 1


def test_vehicles_whose_vin_is_not_known_yet_do_not_conflict(agent_a, customer_a):
    # Vehicles booked online get their VIN at reception; until then it is blank.
    for plate in ("京A30001", "京A30002"):
        services.vehicle_create(
            actor=agent_a,
            owner=customer_a,
            data={"vin": "", "plate": plate, "brand": "比亚迪", "model": "汉"},
        )
    assert customer_a.vehicles.filter(vin="").count() == 2


def test_vehicle_for_a_customer_of_another_store_is_not_found(api_as, agent_a, customer_b):
    response = post(api_as(agent_a), "/api/v1/vehicles", vehicle_payload(customer_b))
    assert response.status_code == 404
    assert not Vehicle.objects.exists()


def test_patch_vehicle(api_as, agent_a, vehicle_a):
    response = patch(
        api_as(agent_a), f"/api/v1/vehicles/{vehicle_a.pk}", {"plate": "京A54321", "color": "白"}
    )
    assert response.status_code == 200
    assert response.json()["plate"] == "京A54321"
    assert response.json()["color"] == "白"
    response = patch(
        api_as(agent_a), f"/api/v1/vehicles/{vehicle_a.pk}", {"vin": "1M8GDM9A0KP042788"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "vin"
    vehicle_a.refresh_from_db()
    assert vehicle_a.plate == "京A54321"


def test_mileage_given_at_creation_is_the_current_mileage(api_as, agent_a, customer_a):
    client = api_as(agent_a)
    response = post(client, "/api/v1/vehicles", vehicle_payload(customer_a, mileage_km=12_500))
    assert response.status_code == 201
    vehicle_id = response.json()["id"]
    assert response.json()["current_mileage_km"] == 12_500
    assert client.get(f"/api/v1/vehicles/{vehicle_id}").json()["current_mileage_km"] == 12_500
    assert MileageReading.objects.filter(vehicle_id=vehicle_id, km=12_500).count() == 1


def test_negative_mileage_is_refused(api_as, agent_a, customer_a):
    response = post(api_as(agent_a), "/api/v1/vehicles", vehicle_payload(customer_a, mileage_km=-1))
    assert response.status_code == 422
    assert response.json()["field"] == "mileage_km"
    assert not Vehicle.objects.exists()


def test_lower_mileage_needs_a_reason(agent_a, vehicle_a):
    services.mileage_record(actor=agent_a, vehicle=vehicle_a, km=20_000)
    with pytest.raises(DomainError) as caught:
        services.mileage_record(actor=agent_a, vehicle=vehicle_a, km=15_000)
    assert caught.value.code == "mileage_decrease_needs_reason"
    assert "20000" in caught.value.message
    vehicle_a.refresh_from_db()
    assert vehicle_a.current_mileage_km == 20_000

    services.mileage_record(actor=agent_a, vehicle=vehicle_a, km=15_000, reason="更换仪表")
    vehicle_a.refresh_from_db()
    assert vehicle_a.current_mileage_km == 15_000
    assert list(vehicle_a.mileage_readings.values_list("km", flat=True)) == [15_000, 20_000]


# --- search and paging -------------------------------------------------------------------------


@pytest.fixture
def searchable(store_a, agent_a, customer_a, vehicle_a):
    """王芳 (13812345678, 京A12345) and 陈杰 (13955550000, a new-energy 粤BD12345)."""
    other = make_customer(store_a, agent_a, name="陈杰", mobile="13955550000")
    make_vehicle(other, agent_a, plate="粤BD12345")
    return {"王芳": customer_a, "陈杰": other}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("王芳", ["王芳"]),
        ("陈", ["陈杰"]),
        ("5678", ["王芳"]),  # the end of a mobile number
        ("1381234", ["王芳"]),
        ("5555", ["陈杰"]),
        ("京A12345", ["王芳"]),
        ("京a·12345", ["王芳"]),  # typed as on the plate
        ("BD123", ["陈杰"]),
        ("无此人", []),
    ],
)
def test_search_by_name_mobile_or_plate(api_as, agent_a, searchable, q, expected):
    body = api_as(agent_a).get("/api/v1/customers", {"q": q}).json()
    assert sorted(item["name"] for item in body["items"]) == sorted(expected)
    assert body["count"] == len(expected)


def test_search_by_vin_fragment(api_as, agent_a, searchable, vehicle_a):
    client = api_as(agent_a)
    for q in (vehicle_a.vin, vehicle_a.vin[-6:], vehicle_a.vin[-6:].lower()):
        body = client.get("/api/v1/customers", {"q": q}).json()
        assert [item["name"] for item in body["items"]] == ["王芳"], q
    vehicles = client.get("/api/v1/vehicles", {"q": vehicle_a.vin[-8:]}).json()
    assert [item["id"] for item in vehicles["items"]] == [vehicle_a.pk]


def test_pagination_with_limit_offset_and_count(api_as, agent_a, store_a):
    for number in range(7):
        make_customer(store_a, agent_a, name=f"客户{number}", mobile=f"1370000000{number}")
    client = api_as(agent_a)
    seen = []
    for offset in (0, 3, 6):
        body = client.get("/api/v1/customers", {"limit": 3, "offset": offset}).json()
        assert body["count"] == 7
        seen += [item["name"] for item in body["items"]]
    assert len(seen) == 7
    assert sorted(seen) == sorted(f"客户{number}" for number in range(7))
    assert seen[0] == "客户6"  # newest first

    past_the_end = client.get("/api/v1/customers", {"limit": 3, "offset": 30}).json()
    assert past_the_end == {"count": 7, "items": []}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1}])
def test_out_of_range_paging_is_refused(api_as, agent_a, params):
    response = api_as(agent_a).get("/api/v1/customers", params)
    assert response.status_code == 422
    assert response.json()["field"] == next(iter(params))


def test_customer_list_query_count_does_not_grow_with_rows(api_as, agent_a, store_a):
    client = api_as(agent_a)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/customers").status_code == 200
        return len(captured)

    make_customer(store_a, agent_a)
    # The token's first use records when it was last used; with a shared cache the second
    # reads the token again and keeps it.
    queries_for_list()
    queries_for_list()
    few = queries_for_list()
    for _ in range(10):
        customer = make_customer(store_a, agent_a)
        make_vehicle(customer, agent_a)
    assert queries_for_list() == few


def test_vehicle_list_filters_by_owner(api_as, agent_a, searchable, vehicle_a):
    body = api_as(agent_a).get("/api/v1/vehicles", {"customer_id": vehicle_a.owner_id}).json()
    assert body["count"] == 1
    assert body["items"][0]["vin"] == vehicle_a.vin
