"""Excel import of a higher office's lead list."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from core.audit import timeline_for
from leads import imports
from leads.models import Lead
from tests.factories import xlsx_upload

pytestmark = pytest.mark.django_db


def workbook(rows, header=None) -> SimpleUploadedFile:
    return xlsx_upload(header or [str(h) for h, _f, _r in imports.COLUMNS], rows)


def row(ref, summary="以养老项目名义集资", fraud="养老项目", money=1000, deadline="2030-01-31", code=""):
    return [ref, summary, "", fraud, "某公司", code, "", "13800001111", money, 2, deadline]


def test_template_download_round_trips(client_for, personas):
    response = client_for(personas.street).get(reverse("leads:import_template"))
    data = b"".join(response.streaming_content)
    upload = SimpleUploadedFile("t.xlsx", data)
    result = imports.import_leads(user=personas.street, upload=upload)
    assert result.ok and result.created == 1


def test_nothing_saved_when_a_row_fails(personas):
    rows = [row("R-1"), row("R-2", fraud="保健品"), row("R-3", money="很多"), row("R-1"), row("", summary="")]
    result = imports.import_leads(user=personas.street, upload=workbook(rows))
    assert result.created == 0 and not Lead.objects.exists()
    errors = dict(result.errors)
    assert "诈骗类型“保健品”无效" in errors[3]
    assert "不是数字" in errors[4]
    assert "与第 2 行文号重复" in errors[5] and 5 in result.duplicates
    assert "“上级转办文号”不能为空" in errors[6] and "“线索摘要”不能为空" in errors[6]


def test_valid_rows_only_and_existing_duplicates(personas):
    result = imports.import_leads(
        user=personas.street, upload=workbook([row("R-1"), row("R-2", fraud="x")]), valid_only=True
    )
    assert result.created == 1
    lead = Lead.objects.get()
    assert lead.source == "higher" and lead.higher_reference == "R-1" and str(lead.higher_deadline) == "2030-01-31"
    assert lead.subject_phone_hash and lead.fraud_type == "project"
    entry = timeline_for(lead)[0]
    assert entry.actor == personas.street and "Excel" in entry.reason
    result = imports.import_leads(user=personas.street, upload=workbook([row("R-1")]))
    assert result.created == 0 and "已登记过" in result.errors[0][1] and result.duplicates == [2]


def test_wrong_header_is_refused(personas):
    from core.exceptions import DomainError

    with pytest.raises(DomainError):
        imports.import_leads(user=personas.street, upload=workbook([["x"]], header=["a", "b"]))


def test_only_street_office_imports(client_for, personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        imports.import_leads(user=personas.community_a, upload=workbook([row("R-1")]))
    assert client_for(personas.community_a).get(reverse("leads:import")).status_code == 403


def test_five_thousand_rows_in_bulk(client_for, personas, django_assert_max_num_queries):
    upload = workbook([row(f"R-{i}") for i in range(5000)])
    client = client_for(personas.street)
    # PostgreSQL inserts 2,000 rows a statement; SQLite's variable limit splits batches further.
    limit = 60 if connection.vendor == "postgresql" else 450
    # the import runs as a job (eager here): a few queries for the job, one per progress write
    limit += 20 + 2 * 5000 // settings.JOBS_PROGRESS_EVERY
    with django_assert_max_num_queries(limit):
        response = client.post(reverse("leads:import"), {"file": upload})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.context["job"].result["created"] == 5000
    assert "共 5000 行，导入 5000 行，有错误 0 行。" in response.content.decode()
    assert Lead.objects.count() == 5000
    assert Lead.objects.values("number").distinct().count() == 5000
