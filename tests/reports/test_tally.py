"""The report figures read from the kept counters (core.tally, database triggers) equal a full
recount of the rows, on demo data whose leads then move through every write path: service calls,
``save``, ``queryset.update``, ``bulk_create`` and ``delete``; for several windows and unit sets.
``rebuild_tallies`` restores the counts after the table is emptied. Runs on SQLite and, with
``DATABASE_URL``, on PostgreSQL (the triggers differ)."""

import datetime
import importlib
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import tally
from core.models import Tally
from reports import selectors

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def demo(db):
    from organization import demo as org_demo

    ctx, _new = org_demo.seed(
        rng=random.Random(18), scale={"leads": 150, "institutions": 20, "cases": 5, "activities": 10}
    )
    for app in ["leads", "cases", "rectification", "publicity", "reports"]:
        importlib.import_module(f"{app}.demo").seed(ctx)
    return ctx


def _windows(today):
    months = [selectors.add_months(today.replace(day=1), -n) for n in range(5)]
    return [
        (datetime.date(2020, 1, 1), today),  # everything so far
        (months[3] + datetime.timedelta(days=20), today),  # a campaign: part months at both ends
        (months[2], months[1] - datetime.timedelta(days=1)),  # one whole month
        (months[2] + datetime.timedelta(days=20), months[1] + datetime.timedelta(days=19)),  # a report period
        (today, today),
        (months[4], months[1] - datetime.timedelta(days=1)),  # three whole months
    ]


def _unit_sets():
    from leads.models import Lead

    used = sorted({pk for pk in Lead.objects.values_list("assigned_unit_id", flat=True) if pk})
    return [None, used[:1], used[1:4], [], [10**9]]


def _each_unit():
    """Every unit on its own (a unit's dashboard and submission: an institution, an activity, a
    problem or an inspection counts for two or three units)."""
    from organization.models import Unit

    return [[pk] for pk in Unit.objects.order_by("pk").values_list("pk", flat=True)]


def _assert_same(today):
    from leads import selectors as lead_selectors
    from organization.models import Campaign

    for status in ["registered", "fed_back", "closed"]:
        assert lead_selectors.count_in_status([status]) == lead_selectors.in_status([status]).count()
    # a unit's to-do and deadline lists: counts from the tally, the first rows by ordered scans
    from django.db.models import F

    from leads.models import Lead, overdue_q
    from rectification import selectors as rect_selectors

    for units in [u for u in _unit_sets() + _each_unit() if u is not None]:
        for statuses in [["referred"], ["verifying", "returned"]]:
            mine = Lead.objects.filter(assigned_unit_id__in=units, status__in=statuses)
            assert lead_selectors.count_awaiting(units, statuses) == mine.count()
            expected = list(mine.order_by(F("deadline").asc(nulls_last=True), "pk").values("pk", "deadline")[:5])
            assert lead_selectors.earliest_deadlines(units, statuses, ("pk", "deadline"), 5) == expected
        for until in [today, today + datetime.timedelta(days=7), today - datetime.timedelta(days=30)]:
            assert rect_selectors.count_measures_due(units, until) == rect_selectors.measures_due(units, until).count()
        counts = lead_selectors.count_awaiting_by_deadline(
            units, {"overdue": (tally.EARLIEST, today - datetime.timedelta(days=1))}
        )
        assert counts["overdue"] == Lead.objects.filter(overdue_q(today), assigned_unit_id__in=units).count()

    for campaign in Campaign.objects.all():
        kept = [row.as_json() for row in selectors.scorecard(campaign, today=today).rows]
        assert kept == [row.as_json() for row in selectors.scorecard(campaign, today=today, source="recount").rows]
    windows = _windows(today)
    sets = [(window, units) for window in windows for units in _unit_sets()]
    sets += [(window, units) for window in windows[:2] for units in _each_unit()]
    for (start, end), units in sets:
        kept = selectors.section_figures(start=start, end=end, units=units, today=today)
        recount = selectors.section_figures(start=start, end=end, units=units, today=today, source="recount")
        assert kept == recount, (start, end, units)


