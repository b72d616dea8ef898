"""Money is yuan in `Decimal` with two places, rounded half-up like a cash register."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    """Any number-like value → Decimal with 2 places. Floats go through str() to avoid 0.1+0.2."""
    if isinstance(value, float):
        value = str(value)
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc


def money_sum(values) -> Decimal:
    return to_money(sum((to_money(v) for v in values), Decimal("0")))


def format_yuan(value) -> str:
    """`1234.5` → `¥1,234.50`."""
    return f"¥{to_money(value):,.2f}"


def MoneyField(verbose_name=None, **kwargs) -> models.DecimalField:
    kwargs.setdefault("max_digits", 12)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)
