"""Survey results: CSI, NPS and response rate per store, month, item, dimension and advisor;
the store's weakest items (used by the follow-up scripts)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from dealercare.core.periods import local_days
from dealercare.org.models import StaffProfile, Store

from .models import Answer, Dimension, Invitation, Item, Response
from .scoring import mean_of, nps_of, weighted_csi

GROUPINGS = ("item", "dimension", "advisor", "store")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def responses_in(*, actor, store_id: int | None, month: dt.date) -> QuerySet[Response]:
    return Response.objects.visible_to(actor).in_store(store_id).filter(month=month_start(month))


def _invited(*, actor, store_id: int | None, month: dt.date) -> QuerySet[Invitation]:
    start, end = _month_bounds(month)
    return (
        Invitation.objects.visible_to(actor)
        .in_store(store_id)
        .filter(send_after__gte=start, send_after__lt=end)
    )


INVITED_ANSWERED = {"invited": Count("id"), "answered": Count("response")}


def _rate(counts: dict) -> Decimal | None:
    if not counts["invited"]:
        return None
    return (Decimal(counts["answered"]) / counts["invited"]).quantize(Decimal("0.0001"))


def response_rate(*, actor, store_id: int | None, month: dt.date) -> Decimal | None:
    """Invitations of the month answered ÷ invitations of the month."""
    return _rate(
        _invited(actor=actor, store_id=store_id, month=month).aggregate(**INVITED_ANSWERED)
    )


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = month_start(month)
    return local_days(start, (start + dt.timedelta(days=32)).replace(day=1))


def _csi_nps() -> dict:
    """Sums and counts from which CSI (mean of the responses' CSI) and NPS are computed."""
    return {
        "responses": Count("id"),
        "csi_sum": Sum("csi"),
        "csi_count": Count("csi"),
        "recommenders": Count("recommend"),
        "promoters": Count("id", filter=Q(recommend__gte=9)),
        "detractors": Count("id", filter=Q(recommend__lte=6)),
    }


def _figures(totals: dict) -> dict:
    return {
        "csi": mean_of(totals["csi_sum"], totals["csi_count"]),
        "nps": nps_of(totals["promoters"], totals["detractors"], totals["recommenders"]),
    }


def survey_results(*, actor, store_id: int | None, month: dt.date, group_by: str = "item") -> dict:
    """Overall CSI (mean of the responses' CSI), NPS, response rate, and rows per item,
    dimension, advisor or store. A group without answers has None, not 0. Sums and counts come from
    the database (a month of a large group is tens of thousands of answers); the rounding is
    the scoring module's, so the figures equal those computed response by response."""
    responses = responses_in(actor=actor, store_id=store_id, month=month)
    if group_by == "store":
        # The stores' own sums add up to the overall figures: no second pass over the month.
        per_store = {
            row["store_id"]: row
            for row in responses.values("store_id").annotate(**_csi_nps()).order_by()
        }
        invited = {
            row["store_id"]: row
            for row in _invited(actor=actor, store_id=store_id, month=month)
            .values("store_id")
            .annotate(**INVITED_ANSWERED)
            .order_by()
        }
        totals = _summed(per_store.values(), _csi_nps())
        overall = {
            "responses": totals["responses"],
            **_figures(totals),
            "response_rate": _rate(_summed(invited.values(), INVITED_ANSWERED)),
        }
        return {
            **overall,
            "month": month_start(month),
            "group_by": group_by,
            "rows": _store_rows(per_store, invited),
        }
    totals = responses.aggregate(**_csi_nps())
    overall = {
        "responses": totals["responses"],
        **_figures(totals),
        "response_rate": response_rate(actor=actor, store_id=store_id, month=month),
    }
    rows = []
    if group_by in {"item", "dimension"}:
        per_item = {
            row["item_id"]: row
            for row in Answer.objects.filter(
                response__in=responses,
                score__isnull=False,
                item__item_type__in=[Item.Type.SCALE5, Item.Type.SCALE10],
            )
            .values("item_id")
            .annotate(answers=Count("id"), score_sum=Sum("score"))
            .order_by()
        }
        groups: dict = defaultdict(list)
        order: dict = {}
        for item in Item.objects.filter(pk__in=per_item):
            key = item.text if group_by == "item" else item.dimension
            order.setdefault(key, item.position if group_by == "item" else key)
            groups[key].append((item, per_item[item.pk]))
        # Items in questionnaire order; dimensions by name.
        for key, members in sorted(groups.items(), key=lambda pair: order[pair[0]]):
            label = key if group_by == "item" else str(Dimension(key).label) if key else "—"
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "answers": sum(row["answers"] for _, row in members),
                    "csi": weighted_csi(
                        (item.weight, row["score_sum"], row["answers"], item.max_score)
                        for item, row in members
                    ),
                }
            )
    elif group_by == "advisor":
        per_advisor = responses.values("advisor_id").annotate(**_csi_nps()).order_by("advisor_id")
        names = dict(
            StaffProfile.objects.filter(
                user_id__in=[row["advisor_id"] for row in per_advisor if row["advisor_id"]]
            ).values_list("user_id", "display_name")
        )
        for row in per_advisor:
            rows.append(
                {
                    "key": row["advisor_id"],
                    "label": names.get(row["advisor_id"], "—"),
                    "answers": row["responses"],
                    **_figures(row),
                }
            )
    return {**overall, "month": month_start(month), "group_by": group_by, "rows": rows}


def _summed(rows, keys) -> dict:
    return {key: sum(row[key] or 0 for row in rows) for key in keys}


def _store_rows(figures: dict, invited: dict) -> list[dict]:
    """The stores side by side (HQ's monthly ranking): best CSI first, stores without
    answers last."""
    names = dict(
        Store.objects.filter(pk__in=figures.keys() | invited.keys()).values_list("pk", "name")
    )
    rows = []
    for pk, name in names.items():
        row = figures.get(pk)
        rows.append(
            {
                "key": pk,
                "label": name,
                "answers": row["responses"] if row else 0,
                **(_figures(row) if row else {"csi": None, "nps": None}),
                "response_rate": _rate(invited[pk]) if pk in invited else None,
            }
        )
    rows.sort(key=lambda r: (r["csi"] is None, -(r["csi"] or 0), r["label"]))
    return rows


def weakest_items(
    *, store_id: int, month: dt.date, limit: int = 2, minimum_answers: int = 3
) -> list[str]:
    """The store's lowest-scoring items of a month (by mean share of the maximum). The database
    sums the scores of each item text and scale; a sum ÷ the scale's maximum is the sum of the
    shares, exactly as adding them one answer at a time."""
    answers: dict[str, int] = defaultdict(int)
    share_sums: dict[str, Decimal] = defaultdict(Decimal)
    for text, item_type, count, score_sum in (
        Answer.objects.filter(
            response__store_id=store_id,
            response__month=month_start(month),
            score__isnull=False,
            item__item_type__in=[Item.Type.SCALE5, Item.Type.SCALE10],
        )
        .values_list("item__text", "item__item_type")
        .annotate(count=Count("id"), score_sum=Sum("score"))
        .order_by()
    ):
        answers[text] += count
        share_sums[text] += Decimal(score_sum) / (5 if item_type == Item.Type.SCALE5 else 10)
    ranked = sorted(
        (share_sums[text] / n, text) for text, n in answers.items() if n >= minimum_answers
    )
    return [text for _, text in ranked[:limit]]
