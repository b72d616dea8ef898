"""Add-on items (增项): the owner's message and link, one decision only (also under concurrent
requests), phone decisions with who said it, and signed links that cannot be forged, reused
for another purpose or used after they expire."""

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from dealercare.core.links import customer_link_token
from dealercare.notifications.models import Message
from dealercare.workorders import services
from dealercare.workorders.models import AddOn, RepairOrderEvent

from ..links import link_target, links_in
from .conftest import NOW, drive, open_order, post

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def order(advisor_a, vehicle_a):
    return drive(open_order(advisor_a, vehicle_a), "in_progress", advisor_a)


def _propose(client, order, name="前刹车片", price="480.00"):
    response = post(
        client, f"/api/v1/repair-orders/{order.pk}/add-ons", {"name": name, "price": price}
    )
    assert response.status_code == 201, response.content
    return response.json()


def _decision_token(add_on_id: int, order) -> str:
    """The token the owner's progress page (public API) hands out for a pending add-on."""
    progress = services.progress_path(order).rstrip("/").rsplit("/", 1)[1]
    body = Client().get(f"/api/v1/public/repair-orders/{progress}").json()
    return next(a["decision_token"] for a in body["add_ons"] if a["id"] == add_on_id)


@pytest.mark.django_db
def test_a_new_add_on_messages_the_owner_with_the_progress_link(frozen, api_as, advisor_a, order):
    before = Message.objects.count()
    add_on = _propose(api_as(advisor_a), order)

    assert add_on["decision"] == "pending" and add_on["price"] == "480.00"
    message = Message.objects.get(template="ro_add_on_waiting")
    assert Message.objects.count() == before + 1
    assert message.customer_id == order.customer_id and message.recipient == order.customer.mobile
    assert "前刹车片" in message.body
    assert link_target(services.progress_path(order)) in links_in(message.body)
    # The link opens the owner's page, which shows the item and its price.
    page = Client().get(services.progress_path(order))
    assert page.status_code == 200 and "前刹车片" in page.content.decode()
    note = RepairOrderEvent.objects.filter(repair_order=order).last().note
    assert "前刹车片" in note and "480.00" in note


@pytest.mark.django_db
def test_the_owner_decides_once_and_the_first_decision_stands(frozen, api_as, advisor_a, order):
    add_on = _propose(api_as(advisor_a), order)
    token = _decision_token(add_on["id"], order)
    owner = Client()

    first = post(owner, f"/api/v1/public/add-ons/{token}/decision", {"decision": "approved"})
    second = post(owner, f"/api/v1/public/add-ons/{token}/decision", {"decision": "declined"})

    assert first.status_code == 200, first.content
    assert first.json()["decision"] == "approved" and first.json()["decided_via"] == "link"
    assert second.status_code == 409 and second.json()["code"] == "already_decided"
    stored = AddOn.objects.get(pk=add_on["id"])
    assert (stored.decision, stored.decided_at, stored.decided_via) == ("approved", NOW, "link")
    decisions = RepairOrderEvent.objects.filter(repair_order=order, note__startswith="增项已同意")
    assert decisions.count() == 1
    # The staff side cannot overwrite it either.
    response = post(
        api_as(advisor_a),
        f"/api/v1/repair-orders/{order.pk}/add-ons/{add_on['id']}/decision",
        {"decision": "declined", "decided_by_name": "王芳"},
    )
    assert response.status_code == 409 and response.json()["code"] == "already_decided"
    assert AddOn.objects.get(pk=add_on["id"]).decision == "approved"
    # A decided add-on no longer carries a decision token.
    progress = services.progress_path(order).rstrip("/").rsplit("/", 1)[1]
    body = Client().get(f"/api/v1/public/repair-orders/{progress}").json()
    assert body["add_ons"][0]["decision_token"] is None
    assert body["totals"]["add_ons_approved"] == "480.00"


@pytest.mark.django_db
def test_a_phone_decision_records_who_said_it(api_as, advisor_a, order):
    add_on = _propose(api_as(advisor_a), order)
    url = f"/api/v1/repair-orders/{order.pk}/add-ons/{add_on['id']}/decision"
    client = api_as(advisor_a)

    for nobody in ({"decision": "approved"}, {"decision": "approved", "decided_by_name": "  "}):
        response = post(client, url, nobody)
        assert response.status_code == 422 and response.json()["field"] == "decided_by_name"
    assert AddOn.objects.get(pk=add_on["id"]).decision == "pending"

    response = post(client, url, {"decision": "declined", "decided_by_name": "王芳（车主）"})
    assert response.status_code == 200, response.content
    stored = AddOn.objects.get(pk=add_on["id"])
    assert stored.decision == "declined" and stored.decided_via == "phone"
    assert stored.decided_by_name == "王芳（车主）" and stored.recorded_by == advisor_a
    event = RepairOrderEvent.objects.filter(repair_order=order).last()
    assert event.actor == advisor_a and "王芳（车主）" in event.note


