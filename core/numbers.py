"""How numbers are shown: money, rates and counts, the same on every page, e-mail and export.

- Money: two decimals, thousands separators and the unit, ``1,148,695.33 元``.
- Rates (shares 0..1): a percentage with one decimal, rounded half-up (0.7625 → ``76.3%``, not
  the float's ``76.2%``); a small rate that one decimal would show as 0 gets enough digits to be
  non-zero (0.0004 → ``0.04%``), so a recovery under 0.05 % is not shown as nothing.
- Counts: thousands separators.
- ``None`` (not applicable) is ``—`` everywhere.

Everything goes through ``Decimal`` (floats by their shortest repr), so no binary rounding leaks
into what is printed. The template filters (``{% load hulao_numbers %}``: ``money``, ``rate``,
``count``, ``figure``) and plain-text code call these functions.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext

NOT_APPLICABLE = "—"
#: Excel number formats of the same kinds (``core.xlsx.Column.number_format``, the workbook).
MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
#: The most decimals a small non-zero rate is given (then it is shown as ``<0.0001%``-ish 0).
_MAX_RATE_DECIMALS = 6


def to_decimal(value: Any) -> Decimal | None:
    """``value`` as a Decimal (floats through their shortest repr), or None if it is not a number."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except (decimal.InvalidOperation, ValueError):
            return None
    return number if number.is_finite() else None


def round_half_up(value: Any, places: int) -> Decimal | None:
    number = to_decimal(value)
    if number is None:
        return None
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_money(value: Any, *, unit: bool = True) -> str:
    """``1148695.33`` → ``1,148,695.33 元``; None → ``—``."""
    number = round_half_up(value, 2)
    if number is None:
        return NOT_APPLICABLE
    text = f"{number:,.2f}"
    return gettext("%(amount)s 元") % {"amount": text} if unit else text


def format_percent(percent: Any) -> str:
    """A value already in percent (``76.25``) → ``76.3%``; small non-zero values keep digits."""
    number = to_decimal(percent)
    if number is None:
        return NOT_APPLICABLE
    places = 1
    rounded = round_half_up(number, places)
    while rounded == 0 and number != 0 and places < _MAX_RATE_DECIMALS:
        places += 1
        rounded = round_half_up(number, places)
    assert rounded is not None
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.0%"
    return f"{rounded:.{places}f}%"


def format_rate(value: Any) -> str:
    """A share 0..1 (``0.7625``) → ``76.3%``; ``0.0052`` → ``0.5%``; ``0.0004`` → ``0.04%``; 0 → ``0.0%``."""
    number = to_decimal(value)
    if number is None:
        return NOT_APPLICABLE
    return format_percent(number * 100)


def format_count(value: Any) -> str:
    """``42196`` → ``42,196``; a whole float as an integer; None → ``—``."""
    number = to_decimal(value)
    if number is None:
        return NOT_APPLICABLE if value is None or value == "" else str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,}"


def format_figure(value: Any, kind: str = "int") -> str:
    """A report figure by its kind: ``rate``, ``money`` or a count."""
    if kind == "rate":
        return format_rate(value)
    if kind == "money":
        return format_money(value)
    return format_count(value)
