"""Numbers as a reader sees them: rates half-up with one decimal (small ones still non-zero),
money with thousands separators and 元, "—" for what does not apply; the same on pages, in
e-mails (the Python functions) and as numbers with a format in Excel exports."""

from __future__ import annotations

import decimal
import io

import pytest
from django.template import Context, Template
from openpyxl import load_workbook

from core import numbers
from core.xlsx import Column, write_rows


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (0.7625, "76.3%"),  # half-up: a float's binary rounding would print 76.2%
        (decimal.Decimal("0.7625"), "76.3%"),
        (0.0052, "0.5%"),  # a 0.52 % recovery rate is not "1%"
        (decimal.Decimal("0.0004"), "0.04%"),  # small, but not zero
        (0.00004, "0.004%"),
        (0, "0.0%"),
        (decimal.Decimal("0.0000"), "0.0%"),
        (1, "100.0%"),
        (0.08, "8.0%"),
        (0.12345, "12.3%"),
        (0.00051, "0.1%"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_rates(share, shown):
    assert numbers.format_rate(share) == shown
    assert Template("{% load hulao_numbers %}{{ x|rate }}").render(Context({"x": share})) == shown


def test_percentages_already_in_percent_round_the_same_way():
    assert numbers.format_percent(76.25) == "76.3%"
    assert numbers.format_percent(0.52) == "0.5%"
    assert numbers.format_percent(0.04) == "0.04%"
    assert numbers.format_percent(0) == "0.0%"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (decimal.Decimal("1148695.33"), "1,148,695.33 元"),
        (1148695.33, "1,148,695.33 元"),
        (42196, "42,196.00 元"),
        (decimal.Decimal("0.005"), "0.01 元"),  # half-up
        (decimal.Decimal("-9000"), "-9,000.00 元"),  # a reversing entry
        (0, "0.00 元"),
        (None, "—"),
    ],
)
def test_money(amount, shown):
    assert numbers.format_money(amount) == shown
    assert Template("{% load hulao_numbers %}{{ x|money }}").render(Context({"x": amount})) == shown


def test_counts_and_figures_by_kind():
    assert numbers.format_count(42196) == "42,196"
    assert numbers.format_count(12.0) == "12"
    assert numbers.format_count(None) == "—"
    assert numbers.format_figure(0.7625, "rate") == "76.3%"
    assert numbers.format_figure(39743042.05, "money") == "39,743,042.05 元"
    assert numbers.format_figure(1500, "int") == "1,500"


def test_the_report_filters_are_the_same_functions():
    page = Template("{% load reports_tags %}{{ r|pct }} {{ m|figure:'money' }} {{ n|figure }}").render(
        Context({"r": 0.7625, "m": 1148695.33, "n": 42196})
    )
    assert page == "76.3% 1,148,695.33 元 42,196"


def test_an_export_keeps_numbers_with_money_and_rate_formats():
    columns = [
        Column("涉及金额（元）", lambda r: r[0], 14),
        Column("挽损率", lambda r: r[1], 8, number_format=numbers.RATE_FORMAT),
        Column("人数", lambda r: r[2], 8),
    ]
    buffer = io.BytesIO()
    write_rows(buffer, "导出", columns, [(decimal.Decimal("1148695.33"), decimal.Decimal("0.7625"), 3)])
    buffer.seek(0)
    ws = load_workbook(buffer).active
    money, rate, people = ws["A2"], ws["B2"], ws["C2"]
    assert money.value == 1148695.33 and money.number_format == "#,##0.00"
    assert rate.value == 0.7625 and rate.number_format == "0.0%"
    assert people.value == 3 and people.number_format == "General"