def _move_leads(ctx):
    """Leads through the services, then edits by every other write path."""
    from leads import services
    from leads.choices import LeadStatus
    from leads.models import Lead

    leads = list(Lead.objects.order_by("pk"))
    rng = random.Random(5)
    units = sorted({lead.assigned_unit_id for lead in leads if lead.assigned_unit_id})
    # save(): a new lead, a change of unit, of source, of the major flag
    first = leads[0]
    first.assigned_unit_id = units[-1]
    first.is_major = not first.is_major
    first.source = "public" if first.source != "public" else "higher"
    first.save()
    # queryset.update(): statuses, feedback times, reminders, days received
    now = timezone.now()
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[1:20]]).update(
        status=LeadStatus.FED_BACK, fed_back_at=now, deadline=timezone.localdate()
    )
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[20:30]]).update(
        last_reminded_on=timezone.localdate(), publicly_named=True
    )
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[30:40]]).update(
        received_on=timezone.localdate() - datetime.timedelta(days=rng.randint(0, 90))
    )
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[40:45]]).update(assigned_unit=None)
    # a feedback given late at night, local time: the local day is the day after UTC's
    late = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(23, 30)))
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[45:50]]).update(
        status=LeadStatus.FED_BACK, fed_back_at=late - datetime.timedelta(days=1)
    )
    # bulk_create
    numbers = services.reserve_numbers(timezone.localdate().year, 30)
    Lead.objects.bulk_create(
        [
            Lead(
                number=number,
                summary=f"批量{i}",
                source="public",
                status=[LeadStatus.REGISTERED, LeadStatus.REFERRED, LeadStatus.CLOSED][i % 3],
                outcome="" if i % 3 != 2 else "unfounded",
                received_on=timezone.localdate() - datetime.timedelta(days=i * 7),
                assigned_unit_id=units[i % len(units)] if i % 4 else None,
                deadline=timezone.localdate() - datetime.timedelta(days=i % 5),
                is_major=i % 2 == 0,
                fraud_type="other",
            )
            for i, number in enumerate(numbers)
        ]
    )
    # delete
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[50:55]], merged=None).delete()


def _move_rectification():
    """Institutions given other units (the problems and inspections at them follow), problems
    moved and closed, activities moved and deleted, by save, queryset.update and delete."""
    from organization.models import Unit
    from publicity.models import Activity
    from rectification.models import Inspection, Institution, Problem

    units = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
    institutions = list(Institution.objects.order_by("pk"))
    assert Problem.objects.exists() and Inspection.objects.exists()
    with_problems = sorted(set(Problem.objects.values_list("institution_id", flat=True)))
    moved = Institution.objects.get(pk=with_problems[0])
    moved.supervising_unit_id = units[-1]
    moved.community_id = None
    moved.save()
    Institution.objects.filter(pk__in=with_problems[1:3]).update(community_id=units[0], supervising_unit_id=units[0])
    Institution.objects.filter(pk__in=[i.pk for i in institutions[-3:]]).update(status="closed", risk_grade=3)
    # measures done and moved; problems closed and given other owners (their measures follow)
    from rectification.models import Measure

    measures = list(Measure.objects.order_by("pk").values_list("pk", flat=True))
    assert measures
    Measure.objects.filter(pk__in=measures[:2]).update(done_at=timezone.now())
    Measure.objects.filter(pk__in=measures[2:4]).update(deadline=timezone.localdate())
    Problem.objects.filter(
        pk__in=list(Measure.objects.filter(pk__in=measures[4:6]).values_list("problem_id", flat=True))
    ).update(status="closed", closed_at=timezone.now())
    problems = list(Problem.objects.order_by("pk"))
    problems[0].owner_unit_id = units[1]
    problems[0].status = "closed"
    problems[0].closed_at = timezone.now()
    problems[0].save()
    Problem.objects.filter(pk__in=[p.pk for p in problems[1:4]]).update(owner_unit_id=units[2])
    Inspection.objects.filter(pk__in=list(Inspection.objects.values_list("pk", flat=True)[:3])).update(
        unit_id=units[3], date=timezone.localdate()
    )
    activities = list(Activity.objects.order_by("pk"))
    Activity.objects.filter(pk__in=[a.pk for a in activities[:3]]).update(organiser_id=units[4], community_id=None)
    Activity.objects.filter(pk__in=[a.pk for a in activities[3:5]]).update(community_id=units[4])
    activities[-1].delete()


