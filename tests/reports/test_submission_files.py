"""A unit's monthly submission takes its own written report as files, with the upload rules used
everywhere (size, type by content); a refused file keeps what was typed."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from core.services import attachments_of
from reports.models import UnitSubmission

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def submission(campaign, org):
    month = datetime.date(2026, 11, 1)
    return UnitSubmission.objects.create(
        campaign=campaign, unit=org.community_a, month=month, due_date=month.replace(day=20)
    )


def _post(client, sub, verb="submission_edit", **files):
    data = {"work_done": "入户宣传 12 次", "problems": "无", "next_steps": "继续", **files}
    return client.post(reverse("reports:submission_action", args=[sub.pk, verb]), data)


def test_a_unit_attaches_its_written_report(submission, personas, client_for):
    client = client_for(personas.community_a)
    response = _post(client, submission, files=[SimpleUploadedFile("11月书面报告.pdf", PDF)])
    assert response.status_code == 302
    (attachment,) = attachments_of(submission)
    assert attachment.original_name == "11月书面报告.pdf"
    submission.refresh_from_db()
    assert submission.work_done == "入户宣传 12 次"
    page = client.get(submission.get_absolute_url()).content.decode()
    assert "11月书面报告.pdf" in page
    assert reverse("core:attachment", args=[attachment.pk]) in page
    assert client.get(reverse("core:attachment", args=[attachment.pk])).status_code == 200
    # another community does not get the file
    assert client_for(personas.community_b).get(reverse("core:attachment", args=[attachment.pk])).status_code == 404


def test_files_go_with_the_submit_too(submission, personas, client_for):
    response = _post(
        client_for(personas.community_a),
        submission,
        verb="submission_submit",
        files=[SimpleUploadedFile("报告.pdf", PDF)],
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "submitted"
    assert attachments_of(submission).count() == 1


def test_a_wrong_type_is_refused_and_the_text_kept(submission, personas, client_for):
    response = _post(
        client_for(personas.community_a), submission, files=[SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 a program")]
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "类型不受支持" in page
    assert "入户宣传 12 次" in page
    assert not attachments_of(submission).exists()
    submission.refresh_from_db()
    assert submission.work_done == ""


@override_settings(UPLOAD_MAX_BYTES=50)
def test_a_too_big_file_is_refused_and_the_text_kept(submission, personas, client_for):
    response = _post(
        client_for(personas.community_a), submission, files=[SimpleUploadedFile("报告.pdf", PDF + b" " * 100)]
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "过大" in page
    assert "入户宣传 12 次" in page
    assert not attachments_of(submission).exists()


def test_the_form_takes_files(submission, personas, client_for):
    page = client_for(personas.community_a).get(submission.get_absolute_url()).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page
