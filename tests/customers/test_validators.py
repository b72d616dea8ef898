"""VINs, licence plates and mobile numbers: what staff may type and what is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dealercare.customers.validators import (
    normalize_mobile,
    normalize_plate,
    normalize_vin,
    validate_mobile,
    validate_plate,
    validate_vin,
    vin_check_digit,
)


def _error(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


# --- VIN (ISO 3779 / GB 16735 check digit in position 9) ---------------------------------------

# Check digits worked out by hand (transliterate, weight 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2,
# sum, modulo 11, 10 → X):
#   1M8GDM9AXKP042788: 8+28+48+35+16+12+18+10+0+18+56+0+24+10+28+24+16 = 351, 351 % 11 = 10 → X
#   1HGCM82633A004352: 8+56+42+15+16+24+4+60+0+27+8+0+0+20+12+15+4 = 311, 311 % 11 = 3 → 3
#   LSVAU218XN2183294: 24+14+30+5+16+6+2+80+0+45+16+7+48+15+8+27+8 = 351 → X
#   11111111111111111: the weights add up to 89, 89 % 11 = 1 → 1
VALID_VINS = ["1M8GDM9AXKP042788", "1HGCM82633A004352", "LSVAU218XN2183294", "11111111111111111"]


@pytest.mark.parametrize("vin", VALID_VINS)
def test_real_vins_are_accepted(vin):
    validate_vin(vin)
    assert vin_check_digit(vin) == vin[8]


def test_vin_is_accepted_in_lower_case_and_with_spaces():
    validate_vin(" 1m8gdm9axkp 042788 ")
    assert normalize_vin(" 1m8gdm9axkp 042788 ") == "1M8GDM9AXKP042788"


@pytest.mark.parametrize(
    ("vin", "right_digit"),
    [
        ("1M8GDM9A0KP042788", "X"),  # the check digit was mistyped
        ("1HGCM82643A004352", "3"),
        ("LSVAU2180N2183294", "X"),  # one digit of a Chinese VIN misread
        ("1M8GDM9AXKP042789", "1"),  # last digit mistyped: 351 + 2 = 353, 353 % 11 = 1
    ],
)
def test_wrong_check_digit_says_which_digit_is_right(vin, right_digit):
    assert vin_check_digit(vin) == right_digit
    error = _error(validate_vin, vin)
    assert error.code == "invalid_vin_check_digit"
    with translation.override("zh-hans"):
        message = error.messages[0]
    assert "第 9 位" in message
    assert f"应为 {right_digit}" in message


@pytest.mark.parametrize(
    "vin",
    [
        "1M8GDM9AXKP04278I",  # I looks like 1
        "1M8GDM9AXKPO42788",  # O looks like 0
        "1M8GDM9AXKQ042788",  # Q looks like 0
    ],
)
def test_letters_i_o_q_are_refused(vin):
    error = _error(validate_vin, vin)
    assert error.code == "invalid_vin"
    with translation.override("zh-hans"):
        assert "I、O、Q" in error.messages[0]


@pytest.mark.parametrize(
    "vin", ["", "1M8GDM9AXKP04278", "1M8GDM9AXKP0427880", "1M8GDM9AXKP-42788", "1M8GDM9AXKP04278８"]
)
def test_wrong_length_or_characters_are_refused(vin):
    error = _error(validate_vin, vin)
    assert error.code == "invalid_vin"


def test_wrong_length_message_says_17_characters():
    with translation.override("zh-hans"):
        assert "17 位" in _error(validate_vin, "1M8GDM9AXKP04278").messages[0]


# --- Licence plates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plate",
    [
        "京A12345",  # ordinary, 7 characters
        "沪AB1234",  # ordinary with two letters
        "粤Z1234学",  # learner car
        "粤BD12345",  # new-energy small car: D + 5
        "粤BFA1234",  # new-energy small car: F + letter + 4 digits
        "浙A12345D",  # new-energy large vehicle: 5 digits + D
        "苏E54321F",
    ],
)
def test_valid_plates(plate):
    validate_plate(plate)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("京A·12345", "京A12345"),
        ("京A 12345", "京A12345"),
        (" 粤b d12345 ", "粤BD12345"),
        ("京a-12345", "京A12345"),
    ],
)
def test_spaces_dots_and_lower_case_are_normalised(typed, stored):
    assert normalize_plate(typed) == stored
    validate_plate(typed)


@pytest.mark.parametrize(
    "plate",
    [
        "港A12345",  # not a mainland province abbreviation
        "XA12345",
        "A京12345",
        "京A1234I",  # I is not used on plates
        "京A12O45",  # nor O
        "京A1234",  # too short
        "京A123456",  # too long (and not a new-energy pattern)
        "粤BD123456",
        "粤BF1A234",  # new-energy: only the 2nd of the six may be a letter
        "京",
        "",
    ],
)
def test_invalid_plates_are_refused(plate):
    error = _error(validate_plate, plate)
    assert error.code == "invalid_plate"
    with translation.override("zh-hans"):
        assert "京A12345" in error.messages[0]  # the message shows what a plate looks like


# --- Mobile numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mobile",
    ["13812345678", "15912345678", "17712345678", "18612345678", "19912345678", "13012345678"],
)
def test_mainland_mobiles_are_accepted(mobile):
    validate_mobile(mobile)
    assert normalize_mobile(mobile) == mobile


@pytest.mark.parametrize(
    "typed", ["+86 138 1234 5678", "+8613812345678", "008613812345678", "138-1234-5678"]
)
def test_country_code_and_separators_are_removed(typed):
    assert normalize_mobile(typed) == "13812345678"
    validate_mobile(typed)


@pytest.mark.parametrize(
    "mobile",
    [
        "010-88886666",  # Beijing landline
        "01088886666",
        "02188886666",  # Shanghai landline
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12345678901",  # no such mobile prefix
        "abc",
        "",
    ],
)
def test_landlines_and_wrong_lengths_are_refused(mobile):
    error = _error(validate_mobile, normalize_mobile(mobile))
    assert error.code == "invalid_mobile"


@pytest.mark.parametrize("foreign", ["+44 13812345678", "+852 13812345678", "+1 650 253 0000"])
def test_foreign_numbers_are_not_turned_into_chinese_ones(foreign):
    normalized = normalize_mobile(foreign)
    assert normalized != "13812345678"
    assert _error(validate_mobile, normalized).code == "invalid_mobile"


def test_text_is_not_normalised_into_an_empty_number():
    # "abc" must be reported as an invalid number, not as a missing one.
    assert normalize_mobile("abc") == "abc"
