"""The reports area's rules (reports/rules.py) and the defects of issue 13 in this area: "send
again" that did nothing, and monthly reports and the summary report refused to the units that
docs/permissions.md says may view them."""

import ast
import datetime
import pathlib

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from core import rules
from core.audit import timeline_for
from core.choices import MailStatus
from core.models import OutboundEmail
from reports import services
from reports.choices import ReportStatus, SubmissionStatus
from reports.models import MonthlyReport, SummarySubmission, UnitSubmission

NOV = datetime.date(2026, 11, 1)
UNITS = ["crackdown", "liaison", "community_a"]


def _sent_report(personas, capture):
    with capture(execute=True):
        report = services.report_generate(month=NOV, user=personas.street)
    report.refresh_from_db()
    assert report.email.status == MailStatus.SENT
    return report


# --- defect: "send again" on a sent e-mail said 已重新排队发送 and did nothing ------------------------


def test_send_again_after_the_mail_was_sent_really_sends_a_new_one_per_press(
    campaign, personas, client_for, recipients, django_capture_on_commit_callbacks
):
    report = _sent_report(personas, django_capture_on_commit_callbacks)
    first = report.email
    street = client_for(personas.street)
    url = reverse("reports:report_mail_retry", args=[report.pk])
    page = street.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert 'data-testid="report-mail-again"' in page and 'data-testid="report-mail-retry"' not in page
    assert len(django_mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = street.post(url)
    assert response.status_code == 302
    report.refresh_from_db()
    assert OutboundEmail.objects.count() == 2 and report.email != first and report.email.key != first.key
    assert report.email.status == MailStatus.SENT and len(django_mail.outbox) == 2
    assert report.version == 1  # the same edition of the report, sent once more
    with django_capture_on_commit_callbacks(execute=True):
        street.post(url)  # every press is one more e-mail
    assert OutboundEmail.objects.count() == 3 and len(django_mail.outbox) == 3
    texts = [e.changes_text for e in timeline_for(report)]
    assert sum("再次发送" in t for t in texts) == 2


def test_a_mail_in_flight_is_neither_offered_nor_sent_again(
    campaign, personas, client_for, recipients, django_capture_on_commit_callbacks
):
    report = _sent_report(personas, django_capture_on_commit_callbacks)
    OutboundEmail.objects.filter(pk=report.email_id).update(status=MailStatus.PENDING)
    street = client_for(personas.street)
    page = street.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert "report-mail-again" not in page and "report-mail-retry" not in page
    decision = rules.check(personas.street, "reports.mail_again", MonthlyReport.objects.get())
    assert not decision and "正在发送" in decision.reason
    response = street.post(reverse("reports:report_mail_retry", args=[report.pk]))
    assert response.status_code == 409 and OutboundEmail.objects.count() == 1


def test_a_failed_mail_is_retried_not_duplicated(
    campaign, personas, client_for, recipients, django_capture_on_commit_callbacks
):
    report = _sent_report(personas, django_capture_on_commit_callbacks)
    OutboundEmail.objects.filter(pk=report.email_id).update(status=MailStatus.FAILED, last_error="boom")
    street = client_for(personas.street)
    page = street.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert 'data-testid="report-mail-retry"' in page and "report-mail-again" not in page
    with django_capture_on_commit_callbacks(execute=True):
        assert street.post(reverse("reports:report_mail_retry", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert OutboundEmail.objects.count() == 1 and report.email.status == MailStatus.SENT
    assert any("重新发送" in e.changes_text for e in timeline_for(report))


def test_only_the_street_office_sends_again(
    campaign, personas, client_for, recipients, django_capture_on_commit_callbacks
):
    report = _sent_report(personas, django_capture_on_commit_callbacks)
    for user in (personas.leader, personas.community_a, personas.crackdown):
        response = client_for(user).post(reverse("reports:report_mail_retry", args=[report.pk]))
        assert response.status_code == 403
    assert OutboundEmail.objects.count() == 1


# --- defect: the units docs/permissions.md lets view the report and summary were refused --------------


@pytest.mark.parametrize("persona", UNITS)
def test_units_view_the_monthly_report_read_only(
    campaign, personas, client_for, recipients, django_capture_on_commit_callbacks, persona
):
    report = _sent_report(personas, django_capture_on_commit_callbacks)
    client = client_for(getattr(personas, persona))
    listing = client.get(reverse("reports:report_list"))
    assert listing.status_code == 200 and list(listing.context["object_list"]) == [report]
    assert 'data-testid="generate-form"' not in listing.content.decode()
    page = client.get(reverse("reports:report_detail", args=[report.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "report-regenerate" not in html and "report-mail-again" not in html
    assert client.get(reverse("reports:report_status", args=[report.pk])).json()["ready"]
    assert client.get(reverse("reports:report_download", args=[report.pk])).status_code == 200
    assert client.post(reverse("reports:report_generate"), {"month": "2026-11"}).status_code == 403
    assert client.post(reverse("reports:report_regenerate", args=[report.pk])).status_code == 403
    assert MonthlyReport.objects.get().version == 1


@pytest.mark.parametrize("persona", [*UNITS, "leader"])
def test_units_view_the_summary_report(campaign, org, personas, client_for, persona):
    services.summary_save(
        user=personas.liaison, unit=org.units["market_regulation"], fields={"loopholes": "会销漏洞"}, submit=True
    )
    services.summary_save(user=personas.community_b, unit=org.community_b, fields={"loopholes": "草稿里的话"})
    client = client_for(getattr(personas, persona))
    page = client.get(reverse("reports:summary_report"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "会销漏洞" in html and "草稿里的话" not in html  # submitted summaries only
    assert client.get(reverse("reports:summary_report") + "?export=xlsx").status_code == 200


def test_a_draft_summary_stays_with_its_unit(campaign, org, personas):
    draft = services.summary_save(user=personas.community_b, unit=org.community_b, fields={"loopholes": "草稿"})
    assert not SummarySubmission.objects.visible_to(personas.community_a).filter(pk=draft.pk).exists()
    assert SummarySubmission.objects.visible_to(personas.community_b).filter(pk=draft.pk).exists()


# --- submissions: a unit its own, the street office any, leaders never -------------------------------


def test_the_street_office_fills_in_for_a_unit(campaign, org, personas, client_for):
    street = client_for(personas.street)
    response = street.post(reverse("reports:submission_start"), {"month": "2026-11", "unit": org.community_b.pk})
    sub = UnitSubmission.objects.get()
    assert sub.unit == org.community_b and response.url == reverse("reports:submission_detail", args=[sub.pk])
    data = {"work_done": "代填", "problems": "", "next_steps": ""}
    street.post(reverse("reports:submission_action", args=[sub.pk, "submission_submit"]), data)
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.SUBMITTED and sub.submitted_by == personas.street


def test_a_unit_starts_only_its_own_and_leaders_none(campaign, org, personas, client_for):
    client = client_for(personas.community_a)
    assert (
        client.post(reverse("reports:submission_start"), {"month": "2026-11", "unit": org.community_b.pk}).status_code
        == 200
    )
    assert not UnitSubmission.objects.exists()  # the other community is not a choice
    assert (
        client_for(personas.leader).post(reverse("reports:submission_start"), {"month": "2026-11"}).status_code == 403
    )
    assert client_for(personas.crackdown).get(reverse("reports:submission_start")).status_code == 403  # groups do not
    assert not rules.check(personas.leader, "reports.submission_start")


def test_an_invalid_submission_keeps_what_was_typed(campaign, org, personas, client_for):
    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=NOV)
    client = client_for(personas.community_a)
    response = client.post(
        reverse("reports:submission_action", args=[sub.pk, "submission_submit"]),
        {"work_done": "   ", "problems": "人手不够", "next_steps": ""},
    )
    assert response.status_code == 200 and "人手不够" in response.content.decode()
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.DRAFT


def test_a_submitted_submission_offers_nothing_and_refuses_with_a_reason(campaign, org, personas, client_for):
    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=NOV)
    services.submission_save(submission=sub, user=personas.community_a, work_done="x", problems="", next_steps="")
    services.submission_submit(submission=sub, user=personas.community_a)
    client = client_for(personas.community_a)
    page = client.get(reverse("reports:submission_detail", args=[sub.pk]))
    assert page.context["actions"] == set() and "submission-submit" not in page.content.decode()
    response = client.post(
        reverse("reports:submission_action", args=[sub.pk, "submission_edit"]),
        {"work_done": "改", "problems": "", "next_steps": ""},
    )
    assert response.status_code == 409 and "已报送" in response.content.decode()
    other = client_for(personas.community_b)
    assert other.post(reverse("reports:submission_action", args=[sub.pk, "submission_edit"])).status_code == 404


def test_every_write_of_reports_is_declared():
    names = {n for n in rules.registry() if n.startswith("reports.")}
    assert names >= {
        "reports.submission_start",
        "reports.submission_edit",
        "reports.submission_refresh",
        "reports.submission_submit",
        "reports.report_generate",
        "reports.report_regenerate",
        "reports.mail_retry",
        "reports.mail_again",
        "reports.summary_save",
        "reports.summary_submit",
    }


def test_regenerate_follows_the_report_state(campaign, personas):
    report = services.report_prepare(month=NOV, user=personas.street)
    MonthlyReport.objects.filter(pk=report.pk).update(status=ReportStatus.GENERATING)
    assert not rules.check(personas.street, "reports.report_regenerate", MonthlyReport.objects.get())


# --- reports reads the other areas only through their selectors and choices -----------------------------

AREAS = {"leads", "cases", "rectification", "publicity"}


def test_reports_imports_other_areas_only_through_selectors_and_choices():
    root = pathlib.Path(__file__).resolve().parents[2] / "reports"
    bad = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] in AREAS and len(parts) > 1 and parts[1] not in ("selectors", "choices"):
                    bad.append(f"{path.name}: {name}")
        text = path.read_text()
        for area in AREAS:
            for kind in ("models", "services", "views"):
                if f'"{area}.{kind}"' in text:
                    bad.append(f"{path.name}: {area}.{kind} (by name)")
    assert not bad, bad


def test_one_definition_of_overdue_and_open_problem_everywhere(campaign, org, personas):
    """The dashboard, a unit's submission figures, the monthly report and the scorecard count
    overdue leads and open problems with the areas' own definitions (their selectors)."""
    from leads import selectors as leads
    from leads.models import Lead
    from rectification import selectors as rectification
    from reports import selectors
    from reports.sections import leads_section, rectification_section

    today = datetime.date(2026, 7, 25)
    unit = org.units["market_regulation"]
    for n, (status, days) in enumerate([("referred", -3), ("verifying", -1), ("returned", 2), ("closed", -9)]):
        Lead.objects.create(
            number=f"OD-{n}",
            source="public",
            status=status,
            summary="x",
            received_on=datetime.date(2026, 7, 1),
            assigned_unit=unit,
            deadline=today + datetime.timedelta(days=days),
            outcome="partly" if status == "closed" else "",
        )
    expected = leads.overdue(leads.report_leads([unit.pk]), today).count()
    assert expected == 2
    section = leads_section(start=campaign.start_date, end=today, units=[unit.pk], today=today)
    assert section.figure("overdue") == expected
    row = next(r for r in selectors.scorecard(campaign, today=today).rows if r.unit == unit)
    assert row.overdue_items == expected
    rect = rectification_section(start=campaign.start_date, end=today, units=[unit.pk], today=today)
    assert rect.figure("problems_open") == rectification.open_problems(rectification.report_problems([unit.pk])).count()
