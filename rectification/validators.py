"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters: registration authority (1), organisation category (1), administrative division (6),
organisation code (9, GB 11714 with its own check character) and one check character computed
over the first 17 with the weights below, modulo 31.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {char: value for value, char in enumerate(CHARSET)}


def normalize_credit_code(value: str | None) -> str | None:
    """Upper-case and strip; an empty value is None (unregistered institutions have no code)."""
    if value is None:
        return None
    value = str(value).strip().replace(" ", "").upper()
    return value or None


def credit_code_check_char(first17: str) -> str:
    """The check character of the first 17 characters (which must be in the charset)."""
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    check = 31 - total % 31
    return CHARSET[0 if check == 31 else check]


def is_valid_credit_code(value: str) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 18
        and all(char in _VALUE for char in value)
        and credit_code_check_char(value[:17]) == value[17]
    )


def validate_credit_code(value: str) -> None:
    """Django validator: length, characters, then the check character."""
    if value is None or value == "":
        return
    if len(value) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位（当前%(length)s位）。"), code="length", params={"length": len(value)}
        )
    bad = sorted({char for char in value if char not in _VALUE})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有无效字符：%(chars)s（不使用I、O、S、V、Z）。"),
            code="charset",
            params={"chars": "".join(bad)},
        )
    expected = credit_code_check_char(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位错误：末位应为 %(expected)s，请核对。"),
            code="check",
            params={"expected": expected},
        )


# Punctuation and spaces that do not tell two institutions apart: "某某养生馆（新塘店）" and
# "某某 养生馆(新塘店)" are the same name; "新塘路1号" and "新塘路 1 号" the same address.
_IGNORED = set(" \t\r\n\u3000·・.,，。、;；:：'\"‘’“”()（）[]【】<>《》-—_/\\#＃")


def match_key(name: str | None, address: str | None) -> str:
    """The normalised name and address an institution is matched on when it has no credit code
    (full-width to half-width by NFKC, upper case, without spaces and punctuation)."""
    import unicodedata

    def norm(text: str | None) -> str:
        text = unicodedata.normalize("NFKC", text or "").upper()
        return "".join(ch for ch in text if ch not in _IGNORED)

    return f"{norm(name)}|{norm(address)}"[:520]
