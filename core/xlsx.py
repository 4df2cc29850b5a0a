"""Excel (.xlsx) helpers: streamed exports and template downloads, Chinese headers.

Exports are written by a small SpreadsheetML writer of our own (one sheet, inline strings, a few
cell styles) straight into a zip stream (zlib level 1) in constant memory.
The files open in Excel, WPS and LibreOffice and read back with openpyxl (the tests do).

Speed (issue 18: 1,000,000 leads in a minute). A ``Column`` may declare the field paths it reads
(``Column(_("编号"), "number", 14)``, ``Column(_("来源"), "source", 12, choices=LeadSource)``,
``Column(_("督办人"), person_name, 12, fields=("supervisor__name", ...))``). When every column
of an export declares them, the rows are read with ``values_list`` over a server-side cursor
(``ValueRows``: no model instance, no field the export does not show, so never an encrypted
informant field), a choice column's labels are translated once per export and each label's cell
is built once. The writer compiles one function per export that turns a row into its XML: each
column has a cell formatter per Python type (text escaped only when it holds ``&<>``, a control
character, a formula start or surrounding space), cells carry no reference (they follow each
other; an empty one is ``<c/>``). A column without declared fields reads a model instance as
before (``value(obj)``) and goes through the same formatters.

Numbers stay numbers: a column's ``number_format`` (``core.numbers.MONEY_FORMAT``,
``RATE_FORMAT``, ...) styles its numeric cells, and a ``Decimal`` (money, in this project) gets the
money format ``#,##0.00`` unless its column says otherwise.

A sheet holds at most ``MAX_ROWS`` rows below its header (Excel's 1,048,576 less one): a bigger
export is refused (``TooManyRows``, a Chinese message asking to narrow the filter).
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.http import FileResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext
from openpyxl.utils import get_column_letter

from core.exceptions import DomainError
from core.numbers import MONEY_FORMAT

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel's limit on the text in one cell.
MAX_CELL_TEXT = 32767
#: Excel's limit on the rows of one sheet (1,048,576) less the header row.
MAX_ROWS = 1_048_575
#: A cell whose text starts with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 cannot carry (control characters other than tab/newline/CR, lone surrogates,
# U+FFFE/U+FFFF): dropped from cell text so hostile input cannot break a workbook.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Text that needs more than wrapping in <t>: escaping (&<>), characters to drop, a formula start
# (=+-@, tab, CR), surrounding space or a newline (xml:space="preserve").
_TEXT_WORK = re.compile("[&<>\n\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|^[=+\\-@\\s]|\\s\\Z")
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
_EXCEL_EPOCH_ORDINAL = _EXCEL_EPOCH.toordinal()
_STYLE_DATE, _STYLE_DATETIME, _STYLE_HEADER = 1, 2, 3
_EMPTY = "<c/>"


class TooManyRows(DomainError):
    """More rows than one sheet holds."""


def too_many_rows(count: int) -> TooManyRows:
    return TooManyRows(
        gettext("共 %(n)s 行，超过 Excel 一张工作表的上限 %(max)s 行。请先筛选（如按日期或单位分批），再导出。")
        % {"n": f"{count:,}", "max": f"{MAX_ROWS:,}"}
    )


@dataclass(frozen=True)
class Column:
    """One column of an export.

    ``value`` is either a function of the row (a model instance, a dict: whatever the rows are),
    or a field path (``"number"``, ``"assigned_unit__name"``) that the column shows as it is, or,
    with ``fields``, a function of those fields' values. ``choices`` (a ``TextChoices``) shows the
    label of the code the one field holds. ``prepare``, with ``fields``, is called once per
    export and returns the function of the fields' values (to read something once, e.g. the
    calendar). A column with fields reads a model instance too (the paths are followed).
    """

    header: Any  # a (lazy) translatable string
    value: Callable[..., Any] | str | None
    width: int = 16
    #: An Excel number format for the column's numeric cells, e.g. ``core.numbers.RATE_FORMAT``.
    number_format: str | None = None
    #: The field paths (``values_list`` names) the column reads.
    fields: tuple[str, ...] = ()
    choices: Any = None
    prepare: Callable[[], Callable[..., Any]] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.value, str) and not self.fields:
            object.__setattr__(self, "fields", (self.value,))
        if (self.choices is not None or isinstance(self.value, str)) and len(self.fields) != 1:
            raise ValueError("a field or choice column reads exactly one field")
        if self.value is None and self.prepare is None:
            raise ValueError("a column needs a value")

    def of_values(self) -> Callable[..., Any] | None:
        """The function of the fields' values, for one export (None: the value as it is)."""
        if self.prepare is not None:
            return self.prepare()
        if self.choices is not None:
            labels = {k: str(v) for k, v in self.choices.choices}
            return lambda code: labels.get(code, code)
        if isinstance(self.value, str):
            return None
        return self.value


def declared(columns: Sequence[Column]) -> bool:
    """Whether every column says which fields it reads (the export can read values only)."""
    return bool(columns) and all(c.fields for c in columns)


