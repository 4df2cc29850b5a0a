"""The monthly report and the campaign summary as .xlsx: a sheet per area, Chinese headers,
native Excel charts, column widths and A4 print settings. Built from the report's stored data
(plain JSON), so the file, the HTML page and the e-mail show the same figures.

Print-ready: every sheet is landscape A4, fit to one page wide, its first table's header row
filtered, frozen and repeated on every printed page. Every row has a set height, so where pages
end is known here: ``_paginate`` puts manual page breaks so that no page overflows (with room to
spare) and no chart is cut across two pages (tests/reports/test_print.py checks it on LibreOffice's
PDF)."""

from __future__ import annotations

import datetime
import io
import math
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from core.numbers import COUNT_FORMAT, MONEY_FORMAT, RATE_FORMAT
from core.xlsx import _cell_value
from rectification.choices import risk_grade_colours

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FORMATS = {"rate": RATE_FORMAT, "money": MONEY_FORMAT, "int": COUNT_FORMAT}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

#: Row heights in points: every row has one, so the printed layout is known in advance.
ROW_HEIGHT, HEADER_HEIGHT, TITLE_HEIGHT = 15.0, 30.0, 22.0
#: A4 landscape, in points; margins in inches as Excel stores them.
PAGE_HEIGHT_LANDSCAPE = 595.3
MARGIN_TOP = MARGIN_BOTTOM = 0.75
#: Share of a page's printable height a page is filled to: room for a program's own rounding.
PAGE_FILL = 0.85
#: The row of each sheet's first table header (after the title, subtitle and a blank row).
FIRST_HEADER_ROW = 4


def row_height(ws: Worksheet, row: int) -> float:
    return ws.row_dimensions[row].height or ROW_HEIGHT


def page_capacity(ws: Worksheet) -> float:
    """The printable height of a page, in points, less the header row repeated on it."""
    margins = (ws.page_margins.top + ws.page_margins.bottom) * 72
    titles = sum(row_height(ws, r) for r in _title_rows(ws))
    return PAGE_HEIGHT_LANDSCAPE - margins - titles


def _title_rows(ws: Worksheet) -> range:
    if not ws.print_title_rows:
        return range(0)
    first, last = (int(part.strip("$")) for part in ws.print_title_rows.split(":"))
    return range(first, last + 1)


def chart_rows(ws: Worksheet, chart: Any) -> tuple[int, int]:
    """The first and last rows (1-based) a chart anchored at a cell covers, from its height."""
    anchor = chart.anchor
    first = coordinate_to_tuple(anchor)[0] if isinstance(anchor, str) else anchor._from.row + 1
    height, row = chart.height / 2.54 * 72, first  # cm → points
    while height > row_height(ws, row):
        height -= row_height(ws, row)
        row += 1
    return first, row


def last_row(ws: Worksheet) -> int:
    """The last printed row: of the data or of the lowest chart."""
    return max([ws.max_row, *(chart_rows(ws, chart)[1] for chart in ws._charts)])


def _paginate(ws: Worksheet) -> None:
    """Page breaks so that every page fits (filled to ``PAGE_FILL``) and no chart is cut."""
    for row in range(1, last_row(ws) + 1):
        if ws.row_dimensions[row].height is None:
            ws.row_dimensions[row].height = ROW_HEIGHT
    together = dict(chart_rows(ws, chart) for chart in ws._charts)
    capacity, used, row = page_capacity(ws) * PAGE_FILL, 0.0, 1
    while row <= last_row(ws):
        end = together.get(row, row)
        # a chart whose rows begin inside a table: keep the chart's rows together from its top
        block = sum(row_height(ws, r) for r in range(row, end + 1))
        if used and used + block > capacity:
            ws.row_breaks.append(Break(id=row - 1))
            used = 0.0
        used += block
        row = end + 1


