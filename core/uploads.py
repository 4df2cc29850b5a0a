"""Upload checks shared by every app: a size limit and a type allow-list decided by the file's
content (its first bytes), never by its name. Refusals carry a clear Chinese message."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    mime: str
    extension: str
    is_image: bool = False


JPEG = FileKind("image/jpeg", "jpg", True)
PNG = FileKind("image/png", "png", True)
GIF = FileKind("image/gif", "gif", True)
WEBP = FileKind("image/webp", "webp", True)
PDF = FileKind("application/pdf", "pdf")
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
MP3 = FileKind("audio/mpeg", "mp3")
M4A = FileKind("audio/mp4", "m4a")
AMR = FileKind("audio/amr", "amr")
MP4 = FileKind("video/mp4", "mp4")
TEXT = FileKind("text/plain", "txt")

ALLOWED_DESCRIPTION = _(
    "图片（JPG、PNG、GIF、WEBP）、PDF、Word（DOCX）、Excel（XLSX）、录音（MP3、M4A、AMR）、视频（MP4）或纯文本"
)
IMAGES_DESCRIPTION = _("图片（JPG、PNG、GIF、WEBP）")


def sniff(head: bytes, file=None) -> FileKind | None:
    """The kind of a file from its first bytes (and, for zip-based Office files, its contents)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"#!AMR"):
        return AMR
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return MP3
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return M4A if brand in (b"M4A ", b"M4B ") else MP4
    if head.startswith(b"PK\x03\x04") and file is not None:
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            file.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return DOCX
            if any(n.startswith("xl/") for n in names):
                return XLSX
        return None
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A multi-byte character may be cut at the end of the sample.
            try:
                head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                return None
        if head.lstrip()[:1] == b"<":  # HTML/SVG/XML could run script in a browser: refused
            return None
        return TEXT
    return None


def validate_upload(upload, *, images_only: bool = False, max_bytes: int | None = None) -> FileKind:
    """Check an uploaded file; returns its kind or raises ValidationError (in Chinese)."""
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”过大（%(size)s），单个文件不能超过 %(limit)s。"),
            code="too_big",
            params={"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。"), code="empty", params={"name": upload.name})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = sniff(head, upload)
    if kind is None or (images_only and not kind.is_image):
        allowed = IMAGES_DESCRIPTION if images_only else ALLOWED_DESCRIPTION
        raise ValidationError(
            _("文件“%(name)s”的类型不受支持（按文件内容识别，而非文件名）。仅支持：%(allowed)s。"),
            code="bad_type",
            params={"name": upload.name, "allowed": allowed},
        )
    return kind


# --- workbooks before parsing (issue 16, item 16: zip bombs) -------------------------------------

#: A worksheet's rows in its XML (``<row …>``, any namespace prefix).
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def check_workbook(upload, *, max_bytes: int | None = None, max_rows: int | None = None) -> None:
    """Refuse, quickly and before openpyxl parses anything, an .xlsx whose parts unpack to more
    than ``IMPORT_MAX_UNCOMPRESSED_BYTES`` or one of whose sheets has more than
    ``IMPORT_MAX_SHEET_ROWS`` rows. The sizes are the archive's own (``infolist``); Python's
    zipfile never unpacks an entry beyond its declared size, so a lying header cannot get past.
    Rows: the sheet's ``<dimension>`` if it claims too many, else a streaming count that stops at
    the cap. Raises ``DomainError`` (Chinese); anything that is not a zip is left to the parser."""
    from .exceptions import DomainError

    max_bytes = max_bytes or settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    max_rows = max_rows or settings.IMPORT_MAX_SHEET_ROWS
    too_big = DomainError(
        _("文件解压后过大（超过 %(limit)s），无法导入。请只保留需要导入的内容，或分成几个文件。")
        % {"limit": filesizeformat(max_bytes)},
        code="too_big",
        field="file",
    )
    too_long = DomainError(
        _("工作表行数过多（超过 %(n)s 行），无法导入。请分成几个文件。") % {"n": f"{max_rows:,}"},
        code="too_many_rows",
        field="file",
    )
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if sum(e.file_size for e in entries) > max_bytes or len(entries) > 10_000:
                raise too_big
            for entry in entries:
                if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                    _count_rows(archive, entry, max_rows, too_long)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        pass  # not a readable zip: the parser says so in its own words
    finally:
        upload.seek(0)


def _count_rows(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, max_rows: int, error: Exception) -> None:
    rows = 0
    tail = b""
    with archive.open(entry) as stream:
        first = True
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            if first:
                first = False
                match = _DIMENSION.search(data[:4096])
                if match and match.group(1) and int(match.group(1)) > max_rows:
                    raise error
            # tags starting in the last 32 bytes are counted in the next round (the tail is re-read)
            cut = max(len(data) - 32, 0)
            rows += len(_ROW_TAG.findall(data)) - len(_ROW_TAG.findall(data, cut))
            if rows > max_rows:
                raise error
            tail = data[cut:]
    rows += len(_ROW_TAG.findall(tail))
    if rows > max_rows:
        raise error


def validate_workbook(upload) -> None:
    """An import's upload before it is stored and queued (issue 17): within the size limit, an
    .xlsx by its content, and no zip bomb (``check_workbook``). Raises ``ValidationError``."""
    from .exceptions import DomainError

    kind = validate_upload(upload)
    if kind != XLSX:
        raise ValidationError(
            _("文件“%(name)s”不是 Excel 工作簿（.xlsx），请使用下载的模板。"),
            code="bad_type",
            params={"name": upload.name},
        )
    try:
        check_workbook(upload)
    except DomainError as exc:
        raise ValidationError(exc.message, code=exc.code) from None
