"""Excel (.xlsx) helpers: streamed exports and template downloads, Chinese headers.

Exports are written by a small SpreadsheetML writer of our own (one sheet, inline strings, three
cell styles) straight into a zip stream: a row costs one string join, so 100,000 leads take
seconds and constant memory, where openpyxl's write-only mode needed about a millisecond a row.
The files open in Excel, WPS and LibreOffice and read back with openpyxl (the tests do).

Numbers stay numbers: a column's ``number_format`` (``core.numbers.MONEY_FORMAT``,
``RATE_FORMAT``, ...) styles its numeric cells, and a ``Decimal`` (money, in this project) gets the
money format ``#,##0.00`` unless its column says otherwise.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.http import FileResponse
from django.utils import timezone
from django.utils.encoding import force_str
from openpyxl.utils import get_column_letter

from core.numbers import MONEY_FORMAT

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel's limit on the text in one cell.
MAX_CELL_TEXT = 32767
#: A cell whose text starts with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 cannot carry (control characters other than tab/newline/CR, lone surrogates,
# U+FFFE/U+FFFF): dropped from cell text so hostile input cannot break a workbook.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
_STYLE_DATE, _STYLE_DATETIME, _STYLE_HEADER = 1, 2, 3


@dataclass(frozen=True)
class Column:
    header: Any  # a (lazy) translatable string
    value: Callable[[Any], Any]
    width: int = 16
    #: An Excel number format for the column's numeric cells, e.g. ``core.numbers.RATE_FORMAT``.
    number_format: str | None = None


def _cell_value(value: Any) -> Any:
    """A Python value as a spreadsheet cell takes it: local naive datetimes, 是/否, safe text."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, decimal.Decimal, datetime.date)):
        return value
    text = _ILLEGAL_XML.sub("", force_str(value))
    # Defuse spreadsheet formulas in user-entered text (CSV/formula injection): a leading tab or
    # carriage return counts too, as spreadsheet programs skip it before looking for a formula.
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text[:MAX_CELL_TEXT]


def _cell(ref: str, value: Any, style: int | None = None) -> str:
    if isinstance(value, str):
        if not value:
            return ""
        space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
    if isinstance(value, datetime.datetime):
        serial = (value - _EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    if isinstance(value, float | decimal.Decimal) and not math.isfinite(value):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    if style is not None:
        return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def _sheet_name(title: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", _ILLEGAL_XML.sub("", title)).strip("'")[:31]
    return name or "Sheet1"


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Cell styles: 0 plain, 1 date, 2 date and time, 3 header (bold on light blue), then one per number
# format the columns use (4, 5, ...: ``_styles``).
_NUMBER_STYLES_START, _NUMBER_FORMAT_IDS_START = 4, 166


def _styles(number_formats: Sequence[str]) -> str:
    formats = "".join(
        f'<numFmt numFmtId="{_NUMBER_FORMAT_IDS_START + i}" formatCode={quoteattr(code)}/>'
        for i, code in enumerate(number_formats)
    )
    number_xfs = "".join(
        f'<xf numFmtId="{_NUMBER_FORMAT_IDS_START + i}" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/>'
        for i in range(len(number_formats))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<numFmts count="{2 + len(number_formats)}"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        f'<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/>{formats}</numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
        "</fills>"
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{4 + len(number_formats)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
        f"{number_xfs}</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _number_style(value: Any, column_style: int | None, money_style: int) -> int | None:
    """The style of a numeric cell: its column's number format, or money's for a Decimal."""
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        return None
    if column_style is not None:
        return column_style
    return money_style if isinstance(value, decimal.Decimal) else None


def _workbook_xml(sheet_name: str, filter_ref: str) -> str:
    """The workbook part: one sheet, its header row printed on every page and its filter range."""
    quoted = escape("'" + sheet_name.replace("'", "''") + "'")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name={quoteattr(sheet_name)} sheetId="1" r:id="rId1"/></sheets>'
        "<definedNames>"
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">{quoted}!{filter_ref}</definedName>'
        f'<definedName name="_xlnm.Print_Titles" localSheetId="0">{quoted}!$1:$1</definedName>'
        "</definedNames></workbook>"
    )


#: After the rows: landscape A4, fit to one page wide (as many pages high as it takes), page numbers.
_PRINT_SETUP = (
    '<printOptions horizontalCentered="1"/>'
    '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    "<headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>"
)


def write_rows(path: Any, title: str, columns: Sequence[Column], rows: Iterable[Any]) -> int:
    """Write rows to an .xlsx at ``path`` (a path or a binary file) in constant memory.

    One sheet named ``title``: a bold header row (frozen, with an autofilter, printed on every
    page), the columns' widths, then one row per
    item of ``rows`` with each column's value (see ``_cell_value``), numbers in the column's number
    format (a Decimal in the money format by default), dates as dates. Printed landscape on A4, fit
    to one page wide. Returns the number of rows.
    """
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    number_formats = list(dict.fromkeys([MONEY_FORMAT, *(c.number_format for c in columns if c.number_format)]))
    style_of = {code: _NUMBER_STYLES_START + i for i, code in enumerate(number_formats)}
    money_style = style_of[MONEY_FORMAT]
    column_styles = [style_of[c.number_format] if c.number_format else None for c in columns]
    count = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _styles(number_formats))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            widths = "".join(
                f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>' for i, c in enumerate(columns, 1)
            )
            header = "".join(
                f'<c r="{letter}1" s="{_STYLE_HEADER}" t="inlineStr"><is><t>{escape(force_str(c.header))}</t></is></c>'
                for letter, c in zip(letters, columns, strict=True)
            )
            sheet.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
                    '<sheetViews><sheetView workbookViewId="0">'
                    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                    f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols>'
                    f'<sheetData><row r="1">{header}</row>'
                ).encode()
            )
            buffer: list[str] = []
            for number, row in enumerate(rows, start=2):
                values = [_cell_value(column.value(row)) for column in columns]
                cells = "".join(
                    _cell(f"{letter}{number}", value, _number_style(value, style, money_style))
                    for letter, value, style in zip(letters, values, column_styles, strict=True)
                )
                buffer.append(f'<row r="{number}">{cells}</row>')
                count += 1
                if len(buffer) >= 500:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            filter_ref = f"$A$1:${letters[-1]}${count + 1}" if letters else "$A$1:$A$1"
            sheet.write(
                (
                    "".join(buffer)
                    + f'</sheetData><autoFilter ref="{filter_ref.replace("$", "")}"/>'
                    + _PRINT_SETUP
                    + "</worksheet>"
                ).encode()
            )
        # Written after the rows: the filter covers them all.
        archive.writestr("xl/workbook.xml", _workbook_xml(_sheet_name(force_str(title)), filter_ref))
    return count


def xlsx_response(
    filename: str, title: str, columns: Sequence[Column], rows: Iterable[Any]
) -> tuple[FileResponse, int]:
    """An .xlsx download of ``rows``; the file is written to a temporary file, then streamed."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the FileResponse
    count = write_rows(tmp, title, columns, rows)
    tmp.seek(0)
    response = FileResponse(tmp, as_attachment=True, filename=filename, content_type=XLSX_MIME)
    return response, count
