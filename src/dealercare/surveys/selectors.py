"""Survey results: CSI, NPS and response rate per store, month, item, dimension and advisor;
the store's weakest items (used by the follow-up scripts)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import QuerySet

from .models import Answer, Dimension, Invitation, Item, Response
from .scoring import mean, nps, response_csi


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def responses_in(*, actor, store_id: int | None, month: dt.date) -> QuerySet[Response]:
    return Response.objects.visible_to(actor).in_store(store_id).filter(month=month_start(month))


def response_rate(*, actor, store_id: int | None, month: dt.date) -> Decimal | None:
    start = month_start(month)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    invited = (
        Invitation.objects.visible_to(actor)
        .in_store(store_id)
        .filter(send_after__date__gte=start, send_after__date__lt=end)
    )
    total = invited.count()
    if not total:
        return None
    answered = invited.filter(response__isnull=False).count()
    return (Decimal(answered) / total).quantize(Decimal("0.0001"))


def survey_results(*, actor, store_id: int | None, month: dt.date, group_by: str = "item") -> dict:
    """Overall CSI (mean of the responses' CSI), NPS, response rate, and rows per item,
    dimension or advisor. A group without answers has None, not 0."""
    responses = list(
        responses_in(actor=actor, store_id=store_id, month=month).select_related(
            "advisor__staff_profile"
        )
    )
    overall = {
        "responses": len(responses),
        "csi": mean(r.csi for r in responses),
        "nps": nps([r.recommend for r in responses if r.recommend is not None]),
        "response_rate": response_rate(actor=actor, store_id=store_id, month=month),
    }
    answers = list(
        Answer.objects.filter(
            response__in=[r.pk for r in responses], score__isnull=False
        ).select_related("item")
    )
    rows = []
    if group_by in {"item", "dimension"}:
        groups: dict = defaultdict(list)
        order: dict = {}
        for answer in answers:
            if not answer.item.scored:
                continue
            key = answer.item.text if group_by == "item" else answer.item.dimension
            order.setdefault(key, answer.item.position if group_by == "item" else key)
            # A dimension's CSI weighs its items like the response CSI does.
            groups[key].append((answer.item.weight, answer.score, answer.item.max_score))
        # Items in questionnaire order; dimensions by name.
        for key, scored in sorted(groups.items(), key=lambda pair: order[pair[0]]):
            label = key if group_by == "item" else str(Dimension(key).label) if key else "—"
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "answers": len(scored),
                    "csi": response_csi(scored),
                }
            )
    elif group_by == "advisor":
        groups = defaultdict(list)
        for response in responses:
            groups[response.advisor].append(response)
        for advisor, items in groups.items():
            name = (
                advisor.staff_profile.display_name
                if advisor and hasattr(advisor, "staff_profile")
                else "—"
            )
            rows.append(
                {
                    "key": advisor.pk if advisor else None,
                    "label": name,
                    "answers": len(items),
                    "csi": mean(r.csi for r in items),
                    "nps": nps([r.recommend for r in items if r.recommend is not None]),
                }
            )
    return {**overall, "month": month_start(month), "group_by": group_by, "rows": rows}


def weakest_items(
    *, store_id: int, month: dt.date, limit: int = 2, minimum_answers: int = 3
) -> list[str]:
    """The store's lowest-scoring items of a month (by mean share of the maximum)."""
    shares: dict[str, list[Decimal]] = defaultdict(list)
    for score, item_type, text in Answer.objects.filter(
        response__store_id=store_id,
        response__month=month_start(month),
        score__isnull=False,
        item__item_type__in=[Item.Type.SCALE5, Item.Type.SCALE10],
    ).values_list("score", "item__item_type", "item__text"):
        shares[text].append(Decimal(score) / (5 if item_type == Item.Type.SCALE5 else 10))
    ranked = sorted(
        ((sum(v) / len(v), text) for text, v in shares.items() if len(v) >= minimum_answers)
    )
    return [text for _, text in ranked[:limit]]