def _print_setup(ws: Worksheet, *, header_row: int | None = FIRST_HEADER_ROW, columns: int = 0) -> None:
    """Landscape A4 fit to one page wide; the header row filtered, frozen and on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP, MARGIN_BOTTOM
    ws.oddFooter.center.text = "&P / &N"
    ws.freeze_panes = f"A{FIRST_HEADER_ROW + 1}"
    if header_row is not None and ws.cell(header_row, 1).value is not None:
        width = columns or ws.max_column
        end = header_row
        while end < ws.max_row and ws.cell(end + 1, 1).value not in (None, ""):
            end += 1
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(width)}{end}"
        ws.print_title_rows = f"{header_row}:{header_row}"
    _paginate(ws)


def _widths(ws: Worksheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width


def _title(ws: Worksheet, text: str, subtitle: str, span: int) -> None:
    ws.append([text])
    ws["A1"].font = TITLE_FONT
    ws.row_dimensions[1].height = TITLE_HEIGHT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=span)
    ws.append([subtitle])
    ws["A2"].font = Font(italic=True, color="666666")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=span)
    ws.append([])


def _header(ws: Worksheet, values: Sequence[Any]) -> int:
    ws.append([_cell_value(v) for v in values])  # text only: a name starting with "=" stays text
    row = ws.max_row
    ws.row_dimensions[row].height = HEADER_HEIGHT
    for cell in ws[row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return row


def _row(ws: Worksheet, values: Sequence[Any], kind: str = "int") -> int:
    ws.append([_cell_value(v) if v is not None else "—" for v in values])
    row = ws.max_row
    for cell in ws[row]:
        cell.border = BORDER
        if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
            cell.number_format = FORMATS.get(kind, FORMATS["int"])
    return row


def _datetime(text: Any) -> Any:
    """A stored "2026-11-18 09:30" as a date-time cell (a date in Excel, not text)."""
    try:
        return datetime.datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return text


def _wrapped_height(ws: Worksheet, row: int) -> None:
    """A row of wrapped long text gets the height of its longest cell's lines."""
    lines = 1
    for cell in ws[row]:
        width = max((ws.column_dimensions[cell.column_letter].width or 10) - 1, 1)
        # a Chinese character is about two characters of column width
        cell_lines = sum(
            max(1, math.ceil(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) / width))
            for line in str(cell.value or "").split("\n")
        )
        lines = max(lines, cell_lines)
    ws.row_dimensions[row].height = ROW_HEIGHT * lines


def _chart(ws: Worksheet, kind: str, title: str, first: int, last: int, anchor: str) -> None:
    """A native chart over rows ``first``..``last`` (labels in A, period in B, cumulative in C)."""
    labels = Reference(ws, min_col=1, min_row=first + 1, max_row=last)
    if kind == "pie":
        chart = PieChart()
        chart.add_data(Reference(ws, min_col=3, min_row=first, max_row=last), titles_from_data=True)
    else:
        chart = BarChart()
        chart.type = "col"
        chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=first, max_row=last), titles_from_data=True)
        chart.y_axis.title = _("数量")
        chart.y_axis.majorGridlines = None
    chart.set_categories(labels)
    colours = risk_grade_colours(ws.cell(row, 1).value for row in range(first + 1, last + 1))
    if colours:  # risk grades in their own colours, in every series
        for series in chart.series:
            for index, colour in enumerate(colours):
                point = DataPoint(idx=index)
                point.graphicalProperties.solidFill = colour.lstrip("#").upper()
                point.graphicalProperties.line.solidFill = colour.lstrip("#").upper()
                series.dPt.append(point)
    chart.title = title
    chart.height, chart.width = 7.5, 14
    ws.add_chart(chart, anchor)


def _section_sheet(wb: Workbook, section: dict[str, Any], subtitle: str) -> None:
    ws = wb.create_sheet(section["title"][:31])
    _widths(ws, [34, 14, 14, 4, 12, 12, 12, 12, 12, 12])
    _title(ws, section["title"], subtitle, 3)
    if not section["available"]:
        ws.append([section["note"]])
        _print_setup(ws)
        return
    _header(ws, [_("指标"), _("本期"), _("专项行动累计")])
    for figure in section["figures"]:
        _row(ws, [figure["label"], figure["period"], figure["cumulative"]], figure["kind"])
    for breakdown in section["breakdowns"]:
        ws.append([])
        first = _header(ws, [breakdown["title"], _("本期"), _("专项行动累计")])
        for row in breakdown["rows"]:
            _row(ws, [row["label"], row["period"], row["cumulative"]])
        last = ws.max_row
        if breakdown["chart"] and last > first:
            _chart(ws, breakdown["chart"], breakdown["title"], first, last, f"E{first}")
            # keep the next table below the chart (about 15 rows high)
            for _i in range(max(0, 16 - (last - first))):
                ws.append([])
    _print_setup(ws)


