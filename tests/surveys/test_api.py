"""The surveys API: questionnaires, invitations (store scoping), the public response endpoint
and the results' validation."""

import pytest
from django.test import Client

from dealercare.surveys.models import Invitation, Questionnaire

from ..factories import make_staff, make_vehicle
from ..workorders.conftest import open_order

ITEMS = [
    {"text": "接待态度", "item_type": "scale5", "weight": "1.5", "dimension": "attitude"},
    {"text": "推荐意愿", "item_type": "recommend"},
]


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def status(client, url, data) -> int:
    return post(client, url, data).status_code


def test_questionnaire_create_version_and_list(api_as, admin, store_a, store_b, manager_a):
    client = api_as(admin)
    body = {"code": "csi-short", "name": "简版", "kind": "csi", "items": ITEMS}
    first = post(client, "/api/v1/questionnaires", body)
    assert first.status_code == 201, first.content
    created = first.json()
    assert (created["version"], created["status"], created["store_id"]) == (1, "draft", None)
    assert [i["item_type"] for i in created["items"]] == ["scale5", "recommend"]
    assert created["items"][0]["weight"] in ("1.50", "1.5", 1.5)

    second = post(client, "/api/v1/questionnaires", {**body, "activate": True}).json()
    assert (second["version"], second["status"]) == (2, "active")

    b_only = {"code": "sh-own", "name": "上海", "kind": "nps", "items": ITEMS[1:]}
    assert (
        post(client, "/api/v1/questionnaires", {**b_only, "store_id": store_b.pk}).status_code
        == 201
    )

    listed = client.get("/api/v1/questionnaires").json()
    assert {"csi-service", "ssi-sale", "nps-short", "csi-short", "sh-own"} <= {
        q["code"] for q in listed
    }
    # A store A manager sees the group's questionnaires, not store B's own.
    seen_by_a = {q["code"] for q in api_as(manager_a).get("/api/v1/questionnaires").json()}
    assert "csi-short" in seen_by_a and "sh-own" not in seen_by_a


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "xyz"},
        {"code": "Bad Code"},
        {"items": []},
        {"items": [{"text": "分数", "item_type": "scale7"}]},
        {"items": [{"text": "选项", "item_type": "single"}]},  # no options
        {"items": [{"text": "维度", "item_type": "scale5", "dimension": "mood"}]},
    ],
)
def test_questionnaire_create_validation(api_as, admin, change):
    body = {"code": "bad", "name": "坏", "kind": "csi", "items": ITEMS, **change}
    assert post(api_as(admin), "/api/v1/questionnaires", body).status_code == 422
    assert not Questionnaire.objects.filter(code="bad").exists()


def test_questionnaire_create_needs_the_permission(api_as, agent_a):
    body = {"code": "x-1", "name": "x", "kind": "csi", "items": ITEMS}
    assert post(api_as(agent_a), "/api/v1/questionnaires", body).status_code == 403


