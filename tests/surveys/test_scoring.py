"""CSI and NPS against hand-computed cases, and a hand-made month of results.

The month (store A, March 2026, questionnaire `mixed`: p1 1–5 weight 2 attitude, p2 1–10
weight 1 efficiency, p3 optional 1–5 weight 1 attitude, p4 recommend):

| resp | advisor | p1 | p2 | p3 | rec | CSI                                  |
|------|---------|----|----|----|-----|--------------------------------------|
| A    | X       | 4  | 7  | 5  | 10  | (2·.8 + .7 + 1)/4 = 82.50            |
| B    | Y       | 5  | 9  | –  | 8   | (2·1 + .9)/3 = 96.666… → 96.67       |
| C    | X       | 3  | 4  | 2  | 3   | (2·.6 + .4 + .4)/4 = 50.00           |
| D    | Y       | 5  | 10 | 5  | 9   | 100.00                               |

CSI = mean(82.50, 96.67, 50.00, 100.00) = 82.2925 → 82.29; NPS = (2 promoters − 1 detractor)/4
= 25.00; 5 invitations in March, 4 answered → 0.8000.
"""

import datetime as dt
from decimal import Decimal

import pytest

from dealercare.surveys.scoring import nps, response_csi
from dealercare.surveys.selectors import survey_results, weakest_items
from dealercare.surveys.services import invitation_create, response_submit

from ..factories import make_customer, make_staff
from .conftest import MONTH, SHANGHAI, answer, by_position, invite

D = Decimal


def test_csi_weighted_mixed_scales_by_hand():
    # 1–5 item weight 2 scored 4, 1–10 item weight 1 scored 7: (2·0.8 + 0.7) / 3 = 76.666…
    assert response_csi([(D("2"), 4, 5), (D("1"), 7, 10)]) == D("76.67")
    assert response_csi([(D("1.5"), 5, 5), (D("0.5"), 1, 5)]) == D("80.00")  # (1.5 + .1)/2
    assert response_csi([(D("1"), 10, 10)]) == D("100.00")
    assert response_csi([]) is None
    assert response_csi([(D("0"), 3, 5)]) is None  # nothing weighs: no figure, not 0


def test_nps_by_hand():
    # 3 promoters (9, 10, 9), 2 passives (7, 8), 3 detractors (0, 6, 5): (3 − 3)/8 = 0
    assert nps([9, 10, 9, 7, 8, 0, 6, 5]) == D("0.00")
    assert nps([10, 9, 8]) == D("66.67")  # 2/3 promoters, 1 passive
    assert nps([6, 7]) == D("-50.00")
    assert nps([0]) == D("-100.00")
    assert nps([]) is None


@pytest.fixture
def march(store_a, store_b, customer_a, customer_b, agent_a, agent_b, mixed):
    advisor_x = make_staff("service_advisor", store_a, username="顾问X")
    advisor_y = make_staff("service_advisor", store_a, username="顾问Y")
    rows = [
        (advisor_x, dict(p1=4, p2=7, p3=5, p4=10)),
        (advisor_y, dict(p1=5, p2=9, p4=8, p5="", p6="自驾")),  # p3 skipped
        (advisor_x, dict(p1=3, p2=4, p3=2, p4=3, p5="等太久")),
        (advisor_y, dict(p1=5, p2=10, p3=5, p4=9)),
    ]
    responses = []
    for n, (advisor, scores) in enumerate(rows):
        customer = make_customer(store_a, agent_a, name=f"客户{n}")
        invitation = invite(store_a, customer, mixed, day=n + 1, advisor=advisor)
        responses.append(answer(invitation, mixed, day=n + 10, **scores))
    invite(store_a, customer_a, mixed, day=20)  # invited, not answered
    # 1 April 00:30 in the store's zone (still 31 March in UTC): April, not March.
    april = dt.datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI)
    late = invitation_create(
        store=store_a, customer=customer_a, channel="phone", questionnaire=mixed, send_after=april
    )
    late_response = response_submit(
        invitation=late, answers=by_position(mixed, p1=1, p2=1, p4=0), at=april
    )
    assert late_response.month == dt.date(2026, 4, 1)
    other = invite(store_b, customer_b, mixed, day=3)
    answer(other, mixed, day=4, p1=1, p2=1, p4=0)
    return {"responses": responses, "x": advisor_x, "y": advisor_y}


def test_response_csi_is_stored_per_response(march):
    assert [r.csi for r in march["responses"]] == [D("82.50"), D("96.67"), D("50.00"), D("100")]
    assert [r.recommend for r in march["responses"]] == [10, 8, 3, 9]
    assert [r.below_threshold for r in march["responses"]] == [False, False, True, False]
    assert {r.month for r in march["responses"]} == {MONTH}