@pytest.mark.django_db
def test_an_unknown_decision_is_refused(api_as, advisor_a, order):
    add_on = _propose(api_as(advisor_a), order)
    token = _decision_token(add_on["id"], order)
    for decision in ("pending", "maybe"):
        response = post(
            Client(), f"/api/v1/public/add-ons/{token}/decision", {"decision": decision}
        )
        assert response.status_code == 422, response.content
    assert AddOn.objects.get(pk=add_on["id"]).decision == "pending"


@pytest.mark.django_db
def test_tampered_expired_and_wrong_purpose_links_are_refused(api_as, advisor_a, order):
    add_on = _propose(api_as(advisor_a), order)
    owner = Client()
    token = _decision_token(add_on["id"], order)
    progress = services.progress_path(order).rstrip("/").rsplit("/", 1)[1]

    def decide(t):
        return post(owner, f"/api/v1/public/add-ons/{t}/decision", {"decision": "approved"})

    # Tampered: another id in the payload with the old signature, or a damaged signature.
    other_id = customer_link_token(purpose="add-on", object_id=add_on["id"] + 1)
    forged = other_id.split(":", 1)[0] + ":" + token.split(":", 1)[1]
    damaged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, damaged, "nonsense", token + "x"):
        response = decide(bad)
        assert response.status_code == 404, (bad, response.content)
        assert response.json()["code"] == "link_invalid"
    # A progress token is not an add-on token, and the other way round.
    response = decide(progress)
    assert response.status_code == 404 and response.json()["code"] == "link_invalid"
    response = owner.get(f"/api/v1/public/repair-orders/{token}")
    assert response.status_code == 404 and response.json()["code"] == "link_invalid"
    # A valid token for an add-on that does not exist: a plain 404.
    response = decide(customer_link_token(purpose="add-on", object_id=10**9))
    assert response.status_code == 404
    assert AddOn.objects.get(pk=add_on["id"]).decision == "pending"


@pytest.mark.django_db
def test_links_expire_after_the_configured_days(api_as, advisor_a, order, settings):
    import time_machine

    settings.CUSTOMER_LINK_MAX_AGE_DAYS = 14
    with time_machine.travel(NOW, tick=False) as clock:
        add_on = _propose(api_as(advisor_a), order)
        token = _decision_token(add_on["id"], order)
        progress = services.progress_path(order).rstrip("/").rsplit("/", 1)[1]
        clock.shift(dt.timedelta(days=13, hours=23))
        assert Client().get(f"/api/v1/public/repair-orders/{progress}").status_code == 200
        clock.shift(dt.timedelta(days=1, hours=2))  # 15 days and 1 hour after signing
        response = post(
            Client(), f"/api/v1/public/add-ons/{token}/decision", {"decision": "approved"}
        )
        assert response.status_code == 410 and response.json()["code"] == "link_expired"
        response = Client().get(f"/api/v1/public/repair-orders/{progress}")
        assert response.status_code == 410 and response.json()["code"] == "link_expired"
    assert AddOn.objects.get(pk=add_on["id"]).decision == "pending"


@pytest.mark.django_db
def test_a_photo_is_attached_and_only_images_are_accepted(api_as, advisor_a, order):
    client = api_as(advisor_a)
    add_on = _propose(client, order)
    url = f"/api/v1/repair-orders/{order.pk}/add-ons/{add_on['id']}/photo"

    text = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    response = client.post(url, {"photo": text})
    assert response.status_code == 422 and response.json()["field"] == "photo"
    assert not AddOn.objects.get(pk=add_on["id"]).photo

    photo = SimpleUploadedFile("brake.png", PNG, content_type="image/png")
    response = client.post(url, {"photo": photo})
    assert response.status_code == 200, response.content
    assert response.json()["photo_url"].endswith(".png")
    stored = AddOn.objects.get(pk=add_on["id"])
    with stored.photo.open("rb") as handle:
        assert handle.read() == PNG
    stored.photo.delete(save=False)


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_the_same_moment_exactly_one_wins(store_a, advisor_a, vehicle_a):
    order = drive(open_order(advisor_a, vehicle_a), "in_progress", advisor_a)
    add_on = services.add_on_create(actor=advisor_a, repair_order=order, name="刹车盘", price="900")
    token = services.add_on_token(add_on)
    decisions = ["approved", "declined", "approved", "declined"]
    barrier = threading.Barrier(len(decisions))
    results: list = [None] * len(decisions)

    def run(index):
        try:
            client = Client()
            barrier.wait(timeout=30)
            response = post(
                client, f"/api/v1/public/add-ons/{token}/decision", {"decision": decisions[index]}
            )
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(decisions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(result[0] for result in results)
    assert statuses == [200, 409, 409, 409], results
    winner = next(decisions[i] for i, r in enumerate(results) if r[0] == 200)
    assert all(r[1]["code"] == "already_decided" for r in results if r[0] == 409)
    assert AddOn.objects.get(pk=add_on.pk).decision == winner
    notes = RepairOrderEvent.objects.filter(repair_order=order, note__contains="刹车盘（客户）")
    assert notes.count() == 1
