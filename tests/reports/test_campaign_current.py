"""Issue 15 §4, acceptance: saving a campaign that starts next year changes nothing on today's
dashboard, reports, submission due dates or lead deadlines; on its start date it becomes
current. Between campaigns the finished one still sends its last report."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from leads import services as lead_services
from organization.choices import CampaignStatus, PhaseKind
from organization.models import Campaign
from reports import services
from reports.models import MonthlyReport, UnitSubmission
from tests.leads.factories import LeadFactory

D = datetime.date


def _next_year_form(**extra):
    """The street office's create form: a standing (常态化) campaign from 2027-01-01, report day 25."""
    data = {
        "name": "2027年常态化护老工作",
        "short_name": "2027常态化",
        "start_date": "2027-01-01",
        "end_date": "",
        "report_day": "25",
        "laggard_score": "70",
        "description": "",
        "reason": "明年转入常态化",
        "phase-TOTAL_FORMS": "4",
        "phase-INITIAL_FORMS": "0",
        "phase-MIN_NUM_FORMS": "0",
        "phase-MAX_NUM_FORMS": "4",
        "phase-0-kind": PhaseKind.MOBILISATION,
        "phase-0-name": "宣传发动",
        "phase-0-start_date": "2027-01-01",
        "phase-0-end_date": "2027-06-30",
        "phase-0-runs_throughout": "on",
        "phase-1-kind": PhaseKind.CRACKDOWN,
        "phase-1-name": "打击整治",
        "phase-1-start_date": "2027-02-01",
        "phase-1-end_date": "2027-12-31",
    }
    data.update(extra)
    return data


def _today_as_seen(client, lead):
    """What a user sees today: the dashboard's campaign and figures, the reports page's month
    and due date, a submission's due date, a lead's deadline, the generate form's month."""
    cache.clear()  # the dashboard's figures are cached: compute them again
    dashboard = client.get(reverse("dashboard"))
    index = client.get(reverse("reports:index"))
    reports = client.get(reverse("reports:report_list"))
    lead.refresh_from_db()
    return {
        "dashboard_campaign": dashboard.context["campaign"],
        "cards": [(c["key"], c["cumulative"]) for c in dashboard.context["figures"]["cards"]],
        "timeline": [b.phase.name for b in dashboard.context["timeline"].bars],
        "month": index.context["month"],
        "due": index.context["due"],
        "generate_month": reports.context["generate_form"].initial,
        "preview_month": reports.context["preview_month"],
        "deadline": lead.deadline,
        "current": Campaign.objects.current(),
    }


@pytest.mark.django_db
def test_a_campaign_saved_for_next_year_changes_nothing_today_and_is_current_on_its_start(
    campaign, org, personas, client_for, freeze, recipients
):
    freeze("2026-11-10 10:00")
    lead = LeadFactory(received_on=D(2026, 11, 9))
    lead_services.lead_refer(lead=lead, user=personas.street, unit=org.community_a, reason="核查")
    street = client_for(personas.street)
    before = _today_as_seen(street, lead)
    assert before["dashboard_campaign"] == campaign and before["due"] == D(2026, 11, 20)

    response = street.post(reverse("organization:campaign_create"), _next_year_form())
    upcoming = Campaign.objects.get(name="2027年常态化护老工作")
    assert response.status_code == 302 and response.url == reverse("organization:campaign_detail", args=[upcoming.pk])
    assert upcoming.status() == CampaignStatus.UPCOMING
    assert [p.name for p in upcoming.phases.order_by("order")] == ["宣传发动", "打击整治"]

    assert _today_as_seen(street, lead) == before
    # a unit starts this month's submission: still the 2026 campaign's, due on its report day
    client_for(personas.community_a).post(reverse("reports:submission_start"), {"month": "2026-11"})
    submission = UnitSubmission.objects.get()
    assert submission.campaign == campaign and submission.due_date == D(2026, 11, 20)
    # the list shows it 即将开始; its page says so
    listing = street.get(reverse("organization:campaign_list"))
    assert "即将开始" in listing.content.decode() and listing.context["current"] == campaign
    assert "即将开始" in street.get(upcoming.get_absolute_url()).content.decode()
    # the scheduled report on the 20th is the 2026 campaign's, as it would have been
    freeze("2026-11-20 18:00")
    report = services.report_due()
    assert report is not None and report.campaign == campaign and report.month == D(2026, 11, 1)

    # on its start date it becomes current: the dashboard, the reports page and its report day
    freeze("2027-01-01 09:00")
    street = client_for(personas.street)  # a new day, a new sign-in (sessions expire)
    now = _today_as_seen(street, lead)
    assert now["current"] == upcoming and now["dashboard_campaign"] == upcoming
    assert now["due"] == D(2027, 1, 25)
    assert now["deadline"] == before["deadline"]  # a lead's deadline never depended on it
    assert Campaign.objects.get(pk=campaign.pk).status() == CampaignStatus.FINISHED  # it ended on 12-31

    # after the old campaign's end its last report (period 12-21 ~ 01-20) is still sent on the 20th
    freeze("2027-01-20 18:00")
    last = services.report_due()
    assert last is not None and last.campaign == campaign and last.month == D(2027, 1, 1)
    assert not MonthlyReport.objects.filter(campaign=upcoming).exists()  # its first report is due on the 25th


