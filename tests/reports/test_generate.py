"""The monthly report: its period, its figures, and exactly once."""

import datetime
import io

import openpyxl
import pytest
from django.core import mail as django_mail

from core.choices import MailStatus
from core.models import OutboundEmail
from reports import selectors, services
from reports.choices import ReportStatus, SubmissionStatus
from reports.models import MonthlyReport, UnitSubmission

NOV = datetime.date(2026, 11, 1)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the job catches it."""


def test_period_is_the_21st_of_the_previous_month_to_the_20th(campaign):
    assert selectors.report_period(campaign, NOV) == (datetime.date(2026, 10, 21), datetime.date(2026, 11, 20))
    assert selectors.report_month_for(campaign, datetime.date(2026, 11, 20)) == NOV
    assert selectors.report_month_for(campaign, datetime.date(2026, 11, 21)) == datetime.date(2026, 12, 1)
    campaign.report_day = 31
    assert selectors.due_date(campaign, datetime.date(2026, 2, 1)) == datetime.date(2026, 2, 28)


def _submit(unit, user, month, when):
    sub = services.submission_start(user=user, unit=unit, month=month)
    services.submission_save(submission=sub, user=user, work_done="开展宣传3次", problems="", next_steps="")
    return services.submission_submit(submission=sub, user=user, now=when)


def _aware(day: datetime.date, hour: int = 10):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_twice_the_same_month_gives_one_report_and_one_mail(
    campaign, personas, recipients, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.report_generate(month=NOV, today=datetime.date(2026, 11, 20))
    with django_capture_on_commit_callbacks(execute=True):
        second = services.report_generate(month=NOV, today=datetime.date(2026, 11, 20))
    assert first.pk == second.pk and second.version == 1 and second.status == ReportStatus.READY
    assert MonthlyReport.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
    assert len(django_mail.outbox) == 1
    message = django_mail.outbox[0]
    assert sorted(message.to) == sorted(recipients)
    assert message.attachments[0][0] == "月报-2026-11-v1.xlsx"


def test_regenerate_is_a_new_version_and_a_new_mail(campaign, personas, recipients, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_generate(month=NOV)
        report = services.report_generate(month=NOV, user=personas.street, regenerate=True)
    assert report.version == 2 and report.status == ReportStatus.READY
    assert MonthlyReport.objects.count() == 1
    assert sorted(OutboundEmail.objects.values_list("key", flat=True)) == [
        f"monthly-report:{campaign.pk}:2026-11:v1",
        f"monthly-report:{campaign.pk}:2026-11:v2",
    ]
    assert len(django_mail.outbox) == 2


def test_only_the_street_office_generates(campaign, personas):
    from django.core.exceptions import PermissionDenied

    for user in (personas.leader, personas.community_a, personas.liaison):
        with pytest.raises(PermissionDenied):
            services.report_generate(month=NOV, user=user)


def test_a_crash_mid_job_then_the_retry_sends_one_mail(
    campaign, personas, recipients, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def crash_once(report):
        calls.append(report.pk)
        if len(calls) == 1:
            raise WorkerKilled

    monkeypatch.setattr(services, "_after_build_hook", crash_once)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        services.report_generate(month=NOV, token="task-1")
    report = MonthlyReport.objects.get()
    assert report.status == ReportStatus.GENERATING  # the worker died holding the claim
    assert OutboundEmail.objects.count() == 0
    # another worker cannot take it while the claim is fresh ...
    with django_capture_on_commit_callbacks(execute=True):
        other = services.report_generate(month=NOV, token="task-2")
    assert other.status == ReportStatus.GENERATING and len(calls) == 1
    # ... but the redelivered message (same task id) takes it over and sends once
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV, token="task-1")
    assert report.status == ReportStatus.READY and report.attempts == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.report_generate(month=NOV, token="task-1")  # acks_late: delivered once more after success
    assert OutboundEmail.objects.count() == 1 and len(django_mail.outbox) == 1


def test_a_stale_claim_is_taken_over(campaign, personas, recipients, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "_after_build_hook", lambda r: (_ for _ in ()).throw(WorkerKilled()))
    with pytest.raises(WorkerKilled):
        services.report_generate(month=NOV, token="dead")
    monkeypatch.setattr(services, "_after_build_hook", None)
    from django.utils import timezone

    MonthlyReport.objects.update(claimed_at=timezone.now() - datetime.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV, token="another")
    assert report.status == ReportStatus.READY
    assert len(django_mail.outbox) == 1


def test_an_error_marks_the_report_failed_and_a_rerun_recovers(
    campaign, personas, recipients, monkeypatch, django_capture_on_commit_callbacks
):
    def boom(report):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(services, "_after_build_hook", boom)
    with pytest.raises(RuntimeError):
        services.report_generate(month=NOV)
    report = MonthlyReport.objects.get()
    assert report.status == ReportStatus.FAILED and "磁盘已满" in report.error
    monkeypatch.setattr(services, "_after_build_hook", None)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV)
    assert report.status == ReportStatus.READY and report.error == ""
    assert len(django_mail.outbox) == 1


def test_the_workbook_has_a_sheet_per_area_charts_and_a4(campaign, personas, recipients, org):
    street = personas.street
    _submit(org.community_a, personas.community_a, NOV, _aware(datetime.date(2026, 11, 18)))
    _submit(org.market_regulation, personas.liaison, NOV, _aware(datetime.date(2026, 11, 21)))
    report = services.report_generate(month=NOV, user=street, today=datetime.date(2026, 11, 22))
    with report.file.open("rb") as fh:
        wb = openpyxl.load_workbook(io.BytesIO(fh.read()))
    assert wb.sheetnames[0] == "概览"
    assert {"线索核查", "打击处理与追赃挽损", "隐患排查整治", "宣传教育", "月度报送情况", "督导考评"} <= set(
        wb.sheetnames
    )
    subs = wb["月度报送情况"]
    counts = {subs.cell(r, 1).value: subs.cell(r, 2).value for r in range(5, 9)}
    units = selectors.reporting_units().count()
    assert counts == {"按时报送": 1, "逾期报送": 1, "未报送": units - 2, "未到期": 0}
    assert subs._charts, "a native chart"
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert int(ws.page_setup.fitToWidth) == 1
    assert UnitSubmission.objects.filter(status=SubmissionStatus.SUBMITTED, late=True).count() == 1


def test_report_due_runs_only_on_the_report_day(campaign, personas, recipients, django_capture_on_commit_callbacks):
    assert services.report_due(today=datetime.date(2026, 11, 19)) is None
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_due(today=datetime.date(2026, 11, 20))
    assert report.month == NOV and report.status == ReportStatus.READY
    assert OutboundEmail.objects.get().status == MailStatus.SENT


def test_the_task_redelivered_after_a_kill_takes_over_and_mails_once(
    campaign, personas, recipients, monkeypatch, django_capture_on_commit_callbacks
):
    """acks_late: the broker delivers the same message (same task id) again after the worker died."""
    from reports.tasks import generate_monthly_report

    calls = []

    def crash_once(report):
        calls.append(1)
        if len(calls) == 1:
            raise WorkerKilled

    monkeypatch.setattr(services, "_after_build_hook", crash_once)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        generate_monthly_report.apply(args=["2026-11"], task_id="delivery-1")
    with django_capture_on_commit_callbacks(execute=True):
        generate_monthly_report.apply(args=["2026-11"], task_id="delivery-1")
    assert MonthlyReport.objects.get().status == ReportStatus.READY
    assert OutboundEmail.objects.count() == 1 and len(django_mail.outbox) == 1


def test_recipients_configured_later_get_the_ready_report_once(
    campaign, personas, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_RECIPIENTS = []
    report = services.report_generate(month=NOV)
    assert report.status == ReportStatus.READY and report.email is None
    from reports.models import ReportRecipient

    ReportRecipient.objects.create(email="leader@example.invalid", name="街道领导")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_generate(month=NOV)
        report = services.report_generate(month=NOV)
    assert report.email.to == ["leader@example.invalid"] and len(django_mail.outbox) == 1
