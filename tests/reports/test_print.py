"""The monthly workbook prints as an office files it: landscape A4, one page wide, the header row
on every page, and every chart whole on one page — checked on the file's own page setup and on
LibreOffice's PDF of it (the page count the layout promises is the page count printed)."""

from __future__ import annotations

import datetime
import io
import re

from openpyxl import load_workbook

from core.numbers import MONEY_FORMAT, RATE_FORMAT
from reports import services
from tests.reports.test_libreoffice import _convert, _libreoffice

EMU_PER_POINT = 12700
A4_LANDSCAPE_HEIGHT = 595.3  # points


def _report_xlsx(org, personas) -> bytes:
    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=datetime.date(2026, 11, 1))
    services.submission_save(submission=sub, user=personas.community_a, work_done="宣传", problems="", next_steps="")
    services.submission_submit(submission=sub, user=personas.community_a)
    report = services.report_generate(month=datetime.date(2026, 11, 1), user=personas.street)
    with report.file.open("rb") as fh:
        return fh.read()


def _height(ws, row: int) -> float:
    return ws.row_dimensions[row].height or ws.sheet_format.defaultRowHeight or 15


def _chart_rows(ws, chart) -> tuple[int, int]:
    """The rows a chart covers, from its anchor in the file (top-left cell and size)."""
    anchor = chart.anchor
    first = anchor._from.row + 1
    if hasattr(anchor, "to") and anchor.to is not None:
        return first, anchor.to.row + 1
    height, row = anchor.ext.height / EMU_PER_POINT, first
    while height > _height(ws, row):
        height -= _height(ws, row)
        row += 1
    return first, row


def _pages(ws) -> list[range]:
    """The rows of each printed page: split at the manual page breaks, checked to fit below."""
    last = max([ws.max_row, *(_chart_rows(ws, c)[1] for c in ws._charts)])
    starts = [1, *(b.id + 1 for b in ws.row_breaks.brk)]
    ends = [*(s - 1 for s in starts[1:]), last]
    return [range(s, e + 1) for s, e in zip(starts, ends, strict=True)]


def _printable_height(ws) -> float:
    margins = (ws.page_margins.top + ws.page_margins.bottom) * 72
    return A4_LANDSCAPE_HEIGHT - margins


def _title_height(ws) -> float:
    if not ws.print_title_rows:
        return 0.0
    first, last = (int(p.strip("$")) for p in ws.print_title_rows.split(":"))
    return sum(_height(ws, r) for r in range(first, last + 1))


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_every_sheet_prints_landscape_a4_one_page_wide_with_its_header_on_every_page(campaign, org, personas):
    wb = load_workbook(io.BytesIO(_report_xlsx(org, personas)))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.freeze_panes == "A5", ws.title
        if ws.cell(4, 1).value:  # a sheet with a table (a section not yet live has a note)
            assert ws.auto_filter.ref, ws.title
            header = int(ws.print_title_rows.split(":")[0].strip("$"))
            assert ws.auto_filter.ref.startswith(f"A{header}:"), ws.title
    formats = {c.number_format for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "n"}
    assert {RATE_FORMAT, MONEY_FORMAT} <= formats
    scorecard = wb["督导考评"]
    assert scorecard["C5"].number_format == RATE_FORMAT
    submitted = wb["月度报送情况"]
    dates = [c for c in submitted["D"] if hasattr(c.value, "year")]
    assert dates and all(c.number_format == "yyyy-mm-dd hh:mm" for c in dates)


def test_every_chart_is_whole_on_one_printed_page(campaign, org, personas, tmp_path):
    xlsx = _report_xlsx(org, personas)
    wb = load_workbook(io.BytesIO(xlsx))
    expected_pages, charts = 0, 0
    for ws in wb.worksheets:
        pages = _pages(ws)
        for number, rows in enumerate(pages):
            # Each page's rows fit its printable height (the header row is repeated after page 1),
            # so the program adds no page break of its own.
            used = sum(_height(ws, r) for r in rows) + (_title_height(ws) if number else 0)
            assert used <= _printable_height(ws), (ws.title, number + 1, used)
        for chart in ws._charts:
            first, last = _chart_rows(ws, chart)
            assert any(first in rows and last in rows for rows in pages), (ws.title, first, last, pages)
            charts += 1
        expected_pages += len(pages)
    assert charts >= 3

    pdf = _convert(_libreoffice(), xlsx, tmp_path)
    assert pdf.startswith(b"%PDF")
    # The pages the layout promises are the pages printed: no sheet spills onto an extra page
    # (one page wide) and no page is cut where the layout did not put a break.
    assert _pdf_pages(pdf) == expected_pages
