"""CSI and NPS (pure functions; DOMAIN.md): CSI = weighted mean item score ÷ maximum × 100 over
the scored items answered (skipped optional items do not count); NPS = % promoters (9–10) −
% detractors (0–6). No answers → None, never 0 or an error."""

from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


def response_csi(scored: list[tuple[Decimal, int, int]]) -> Decimal | None:
    """`scored`: (weight, score, max score) of each answered scored item."""
    total_weight = sum((weight for weight, _, _ in scored), Decimal("0"))
    if not total_weight:
        return None
    weighted = sum(
        (weight * Decimal(score) / Decimal(maximum) for weight, score, maximum in scored),
        Decimal("0"),
    )
    return (weighted / total_weight * 100).quantize(TWO, rounding=ROUND_HALF_UP)


def nps(recommend_scores: list[int]) -> Decimal | None:
    if not recommend_scores:
        return None
    promoters = sum(1 for score in recommend_scores if score >= 9)
    detractors = sum(1 for score in recommend_scores if score <= 6)
    return (Decimal(promoters - detractors) * 100 / len(recommend_scores)).quantize(
        TWO, rounding=ROUND_HALF_UP
    )


def mean(values) -> Decimal | None:
    values = [Decimal(v) for v in values if v is not None]
    if not values:
        return None
    return (sum(values, Decimal("0")) / len(values)).quantize(TWO, rounding=ROUND_HALF_UP)


def mean_of(total, count: int) -> Decimal | None:
    """`mean` from a sum and a count (as a database aggregates them)."""
    if not count:
        return None
    return (Decimal(total) / count).quantize(TWO, rounding=ROUND_HALF_UP)


def nps_of(promoters: int, detractors: int, answers: int) -> Decimal | None:
    """`nps` from counts of promoters (9-10), detractors (0-6) and all answers."""
    if not answers:
        return None
    return (Decimal(promoters - detractors) * 100 / answers).quantize(TWO, rounding=ROUND_HALF_UP)


def weighted_csi(groups) -> Decimal | None:
    """`response_csi` over many answers given per item as (weight, sum of scores, number of
    answers, max score): the same weighted share, without a row per answer."""
    weighted = total_weight = Decimal("0")
    for weight, score_sum, answers, maximum in groups:
        weighted += weight * Decimal(score_sum) / Decimal(maximum)
        total_weight += weight * answers
    if not total_weight:
        return None
    return (weighted / total_weight * 100).quantize(TWO, rounding=ROUND_HALF_UP)