def test_demo_figures_from_the_tally_equal_a_recount(demo):
    today = timezone.localdate()
    for subject in ["lead", "lead_fed", "lead_awaiting", "case", "case_ledger", "activity", "institution", "problem"]:
        assert Tally.objects.filter(subject=subject, n__gt=0).exists(), subject
    _assert_same(today)
    _move_leads(demo)
    _assert_same(today)
    _move_rectification()
    _assert_same(today)


def test_service_calls_keep_the_tally(personas, org):
    """The usual life of a lead through the services, counted in the same transaction."""
    from leads import services

    today = timezone.localdate()
    lead, _ = services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "新线索"}
    )
    _assert_same(today)
    lead = services.lead_refer(lead=lead, user=personas.street, unit=org.community_a)
    lead = services.lead_urge(lead=lead, user=personas.street)
    lead = services.lead_acknowledge(lead=lead, user=personas.community_a)
    lead = services.lead_feedback(lead=lead, user=personas.community_a, findings="经核查，情况属实。")
    _assert_same(today)
    counts = tally.sums(dict.fromkeys(["lead", "lead_fed", "lead_reminded"], (today, today)), [org.community_a.pk])
    assert counts[("lead", "received")] == 1 and counts[("lead", "checked")] == 1
    assert counts[("lead_fed", "fed_back")] == 1 and counts[("lead_reminded", "reminded")] == 1


def test_rebuild_restores_the_counts(demo):
    today = timezone.localdate()
    before = selectors.section_figures(start=datetime.date(2020, 1, 1), end=today, today=today)
    Tally.objects.all().delete()
    emptied = selectors.section_figures(start=datetime.date(2020, 1, 1), end=today, today=today)
    assert emptied != before
    call_command("rebuild_tallies")
    assert selectors.section_figures(start=datetime.date(2020, 1, 1), end=today, today=today) == before
    _assert_same(today)


