"""Issue 19: the city ranks its streets on what it asked of them — its transferred leads closed
within the city's deadline, those overdue against it, and each street's monthly report filed to
the city by its report day — by the units' scorecard's definitions; one query per figure."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports import selectors
from reports.choices import ReportStatus
from reports.models import MonthlyReport
from reports.sections import rate
from tests.leads.test_city import city, fresh, transfer  # noqa: F401  (the city fixture)

TODAY = datetime.date(2026, 11, 25)


def _at(day: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


def _close(lead, day):
    from leads.choices import LeadStatus, ReviewState
    from leads.models import Lead

    Lead.objects.filter(pk=lead.pk).update(
        status=LeadStatus.CLOSED,
        outcome="partly",
        review_state=ReviewState.NONE,
        closed_at=_at(day),
        reported_up_at=_at(day),
    )


def _transfer(city, street, ref, deadline):  # noqa: F811
    from leads import services
    from leads.models import Lead

    lead = services.lead_transfer(
        user=fresh(city.city),
        street=street,
        data={
            "higher_reference": ref,
            "higher_deadline": timezone.localdate() + datetime.timedelta(days=15),
            "summary": "转办" + ref,
            "fraud_type": "product",
        },
    )
    Lead.objects.filter(pk=lead.pk).update(higher_deadline=deadline)
    return lead


def _file(campaign, street, month, late=False):
    start, end = selectors.report_period(campaign, month)
    filed = _at(end + datetime.timedelta(days=2 if late else 0))
    return MonthlyReport.objects.create(
        campaign=campaign,
        month=month,
        jurisdiction=street,
        period_start=start,
        period_end=end,
        status=ReportStatus.READY,
        generated_at=filed,
        filed_at=filed,
    )


def test_streets_are_ranked_on_transfers_against_the_city_deadline_and_reports_filed(campaign, city, client):  # noqa: F811
    deadline = datetime.date(2026, 11, 10)
    on_time = _transfer(city, city.xintang, "晋专办〔2026〕1号", deadline)
    late = _transfer(city, city.xintang, "晋专办〔2026〕2号", deadline)
    _transfer(city, city.xintang, "晋专办〔2026〕3号", deadline)  # open past the city's deadline
    _transfer(city, city.dongshi, "晋专办〔2026〕4号", datetime.date(2026, 12, 10))  # open, not yet due
    _close(on_time, datetime.date(2026, 11, 9))
    _close(late, datetime.date(2026, 11, 12))
    months = selectors.campaign_months(campaign, TODAY - datetime.timedelta(days=1))
    assert len(months) == 6  # June … November
    for index, month in enumerate(months):
        _file(campaign, city.xintang, month, late=index == 0)  # one filed after its report day
    for month in months[:2]:
        _file(campaign, city.dongshi, month)

    campaign.laggard_score = 70
    campaign.save(update_fields=["laggard_score"])
    card = selectors.scorecard_for(fresh(city.city), campaign, today=TODAY)
    assert card.of_streets
    rows = {row.unit.name: row for row in card.rows}
    xintang, dongshi = rows["新塘街道"], rows["东石镇"]
    assert (xintang.feedback_count, xintang.feedback_on_time, xintang.feedback_on_time_rate) == (2, 1, 0.5)
    assert (xintang.overdue_leads, xintang.overdue_items) == (1, 1)
    assert (xintang.submissions_on_time, xintang.submissions_due) == (5, 6)
    assert dongshi.feedback_on_time_rate is None and dongshi.overdue_items == 0
    assert (dongshi.submissions_on_time, dongshi.submissions_due) == (2, 6)
    # the units' scorecard's definitions: the mean of the rates, less two points per overdue item
    assert xintang.score == round((0.5 + rate(5, 6)) / 2 - 0.02, 4)
    assert dongshi.score == rate(2, 6) and dongshi.laggard and xintang.laggard  # below 70
    assert [row.unit.name for row in card.rows] == ["新塘街道", "东石镇"]
    assert "月报未按时报送 4 次" in dongshi.reason
    # named once, by the city's measure, not again by the units' ("未按时报送 4 次")
    assert "、未按时报送" not in dongshi.reason and "按期反馈率" not in xintang.reason
    assert "超过市级期限未办结的转办线索 1 条" in xintang.reason
    # the units' own figures stay alongside
    reporting = selectors.reporting_units().filter(jurisdiction=city.xintang).count()
    assert xintang.units is not None and xintang.units.submissions_due == 6 * reporting

    # the page shows the city's columns
    client.force_login(city.city)
    page = client.get(reverse("reports:scorecard")).content.decode()
    assert 'data-testid="street-transfers"' in page and 'data-testid="street-reports"' in page
    assert "转办线索按期办结率" in page and "月报按时报送率" in page


def test_the_street_report_filed_on_time_stays_on_time_when_regenerated(
    campaign,
    city,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from reports import services

    nov = datetime.date(2026, 11, 1)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.report_generate(month=nov, user=fresh(city.street), today=datetime.date(2026, 11, 20))
    assert first.filed_at is not None and first.filed_at == first.generated_at
    with django_capture_on_commit_callbacks(execute=True):
        services.report_prepare(month=nov, user=fresh(city.street), regenerate=True)
        again = services.report_generate(month=nov, user=fresh(city.street), today=datetime.date(2026, 11, 20))
    assert again.version == 2 and again.generated_at > first.generated_at
    assert again.filed_at == first.filed_at  # filed once: a new version is no new filing


def _streets(city, first, n):  # noqa: F811
    from organization.choices import UnitKind
    from organization.models import Jurisdiction, Unit

    for i in range(first, first + n):
        street = Jurisdiction.objects.create(name=f"第{i}镇", parent=city.jinjiang)
        Unit.objects.create(
            name=f"第{i}镇专项办", kind=UnitKind.STREET_OFFICE, code="street_office", jurisdiction=street
        )
        Unit.objects.create(name=f"第{i}镇社区", kind=UnitKind.COMMUNITY, code="community_a", jurisdiction=street)
        _transfer(city, street, f"晋专办〔2026〕第{i}号", datetime.date(2026, 11, 10))


def _queries(city, campaign):  # noqa: F811
    user = fresh(city.city)
    user.scope  # noqa: B018  (read once per request anyway)
    with CaptureQueriesContext(connection) as ctx:
        card = selectors.scorecard_for(user, campaign, today=TODAY)
    return len(ctx), len(card.rows)


def test_the_street_scorecard_costs_the_same_for_3_and_19_streets(campaign, city):  # noqa: F811
    _streets(city, 0, 1)  # 新塘, 东石 and one more
    few, rows = _queries(city, campaign)
    assert rows == 3
    _streets(city, 1, 16)
    many, rows = _queries(city, campaign)
    assert rows == 19
    assert many == few


def test_the_city_reports_scorecard_sheet_has_the_citys_columns(campaign, city):  # noqa: F811
    import io

    import openpyxl

    from reports.workbook import monthly_workbook

    month = datetime.date(2026, 11, 1)
    _file(campaign, city.xintang, datetime.date(2026, 10, 1))
    data = selectors.report_data(campaign, month, today=TODAY, jurisdiction=city.jinjiang)
    row = next(r for r in data["scorecard"]["rows"] if r["unit"] == "新塘街道")
    assert row["reports_on_time"] == 1 and "units" in row
    sheet = openpyxl.load_workbook(io.BytesIO(monthly_workbook(data)))["督导考评"]
    cells = [c.value for r in sheet.iter_rows(max_row=5) for c in r]
    assert "转办线索按期办结率" in cells and "月报按时报送率" in cells and "单位按期销号率" in cells


def test_a_street_with_its_own_implementation_files_once_under_it(city, django_capture_on_commit_callbacks):  # noqa: F811
    """The city's campaign compiles the streets without an implementation of it and the city; a
    street's implementation (its own report day) compiles that street only; the city's roll-up
    and scorecard find the report filed under it."""
    from organization.models import Campaign
    from reports import services

    Campaign.objects.update(is_active=False)
    city_campaign = Campaign.objects.create(
        name="晋江市护老专项行动",
        start_date=datetime.date(2026, 6, 1),
        end_date=datetime.date(2026, 12, 31),
        report_day=20,
        jurisdiction=city.jinjiang,
    )
    Campaign.objects.create(
        name="新塘街道实施方案",
        start_date=datetime.date(2026, 6, 1),
        end_date=datetime.date(2026, 12, 31),
        report_day=25,
        jurisdiction=city.xintang,
        parent=city_campaign,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.report_due(today=datetime.date(2026, 11, 20))
    assert set(MonthlyReport.objects.values_list("campaign__name", "jurisdiction__name")) == {
        ("晋江市护老专项行动", "东石镇"),
        ("晋江市护老专项行动", "晋江市"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.report_due(today=datetime.date(2026, 11, 25))
    filed = MonthlyReport.objects.get(jurisdiction=city.xintang)
    assert filed.campaign.name == "新塘街道实施方案" and MonthlyReport.objects.count() == 3
    data = selectors.report_data(
        city_campaign, datetime.date(2026, 11, 1), today=datetime.date(2026, 11, 26), jurisdiction=city.jinjiang
    )
    assert {row["street"]: row["report"] for row in data["streets"]["filed"]}["新塘街道"] == filed.pk
    card = selectors.street_scorecard(city_campaign, [city.xintang], today=datetime.date(2026, 11, 26))
    assert card.rows[0].submissions_on_time == 0  # generated now, after its report day (the 25th)
    MonthlyReport.objects.filter(pk=filed.pk).update(filed_at=_at(filed.period_end))
    card = selectors.street_scorecard(city_campaign, [city.xintang], today=datetime.date(2026, 11, 26))
    assert filed.period_end == datetime.date(2026, 11, 25) and card.rows[0].submissions_on_time == 1


def test_each_office_of_a_city_sets_its_own_campaigns_threshold(campaign, city, client):  # noqa: F811
    """The city names its lagging streets below its own campaign's threshold, so it sets that
    threshold; a street sets its own implementation's, never the city's (it could, before)."""
    from core import rules as core_rules
    from organization.models import Campaign

    city_campaign = Campaign.objects.create(
        name="晋江市护老专项行动",
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        jurisdiction=city.jinjiang,
    )
    own = Campaign.objects.create(
        name="东石镇实施方案",
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        jurisdiction=city.dongshi,
        parent=city_campaign,
    )
    assert core_rules.check(fresh(city.city), "reports.scorecard_threshold", city_campaign)
    assert not core_rules.check(fresh(city.street_x), "reports.scorecard_threshold", city_campaign)
    assert core_rules.check(fresh(city.street_x), "reports.scorecard_threshold", own)
    assert not core_rules.check(fresh(city.city), "reports.scorecard_threshold", own)
    client.force_login(city.city)
    response = client.post(reverse("reports:scorecard_threshold", args=[city_campaign.pk]), {"laggard_score": 75})
    assert response.status_code == 302, response.content.decode()[:2000]
    city_campaign.refresh_from_db()
    assert city_campaign.laggard_score == 75
    client.force_login(city.street_x)
    response = client.post(reverse("reports:scorecard_threshold", args=[city_campaign.pk]), {"laggard_score": 10})
    assert response.status_code in (403, 404)
    city_campaign.refresh_from_db()
    assert city_campaign.laggard_score == 75


def test_a_streets_month_is_due_by_its_own_report_day(campaign, city):  # noqa: F811
    """A street whose implementation reports on the 25th is not late on the 22nd for the month
    the city's campaign (the 20th) already counts as due."""
    from organization.models import Campaign

    own = Campaign.objects.create(
        name="东石镇实施方案",
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        report_day=25,
        jurisdiction=city.dongshi,
        parent=campaign,
    )
    day = datetime.date(2026, 11, 22)
    for month in selectors.campaign_months(own, day):  # June … October, each by the 25th
        _file(own, city.dongshi, month)
    for month in selectors.campaign_months(campaign, day):  # June … November, each by the 20th
        _file(campaign, city.xintang, month)
    rows = {r.unit.name: r for r in selectors.street_scorecard(campaign, [city.xintang, city.dongshi], today=day).rows}
    assert (rows["东石镇"].submissions_on_time, rows["东石镇"].submissions_due) == (5, 5)
    assert (rows["新塘街道"].submissions_on_time, rows["新塘街道"].submissions_due) == (6, 6)
