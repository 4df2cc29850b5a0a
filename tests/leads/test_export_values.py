"""Issue 18: the lead exports read the columns' fields only (``values_list``, no model instance),
with the cells the instance-by-instance export had, never an informant field, in the reader's
language; more rows than a sheet holds are refused with a message."""

from __future__ import annotations

import datetime
import decimal
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import xlsx
from core.models import ExportLog, Job
from core.xlsx import ValueRows, write_rows
from leads.models import INFORMANT_FIELDS, Lead
from leads.views import EXPORT_COLUMNS, HigherReportView, LeadListView

pytestmark = pytest.mark.django_db


def _sheet(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def _write(columns, rows) -> list[tuple]:
    buffer = io.BytesIO()
    write_rows(buffer, "线索清单", columns, rows)
    return _sheet(buffer.getvalue())


@pytest.fixture
def leads(lead_in, personas, org):
    closed = lead_in("closed", unit=org.community_a, summary="已办结 & <带符号> 的线索", money_lost="1234.50")
    Lead.objects.filter(pk=closed.pk).update(
        supervisor=personas.street, is_major=True, reminder_count=2, last_reminded_on=datetime.date(2026, 3, 2)
    )
    referred = lead_in("referred", unit=org.community_b, summary="=1+1 公式", informant_name="王大爷")
    registered = lead_in("registered", summary="  前后空格  ")
    return [closed, referred, registered]


def _old_row(lead) -> list:
    """The cells as the export wrote them from a model instance before issue 18."""

    def text(value):
        return value or None

    def when(value):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None

    estimated = bool(lead.deadline and lead.deadline_workdays is not None)
    from core import workdays

    estimated = estimated and workdays.coverage().estimated(lead.deadline)
    return [
        lead.number,
        datetime.datetime.combine(lead.received_on, datetime.time()),
        lead.get_source_display(),
        text(lead.higher_reference),
        lead.summary if not lead.summary.startswith("=") else "'" + lead.summary,
        lead.get_fraud_type_display(),
        text(lead.subject_name),
        text(lead.subject_credit_code),
        float(lead.money_lost) if lead.money_lost is not None else None,
        lead.elderly_affected,
        lead.community.name if lead.community else None,
        lead.assigned_unit.name if lead.assigned_unit else None,
        datetime.datetime.combine(lead.deadline, datetime.time()) if lead.deadline else None,
        "是" if estimated else "否",
        lead.get_status_display(),
        "是" if lead.is_major else "否",
        str(lead.supervisor) if lead.supervisor_id else None,
        "是" if lead.publicly_named else "否",
        lead.reminder_count,
        datetime.datetime.combine(lead.last_reminded_on, datetime.time()) if lead.last_reminded_on else None,
        text(lead.findings),
        text(lead.get_outcome_display()),
        when(lead.closed_at),
        when(lead.reported_up_at),
    ]


def test_values_rows_have_the_cells_model_instances_had(leads):
    queryset = Lead.objects.order_by("pk")
    from_values = _write(EXPORT_COLUMNS, ValueRows(queryset, EXPORT_COLUMNS))
    from_instances = _write(EXPORT_COLUMNS, queryset.select_related("community", "assigned_unit", "supervisor"))
    assert from_values == from_instances
    assert from_values[0] == tuple(str(c.header) for c in EXPORT_COLUMNS)
    instances = queryset.select_related("community", "assigned_unit", "supervisor")
    for lead, row in zip(instances, from_values[1:], strict=True):
        cells = [c.replace(microsecond=0) if isinstance(c, datetime.datetime) else c for c in row]
        assert cells == _old_row(lead)  # (openpyxl reads times to the millisecond)
    assert from_values[1][16] and from_values[1][21] == "部分属实"  # the supervisor, the outcome label


def test_the_export_selects_no_informant_field_and_builds_no_lead(client_for, personas, leads, settings, monkeypatch):
    built = []
    monkeypatch.setattr(Lead, "from_db", classmethod(lambda cls, *a: built.append(a) or None))
    client = client_for(personas.street)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("leads:index") + "?export=xlsx")
        rows = _sheet(b"".join(response.streaming_content))
    assert len(rows) == 4 and not built
    selects = [q["sql"] for q in queries.captured_queries if '"leads_lead"' in q["sql"] and "SELECT" in q["sql"]]
    assert selects
    for sql in selects:
        assert not any(name in sql for name in INFORMANT_FIELDS), sql
    assert "王大爷" not in str(rows)

    settings.EXPORT_INSTANT_MAX_ROWS = 1  # the worker's export reads the same columns
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("leads:higher") + "?export=xlsx").status_code in (200, 302)
        assert client.get(reverse("leads:index") + "?export=xlsx").status_code == 302
    assert Job.objects.filter(state="done").count() >= 1 and not built
    for q in queries.captured_queries:
        if '"leads_lead"' in q["sql"]:
            assert not any(name in q["sql"] for name in INFORMANT_FIELDS), q["sql"]


