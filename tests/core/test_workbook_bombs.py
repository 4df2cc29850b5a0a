"""Zip bombs and endless sheets (issue 16, item 16): both Excel imports refuse, before parsing,
an .xlsx that unpacks to too much or has too many rows, with a Chinese message."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads import imports as lead_imports
from leads.models import Lead
from rectification import imports as institution_imports
from rectification.models import Institution

pytestmark = pytest.mark.django_db


def _workbook_bytes(header) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(header)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, sheet_xml: bytes) -> bytes:
    """The same workbook with its first sheet replaced (compressed: a bomb stays small)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _header_cells(header) -> str:
    return "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(header))


def bomb(header, megabytes: int = 8) -> SimpleUploadedFile:
    """A valid-looking workbook whose sheet is mostly whitespace: small on disk, big unpacked."""
    cells = _header_cells(header)
    xml = (
        (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData><row r="1">{cells}</row>'
        ).encode()
        + b" " * (megabytes << 20)
        + b"</sheetData></worksheet>"
    )
    data = _rewrite_sheet(_workbook_bytes(header), xml)
    assert len(data) < megabytes * 20_000  # about 1/1000 of what it unpacks to
    return SimpleUploadedFile("bomb.xlsx", data)


def many_rows(header, rows: int, dimension: str | None = None) -> SimpleUploadedFile:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(2, rows + 2))
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main">{dim}<sheetData><row r="1">{_header_cells(header)}</row>'
        f"{body}</sheetData></worksheet>"
    ).encode()
    return SimpleUploadedFile("long.xlsx", _rewrite_sheet(_workbook_bytes(header), xml))


LEAD_HEADER = [str(h) for h, _f, _r in lead_imports.COLUMNS]
INSTITUTION_HEADER = [str(h) for _k, h, _r, _w in institution_imports.COLUMNS]


def test_the_leads_import_refuses_a_zip_bomb(client_for, personas, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 << 20
    response = client_for(personas.street).post(reverse("leads:import"), {"file": bomb(LEAD_HEADER)})
    assert response.status_code == 200
    assert "文件解压后过大" in response.content.decode()
    assert not Lead.objects.exists()


def test_the_institution_import_refuses_a_zip_bomb(client_for, personas, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 << 20
    response = client_for(personas.rectification).post(
        reverse("rectification:institution_import"), {"file": bomb(INSTITUTION_HEADER), "mode": "all"}
    )
    assert response.status_code == 200
    assert "文件解压后过大" in response.content.decode()
    assert not Institution.objects.exists()


def test_too_many_rows_are_refused_before_parsing(settings):
    settings.IMPORT_MAX_SHEET_ROWS = 50
    from core.exceptions import DomainError

    with pytest.raises(DomainError, match="工作表行数过多"):
        lead_imports.parse(many_rows(LEAD_HEADER, 60))
    # a sheet that says it is a million rows long is refused from its first bytes
    with pytest.raises(DomainError, match="工作表行数过多"):
        lead_imports.parse(many_rows(LEAD_HEADER, 3, dimension="A1:K1000000"))
    report = institution_imports.parse(many_rows(INSTITUTION_HEADER, 60))
    assert "工作表行数过多" in str(report.file_errors[0])
    # at the cap: parsed as usual (row errors, not a refusal of the file)
    result = lead_imports.parse(many_rows(LEAD_HEADER, 40))
    assert result.total == 40
