"""The 20th's job end to end: a real Celery worker on Redis compiles the report and a real SMTP
server on loopback receives it; the attached .xlsx holds the database's figures."""

import datetime
import email
import io
from email import policy

import openpyxl
import pytest

from reports import selectors, services
from reports.choices import ReportStatus
from reports.models import MonthlyReport

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _seed_leads(org, personas):
    """A few leads in the period."""
    from leads.choices import LeadSource, LeadStatus, Outcome
    from leads.models import Lead

    rows = [
        (LeadSource.PUBLIC, LeadStatus.CLOSED, datetime.date(2026, 11, 2)),
        (LeadSource.PUBLIC, LeadStatus.REFERRED, datetime.date(2026, 11, 5)),
        (LeadSource.HIGHER, LeadStatus.VERIFYING, datetime.date(2026, 10, 25)),
        (LeadSource.COMMUNITY, LeadStatus.CLOSED, datetime.date(2026, 9, 3)),  # before the period
    ]
    for n, (source, status, day) in enumerate(rows, start=1):
        Lead.objects.create(
            number=f"XT-T-{n:04d}",
            source=source,
            status=status,
            summary=f"测试线索{n}",
            received_on=day,
            assigned_unit=org.community_a,
            outcome=Outcome.UNFOUNDED if status == LeadStatus.CLOSED else "",
        )
    return Lead


def _sheet_figures(ws):
    return {ws.cell(r, 1).value: (ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(1, ws.max_row + 1)}


def test_the_20ths_job_on_a_real_worker_mails_the_report(redis_url, smtp_server, campaign, org, personas, recipients):
    from celery.contrib.testing.worker import start_worker
    from django.utils import timezone

    from config.celery import app
    from reports.tasks import monthly_report_due

    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=datetime.date(2026, 11, 1))
    services.submission_save(
        submission=sub, user=personas.community_a, work_done="入户宣传", problems="", next_steps=""
    )
    services.submission_submit(
        submission=sub,
        user=personas.community_a,
        now=timezone.make_aware(datetime.datetime(2026, 11, 19, 9)),
    )
    Lead = _seed_leads(org, personas)

    assert app.connection_for_write().as_uri().startswith("redis://")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            monthly_report_due.delay("2026-11-20")
            messages = smtp_server.wait_for(1, timeout=60)
    finally:
        app.conf.task_always_eager = True

    assert len(messages) == 1
    assert sorted(messages[0].rcpt_tos) == sorted(recipients)
    message = email.message_from_bytes(messages[0].content, policy=policy.default)
    assert "2026-11" in str(message["subject"])
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1 and attachments[0].get_filename().endswith(".xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(attachments[0].get_content()))

    report = MonthlyReport.objects.get()
    assert report.status == ReportStatus.READY and report.email.status == "sent"
    subs = wb["月度报送情况"]
    counts = {subs.cell(r, 1).value: subs.cell(r, 2).value for r in range(5, 9)}
    assert counts["按时报送"] == 1
    assert counts["未报送"] == selectors.reporting_units().count() - 1
    if Lead is not None:
        figures = _sheet_figures(wb["线索核查"])
        start, end = datetime.date(2026, 10, 21), datetime.date(2026, 11, 20)
        period = Lead.objects.filter(received_on__range=(start, end)).count()
        total = Lead.objects.filter(received_on__range=(campaign.start_date, end)).count()
        assert figures["受理线索数"] == (period, total) == (3, 4)
        closed = Lead.objects.filter(received_on__range=(start, end), status="closed").count()
        assert figures["已办结"][0] == closed
        assert figures["办结率"][0] == pytest.approx(closed / period, abs=1e-4)