def _submissions_sheet(wb: Workbook, data: dict[str, Any], subtitle: str) -> None:
    ws = wb.create_sheet(_("月度报送情况"))
    _widths(ws, [28, 12, 14, 20, 4, 12, 12])
    _title(ws, _("各社区、成员单位月度报送情况"), subtitle, 4)
    subs = data["submissions"]
    first = _header(ws, [_("报送情况"), _("单位数"), _("单位数")])
    for key in ("on_time", "late", "missing", "not_due"):
        _row(ws, [subs["labels"][key], subs["counts"].get(key, 0), subs["counts"].get(key, 0)])
    last = ws.max_row
    _chart(ws, "pie", _("报送情况"), first, last, "F4")
    for _i in range(12):
        ws.append([])
    units = _header(ws, [_("单位"), _("类型"), _("报送情况"), _("报送时间")])
    for row in subs["rows"]:
        r = _row(ws, [row["unit"], row["kind"], row["state"], _datetime(row["submitted_at"])])
        ws.cell(r, 4).number_format = DATETIME_FORMAT
    _print_setup(ws, header_row=units)


def _streets_sheet(wb: Workbook, data: dict[str, Any], subtitle: str) -> None:
    """The city's report (issue 19): each street a column, the city's total last."""
    streets = data["streets"]
    names = streets["names"]
    ws = wb.create_sheet(_("各镇街"))
    _widths(ws, [30, *([14] * len(names)), 14, 16])
    _title(ws, _("各镇街本期数据"), subtitle, len(names) + 3)
    _header(ws, [_("指标"), *names, _("全市合计"), _("板块")])
    for section in streets["sections"]:
        for figure in section["figures"]:
            _row(ws, [figure["label"], *figure["values"], figure["total"], section["title"]], figure["kind"])
    ws.append([])
    filed = _header(ws, [_("镇街"), _("月报"), _("版本"), _("生成时间")])
    for row in streets["filed"]:
        state = _("已报送") if row["status"] == "ready" else _("未报送")
        _row(ws, [row["street"], state, row["version"], row["generated_at"] or None])
    _print_setup(ws, header_row=filed, columns=len(names) + 3)


def _scorecard_sheet(wb: Workbook, data: dict[str, Any], subtitle: str) -> None:
    card = data["scorecard"]
    of_streets = "streets" in data
    ws = wb.create_sheet(_("督导考评"))
    if of_streets:  # the city's measures of its streets, then their units' figures (not scored)
        columns = [
            (_("排名"), "rank", None),
            (_("镇街"), "unit", None),
            (_("转办线索按期办结率"), "feedback_on_time_rate", "rate"),
            (_("超过市级期限未办结"), "overdue_items", None),
            (_("月报按时报送率"), "submission_rate", "rate"),
            (_("得分"), "score", "rate"),
            (_("后进"), "laggard", None),
            (_("单位按期反馈率"), "units.feedback_on_time_rate", "rate"),
            (_("单位超期事项"), "units.overdue_items", None),
            (_("单位按期销号率"), "units.problems_on_time_rate", "rate"),
            (_("单位按时报送率"), "units.submission_rate", "rate"),
        ]
    else:
        columns = [
            (_("排名"), "rank", None),
            (_("单位"), "unit", None),
            (_("按期反馈率"), "feedback_on_time_rate", "rate"),
            (_("超期事项"), "overdue_items", None),
            (_("按期销号率"), "problems_on_time_rate", "rate"),
            (_("按时报送率"), "submission_rate", "rate"),
            (_("得分"), "score", "rate"),
            (_("后进"), "laggard", None),
        ]
    _widths(ws, [8, 26] + [14] * (len(columns) - 2))
    _title(ws, _("督导考评排名"), subtitle, len(columns))
    _header(ws, [label for label, _key, _fmt in columns])

    def value(row: dict[str, Any], key: str) -> Any:
        if key == "laggard":
            return _("是") if row.get("laggard") else ""
        if key.startswith("units."):  # a report stored before issue 19 has none
            return (row.get("units") or {}).get(key.split(".", 1)[1])
        return row.get(key)

    for row in card["rows"]:
        r = _row(ws, [value(row, key) for _label, key, _fmt in columns])
        for col, (_label, _key, fmt) in enumerate(columns, start=1):
            if fmt:
                ws.cell(r, col).number_format = FORMATS[fmt]
    ws.append([])
    head = _("后进镇街：") if of_streets else _("后进单位：")
    ws.append([_cell_value(head + ("、".join(card["laggards"]) or _("无")))])
    ws.cell(ws.max_row, 1).font = BOLD
    ws.append([_("“—”表示该项不适用（无相关事项或模块尚未上线）。")])
    _print_setup(ws)


