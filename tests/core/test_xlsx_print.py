"""Every list export prints well: a filter on the header row, the header frozen and repeated on
every printed page, landscape A4 fit to one page wide, numbers and dates in their formats."""

from __future__ import annotations

import datetime
import decimal
import io
import re

from openpyxl import load_workbook

from core.numbers import MONEY_FORMAT, RATE_FORMAT
from core.xlsx import Column, write_rows

COLUMNS = [
    Column("编号", lambda r: r["number"], 14),
    Column("登记日期", lambda r: r["day"], 12),
    Column("涉及金额（元）", lambda r: r["amount"], 14),
    Column("挽损率", lambda r: r["rate"], 8, number_format=RATE_FORMAT),
]


def _export(rows, title="线索清单"):
    buffer = io.BytesIO()
    write_rows(buffer, title, COLUMNS, rows)
    buffer.seek(0)
    return load_workbook(buffer).active


def _rows(n):
    return [
        {
            "number": f"XS-{i:05d}",
            "day": datetime.date(2026, 5, 20),
            "amount": decimal.Decimal("1148695.33"),
            "rate": 0.0052,
        }
        for i in range(n)
    ]


def test_an_export_prints_landscape_a4_one_page_wide_with_its_header_on_every_page():
    ws = _export(_rows(3))
    assert ws.auto_filter.ref == "A1:D4"  # the header row filters every row below it
    assert ws.freeze_panes == "A2"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["C2"].number_format == MONEY_FORMAT
    assert ws["D2"].number_format == RATE_FORMAT


def test_an_empty_export_and_a_quoted_sheet_name_still_filter_and_print():
    ws = _export([], title="张三's 清单")
    assert ws.auto_filter.ref == "A1:D1"
    assert ws.print_title_rows == "$1:$1"
    assert ws.title == "张三's 清单"


def test_libreoffice_prints_a_long_export_one_page_wide_on_several_pages(tmp_path):
    from tests.reports.test_libreoffice import _convert, _libreoffice

    binary = _libreoffice()
    buffer = io.BytesIO()
    write_rows(buffer, "线索清单 & 台账", COLUMNS, _rows(200))
    pdf = _convert(binary, buffer.getvalue(), tmp_path)
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    # 201 rows of 15 points on landscape A4 (about 30 a page): more than one page, not one a row,
    # and no page for columns that did not fit the width.
    assert 5 <= pages <= 10, pages