@pytest.mark.django_db
def test_current_is_the_campaign_whose_dates_contain_today(org):
    Campaign.objects.all().delete()
    old = Campaign.objects.create(name="旧", start_date=D(2025, 1, 1), end_date=D(2025, 12, 31))
    standing = Campaign.objects.create(name="常态化", start_date=D(2026, 1, 1), end_date=None)
    special = Campaign.objects.create(name="专项", start_date=D(2026, 6, 1), end_date=D(2026, 8, 31))
    future = Campaign.objects.create(name="明年", start_date=D(2027, 1, 1), end_date=D(2027, 6, 30))
    assert Campaign.objects.current(D(2025, 6, 1)) == old
    assert Campaign.objects.current(D(2026, 3, 1)) == standing  # open-ended
    assert Campaign.objects.current(D(2026, 7, 1)) == special  # the newest start of the two
    assert Campaign.objects.current(D(2026, 9, 1)) == standing
    assert Campaign.objects.current(D(2027, 1, 1)) == future
    assert old.status(D(2026, 1, 1)) == CampaignStatus.FINISHED
    assert future.status(D(2026, 12, 31)) == CampaignStatus.UPCOMING
    assert future.status(D(2027, 1, 1)) == CampaignStatus.CURRENT
    assert standing.status(D(2099, 1, 1)) == CampaignStatus.CURRENT
    special.is_active = False  # withdrawn: never current
    special.save()
    assert Campaign.objects.current(D(2026, 7, 1)) == standing
    assert special.status(D(2026, 7, 1)) == CampaignStatus.WITHDRAWN


@pytest.mark.django_db
def test_between_campaigns_the_pages_show_the_one_that_ended_last(org, freeze):
    Campaign.objects.all().delete()
    ended = Campaign.objects.create(name="已结束", start_date=D(2026, 1, 1), end_date=D(2026, 10, 31))
    Campaign.objects.create(name="明年", start_date=D(2027, 1, 1))
    freeze("2026-11-15 10:00")
    assert Campaign.objects.current() is None
    assert Campaign.objects.shown() == ended  # its last report month (11: 10-21 ~ 11-20) is still open


@pytest.mark.django_db
def test_monthly_report_command_selects_a_campaign_by_id_or_short_name(org, recipients, freeze, capsys):
    from django.core.management import CommandError, call_command

    freeze("2026-11-10 10:00")
    plan = Campaign.objects.get(short_name="2022专项行动")  # init_campaign's, finished
    current = Campaign.objects.create(name="2026护老专项行动", short_name="2026", start_date=D(2026, 6, 1))
    call_command("monthly_report", "--month", "2022-06", "--campaign", "2022专项行动")
    assert "2022专项行动 2022-06 v1: ready" in capsys.readouterr().out
    call_command("monthly_report", "--month", "2026-10", "--campaign", str(current.pk))
    assert MonthlyReport.objects.filter(campaign=current, month=D(2026, 10, 1)).exists()
    call_command("monthly_report", "--month", "2026-09")  # default: the current one
    assert MonthlyReport.objects.filter(campaign=current, month=D(2026, 9, 1)).exists()
    assert set(MonthlyReport.objects.filter(campaign=plan).values_list("month", flat=True)) == {D(2022, 6, 1)}
    with pytest.raises(CommandError, match="matches no campaign"):
        call_command("monthly_report", "--month", "2022-06", "--campaign", "nope")
    Campaign.objects.create(name="2027常态化", short_name="2027", start_date=D(2027, 1, 1))
    with pytest.raises(CommandError, match="has not started"):
        call_command("monthly_report", "--month", "2027-01", "--campaign", "2027")
