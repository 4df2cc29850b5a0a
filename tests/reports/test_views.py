"""Pages: who may see and do what, the on-demand flow, the mail error, pinned query counts."""

import datetime
import io

import openpyxl
import pytest
from django.core import mail as django_mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.choices import MailStatus
from core.models import OutboundEmail
from reports import services
from reports.choices import ReportStatus, SubmissionStatus
from reports.models import MonthlyReport, SummarySubmission, UnitSubmission
from tests.querycount import assert_constant_queries, count_queries

NOV = datetime.date(2026, 11, 1)


def _sub(campaign, unit, month, **extra):
    return UnitSubmission.objects.create(
        campaign=campaign, unit=unit, month=month, due_date=month.replace(day=20), **extra
    )


def test_a_unit_sees_only_its_own_submissions(campaign, org, personas, client_for):
    mine = _sub(campaign, org.community_a, NOV, work_done="甲")
    theirs = _sub(campaign, org.community_b, NOV, work_done="乙")
    client = client_for(personas.community_a)
    page = client.get(reverse("reports:submission_list"))
    assert list(page.context["object_list"]) == [mine]
    assert client.get(reverse("reports:submission_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("reports:submission_detail", args=[mine.pk])).status_code == 200
    export = client.get(reverse("reports:submission_list") + "?export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][1] == org.community_a.name
    street = client_for(personas.street)
    assert set(street.get(reverse("reports:submission_list")).context["object_list"]) == {mine, theirs}


def test_community_fills_in_and_submits(campaign, org, personas, client_for):
    client = client_for(personas.community_a)
    response = client.post(reverse("reports:submission_start"), {"month": "2026-11"})
    sub = UnitSubmission.objects.get()
    assert response.url == reverse("reports:submission_detail", args=[sub.pk])
    assert sub.status == SubmissionStatus.DRAFT and sub.due_date == datetime.date(2026, 11, 20)
    assert {s["key"] for s in sub.figures} >= {"leads", "cases", "rectification", "publicity"}
    submit = reverse("reports:submission_action", args=[sub.pk, "submission_submit"])
    client.post(submit, {"work_done": "", "problems": "", "next_steps": ""})
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.DRAFT  # work done is required
    client.post(submit, {"work_done": "入户宣传20户", "problems": "无", "next_steps": "继续"})
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.SUBMITTED and sub.submitted_by == personas.community_a
    assert sub.late == (timezone.localdate() > sub.due_date)
    save = reverse("reports:submission_action", args=[sub.pk, "submission_edit"])
    assert client.post(save, {"work_done": "改", "problems": "", "next_steps": ""}).status_code == 409
    sub.refresh_from_db()
    assert sub.work_done == "入户宣传20户"  # submitted: read-only


def test_leaders_read_but_do_not_write(campaign, org, personas, client_for):
    sub = _sub(campaign, org.community_a, NOV)
    client = client_for(personas.leader)
    assert client.get(reverse("reports:submission_detail", args=[sub.pk])).status_code == 200
    submit = reverse("reports:submission_action", args=[sub.pk, "submission_submit"])
    assert client.post(submit, {"work_done": "x"}).status_code == 403
    assert client.get(reverse("reports:report_list")).status_code == 200
    assert client.post(reverse("reports:report_generate"), {"month": "2026-11"}).status_code == 403


def test_the_street_office_generates_and_every_unit_views_the_report(
    campaign, personas, client_for, recipients, django_capture_on_commit_callbacks
):
    street = client_for(personas.street)
    with django_capture_on_commit_callbacks(execute=True):
        response = street.post(reverse("reports:report_generate"), {"month": "2026-11"})
    report = MonthlyReport.objects.get()
    assert response.url == reverse("reports:report_detail", args=[report.pk])
    status = street.get(reverse("reports:report_status", args=[report.pk])).json()
    assert status["ready"] and status["status"] == ReportStatus.READY and status["email_status"] == MailStatus.SENT
    download = street.get(status["download_url"])
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).sheetnames[0] == "概览"
    page = street.get(reverse("reports:report_detail", args=[report.pk]))
    assert page.status_code == 200 and "按时报送" in page.content.decode()
    for user in (personas.community_a, personas.liaison, personas.crackdown):  # docs/permissions.md: view
        client = client_for(user)
        assert client.get(reverse("reports:report_list")).status_code == 200
        assert client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
        assert client.get(reverse("reports:report_download", args=[report.pk])).status_code == 200
        assert client.get(reverse("reports:report_status", args=[report.pk])).status_code == 200
        assert client.post(reverse("reports:report_generate"), {"month": "2026-11"}).status_code == 403


def test_a_failed_send_shows_its_error_and_can_be_retried(
    campaign, personas, client_for, recipients, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    settings.MAIL_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV, user=personas.street)
    report.email.refresh_from_db()
    assert report.email.status == MailStatus.FAILED and report.email.last_error
    street = client_for(personas.street)
    page = street.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert 'data-testid="report-mail-error"' in page and 'data-testid="report-mail-retry"' in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        street.post(reverse("reports:report_mail_retry", args=[report.pk]))
    report.email.refresh_from_db()
    assert report.email.status == MailStatus.SENT and len(django_mail.outbox) == 1


def test_the_command_is_the_same_code_path_and_runs_once(campaign, personas, recipients, capsys):
    call_command("monthly_report", "--month", "2026-11")
    call_command("monthly_report", "--month", "2026-11")
    assert MonthlyReport.objects.count() == 1 and OutboundEmail.objects.count() == 1
    call_command("monthly_report", "--month", "2026-11", "--regenerate")
    assert MonthlyReport.objects.get().version == 2 and OutboundEmail.objects.count() == 2
    assert "v2: ready" in capsys.readouterr().out


def test_reminders_go_once_to_units_that_have_not_submitted(campaign, org, personas):
    org.community_a.email = "a@example.invalid"
    org.community_a.save()
    org.community_b.email = "b@example.invalid"
    org.community_b.save()
    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=NOV)
    services.submission_save(submission=sub, user=personas.community_a, work_done="x", problems="", next_steps="")
    services.submission_submit(submission=sub, user=personas.community_a)
    market = org.units["market_regulation"]  # a member unit whose liaison has an e-mail
    assert services.reminders_send(today=datetime.date(2026, 11, 17)) == 2
    assert services.reminders_send(today=datetime.date(2026, 11, 17)) == 2  # the same rows again
    mails = OutboundEmail.objects.filter(template="reports-reminder")
    assert set(mails.values_list("key", flat=True)) == {
        f"submission-reminder:{org.community_b.pk}:2026-11",
        f"submission-reminder:{market.pk}:2026-11",
    }
    # the unit's mailbox and its people (organization.contacts)
    assert mails.get(key__contains=f":{org.community_b.pk}:").to == ["b@example.invalid", "community_b@example.invalid"]


def test_scorecard_ranks_and_names_laggards(campaign, org, personas, client_for):
    for month in (datetime.date(2026, 6, 1), datetime.date(2026, 7, 1)):
        _sub(campaign, org.community_a, month, status="submitted", submitted_at=timezone.now(), late=False)
    _sub(
        campaign, org.community_b, datetime.date(2026, 6, 1), status="submitted", submitted_at=timezone.now(), late=True
    )
    from reports.selectors import scorecard

    card = scorecard(campaign, today=datetime.date(2026, 7, 25))
    by_name = {row.unit.name: row for row in card.rows}
    assert by_name[org.community_a.name].submission_rate == 1.0
    assert by_name[org.community_b.name].submission_rate == 0.0
    assert by_name[org.community_a.name].rank < by_name[org.community_b.name].rank
    assert org.community_b in [row.unit for row in card.laggards]
    assert org.community_a not in [row.unit for row in card.laggards]
    page = client_for(personas.community_a).get(reverse("reports:scorecard"))
    assert org.community_b.name in page.content.decode()


def test_scorecard_counts_overdue_work_of_other_areas(campaign, org, personas):
    rect = pytest.importorskip("tests.rectification.factories")
    from reports.selectors import scorecard

    market = org.units["market_regulation"]
    for month in (datetime.date(2026, 6, 1), datetime.date(2026, 7, 1)):
        _sub(campaign, market, month, status="submitted", submitted_at=timezone.now(), late=False)
    rect.InstitutionFactory(supervising_unit=market, next_inspection_due=datetime.date(2026, 7, 1))
    problem = rect.ProblemFactory(owner_unit=market)
    rect.MeasureFactory(problem=problem, deadline=datetime.date(2026, 7, 10))
    row = next(r for r in scorecard(campaign, today=datetime.date(2026, 7, 25)).rows if r.unit == market)
    assert row.overdue_items == 2 and not row.laggard
    rect.InstitutionFactory(supervising_unit=market, next_inspection_due=datetime.date(2026, 7, 2))
    row = next(r for r in scorecard(campaign, today=datetime.date(2026, 7, 25)).rows if r.unit == market)
    assert row.overdue_items == 3 and row.score == 0.94  # each overdue item costs two points


def test_campaign_summary(campaign, org, personas, client_for):
    crackdown = org.units["group_crackdown"]
    client = client_for(personas.crackdown)
    client.post(
        reverse("reports:summary_edit"),
        {
            "unit": crackdown.pk,
            "action": "submit",
            "results": "破案3起",
            "experience": "快侦快破",
            "typical_cases": "某养老院案",
        },
    )
    client_for(personas.liaison).post(
        reverse("reports:summary_edit"),
        {"action": "submit", "loopholes": "保健品会销监管漏洞", "weaknesses": "人手不足", "rules": "建立联合巡查制度"},
    )
    assert SummarySubmission.objects.filter(status=SubmissionStatus.SUBMITTED).count() == 2
    client = client_for(personas.crackdown)  # the test client is shared: sign in again
    page = client.get(reverse("reports:summary_edit") + f"?unit={crackdown.pk}").content.decode()
    assert "快侦快破" in page and "总结提升阶段" in page
    # a submitted summary is in the summary report, which every unit views: read-only to others
    other = client_for(personas.community_a).get(reverse("reports:summary_edit") + f"?unit={crackdown.pk}")
    assert other.status_code == 200 and other.context["actions"] == set() and "快侦快破" in other.content.decode()
    assert client_for(personas.community_a).get(reverse("reports:summary_report")).status_code == 200
    street = client_for(personas.street)
    html = street.get(reverse("reports:summary_report")).content.decode()
    assert "破案3起" in html and "建立联合巡查制度" in html
    export = street.get(reverse("reports:summary_report") + "?export=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    assert wb["工作组总结"]["B5"].value == "破案3起"
    assert wb["单位总结"]["D5"].value == "建立联合巡查制度"


def _month(n: int) -> datetime.date:
    return datetime.date(2020 + n // 12, n % 12 + 1, 1)


class _Rows:
    """``add_rows(n)`` for the query-count helper: each call adds ``n`` more months' worth."""

    def __init__(self, add_one):
        self.made, self.add_one = 0, add_one

    def __call__(self, n: int) -> None:
        for i in range(self.made, self.made + n):
            self.add_one(i)
        self.made += n


@pytest.mark.parametrize("persona", ["street", "community_a"])
def test_submission_list_query_count_does_not_grow(campaign, org, personas, client_for, persona):
    def add_one(n):
        _sub(
            campaign,
            org.community_a,
            _month(n),
            status="submitted",
            submitted_at=timezone.now(),
            submitted_by=personas.community_a,
        )

    client = client_for(getattr(personas, persona))
    assert_constant_queries(client, reverse("reports:submission_list"), _Rows(add_one))


def test_report_list_query_count_does_not_grow(campaign, personas, client_for):
    def add_one(n):
        month = _month(n)
        email = OutboundEmail.objects.create(template="monthly_report", subject=f"{month:%Y-%m}", body_text="x")
        MonthlyReport.objects.create(
            campaign=campaign,
            month=month,
            status=ReportStatus.READY,
            period_start=month,
            period_end=month.replace(day=20),
            requested_by=personas.street,
            email=email,
        )

    assert_constant_queries(client_for(personas.street), reverse("reports:report_list"), _Rows(add_one))


def test_scorecard_query_count_does_not_grow_with_units(campaign, org, personas, client_for):
    from tests.factories import CommunityFactory

    def add_one(n):
        unit = CommunityFactory()
        _sub(campaign, unit, NOV, status="submitted", submitted_at=timezone.now(), submitted_by=personas.street)

    client = client_for(personas.street)
    assert_constant_queries(client, reverse("reports:scorecard"), _Rows(add_one))
    _count, page = count_queries(client, reverse("reports:scorecard"))
    assert len(page.context["card"].rows) >= 50


@pytest.mark.parametrize("persona", ["street", "community_a"])
def test_dashboard_query_count_does_not_grow(campaign, org, personas, client_for, persona):
    from leads.models import Lead

    client = client_for(getattr(personas, persona))

    def add_one(n):
        _sub(campaign, org.community_a, _month(n))
        Lead.objects.create(
            number=f"T-{n:04d}",
            source="public",
            status="referred",
            summary=f"线索{n}",
            received_on=datetime.date(2026, 7, 1),
            assigned_unit=org.community_a,
            deadline=timezone.localdate() - datetime.timedelta(days=n % 3),
        )

    five = assert_constant_queries(client, "/", _Rows(add_one), before=cache.clear)
    if persona == "community_a":
        page = client.get("/").content.decode()
        overdue = sum(1 for n in range(50) if n % 3)  # deadline yesterday or the day before
        assert 'data-testid="my-deadlines"' in page and f"超期 {overdue}" in page
    # cached: the figures cost nothing the second time, and say how fresh they are
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/")
    assert len(ctx.captured_queries) < five
    assert 'data-testid="figures-fresh"' in page.content.decode()


def test_status_endpoint_while_pending_then_regenerate_from_the_page(
    campaign, personas, client_for, recipients, django_capture_on_commit_callbacks
):
    report = services.report_prepare(month=NOV, user=personas.street)
    street = client_for(personas.street)
    status = street.get(reverse("reports:report_status", args=[report.pk])).json()
    assert status == {**status, "status": "pending", "ready": False, "download_url": ""}
    assert street.get(reverse("reports:report_download", args=[report.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        street.post(reverse("reports:report_generate"), {"month": "2026-11"})
        street.post(reverse("reports:report_generate"), {"month": "2026-11"})  # a double click
    assert MonthlyReport.objects.get().version == 1 and OutboundEmail.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        street.post(reverse("reports:report_generate"), {"month": "2026-11", "regenerate": "on"})
    report.refresh_from_db()
    assert report.version == 2 and report.status == ReportStatus.READY and OutboundEmail.objects.count() == 2
    assert street.get(reverse("reports:report_status", args=[report.pk])).json()["version"] == 2
