"""Periods: the official report of a month only once its period has ended, a preview before
that; months outside the campaign refused; every record counted once, in the period
(previous report day, report day] of its date."""

import datetime
import email
import email.policy
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.exceptions import DomainError
from core.models import OutboundEmail
from reports import selectors, services
from reports.choices import ReportStatus
from reports.models import MonthlyReport

D = datetime.date
NOV, DEC = D(2026, 11, 1), D(2026, 12, 1)


def _section(data, key):
    return next(s for s in data["sections"] if s["key"] == key)


def _figure(section, key):
    return next(f for f in section["figures"] if f["key"] == key)


# --- the period's days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report_day", "month", "period"),
    [
        (20, D(2026, 11, 1), (D(2026, 10, 21), D(2026, 11, 20))),
        (20, D(2026, 3, 1), (D(2026, 2, 21), D(2026, 3, 20))),  # February
        (20, D(2027, 1, 1), (D(2026, 12, 21), D(2027, 1, 20))),  # across the year's end
        (25, D(2026, 3, 1), (D(2026, 2, 26), D(2026, 3, 25))),
        (31, D(2026, 2, 1), (D(2026, 2, 1), D(2026, 2, 28))),  # month ends: capped at the last day
        (31, D(2026, 3, 1), (D(2026, 3, 1), D(2026, 3, 31))),
        (30, D(2028, 3, 1), (D(2028, 3, 1), D(2028, 3, 30))),  # after a leap February (29th)
    ],
)
def test_period_bounds(campaign, report_day, month, period):
    campaign.report_day = report_day
    assert selectors.report_period(campaign, month) == period
    start, end = period
    assert selectors.report_month_for(campaign, end) == month
    assert selectors.report_month_for(campaign, start) == month
    assert selectors.report_month_for(campaign, end + datetime.timedelta(days=1)) != month


def test_first_and_last_periods_of_the_campaign(campaign):
    # the campaign runs 2026-06-01 .. 2026-12-31, report day the 20th
    assert selectors.report_months(campaign)[0] == D(2026, 6, 1)
    assert selectors.report_months(campaign)[-1] == D(2027, 1, 1)  # 12-21..12-31 are in January's
    assert len(selectors.report_months(campaign)) == 8
    campaign.report_day = 25
    campaign.start_date = D(2026, 6, 26)
    assert selectors.report_months(campaign)[0] == D(2026, 7, 1)


# --- records counted once ------------------------------------------------------------------------


def test_surveys_belong_to_the_period_of_their_date(campaign, org):
    factories = pytest.importorskip("tests.publicity.factories")
    for community in (org.community_a, org.community_b):
        factories.SurveyFactory(community=community, month=D(2026, 10, 1), households_surveyed=10, households_aware=5)
        factories.SurveyFactory(community=community, month=NOV, households_surveyed=10, households_aware=5)
    nov = _figure(_section(selectors.report_data(campaign, NOV), "publicity"), "surveys")
    dec = _figure(_section(selectors.report_data(campaign, DEC), "publicity"), "surveys")
    assert nov["period"] == 2  # November's only: October's belong to October's report
    assert dec["period"] == 0  # and November's are not counted again
    assert nov["cumulative"] == dec["cumulative"] == 4


def test_a_lead_on_the_20th_and_one_on_the_21st(campaign, org):
    factories = pytest.importorskip("tests.leads.factories")
    factories.LeadFactory(received_on=D(2026, 11, 20))
    factories.LeadFactory(received_on=D(2026, 11, 21))
    factories.LeadFactory(received_on=D(2026, 10, 21))
    factories.LeadFactory(received_on=D(2026, 10, 20))
    received = [
        _figure(_section(selectors.report_data(campaign, m), "leads"), "received")["period"]
        for m in (D(2026, 10, 1), NOV, DEC)
    ]
    assert received == [1, 2, 1]


def test_the_campaigns_first_period_counts_from_its_first_day(campaign, org):
    """A campaign that starts mid-period: its first report's period and the cumulative column
    both hold the survey of the campaign's first month."""
    factories = pytest.importorskip("tests.publicity.factories")
    campaign.start_date = D(2026, 6, 10)
    campaign.save()
    factories.SurveyFactory(community=org.community_a, month=D(2026, 6, 1), households_surveyed=10, households_aware=5)
    surveys = _figure(_section(selectors.report_data(campaign, D(2026, 6, 1)), "publicity"), "surveys")
    assert (surveys["period"], surveys["cumulative"]) == (1, 1)


# --- the official report only once its period has ended --------------------------------------------


