"""Upload checks shared by every app: a size limit and a type allow-list decided by the file's
content (its first bytes), never by its name. Refusals carry a clear Chinese message."""

from __future__ import annotations

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
