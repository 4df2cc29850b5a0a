"""Issue 19 items 3-4: a street's monthly report filed to the city as data, the city's report
rolling its streets up, the city ranking its streets and recording 通报/约谈 of a lagging one."""

from __future__ import annotations

import datetime

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError
from core.rules import Refused
from reports import selectors, services
from reports.choices import ReportStatus, SupervisionKind
from reports.models import MonthlyReport, Supervision
from tests.leads.test_city import city, fresh, transfer  # noqa: F401  (the city fixture)

NOV = datetime.date(2026, 11, 1)


def _closed_transfer(city):  # noqa: F811
    from leads import services as leads

    lead = transfer(city)
    street = fresh(city.street)
    lead = leads.lead_refer(lead=lead, user=street, unit=city.org.community_a)
    lead = leads.lead_acknowledge(lead=lead, user=fresh(city.community))
    lead = leads.lead_feedback(lead=lead, user=fresh(city.community), findings="已核查")
    return leads.lead_close(lead=lead, user=street, outcome="rectification", institution_name="某养生馆")


def _figure(rollup, section, key):
    found = next(s for s in rollup["sections"] if s["key"] == section)
    return next(f for f in found["figures"] if f["key"] == key)


def test_the_city_report_counts_a_transferred_lead_under_its_street(campaign, city):  # noqa: F811
    _closed_transfer(city)
    today = timezone.localdate()
    month = selectors.report_month_for(campaign, today)
    data = selectors.report_data(campaign, month, today=today, until=today, jurisdiction=city.jinjiang)
    rollup = data["streets"]
    assert rollup["names"] == ["东石镇", "新塘街道"] or rollup["names"] == ["新塘街道", "东石镇"]
    xintang = rollup["names"].index("新塘街道")
    dongshi = rollup["names"].index("东石镇")
    received = _figure(rollup, "leads", "received")
    closed = _figure(rollup, "leads", "closed")
    assert received["values"][xintang] == 1 and received["values"][dongshi] == 0 and received["total"] == 1
    assert closed["values"][xintang] == 1 and closed["total"] == 1
    # the streets ranked, by the units' scorecard's definitions
    assert data["scorecard"]["rows"] and {r["unit"] for r in data["scorecard"]["rows"]} == {"新塘街道", "东石镇"}
    # a street's own: only its units
    own = selectors.report_data(campaign, month, today=today, until=today, jurisdiction=city.dongshi)
    assert "streets" not in own and own["jurisdiction"] == "东石镇"
    assert {r["unit"] for r in own["submissions"]["rows"]} == {"东石社区"}
    assert next(f for f in own["sections"][0]["figures"] if f["key"] == "received")["period"] == 0


def test_each_street_files_its_report_and_the_city_rolls_them_up(campaign, city, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        filed = services.report_generate(month=NOV, user=fresh(city.street), today=datetime.date(2026, 11, 20))
    assert filed.jurisdiction == city.xintang and filed.status == ReportStatus.READY
    assert filed.data["jurisdiction"] == "新塘街道"
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV, user=fresh(city.city), today=datetime.date(2026, 11, 20))
    assert report.jurisdiction == city.jinjiang and report.pk != filed.pk
    filed_rows = {row["street"]: row for row in report.data["streets"]["filed"]}
    assert filed_rows["新塘街道"]["report"] == filed.pk and filed_rows["东石镇"]["report"] is None
    with report.file.open("rb") as fh:
        wb = openpyxl.load_workbook(fh)
    assert "各镇街" in wb.sheetnames
    sheet = wb["各镇街"]
    header = [c.value for row in sheet.iter_rows(max_row=6) for c in row]
    assert "新塘街道" in header and "东石镇" in header and "全市合计" in header
    # the city regenerates and e-mails its own report, not one a street filed
    from core import rules

    for action in ("reports.report_regenerate", "reports.mail_again"):
        assert rules.check(fresh(city.city), action, report)
        assert not rules.check(fresh(city.city), action, filed)
    assert not rules.check(fresh(city.street), "reports.report_regenerate", report)
    # the street sees its own, not the city's; the city both
    assert set(selectors_visible(city.street)) == {filed.pk}
    assert set(selectors_visible(city.city)) == {filed.pk, report.pk}
    assert set(selectors_visible(city.street_x)) == set()


def selectors_visible(user):
    from core.visibility import visible_to

    return visible_to(fresh(user), MonthlyReport).values_list("pk", flat=True)


def test_the_scheduled_job_files_every_street_then_the_city(campaign, city, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        last = services.report_due(today=datetime.date(2026, 11, 20))
    assert last.jurisdiction == city.jinjiang
    assert set(MonthlyReport.objects.values_list("jurisdiction__name", flat=True)) == {"晋江市", "新塘街道", "东石镇"}


def test_a_street_on_its_own_files_one_report_as_before(campaign, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_due(today=datetime.date(2026, 11, 20))
    assert report.jurisdiction is None and "streets" not in report.data and "jurisdiction" not in report.data
    assert MonthlyReport.objects.count() == 1


def test_the_city_ranks_its_streets_and_notifies_a_lagging_one(campaign, city, client):  # noqa: F811
    card = selectors.scorecard_for(fresh(city.city), campaign)
    assert card.of_streets and {row.unit.name for row in card.rows} == {"新塘街道", "东石镇"}
    street_card = selectors.scorecard_for(fresh(city.street_x), campaign)
    assert not street_card.of_streets and {row.unit.name for row in street_card.rows} == {"东石社区"}

    today = timezone.localdate()
    with pytest.raises(Refused):
        services.supervision_record(
            user=fresh(city.street),
            street=city.dongshi,
            kind=SupervisionKind.NOTICE,
            date=today,
            text="x",
            rectify_by=today,
        )
    with pytest.raises(DomainError):
        services.supervision_record(
            user=fresh(city.city),
            street=city.dongshi,
            kind=SupervisionKind.NOTICE,
            date=today,
            text="x",
            rectify_by=today - datetime.timedelta(days=1),
        )
    client.force_login(city.city)
    assert client.get(reverse("reports:scorecard")).status_code == 200
    page = client.get(reverse("reports:supervision_list")).content.decode()
    assert 'data-testid="supervision-form"' in page
    deadline = today + datetime.timedelta(days=30)
    response = client.post(
        reverse("reports:supervision_add"),
        {
            "street": city.dongshi.pk,
            "kind": SupervisionKind.INTERVIEW,
            "date": today.isoformat(),
            "text": "东石镇线索反馈超期较多",
            "rectify_by": deadline.isoformat(),
            "reason": "督导考评后进",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    supervision = Supervision.objects.get()
    assert supervision.jurisdiction == city.dongshi and supervision.created_by == city.city
    # the street's office sees it, with its deadline, on its dashboard and in the list
    client.force_login(city.street_x)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "东石镇线索反馈超期较多" in dashboard and f"{deadline:%Y-%m-%d}" in dashboard
    listing = client.get(reverse("reports:supervision_list")).content.decode()
    assert "东石镇线索反馈超期较多" in listing and 'data-testid="supervision-form"' not in listing
    # another street does not
    client.force_login(city.street)
    assert "东石镇线索反馈超期较多" not in client.get(reverse("reports:supervision_list")).content.decode()


def test_the_command_files_every_street_then_the_city(campaign, city):  # noqa: F811
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("monthly_report", "--month", "2026-11", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and "晋江市" in lines[-1]
    assert MonthlyReport.objects.filter(jurisdiction__isnull=False).count() == 3