@pytest.mark.parametrize(
    "start,end",
    [
        ("2026-01-01", "2026-01-31"),
        ("2026-01-01", "2026-03-31"),
        ("2026-01-15", "2026-03-10"),
        ("2026-01-15", "2026-01-20"),
        ("2026-01-31", "2026-02-01"),
        ("2025-12-21", "2026-01-20"),
        ("2026-02-01", "2026-02-27"),
        ("2026-02-02", "2026-02-28"),
        ("2026-03-10", "2026-03-09"),
    ],
)
def test_window_adds_each_day_once(start, end):
    """The window's month and day rows cover each day of it exactly once."""
    start, end = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    day = datetime.date(2025, 11, 1)
    rows = []
    while day < datetime.date(2026, 5, 1):
        rows.append(Tally(subject="t", grain="d", day=day, key="k", n=1))
        if day.day == 1:
            month_days = ((day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - day).days
            rows.append(Tally(subject="t", grain="m", day=day, key="k", n=month_days))
        day += datetime.timedelta(days=1)
    Tally.objects.bulk_create(rows)
    expected = max((end - start).days + 1, 0)
    assert tally.sums({"t": (start, end)}).get(("t", "k"), 0) == expected


def test_the_dashboard_skips_only_what_it_does_not_show(demo):
    """The dashboard asks for its figures only (the costly ones it does not show are skipped):
    what it shows equals the full recount."""
    today = timezone.localdate()
    wanted: dict[str, set[str]] = {}
    for section_key, key in selectors.DASHBOARD_KEYS + selectors.DASHBOARD_CHARTS:
        wanted.setdefault(section_key, set()).add(key)
    for units in _unit_sets() + _each_unit():
        start = today - datetime.timedelta(days=100)
        light = selectors.section_figures(start=start, end=today, units=units, today=today, wanted=wanted)
        full = selectors.section_figures(start=start, end=today, units=units, today=today, source="recount")
        for section_light, section_full in zip(light, full, strict=True):
            keys = wanted.get(section_light["key"], set())
            assert [f for f in section_light["figures"] if f["key"] in keys] == [
                f for f in section_full["figures"] if f["key"] in keys
            ]
            assert [b for b in section_light["breakdowns"] if b["key"] in keys] == [
                b for b in section_full["breakdowns"] if b["key"] in keys
            ]


def test_a_bulk_load_with_the_triggers_suspended_is_counted_at_the_end(demo):
    from leads.models import Lead

    today = timezone.localdate()
    before = Lead.objects.count()
    with tally.suspended(["lead"]):
        Lead.objects.filter(pk__in=list(Lead.objects.values_list("pk", flat=True)[:10])).update(
            status="closed", outcome="unfounded"
        )
        Lead.objects.bulk_create(
            [Lead(number=f"B-{i}", summary="批量", source="public", received_on=today) for i in range(20)]
        )
    assert Lead.objects.count() == before + 20
    _assert_same(today)


# --- a city over its streets (issue 19) ----------------------------------------------------------


@pytest.fixture
def city_demo(demo):
    """The demo street as the first of a city's three (``seed_demo --city``: the street put under
    the city and the counts rebuilt; the other streets' units, transfers and reports written
    since through the services, counted by the triggers)."""
    from organization.demo_city import seed_city

    seed_city(streets_count=3)
    return demo


def _jurisdictions():
    """Each jurisdiction with a figure of its own, and the units whose figures they are: a street
    of the city its own units, the city its own and every street's (``Scope.jurisdiction_ids``)."""
    from organization.choices import JurisdictionLevel
    from organization.models import Jurisdiction, Unit

    found = []
    for j in Jurisdiction.objects.order_by("pk"):
        if j.level == JurisdictionLevel.CITY:
            ids = {j.pk, *Jurisdiction.objects.filter(parent=j).values_list("pk", flat=True)}
        elif j.parent_id is not None:
            ids = {j.pk}
        else:
            continue
        found.append((j.pk, sorted(Unit.objects.filter(jurisdiction_id__in=ids).values_list("pk", flat=True))))
    return found


def _assert_same_in_city(today, windows=None):
    """Each street's and the city's figures from their kept counters equal a recount of their
    units' rows, every section and every window."""
    found = _jurisdictions()
    assert len(found) >= 4  # three streets and the city
    for start, end in windows or _windows(today):
        for jurisdiction, units in found:
            kept = selectors.section_figures(start=start, end=end, units=units, today=today, jurisdiction=jurisdiction)
            recount = selectors.section_figures(
                start=start, end=end, units=units, today=today, source="recount", jurisdiction=jurisdiction
            )
            assert kept == recount, (start, end, jurisdiction)


def _spread_over_streets():
    """Rows of every counted kind given to the other streets' units by every write path: some
    within one street, some across two (an activity organised by one street's unit in another
    street's community, a problem owned in one street at an institution of another), a lead of
    the city office's own, and rows deleted."""
    from leads.models import Lead
    from organization.models import Jurisdiction, Unit
    from publicity.models import Activity
    from rectification.models import Inspection, Institution, Problem

    home, second, third = Jurisdiction.objects.filter(parent__isnull=False).order_by("sort_order", "pk")[:3]

    def units_of(street):
        return list(Unit.objects.filter(jurisdiction=street).order_by("pk").values_list("pk", flat=True))

    a, b, own = units_of(second), units_of(third), units_of(home)
    city_office = Unit.objects.get(jurisdiction__level="city", code="city_office")
    leads = list(Lead.objects.order_by("pk").values_list("pk", flat=True))
    Lead.objects.filter(pk__in=leads[:20]).update(assigned_unit_id=a[0])
    Lead.objects.filter(pk__in=leads[20:30]).update(assigned_unit_id=b[1], status="closed", outcome="unfounded")
    Lead.objects.filter(pk__in=leads[30:33]).update(assigned_unit_id=city_office.pk)
    lead = Lead.objects.get(pk=leads[33])
    lead.assigned_unit_id = b[2]
    lead.is_major = True
    lead.save()
    Lead.objects.bulk_create(
        [
            Lead(
                number=f"C-{i}",
                summary="批量",
                source="public",
                received_on=timezone.localdate() - datetime.timedelta(days=i),
                assigned_unit_id=(a + b)[i % len(a + b)],
            )
            for i in range(12)
        ]
    )
    Lead.objects.filter(pk__in=leads[18:20]).delete()
    activities = list(Activity.objects.order_by("pk"))
    Activity.objects.filter(pk__in=[x.pk for x in activities[:3]]).update(organiser_id=a[0], community_id=a[1])
    Activity.objects.filter(pk__in=[x.pk for x in activities[3:5]]).update(organiser_id=a[0], community_id=own[0])
    activities[5].organiser_id, activities[5].community_id = b[0], a[2]
    activities[5].save()
    activities[6].delete()
    institutions = list(Institution.objects.order_by("pk").values_list("pk", flat=True))
    Institution.objects.filter(pk__in=institutions[:4]).update(supervising_unit_id=a[0], community_id=a[1])
    Institution.objects.filter(pk__in=institutions[4:6]).update(supervising_unit_id=b[0], community_id=own[0])
    problems = list(Problem.objects.filter(institution_id__in=institutions[:4]).values_list("pk", flat=True))
    Problem.objects.filter(pk__in=problems[:2]).update(owner_unit_id=b[3])
    Problem.objects.filter(pk__in=problems[2:4]).update(owner_unit_id=a[2])
    inspections = list(Inspection.objects.order_by("pk").values_list("pk", flat=True))
    Inspection.objects.filter(pk__in=inspections[:3]).update(unit_id=b[1], date=timezone.localdate())


def test_a_city_s_counters_equal_a_recount_per_street_and_for_the_city(city_demo):
    """The counters keep a row per street of a city and for the city (each row once, however many
    of its units are theirs) equal to a recount of their units, through every write path; the
    street's and the whole deployment's figures by unit stay right meanwhile."""
    today = timezone.localdate()
    assert Tally.objects.filter(unit_id__lt=0, subject="lead").exists()  # the jurisdictions' rows
    _assert_same_in_city(today)
    _spread_over_streets()
    _assert_same_in_city(today)
    _move_rectification()  # institutions given other units: the problems and inspections follow
    _assert_same_in_city(today, _windows(today)[:2])
    _assert_same(today)


def test_a_unit_moved_to_another_street_is_counted_there_after_a_rebuild(city_demo):
    """The triggers read a unit's street when its rows are written: a unit moved between streets
    (rare) keeps its earlier rows where they were until ``rebuild_tallies``."""
    from organization.models import Jurisdiction, Unit

    today = timezone.localdate()
    home, second = Jurisdiction.objects.filter(parent__isnull=False).order_by("sort_order", "pk")[:2]
    busiest = Unit.objects.filter(jurisdiction=home, leads_assigned__isnull=False).order_by("pk").first()
    assert busiest is not None
    Unit.objects.filter(pk=busiest.pk).update(jurisdiction=second, code=f"moved_{busiest.pk}")
    everything = [(datetime.date(2020, 1, 1), today)]
    with pytest.raises(AssertionError):
        _assert_same_in_city(today, everything)
    call_command("rebuild_tallies")
    _assert_same_in_city(today, everything)


def test_a_deployment_of_one_street_keeps_no_jurisdiction_rows(demo):
    """A street on its own (no city): the counters are as before, nothing counted per jurisdiction."""
    from organization.models import Jurisdiction

    assert not Jurisdiction.objects.filter(parent__isnull=False).exists()
    assert Tally.objects.filter(n__gt=0).exists() and not Tally.objects.filter(unit_id__lt=0).exists()
    call_command("rebuild_tallies")
    assert not Tally.objects.filter(unit_id__lt=0).exists()