def value_paths(columns: Sequence[Column]) -> list[str]:
    """The field paths the columns read, each once, in column order."""
    return list(dict.fromkeys(path for c in columns for path in c.fields))


class ValueRows:
    """The rows of ``queryset`` as tuples of the columns' fields (``values_list``), streamed
    (a server-side cursor on PostgreSQL) ``chunk_size`` at a time: what ``write_rows`` reads
    when every column declares its fields."""

    def __init__(self, queryset: Any, columns: Sequence[Column], chunk_size: int = 5000):
        if not declared(columns):
            raise ValueError("every column must declare its fields")
        self.queryset, self.paths, self.chunk_size = queryset, value_paths(columns), chunk_size
        #: Per path, the Python type its values always have (a NOT NULL column reached without a
        #: nullable join), or None (may be None, or an annotation): the writer then skips the
        #: lookup by type.
        self.kinds = [_kind(queryset.model, path) for path in self.paths]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self.queryset.values_list(*self.paths).iterator(chunk_size=self.chunk_size)


_KINDS: dict[str, type] = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "EmailField": str,
    "URLField": str,
    "BooleanField": bool,
    "IntegerField": int,
    "SmallIntegerField": int,
    "BigIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "PositiveBigIntegerField": int,
    "DateField": datetime.date,
}


def _kind(model: Any, path: str) -> type | None:
    """The Python type of every value of ``path`` from ``model``, if the database promises it."""
    from django.core.exceptions import FieldDoesNotExist

    names = path.split("__")
    try:
        for name in names[:-1]:
            relation = model._meta.get_field(name)
            if relation.null or not relation.many_to_one:
                return None
            model = relation.related_model
        field = model._meta.get_field(names[-1])
    except FieldDoesNotExist:  # an annotation
        return None
    if field.null or getattr(field, "encrypted", False) or field.is_relation:
        return None
    return _KINDS.get(field.get_internal_type())


def _follow(obj: Any, path: str) -> Any:
    for name in path.split("__"):
        if obj is None:
            return None
        obj = obj[name] if isinstance(obj, dict) else getattr(obj, name)
    return obj


def _cell_value(value: Any) -> Any:
    """A Python value as a spreadsheet cell takes it: local naive datetimes, 是/否, safe text (the
    monthly report's openpyxl workbook writes its cells with it)."""
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


# --- cells --------------------------------------------------------------------------------------


def _text(value: str) -> str:
    """A text cell: formulas defused, characters XML cannot carry dropped, escaped if need be."""
    if value.isalnum() or (_TEXT_WORK.search(value) is None and value and len(value) <= MAX_CELL_TEXT):
        # letters and digits (Chinese included) only, or no character that needs work
        return f'<c t="inlineStr"><is><t>{value}</t></is></c>'
    if not value:
        return _EMPTY
    value = _ILLEGAL_XML.sub("", value)
    if not value:
        return _EMPTY
    # Defuse spreadsheet formulas in user-entered text (CSV/formula injection): a leading tab or
    # carriage return counts too, as spreadsheet programs skip it before looking for a formula.
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    if len(value) > MAX_CELL_TEXT:
        value = value[:MAX_CELL_TEXT]
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() or "\n" in value else ""
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    return f'<c t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _datetime(tz: Any) -> Callable[[datetime.datetime], str]:
    """Date and time cells in the time zone ``tz`` (read once per export)."""
    epoch = _EXCEL_EPOCH

    def cell(value: datetime.datetime) -> str:
        if value.tzinfo is not None:
            value = value.astimezone(tz).replace(tzinfo=None)
        return f'<c s="{_STYLE_DATETIME}"><v>{(value - epoch).total_seconds() / 86400!r}</v></c>'

    return cell


def _date(value: datetime.date) -> str:
    return f'<c s="{_STYLE_DATE}"><v>{value.toordinal() - _EXCEL_EPOCH_ORDINAL}</v></c>'


def _number(style: int | None, finite: Callable[[Any], bool] | None = None) -> Callable[[Any], str]:
    """Number cells (in the number format ``style``); a value ``finite`` refuses is text."""
    attribute = f' s="{style}"' if style is not None else ""
    if finite is None:
        return lambda value: f"<c{attribute}><v>{value}</v></c>"

    def number(value: Any) -> str:
        if not finite(value):
            return f'<c t="inlineStr"><is><t>{value}</t></is></c>'
        return f"<c{attribute}><v>{value}</v></c>"

    return number


