"""KPI arithmetic shared by every app's selectors."""

from decimal import Decimal


def ratio(numerator, denominator) -> Decimal | None:
    """numerator ÷ denominator to four places (0.6154); None when there is nothing to divide by,
    so a dashboard shows "—" rather than a misleading 0%."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))