def test_a_month_outside_the_campaign_is_refused_everywhere(campaign, personas, recipients, freeze):
    freeze("2027-03-01 10:00")
    for month in (D(2026, 5, 1), D(2027, 2, 1)):
        with pytest.raises(DomainError, match="不在专项行动"):
            services.report_generate(month=month)
        with pytest.raises(CommandError, match="不在专项行动"):
            call_command("monthly_report", "--month", f"{month:%Y-%m}")
    assert services.report_due(today=D(2027, 2, 20)) is None
    assert not MonthlyReport.objects.exists() and not OutboundEmail.objects.exists()


def test_a_month_whose_period_has_not_ended_is_refused(campaign, personas, recipients, freeze, client_for):
    freeze("2026-12-20 17:59")
    with pytest.raises(DomainError, match="尚未结束"):
        services.report_generate(month=DEC)
    with pytest.raises(CommandError, match="尚未结束"):
        call_command("monthly_report", "--month", "2026-12")
    street = client_for(personas.street)
    page = street.post(reverse("reports:report_generate"), {"month": "2026-12"})
    assert "尚未结束" in page.content.decode()
    assert not MonthlyReport.objects.exists() and not OutboundEmail.objects.exists()
    freeze("2026-12-20 18:00")
    assert services.report_generate(month=DEC).status == ReportStatus.READY


@pytest.mark.parametrize(
    ("now", "default"),
    [
        ("2026-12-01 09:00", "2026-11"),
        ("2026-12-20 17:00", "2026-11"),
        ("2026-12-20 18:00", "2026-12"),
        ("2026-12-21 08:00", "2026-12"),
        ("2027-03-01 08:00", "2027-01"),  # after the campaign: its last month
    ],
)
def test_the_generate_form_defaults_to_the_last_ended_month(campaign, personas, client_for, freeze, now, default):
    freeze(now)
    page = client_for(personas.street).get(reverse("reports:report_list"))
    assert page.context["generate_form"].initial["month"] == default


def test_the_preview_is_never_filed_nor_mailed(campaign, org, personas, recipients, client_for, freeze):
    factories = pytest.importorskip("tests.leads.factories")
    freeze("2026-12-01 09:00")
    factories.LeadFactory(received_on=D(2026, 11, 25))
    street = client_for(personas.street)
    page = street.get(reverse("reports:report_preview"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "截至 2026-12-01" in html and "2026-12" in html
    assert _figure(_section(page.context["data"], "leads"), "received")["period"] == 1
    assert not MonthlyReport.objects.exists() and not OutboundEmail.objects.exists()
    # every unit may look at it, as at the reports
    assert client_for(personas.community_a).get(reverse("reports:report_preview")).status_code == 200


def test_preview_then_official_report_exactly_once(
    campaign, org, personas, recipients, client_for, freeze, django_capture_on_commit_callbacks, smtp_server, settings
):
    """The acceptance list: 12-01 preview only; 12-20 18:00 the official report with all data up to
    the 20th; 12-21 nothing new. One official report, one e-mail to the configured recipients,
    caught by a real SMTP server on loopback, with absolute links."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    factories = pytest.importorskip("tests.leads.factories")
    street = client_for(personas.street)
    factories.LeadFactory(received_on=D(2026, 11, 30))

    freeze("2026-12-01 09:00")
    assert street.get(reverse("reports:report_preview")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        street.post(reverse("reports:report_generate"), {"month": "2026-12"})
        assert services.report_due() is None
    assert not MonthlyReport.objects.filter(month=DEC).exists()

    factories.LeadFactory(received_on=D(2026, 12, 20))
    freeze("2026-12-20 18:00")
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_due()
    assert report is not None and report.month == DEC and report.status == ReportStatus.READY
    assert report.period_end == D(2026, 12, 20)
    assert _figure(_section(report.data, "leads"), "received")["period"] == 2

    freeze("2026-12-21 09:00")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_due() is None
        street.post(reverse("reports:report_generate"), {"month": "2026-12"})
        call_command("monthly_report", "--month", "2026-12")
    assert MonthlyReport.objects.filter(month=DEC).count() == 1
    assert OutboundEmail.objects.filter(key__startswith="monthly-report:").count() == 1
    [envelope] = smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1  # sent once, whatever was pressed or run on the 21st
    assert sorted(envelope.rcpt_tos) == sorted(recipients)
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    for part in ("plain", "html"):
        body = message.get_body((part,)).get_content()
        assert f"http://127.0.0.1:8000/reports/monthly/{report.pk}/" in body, part
        assert not re.search(r'(href="|\s)/(leads|reports|cases)/', body), f"a relative link in the {part} part"
