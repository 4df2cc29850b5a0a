"""Each key figure of the monthly report computed two ways on demo data: through the report's
sections and by a direct query of the rows its list would show, for the whole street and for one
community. A community's open problems (尚未销号问题) are the open problems at its institutions,
as its problem list shows them, not only those it owns."""

import importlib
import random

import pytest
from django.utils import timezone

from reports import sections, selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from organization import demo as org_demo

    ctx, _new = org_demo.seed(
        rng=random.Random(14), scale={"leads": 120, "institutions": 40, "cases": 10, "activities": 30}
    )
    for app in ["leads", "cases", "rectification", "publicity", "reports"]:
        importlib.import_module(f"{app}.demo").seed(ctx)
    return ctx


def _windows(campaign):
    """The report's two columns: the last ended period, and the campaign up to its end."""
    month = selectors.last_ended_month(campaign) or selectors.month_start(timezone.localdate())
    start, end = selectors.report_period(campaign, month)
    return [(start, end), (selectors.counting_start(campaign), end)]


def _figures(start, end, units):
    found = sections.collect(start=start, end=end, units=units, today=timezone.localdate())
    return {s.key: s for s in found}


def _direct(start, end, today, community=None):
    from leads.choices import LeadStatus
    from leads.models import Lead
    from rectification.choices import PROBLEM_ACTIVE_STATUSES, InstitutionStatus
    from rectification.models import Inspection, Institution, Problem

    leads = Lead.objects.filter(received_on__gte=start, received_on__lte=end)
    all_leads = Lead.objects.all()
    institutions = Institution.objects.exclude(status=InstitutionStatus.CLOSED)
    problems = Problem.objects.all()
    inspections = Inspection.objects.filter(date__gte=start, date__lte=end)
    if community is not None:
        leads = leads.filter(assigned_unit=community)
        all_leads = all_leads.filter(assigned_unit=community)
        institutions = institutions.filter(community=community) | institutions.filter(supervising_unit=community)
        # the community's problem list: problems at its institutions, and those it owns
        problems = problems.filter(institution__community=community) | problems.filter(owner_unit=community)
        inspections = inspections.filter(institution__community=community) | inspections.filter(unit=community)
    overdue = all_leads.overdue(today)  # the lead list's 超期 filter (leads/filters.py)
    by_grade = {}
    for grade in institutions.values_list("risk_grade", flat=True):
        by_grade[grade] = by_grade.get(grade, 0) + 1
    from cases.models import Case, LedgerEntry
    from publicity.models import Activity, AwarenessSurvey

    activities = Activity.objects.filter(date__gte=start, date__lte=end)
    surveys = AwarenessSurvey.objects.filter(month__gte=start, month__lte=end)
    if community is not None:
        activities = activities.filter(organiser=community) | activities.filter(community=community)
        surveys = surveys.filter(community=community)
    recovered = sum(
        (-e.amount if e.reverses_id else e.amount)
        for e in LedgerEntry.objects.filter(date__gte=start, date__lte=end, kind="recovered")
    )
    return {
        "cases": Case.objects.filter(opened_on__gte=start, opened_on__lte=end).count(),
        "recovered": float(recovered),
        "activities": activities.distinct().count(),
        "surveys": surveys.count(),
        "received": leads.count(),
        "closed": leads.filter(status=LeadStatus.CLOSED).count(),
        "overdue": overdue.count(),
        "institutions": institutions.distinct().count(),
        "problems_open": problems.filter(status__in=PROBLEM_ACTIVE_STATUSES).distinct().count(),
        "inspections": inspections.distinct().count(),
        "by_grade": by_grade,
    }


def _check(found, direct):
    leads, rect = found["leads"], found["rectification"]
    assert leads.figure("received") == direct["received"]
    assert leads.figure("closed") == direct["closed"]
    assert leads.figure("overdue") == direct["overdue"]
    assert rect.figure("institutions") == direct["institutions"]
    assert rect.figure("problems_open") == direct["problems_open"]
    assert rect.figure("inspections") == direct["inspections"]
    grades = {b.key: b for b in rect.breakdowns}["by_grade"]
    assert sorted(n for _label, n in grades.rows if n) == sorted(direct["by_grade"].values())
    publicity = found["publicity"]
    assert publicity.figure("activities") == direct["activities"]
    assert publicity.figure("surveys") == direct["surveys"]
    if found["cases"].available:  # the street's report (cases are not counted per unit)
        assert found["cases"].figure("cases") == direct["cases"]
        assert float(found["cases"].figure("recovered") or 0) == pytest.approx(direct["recovered"])


def test_the_street_figures_two_ways(demo):
    for start, end in _windows(demo.campaign):
        _check(_figures(start, end, None), _direct(start, end, timezone.localdate()))


def test_a_community_figures_two_ways(demo):
    from rectification.choices import PROBLEM_ACTIVE_STATUSES
    from rectification.models import Problem

    community = max(
        demo.communities,
        key=lambda c: (
            Problem.objects.filter(institution__community=c, status__in=PROBLEM_ACTIVE_STATUSES)
            .exclude(owner_unit=c)
            .count()
        ),
    )
    assert (
        Problem.objects.filter(institution__community=community, status__in=PROBLEM_ACTIVE_STATUSES)
        .exclude(owner_unit=community)
        .exists()
    ), "the demo has open problems at a community's institutions owned by another unit"
    for start, end in _windows(demo.campaign):
        _check(_figures(start, end, [community.pk]), _direct(start, end, timezone.localdate(), community))


def test_the_demo_gives_the_figures_something_to_count(demo):
    (start, end), (first, _end) = _windows(demo.campaign)
    period, whole = _direct(start, end, timezone.localdate()), _direct(first, end, timezone.localdate())
    for key in ("received", "closed", "overdue", "institutions", "problems_open", "inspections", "activities"):
        assert period[key] > 0, key
    for key in ("cases", "recovered", "surveys"):
        assert whole[key] > 0, key
