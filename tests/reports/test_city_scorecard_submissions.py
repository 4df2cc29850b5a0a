"""The city's scorecard counts each street's submissions under the campaign that street runs
(issue 19): its implementation of the city's campaign, or the campaign it ran on its own before
it joined the city. Seen on the demo: every street showed 0 submissions on time."""

from __future__ import annotations

import datetime

from django.utils import timezone

from organization.models import Campaign
from reports import selectors
from reports.choices import SubmissionStatus
from reports.models import UnitSubmission
from tests.leads.test_city import city  # noqa: F401  (the city fixture)

TODAY = datetime.date(2026, 11, 25)


def _filed(unit, campaign, month, *, late=False):
    due = selectors.due_date(campaign, month)
    UnitSubmission.objects.create(
        campaign=campaign,
        unit=unit,
        month=month,
        due_date=due,
        status=SubmissionStatus.SUBMITTED,
        late=late,
        submitted_at=timezone.make_aware(datetime.datetime.combine(due, datetime.time(9))),
    )


def test_each_street_is_scored_on_the_submissions_under_its_own_campaign(campaign, city):  # noqa: F811
    city_campaign = Campaign.objects.create(
        name="晋江市护老专项行动",
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        report_day=20,
        jurisdiction=city.jinjiang,
    )
    dongshi_own = Campaign.objects.create(
        name="东石镇实施方案",
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        report_day=25,
        jurisdiction=city.dongshi,
        parent=city_campaign,
    )
    months = selectors.campaign_months(city_campaign, TODAY)
    dongshi_community = city.community_x.unit
    for month in months:
        _filed(dongshi_community, dongshi_own, month)
        _filed(city.org.community_a, campaign, month)  # 新塘 under the campaign it ran before
    card = selectors.street_scorecard(city_campaign, [city.xintang, city.dongshi], today=TODAY)
    rows = {row.unit.name: row for row in card.rows}
    # the units' figures shown alongside each street
    assert rows["东石镇"].units.submissions_on_time == len(months)
    assert rows["新塘街道"].units.submissions_on_time == len(months)
    # a street's own scorecard of its units reads its own campaign only, as before
    own = selectors.scorecard(dongshi_own, today=TODAY, units=[dongshi_community.pk])
    assert own.rows[0].submissions_on_time == len(months)
