"""Masking of personal data for roles that do not need it in full."""


def mask_phone(number: str | None) -> str:
    """`13812345678` → `138****5678`; short or empty values are masked entirely."""
    if not number:
        return ""
    digits = number.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_vin(vin: str | None) -> str:
    """Keep the last six characters, the part a customer reads out on the phone."""
    if not vin:
        return ""
    return "*" * (len(vin) - 6) + vin[-6:]