def test_invitation_create_and_answer_by_the_link(api_as, agent_a, store_a, customer_a, mixed):
    client = api_as(agent_a)
    created = post(
        client,
        "/api/v1/survey-invitations",
        {
            "store_id": store_a.pk,
            "customer_id": customer_a.pk,
            "channel": "qr_onsite",
            "questionnaire_id": mixed.pk,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["channel"], body["questionnaire_id"]) == ("qr_onsite", mixed.pk)
    token = body["link"].rstrip("/").rsplit("/", 1)[-1]
    # Two invitations in a row are two invitations (no accidental idempotency).
    again = post(
        client,
        "/api/v1/survey-invitations",
        {"store_id": store_a.pk, "customer_id": customer_a.pk, "channel": "qr_onsite"},
    )
    assert again.status_code == 201 and again.json()["id"] != body["id"]
    assert again.json()["questionnaire_id"] == Questionnaire.objects.get(code="csi-service").pk

    items = {i.position: i.pk for i in mixed.items.all()}
    url = f"/api/v1/public/surveys/{token}/responses"
    # The public endpoint needs no token: a bare client.
    bad = post(Client(), url, {"answers": {str(items[1]): 9, str(items[2]): 5, str(items[4]): 9}})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_answer"
    missing = post(Client(), url, {"answers": {str(items[2]): 5, str(items[4]): 9}})
    assert missing.status_code == 422
    assert post(Client(), url, {}).status_code == 422
    ok = post(Client(), url, {"answers": {str(items[1]): 5, str(items[2]): "8", str(items[4]): 10}})
    assert ok.status_code == 201, ok.content
    assert float(ok.json()["csi"]) == 93.33  # (2·1 + .8)/3
    assert ok.json()["below_threshold"] is False and ok.json()["recommend"] == 10
    assert post(Client(), url, {"answers": {str(items[1]): 5}}).status_code == 409


def test_invitation_store_scoping(
    api_as, agent_a, hq_user, store_a, store_b, customer_a, customer_b, agent_b, mixed
):
    client = api_as(agent_a)
    url = "/api/v1/survey-invitations"
    advisor_b = make_staff("service_advisor", store_b)
    order_b = open_order(advisor_b, make_vehicle(customer_b, agent_b))
    # Another store's customer or repair order is not found for store A staff.
    assert (
        post(client, url, {"store_id": store_a.pk, "customer_id": customer_b.pk}).status_code == 404
    )
    assert (
        post(client, url, {"store_id": store_a.pk, "repair_order_id": order_b.pk}).status_code
        == 404
    )
    assert (
        post(client, url, {"store_id": store_b.pk, "customer_id": customer_b.pk}).status_code == 404
    )
    assert status(client, url, {"store_id": store_a.pk}) == 422
    assert (
        post(
            client, url, {"store_id": store_a.pk, "customer_id": customer_a.pk, "channel": "email"}
        ).status_code
        == 422
    )
    # HQ sees both stores: the mismatch is a validation error.
    hq = api_as(hq_user)
    assert status(hq, url, {"store_id": store_a.pk, "customer_id": customer_b.pk}) == 422
    assert status(hq, url, {"store_id": store_a.pk, "repair_order_id": order_b.pk}) == 422
    # Another store's own questionnaire: not found; a draft: refused.
    b_own = Questionnaire.objects.create(
        code="b-own", name="b", kind="csi", status="active", store=store_b
    )
    body = {"store_id": store_a.pk, "customer_id": customer_a.pk}
    assert status(client, url, {**body, "questionnaire_id": b_own.pk}) == 404
    draft = Questionnaire.objects.create(code="draft-x", name="d", kind="csi")
    assert status(client, url, {**body, "questionnaire_id": draft.pk}) == 422
    assert not Invitation.objects.exists()
    # The repair order of the store: the customer is the order's.
    advisor_a = make_staff("service_advisor", store_a)
    order_a = open_order(advisor_a, make_vehicle(customer_a, agent_a))
    created = post(client, url, {"store_id": store_a.pk, "repair_order_id": order_a.pk})
    assert created.status_code == 201
    assert created.json()["customer_id"] == customer_a.pk
    assert Invitation.objects.get().advisor == advisor_a


def test_results_validation(api_as, manager_a, store_a, store_b):
    client = api_as(manager_a)
    base = "/api/v1/survey-results?month=2026-03-01"
    assert client.get(base + "&group_by=region").status_code == 422
    assert client.get(base + "&group_by=region").json()["field"] == "group_by"
    assert client.get("/api/v1/survey-results?group_by=item").status_code == 422  # no month
    assert client.get("/api/v1/survey-results?month=2026-13-01").status_code == 422
    assert client.get(base + f"&store_id={store_b.pk}").status_code == 404
    assert client.get(base + f"&store_id={store_a.pk}").status_code == 200
    technician = make_staff("technician", store_a)
    assert api_as(technician).get(base).status_code == 403
    assert api_as(manager_a).get(base + "&group_by=advisor").status_code == 200


def test_a_cs_manager_builds_a_questionnaire_for_the_store(api_as, store_a):
    from tests.factories import make_staff

    manager = make_staff("cs_manager", store_a)
    response = api_as(manager).post(
        "/api/v1/questionnaires",
        {
            "code": "bj01-quick",
            "name": "快速回访问卷",
            "kind": "csi",
            "items": [{"text": "整体满意度", "item_type": "scale5", "dimension": "quality"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["store_id"] == store_a.pk
