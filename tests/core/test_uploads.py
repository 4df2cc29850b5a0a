import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.forms import MultipleFileField
from core.models import AuditEntry
from core.services import attachments_add, attachments_of
from core.uploads import validate_upload

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_real_picture_is_accepted():
    assert validate_upload(upload("现场.png", PNG_BYTES)).mime == "image/png"


def test_a_program_named_like_a_picture_is_refused_in_chinese():
    with pytest.raises(ValidationError) as exc:
        validate_upload(upload("照片.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "image/jpeg"))
    assert "类型不受支持" in exc.value.messages[0] and "照片.jpg" in exc.value.messages[0]


def test_html_disguised_as_text_is_refused():
    with pytest.raises(ValidationError):
        validate_upload(upload("note.txt", b"<script>alert(1)</script>"))


def test_a_file_over_the_limit_is_refused_and_says_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        validate_upload(upload("big.pdf", b"%PDF-" + b"0" * 2000))
    assert "过大" in exc.value.messages[0] and "1.0" in exc.value.messages[0]


def test_images_only_field_refuses_a_pdf():
    field = MultipleFileField(images_only=True)
    with pytest.raises(ValidationError):
        field.clean([upload("a.pdf", b"%PDF-1.4 test")])


def test_office_files_are_recognised_by_content():
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert validate_upload(upload("名单.xlsx", buffer.getvalue())).extension == "xlsx"


def test_download_checks_the_owner_visibility_and_is_logged(client_for, personas, org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    [own] = attachments_add(obj=org.community_a, files=[upload("a.png", PNG_BYTES)], user=personas.community_a)
    [other] = attachments_add(obj=org.community_b, files=[upload("b.png", PNG_BYTES)], user=personas.community_b)
    client = client_for(personas.community_a)
    response = client.get(reverse("core:attachment", args=[own.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(reverse("core:attachment", args=[other.pk])).status_code == 404
    assert AuditEntry.objects.filter(changes_text__startswith="下载附件", actor=personas.community_a).count() == 1
    assert list(attachments_of(org.community_a)) == [own]
    import re

    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.png", own.file.name)  # a random name


def test_a_download_keeps_the_original_file_name(client_for, personas, org, settings, tmp_path):
    """Issue 16.8: the file saved from the browser is "举报材料 2026.pdf", not "3.pdf"; the stored
    name stays random; a Chinese name travels as RFC 5987 ``filename*``."""
    from urllib.parse import quote

    settings.MEDIA_ROOT = tmp_path
    [pdf] = attachments_add(
        obj=org.community_a, files=[upload("举报材料 2026.pdf", b"%PDF-1.4 test")], user=personas.community_a
    )
    [sheet] = attachments_add(obj=org.community_a, files=[upload("list.png", PNG_BYTES)], user=personas.community_a)
    client = client_for(personas.community_a)
    disposition = client.get(reverse("core:attachment", args=[pdf.pk]))["Content-Disposition"]
    assert disposition.startswith("inline")
    assert f"filename*=utf-8''{quote('举报材料 2026.pdf')}" in disposition
    assert 'filename="list.png"' in client.get(reverse("core:attachment", args=[sheet.pk]))["Content-Disposition"]
    pdf.refresh_from_db()
    import re

    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", pdf.file.name)


def test_a_download_name_cannot_break_the_header_or_hide_the_type(client_for, personas, org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    [a] = attachments_add(obj=org.community_a, files=[upload("a.png", PNG_BYTES)], user=personas.community_a)
    type(a).objects.filter(pk=a.pk).update(original_name='../x"\r\nSet-Cookie: y.exe')
    disposition = client_for(personas.community_a).get(reverse("core:attachment", args=[a.pk]))["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split("filename", 1)[1]
    assert disposition.endswith('.png"') or disposition.endswith(".png")