def test_every_lead_export_declares_its_fields():
    for view in (LeadListView, HigherReportView):
        assert xlsx.declared(view.export_columns), view


def test_an_english_export_has_english_headings_and_labels(client_for, personas, leads, settings):
    client = client_for(personas.street)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    rows = _sheet(b"".join(client.get(reverse("leads:index") + "?export=xlsx").streaming_content))
    header = rows[0]
    closed = next(r for r in rows if r[0] == leads[0].number)
    assert header[0] == "Number" and "Status" in header
    status = closed[header.index("Status")]
    assert status == "Closed" and closed[header.index("Major lead")] in ("Yes",)
    # and through a worker, in the language the export was asked in
    settings.EXPORT_INSTANT_MAX_ROWS = 1
    response = client.get(reverse("leads:index") + "?export=xlsx")
    job = Job.objects.get()
    assert response.status_code == 302 and job.state == "done"
    worker_rows = _sheet(b"".join(client.get(reverse("core:job_file", args=[job.pk])).streaming_content))
    assert worker_rows == rows


def test_more_rows_than_a_sheet_holds_are_refused_in_chinese(client_for, personas, leads, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 2)
    monkeypatch.setattr("core.views.MAX_ROWS", 2)
    client = client_for(personas.street)
    response = client.get(reverse("leads:index") + "?export=xlsx&source=public", follow=True)
    assert response.redirect_chain and "export=xlsx" not in response.redirect_chain[-1][0]
    assert "超过 Excel 一张工作表的上限" in response.content.decode()
    assert not ExportLog.objects.exists() and not Job.objects.exists()
    with pytest.raises(xlsx.TooManyRows):
        write_rows(io.BytesIO(), "线索清单", EXPORT_COLUMNS, ValueRows(Lead.objects.all(), EXPORT_COLUMNS))


def test_a_money_cell_keeps_its_format(leads):
    rows = ValueRows(Lead.objects.filter(money_lost__isnull=False), EXPORT_COLUMNS)
    buffer = io.BytesIO()
    write_rows(buffer, "线索清单", EXPORT_COLUMNS, rows)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert ws["I2"].value == float(decimal.Decimal("1234.50")) and ws["I2"].number_format == "#,##0.00"
    assert ws["B2"].number_format == "yyyy-mm-dd"


def test_the_case_exports_declare_their_fields_and_read_the_ledger_totals(client_for, personas):
    from cases.views import CaseListView, TypicalCaseListView

    for view in (CaseListView, TypicalCaseListView):
        assert xlsx.declared(view.export_columns), view
    assert "returned_total" in xlsx.value_paths(CaseListView.export_columns)


def test_a_values_export_opens_in_libreoffice_with_its_labels_numbers_and_dates(leads, tmp_path):
    import csv
    import os
    import subprocess

    from tests.reports.test_libreoffice import _libreoffice

    binary = _libreoffice()
    source = tmp_path / "leads.xlsx"
    with source.open("wb") as target:
        write_rows(target, "线索清单", EXPORT_COLUMNS, ValueRows(Lead.objects.order_by("pk"), EXPORT_COLUMNS))
    result = subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # UTF-8
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader((tmp_path / "leads.csv").open(encoding="utf-8")))
    assert rows[0] == [str(c.header) for c in EXPORT_COLUMNS]
    closed = rows[1]
    assert closed[0] == leads[0].number and closed[4] == "已办结 & <带符号> 的线索"
    assert closed[8] == "1,234.50" and closed[14] == "已办结" and closed[15] == "是"
    assert closed[1] == leads[0].received_on.isoformat()
    assert rows[2][4] == "'=1+1 公式" and len(rows) == 4