def monthly_workbook(data: dict[str, Any]) -> bytes:
    """The monthly report's .xlsx from its stored data."""
    with override(settings.LANGUAGE_CODE):
        wb = Workbook()
        ws = wb.active
        ws.title = _("概览")
        _widths(ws, [30, 16, 16, 16])
        subtitle = _("统计期：%(start)s 至 %(end)s；累计自 %(cumulative)s 起") % {
            "start": data["period_start"],
            "end": data["period_end"],
            "cumulative": data["cumulative_start"],
        }
        title = _("%(campaign)s %(month)s 月报") % {"campaign": data["campaign"], "month": data["month"]}
        if data.get("jurisdiction"):
            title = f"{data['jurisdiction']} {title}"
        _title(ws, title, subtitle, 4)
        _header(ws, [_("指标"), _("本期"), _("专项行动累计"), _("板块")])
        for section in data["sections"]:
            if not section["available"]:
                _row(ws, [section["note"], None, None, section["title"]])
                continue
            for figure in section["figures"][:4]:
                _row(ws, [figure["label"], figure["period"], figure["cumulative"], section["title"]], figure["kind"])
        counts = data["submissions"]["counts"]
        _row(ws, [_("按时报送单位"), counts.get("on_time", 0), None, _("月度报送情况")])
        _row(ws, [_("逾期报送单位"), counts.get("late", 0), None, _("月度报送情况")])
        _row(ws, [_("未报送单位"), counts.get("missing", 0), None, _("月度报送情况")])
        _print_setup(ws)
        if "streets" in data:
            _streets_sheet(wb, data, subtitle)
        for section in data["sections"]:
            _section_sheet(wb, section, subtitle)
        _submissions_sheet(wb, data, subtitle)
        _scorecard_sheet(wb, data, subtitle)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()


def summary_workbook(data: dict[str, Any]) -> bytes:
    """The campaign summary (总结提升): the groups' and units' submissions and the final figures."""
    with override(settings.LANGUAGE_CODE):
        wb = Workbook()
        ws = wb.active
        ws.title = _("工作组总结")
        _widths(ws, [16, 40, 40, 40])
        subtitle = _("专项行动：%(start)s 至 %(end)s") % {"start": data["start"], "end": data["end"]}
        _title(ws, _("%(campaign)s 总结报告") % {"campaign": data["campaign"]}, subtitle, 4)
        _header(ws, [_("工作组"), _("工作成效"), _("经验做法"), _("典型案例")])
        for row in data["groups"]:
            _row(ws, [row["unit"], row["results"], row["experience"], row["typical_cases"]])
            for cell in ws[ws.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            _wrapped_height(ws, ws.max_row)
        _print_setup(ws)
        ws = wb.create_sheet(_("单位总结"))
        _widths(ws, [18, 36, 36, 36])
        _title(ws, _("漏洞、短板和不足及建章立制"), subtitle, 4)
        _header(ws, [_("单位"), _("发现的漏洞"), _("短板和不足"), _("建章立制（已建立或建议的制度）")])
        for row in data["units"]:
            _row(ws, [row["unit"], row["loopholes"], row["weaknesses"], row["rules"]])
            for cell in ws[ws.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            _wrapped_height(ws, ws.max_row)
        ws.append([])
        ws.append([_cell_value(_("未报送：") + ("、".join(data["missing"]) or _("无")))])
        _print_setup(ws)
        for section in data["sections"]:
            _section_sheet(wb, section, subtitle)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
