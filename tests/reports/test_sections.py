"""Each area's figures in the report match its rows; a unit's submission holds its own; no
informant data anywhere. The areas are built in parallel: a test skips an area that is missing."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core import mail as django_mail

from reports import selectors, services

NOV = datetime.date(2026, 11, 1)
IN_PERIOD = datetime.date(2026, 11, 5)
BEFORE = datetime.date(2026, 9, 10)


def _section(data, key):
    return next(s for s in data["sections"] if s["key"] == key)


def _figure(section, key):
    return next(f for f in section["figures"] if f["key"] == key)


def test_cases_figures(campaign, org):
    factories = pytest.importorskip("tests.cases.factories")
    from cases.choices import LedgerKind

    a = factories.CaseFactory(opened_on=IN_PERIOD, step_date=IN_PERIOD, amount_involved=Decimal("2000.00"))
    factories.CaseFactory(opened_on=IN_PERIOD, step_date=IN_PERIOD, amount_involved=Decimal("3000.00"))
    factories.CaseFactory(opened_on=BEFORE, step_date=BEFORE, amount_involved=Decimal("5000.00"))
    factories.LedgerEntryFactory(case=a, kind=LedgerKind.FROZEN, date=IN_PERIOD, amount=Decimal("1500.00"))
    factories.LedgerEntryFactory(case=a, kind=LedgerKind.RETURNED, date=IN_PERIOD, amount=Decimal("1000.00"))
    cases = _section(selectors.report_data(campaign, NOV), "cases")
    assert cases["available"]
    assert (_figure(cases, "cases")["period"], _figure(cases, "cases")["cumulative"]) == (2, 3)
    assert _figure(cases, "amount_involved")["period"] == 5000.0
    assert _figure(cases, "amount_involved")["cumulative"] == 10000.0
    assert _figure(cases, "frozen")["period"] == 1500.0
    assert _figure(cases, "recovery_rate")["period"] == pytest.approx(0.2)
    by_kind = {row["label"]: row["cumulative"] for row in cases["breakdowns"][0]["rows"]}
    assert by_kind["刑事"] == 3


def test_publicity_figures_and_a_units_own(campaign, org, personas):
    factories = pytest.importorskip("tests.publicity.factories")
    for _n in range(3):
        factories.ActivityFactory(date=IN_PERIOD, community=org.community_a, organiser=org.community_a)
    factories.ActivityFactory(date=IN_PERIOD, community=org.community_b, organiser=org.community_b)
    factories.ActivityFactory(date=BEFORE, community=org.community_a, organiser=org.community_a)
    factories.SurveyFactory(community=org.community_a, month=NOV, households_surveyed=100, households_aware=80)
    publicity = _section(selectors.report_data(campaign, NOV), "publicity")
    assert (_figure(publicity, "activities")["period"], _figure(publicity, "activities")["cumulative"]) == (4, 5)
    assert _figure(publicity, "people_reached")["period"] == 400
    assert _figure(publicity, "household_rate")["period"] == pytest.approx(0.8)
    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=NOV)
    own = next(s for s in sub.figures if s["key"] == "publicity")
    assert _figure(own, "activities")["period"] == 3


def test_rectification_figures(campaign, org):
    factories = pytest.importorskip("tests.rectification.factories")
    from rectification.choices import RiskGrade

    red = factories.InstitutionFactory(risk_grade=RiskGrade.RED)
    factories.InstitutionFactory(risk_grade=RiskGrade.GREEN, next_inspection_due=datetime.date(2020, 1, 1))
    factories.InspectionFactory(institution=red, date=IN_PERIOD)
    factories.ProblemFactory(institution=red)
    rect = _section(selectors.report_data(campaign, NOV, today=datetime.date(2026, 11, 20)), "rectification")
    assert _figure(rect, "institutions")["period"] == 2
    assert _figure(rect, "control_list")["period"] == 1
    assert _figure(rect, "inspection_overdue")["period"] == 1
    assert _figure(rect, "inspections")["period"] == 1
    grades = {row["label"]: row["period"] for row in rect["breakdowns"][0]["rows"]}
    assert grades["红"] == 1 and grades["绿"] == 1


def test_no_informant_data_in_the_report_or_its_mail(
    campaign, org, personas, recipients, django_capture_on_commit_callbacks
):
    factories = pytest.importorskip("tests.leads.factories")
    planted = "13987654321"
    factories.LeadFactory(
        received_on=IN_PERIOD,
        informant_name="举报人甲乙丙",
        informant_phone=planted,
        assigned_unit=org.community_a,
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV)
    leads = _section(report.data, "leads")
    assert _figure(leads, "received")["period"] == 1
    message = django_mail.outbox[0]
    xlsx = message.attachments[0][1]
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        text = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    for haystack in (text, message.body, str(message.alternatives), str(report.data)):
        assert planted not in haystack and "举报人甲乙丙" not in haystack