def test_results_per_item_dimension_and_advisor(march, manager_a, store_a, mixed):
    by_item = survey_results(actor=manager_a, store_id=store_a.pk, month=MONTH, group_by="item")
    assert by_item["responses"] == 4
    assert by_item["csi"] == D("82.29")
    assert by_item["nps"] == D("25.00")
    assert by_item["response_rate"] == D("0.8000")
    assert {r["key"]: (r["answers"], r["csi"]) for r in by_item["rows"]} == {
        "接待态度": (4, D("85.00")),  # (.8 + 1 + .6 + 1)/4
        "交车及时": (4, D("75.00")),  # (.7 + .9 + .4 + 1)/4
        "休息区礼貌": (3, D("80.00")),  # (1 + .4 + 1)/3: the skip is not a zero
    }

    by_dimension = survey_results(
        actor=manager_a, store_id=store_a.pk, month=MONTH, group_by="dimension"
    )
    # attitude weighs p1 (weight 2) against p3 (weight 1): (2·3.4 + 2.4)/(2·4 + 3) = 83.636…
    assert {r["key"]: (r["answers"], r["csi"]) for r in by_dimension["rows"]} == {
        "attitude": (7, D("83.64")),
        "efficiency": (4, D("75.00")),
    }
    assert {r["label"] for r in by_dimension["rows"]} == {"服务态度", "服务效率"}

    by_advisor = survey_results(
        actor=manager_a, store_id=store_a.pk, month=MONTH, group_by="advisor"
    )
    rows = {r["label"]: (r["answers"], r["csi"], r["nps"]) for r in by_advisor["rows"]}
    assert rows == {
        "顾问X": (2, D("66.25"), D("0.00")),  # (82.50 + 50)/2; one promoter, one detractor
        "顾问Y": (2, D("98.34"), D("50.00")),  # (96.67 + 100)/2 = 98.335; 9 and 8
    }

    # Weakest items of the month (at least 3 answers): 交车及时 75%, 休息区礼貌 80%.
    assert weakest_items(store_id=store_a.pk, month=MONTH) == ["交车及时", "休息区礼貌"]


def test_store_scoping_and_hq_totals(march, agent_b, hq_user, store_b):
    seen_by_b = survey_results(actor=agent_b, store_id=None, month=MONTH)
    assert seen_by_b["responses"] == 1 and seen_by_b["csi"] == D("16.67")  # (2·.2 + .1)/3
    everything = survey_results(actor=hq_user, store_id=None, month=MONTH)
    assert everything["responses"] == 5


def test_hq_ranks_the_stores_of_a_month(march, hq_user, agent_b, store_a, store_b, api_as):
    ranking = survey_results(actor=hq_user, store_id=None, month=MONTH, group_by="store")
    # Store A: 4 responses, CSI (82.50 + 96.67 + 50 + 100)/4 = 82.29, NPS (2 − 1)/4 = 25,
    # 4 of 5 invitations answered; store B: 1 response (16.67, recommend 0), 1 of 1. Best first.
    assert [
        (r["key"], r["answers"], r["csi"], r["nps"], r["response_rate"]) for r in ranking["rows"]
    ] == [
        (store_a.pk, 4, D("82.29"), D("25.00"), D("0.8000")),
        (store_b.pk, 1, D("16.67"), D("-100.00"), D("1.0000")),
    ]
    assert ranking["responses"] == 5
    # The overall figures are the stores' added up: the same as any other grouping's.
    by_item = survey_results(actor=hq_user, store_id=None, month=MONTH, group_by="item")
    overall = ("responses", "csi", "nps", "response_rate")
    assert {k: ranking[k] for k in overall} == {k: by_item[k] for k in overall}
    # A store's staff rank only their own store; the API gives HQ the same rows.
    own = survey_results(actor=agent_b, store_id=None, month=MONTH, group_by="store")
    assert [r["key"] for r in own["rows"]] == [store_b.pk]
    body = api_as(hq_user).get("/api/v1/survey-results?month=2026-03-01&group_by=store").json()
    assert [(r["label"], r["csi"], r["response_rate"]) for r in body["rows"]] == [
        (store_a.name, "82.29", "0.8000"),
        (store_b.name, "16.67", "1.0000"),
    ]


def test_no_responses_is_none_not_zero(store_a, manager_a, api_as):
    for group_by in ("item", "dimension", "advisor", "store"):
        empty = survey_results(actor=manager_a, store_id=store_a.pk, month=MONTH, group_by=group_by)
        assert empty["responses"] == 0 and empty["rows"] == []
        assert empty["csi"] is None and empty["nps"] is None and empty["response_rate"] is None
    assert weakest_items(store_id=store_a.pk, month=MONTH) == []

    body = (
        api_as(manager_a)
        .get(f"/api/v1/survey-results?store_id={store_a.pk}&month=2026-03-01&group_by=advisor")
        .json()
    )
    assert body["csi"] is None and body["nps"] is None and body["response_rate"] is None
    assert body["responses"] == 0 and body["rows"] == []


def test_results_api_figures(march, manager_a, store_a, api_as):
    body = (
        api_as(manager_a)
        .get(f"/api/v1/survey-results?store_id={store_a.pk}&month=2026-03-01&group_by=dimension")
        .json()
    )
    assert body["month"] == "2026-03-01" and body["group_by"] == "dimension"
    assert body["responses"] == 4
    assert {row["key"] for row in body["rows"]} == {"attitude", "efficiency"}
    assert body["nps"] is not None