class _Formatter:
    """The cell of any value in a column: one formatter per Python type (``by_type``, looked up
    by the value's exact type; ``other`` for the rest), built once per export."""

    def __init__(self, column_style: int | None, money_style: int, tz: Any):
        yes, no = _text(gettext("是")), _text(gettext("否"))
        self.by_type: dict[type, Callable[[Any], str]] = {
            str: _text,
            type(None): lambda v: _EMPTY,
            bool: lambda v: yes if v else no,
            int: _number(column_style),
            float: _number(column_style, math.isfinite),
            decimal.Decimal: _number(
                column_style if column_style is not None else money_style, decimal.Decimal.is_finite
            ),
            datetime.date: _date,
            datetime.datetime: _datetime(tz),
        }

    def other(self, value: Any) -> str:  # a subclass (a choice member, a lazy string, ...)
        for kind in (bool, datetime.datetime, datetime.date, decimal.Decimal, int, float):
            if isinstance(value, kind):
                return self.by_type[kind](value)
        return _text(force_str(value))

    def __call__(self, value: Any) -> str:
        return self.by_type.get(type(value), self.other)(value)


def _row_function(columns: Sequence[Column], cells: list[_Formatter], rows: Any):
    """``row(item, number) -> '<row ...>...</row>'``, compiled once per export.

    For ``ValueRows`` the item is a tuple of its paths' values; otherwise it is what the column's
    ``value`` takes (a model instance, a dict)."""
    paths, kinds = (rows.paths, rows.kinds) if isinstance(rows, ValueRows) else (None, [])
    namespace: dict[str, Any] = {}
    parts = []
    for i, (column, cell) in enumerate(zip(columns, cells, strict=True)):
        namespace[f"c{i}"], namespace[f"d{i}"], namespace[f"x{i}"] = cell, cell.by_type, cell.other
        if paths is None:
            if column.fields:
                fn = column.of_values()
                fields = column.fields
                if fn is None:
                    path = fields[0]
                    namespace[f"g{i}"] = lambda o, p=path: _follow(o, p)
                else:
                    namespace[f"g{i}"] = lambda o, f=fn, ps=fields: f(*[_follow(o, p) for p in ps])
            else:
                namespace[f"g{i}"] = column.value
            parts.append(f"{{c{i}(g{i}(o))}}")
            continue
        indexes = [paths.index(p) for p in column.fields]
        fn = column.of_values()
        args = ", ".join(f"o[{j}]" for j in indexes)
        kind = kinds[indexes[0]] if fn is None else None
        if column.choices is not None:
            assert fn is not None
            labels = {code: cell(fn(code)) for code, _label in column.choices.choices}
            labels[""] = labels[None] = _EMPTY
            namespace[f"m{i}"] = labels
            namespace[f"f{i}"] = fn
            parts.append(f"{{m{i}.get({args}) or c{i}(f{i}({args}))}}")
        elif kind is bool:  # a NOT NULL boolean: no call at all
            namespace[f"y{i}"], namespace[f"n{i}"] = cell.by_type[bool](True), cell.by_type[bool](False)
            parts.append(f"{{y{i} if {args} else n{i}}}")
        elif kind is not None:  # always of one type: its formatter
            namespace[f"k{i}"] = cell.by_type[kind]
            parts.append(f"{{k{i}({args})}}")
        elif fn is None:  # the value as it is: its type's formatter, without a call in between
            parts.append(f"{{d{i}.get(type({args}), x{i})({args})}}")
        else:
            namespace[f"f{i}"] = fn
            parts.append(f"{{c{i}(f{i}({args}))}}")
    source = 'def row(o, n):\n    return f\'<row r="{n}">' + "".join(parts) + "</row>'\n"
    exec(compile(source, "<core.xlsx row>", "exec"), namespace)
    return namespace["row"]


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


def write_rows(
    path: Any,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Any],
    *,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write rows to an .xlsx at ``path`` (a path or a binary file) in constant memory.

    One sheet named ``title``: a bold header row (frozen, with an autofilter, printed on every
    page), the columns' widths, then one row per item of ``rows`` with each column's value
    (``ValueRows``: tuples of the declared fields; otherwise what ``Column.value`` takes), numbers
    in the column's number format (a Decimal in the money format by default), dates as dates,
    booleans as 是/否 (in the current language). Printed landscape on A4, fit to one page wide.
    ``on_rows(n)`` is told every few thousand rows how many more were written. Returns the number
    of rows; more than ``MAX_ROWS`` raises ``TooManyRows``.
    """
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    number_formats = list(dict.fromkeys([MONEY_FORMAT, *(c.number_format for c in columns if c.number_format)]))
    style_of = {code: _NUMBER_STYLES_START + i for i, code in enumerate(number_formats)}
    money_style = style_of[MONEY_FORMAT]
    tz = timezone.get_current_timezone()
    cells = [_Formatter(style_of[c.number_format] if c.number_format else None, money_style, tz) for c in columns]
    row_xml = _row_function(columns, cells, rows)
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
            append = buffer.append
            number = 1
            for number, row in enumerate(rows, start=2):
                append(row_xml(row, number))
                if len(buffer) >= 2000:
                    if number > MAX_ROWS + 1:
                        raise too_many_rows(number - 1)
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
                    if on_rows is not None:
                        on_rows(2000)
            count = number - 1
            if count > MAX_ROWS:
                raise too_many_rows(count)
            if on_rows is not None and buffer:
                on_rows(len(buffer))
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
