"""Excel (.xlsx) helpers: streamed exports and template downloads, Chinese headers."""

from __future__ import annotations

import datetime
import decimal
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.encoding import force_str
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: Any  # a (lazy) translatable string
    value: Callable[[Any], Any]
    width: int = 16


def _cell_value(value: Any) -> Any:
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
    text = force_str(value)
    # Defuse spreadsheet formulas in user-entered text (CSV/formula injection).
    if text[:1] in ("=", "+", "-", "@"):
        text = "'" + text
    return text


def write_rows(path: Any, title: str, columns: Sequence[Column], rows: Iterable[Any]) -> int:
    """Write rows to an .xlsx at ``path`` (a path or a binary file) in constant memory (openpyxl write-only mode)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=force_str(title)[:31])
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=force_str(column.header))
        cell.font = header_font
        cell.fill = header_fill
        header.append(cell)
    ws.append(header)
    count = 0
    for row in rows:
        ws.append([_cell_value(column.value(row)) for column in columns])
        count += 1
    wb.save(path)
    return count


def xlsx_response(
    filename: str, title: str, columns: Sequence[Column], rows: Iterable[Any]
) -> tuple[FileResponse, int]:
    """An .xlsx download of ``rows``; the file is written to a temporary file, then streamed."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the FileResponse
    count = write_rows(tmp, title, columns, rows)  # openpyxl accepts a file object
    tmp.seek(0)
    response = FileResponse(tmp, as_attachment=True, filename=filename, content_type=XLSX_MIME)
    return response, count
