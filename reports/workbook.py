"""The monthly report and the campaign summary as .xlsx: a sheet per area, Chinese headers,
native Excel charts, column widths and A4 print settings. Built from the report's stored data
(plain JSON), so the file, the HTML page and the e-mail show the same figures."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
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


def _print_setup(ws: Worksheet, *, landscape: bool = False) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "&P / &N"


def _widths(ws: Worksheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width


def _title(ws: Worksheet, text: str, subtitle: str, span: int) -> None:
    ws.append([text])
    ws["A1"].font = TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=span)
    ws.append([subtitle])
    ws["A2"].font = Font(italic=True, color="666666")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=span)
    ws.append([])


def _header(ws: Worksheet, values: Sequence[Any]) -> int:
    ws.append([_cell_value(v) for v in values])  # text only: a name starting with "=" stays text
    row = ws.max_row
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
    _print_setup(ws, landscape=True)


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
    _header(ws, [_("单位"), _("类型"), _("报送情况"), _("报送时间")])
    for row in subs["rows"]:
        _row(ws, [row["unit"], row["kind"], row["state"], row["submitted_at"]])
    _print_setup(ws)


def _scorecard_sheet(wb: Workbook, data: dict[str, Any], subtitle: str) -> None:
    card = data["scorecard"]
    ws = wb.create_sheet(_("督导考评"))
    _widths(ws, [8, 26, 14, 12, 14, 14, 10, 10])
    _title(ws, _("督导考评排名"), subtitle, 8)
    _header(
        ws,
        [_("排名"), _("单位"), _("按期反馈率"), _("超期事项"), _("按期销号率"), _("按时报送率"), _("得分"), _("后进")],
    )
    for row in card["rows"]:
        values = [
            row["rank"],
            row["unit"],
            row["feedback_on_time_rate"],
            row["overdue_items"],
            row["problems_on_time_rate"],
            row["submission_rate"],
            row["score"],
            _("是") if row["laggard"] else "",
        ]
        r = _row(ws, values)
        for col in (3, 5, 6, 7):
            ws.cell(r, col).number_format = FORMATS["rate"]
    ws.append([])
    ws.append([_cell_value(_("后进单位：") + ("、".join(card["laggards"]) or _("无")))])
    ws.cell(ws.max_row, 1).font = BOLD
    ws.append([_("“—”表示该项不适用（无相关事项或模块尚未上线）。")])
    _print_setup(ws, landscape=True)


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
        _title(
            ws, _("%(campaign)s %(month)s 月报") % {"campaign": data["campaign"], "month": data["month"]}, subtitle, 4
        )
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
        _print_setup(ws, landscape=True)
        ws = wb.create_sheet(_("单位总结"))
        _widths(ws, [18, 36, 36, 36])
        _title(ws, _("漏洞、短板和不足及建章立制"), subtitle, 4)
        _header(ws, [_("单位"), _("发现的漏洞"), _("短板和不足"), _("建章立制（已建立或建议的制度）")])
        for row in data["units"]:
            _row(ws, [row["unit"], row["loopholes"], row["weaknesses"], row["rules"]])
            for cell in ws[ws.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.append([])
        ws.append([_cell_value(_("未报送：") + ("、".join(data["missing"]) or _("无")))])
        _print_setup(ws, landscape=True)
        for section in data["sections"]:
            _section_sheet(wb, section, subtitle)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
