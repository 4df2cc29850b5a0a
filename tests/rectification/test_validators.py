import pytest
from django.core.exceptions import ValidationError

from rectification.validators import (
    credit_code_check_char,
    is_valid_credit_code,
    normalize_credit_code,
    validate_credit_code,
)

# Real codes, published on the National Enterprise Credit Information Publicity System.
VALID = [
    "91350100M000100Y43",  # example code used throughout GB 32100 guidance (Fuzhou)
    "91110000600037341L",
    "91440300708461136T",  # 华为技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91330000143017890B",
]


@pytest.mark.parametrize("code", VALID)
def test_real_codes_are_valid(code):
    assert is_valid_credit_code(code)
    validate_credit_code(code)


@pytest.mark.parametrize("code", VALID)
def test_every_wrong_check_character_is_refused(code):
    for char in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if char == code[17]:
            continue
        wrong = code[:17] + char
        assert not is_valid_credit_code(wrong)
        with pytest.raises(ValidationError) as exc:
            validate_credit_code(wrong)
        assert exc.value.error_list[0].code == "check"
        assert code[17] in exc.value.error_list[0].message % exc.value.error_list[0].params


def test_check_character_31_becomes_zero():
    # Construct a prefix whose weighted sum is a multiple of 31: all zeros.
    assert credit_code_check_char("0" * 17) == "0"
    assert is_valid_credit_code("0" * 18)


def test_constructed_code_round_trips():
    prefix = "91350582MA2XYW123"
    code = prefix + credit_code_check_char(prefix)
    assert is_valid_credit_code(code)


@pytest.mark.parametrize(
    ("code", "error"),
    [("9135010", "length"), ("91350100M000100Y4300", "length"), ("91350100M000100I43", "charset")],
)
def test_length_and_charset(code, error):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.error_list[0].code == error


def test_a_swap_of_two_characters_is_caught():
    code = VALID[0]
    swapped = code[:2] + code[3] + code[2] + code[4:]
    assert swapped != code and not is_valid_credit_code(swapped)


def test_normalize():
    assert normalize_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert normalize_credit_code("  ") is None
    assert normalize_credit_code(None) is None
