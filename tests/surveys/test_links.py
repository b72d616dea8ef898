"""The one-time link: one response per invitation (also for two submissions at the same
moment, each on its own database connection), an expired link is 410, a tampered one 404."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from dealercare.core.links import customer_link_token
from dealercare.surveys.models import Answer, Response
from dealercare.surveys.services import invitation_create, invitation_link_path

from .conftest import by_position


def api_path(invitation) -> str:
    token = invitation_link_path(invitation).rstrip("/").rsplit("/", 1)[-1]
    return f"/api/v1/public/surveys/{token}/responses"


def submit(path, answers):
    return Client().post(path, {"answers": answers}, content_type="application/json")


def good_answers(questionnaire):
    return by_position(questionnaire, p1=5, p2=9, p4=10)


@pytest.fixture
def invitation(store_a, customer_a, mixed):
    return invitation_create(
        store=store_a, customer=customer_a, channel="sms_link", questionnaire=mixed
    )


def test_a_used_link_cannot_answer_twice(invitation, mixed):
    path = api_path(invitation)
    first = submit(path, good_answers(mixed))
    assert first.status_code == 201, first.content
    assert float(first.json()["csi"]) == 96.67  # (2·1 + .9)/3, p3 skipped
    second = submit(path, by_position(mixed, p1=1, p2=1, p4=0))
    assert second.status_code == 409
    assert second.json()["code"] == "already_answered"
    assert Response.objects.count() == 1
    assert Answer.objects.filter(score=1).count() == 0


def test_an_expired_link_is_410(invitation, mixed):
    path = api_path(invitation)
    with time_machine.travel(invitation.expires_at + dt.timedelta(minutes=1)):
        response = submit(path, good_answers(mixed))
    assert response.status_code == 410
    assert response.json()["code"] == "link_expired"
    with time_machine.travel(invitation.expires_at + dt.timedelta(days=60)):  # the token too
        assert submit(path, good_answers(mixed)).status_code == 410
    assert not Response.objects.exists()


def test_a_tampered_link_is_404(invitation, mixed):
    path = api_path(invitation)
    token = path.split("/")[-2]
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    other_purpose = customer_link_token(purpose="progress", object_id=invitation.pk)
    missing = customer_link_token(purpose="survey", object_id=invitation.pk + 1000)
    for bad in (forged, other_purpose, missing, "not-a-token"):
        response = submit(f"/api/v1/public/surveys/{bad}/responses", good_answers(mixed))
        assert response.status_code == 404, bad
        assert response.json()["code"] == "link_invalid"
    assert not Response.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_one_wins(store_a, customer_a, admin):
    from dealercare.surveys.services import questionnaire_activate, questionnaire_create

    from .conftest import MIXED_ITEMS

    mixed = questionnaire_activate(
        questionnaire=questionnaire_create(
            actor=admin, code="mixed", name="混合问卷", kind="csi", items=MIXED_ITEMS
        ),
        actor=admin,
    )
    invitation = invitation_create(
        store=store_a, customer=customer_a, channel="sms_link", questionnaire=mixed
    )
    path = api_path(invitation)
    # The second submission is a low score: had it also been saved, it would alert too.
    bodies = [good_answers(mixed), by_position(mixed, p1=1, p2=1, p4=0)]
    results = [None, None]
    barrier = threading.Barrier(2)

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = submit(path, bodies[index]).status_code
        except Exception as exc:  # reported by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(results, key=str) == [201, 409], results
    assert Response.objects.filter(invitation=invitation).count() == 1
    saved = Response.objects.get(invitation=invitation)
    assert Answer.objects.filter(response=saved).count() == 3
    winner = results.index(201)
    from dealercare.complaints.models import Complaint

    assert Complaint.objects.filter(source="survey").count() == (1 if winner == 1 else 0)
