"""Validation of mainland China mobile numbers, VINs (ISO 3779 check digit) and licence plates."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"  # letters I and O are not used on plates
_ORDINARY_PLATE = re.compile(
    rf"^[{PROVINCE_ABBREVIATIONS}][A-Z]{_PLATE_CHAR}{{4}}[A-HJ-NP-Z0-9挂学警]$"
)
# New-energy plates: small cars D/F (and A–K since 2021) + 5 characters;
# large vehicles 5 digits + D/F.
_NEW_ENERGY_PLATE = re.compile(
    rf"^[{PROVINCE_ABBREVIATIONS}][A-Z](?:[A-HJK]{_PLATE_CHAR}\d{{4}}|\d{{5}}[A-HJK])$"
)

_VIN_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_CHARS = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def normalize_mobile(value: str) -> str:
    """Digits only, without +86 or spaces: `+86 138-1234-5678` → `13812345678`.

    Anything that is not a Chinese number is returned as typed (stripped), so that validation
    names it an invalid mobile: `abc` must not become an empty value, and `+44 13812345678` must
    not become the Chinese `13812345678`.
    """
    value = (value or "").strip()
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code != 86:
        return value
    return str(number.national_number)


def validate_mobile(value: str) -> None:
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("请输入有效的中国大陆手机号码（11 位）。"), code="invalid_mobile"
        ) from exc
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError(_("请输入有效的中国大陆手机号码（11 位）。"), code="invalid_mobile")


def normalize_vin(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) that ISO 3779 / GB 16735 computes for a 17-character VIN."""
    total = sum(
        _VIN_TRANSLITERATION[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(value: str) -> None:
    vin = normalize_vin(value)
    if len(vin) != 17:
        raise ValidationError(_("车架号（VIN）必须是 17 位。"), code="invalid_vin")
    if not _VIN_CHARS.match(vin):
        raise ValidationError(
            _("车架号（VIN）只能包含数字和字母，且不含 I、O、Q。"), code="invalid_vin"
        )
    if vin[8] != vin_check_digit(vin):
        raise ValidationError(
            _("车架号（VIN）校验位错误：第 9 位应为 %(digit)s，请核对车架号。"),
            code="invalid_vin_check_digit",
            params={"digit": vin_check_digit(vin)},
        )


def normalize_plate(value: str) -> str:
    return re.sub(r"[\s·•\-.]", "", value or "").upper()


def validate_plate(value: str) -> None:
    plate = normalize_plate(value)
    if not (_ORDINARY_PLATE.match(plate) or _NEW_ENERGY_PLATE.match(plate)):
        raise ValidationError(
            _(
                "车牌号格式错误：应为省份简称 + 字母 + 5 位（新能源 6 位），"
                "如 京A12345、粤BD12345。"
            ),
            code="invalid_plate",
        )
