"""Reads for the dashboard and reports."""

from __future__ import annotations

import calendar
import datetime
import decimal
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import get_language, override

from leads import choices as lead_choices
from leads import selectors as leads
from organization.choices import PhaseKind
from organization.models import Campaign, Phase, Unit
from rectification import selectors as rectification

from .choices import SubmissionStatus, Timeliness
from .sections import Section, collect, rate


@dataclass(frozen=True)
class PhaseBar:
    phase: Phase
    x: float  # percent of the campaign's span
    width: float
    y: int
    is_current: bool
    end: datetime.date

    @property
    def label(self) -> str:
        """The phase's name; a phase named as the plan names its kind shows the kind's label in
        the user's language (the name is data, written in Chinese)."""
        kind = PhaseKind(self.phase.kind) if self.phase.kind in PhaseKind.values else None
        if kind is not None and kind != PhaseKind.OTHER:
            with override(settings.LANGUAGE_CODE):
                plan_name = str(kind.label)
            if self.phase.name == plan_name:
                return str(kind.label)
        return self.phase.name


@dataclass(frozen=True)
class PhaseTimeline:
    campaign: Campaign
    start: datetime.date
    end: datetime.date
    bars: list[PhaseBar]
    today: datetime.date
    today_x: float | None  # None when today is outside the campaign
    height: int


def phase_timeline(campaign: Campaign | None, today: datetime.date | None = None) -> PhaseTimeline | None:
    """The campaign's phases as bars on one time axis, with today marked. One query."""
    if campaign is None:
        return None
    today = today or timezone.localdate()
    phases = list(campaign.phases.all().order_by("order", "start_date"))
    ends = [campaign.end_date] if campaign.end_date else []
    ends += [p.end_date for p in phases]
    start = min([campaign.start_date] + [p.start_date for p in phases])
    end = max(ends) if ends else campaign.start_date + datetime.timedelta(days=180)
    span = max((end - start).days, 1)

    def pct(day: datetime.date) -> float:
        return round(100 * (day - start).days / span, 2)

    bars = []
    for index, phase in enumerate(phases):
        phase_end = max(phase.end_date, end) if phase.runs_throughout else phase.end_date
        bars.append(
            PhaseBar(
                phase=phase,
                x=pct(phase.start_date),
                width=max(pct(phase_end) - pct(phase.start_date), 0.5),
                y=10 + index * 34,
                is_current=phase.start_date <= today <= phase_end,
                end=phase_end,
            )
        )
    today_x = pct(today) if start <= today <= end else None
    return PhaseTimeline(campaign, start, end, bars, today, today_x, 20 + len(phases) * 34 + 20)


# --- reporting periods ---------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> datetime.date:
    """'2026-11' → 2026-11-01; ValueError otherwise."""
    return datetime.datetime.strptime(text.strip(), "%Y-%m").date()


def due_date(campaign: Campaign, month: datetime.date) -> datetime.date:
    """The campaign's report day (default the 20th) of ``month``, capped at the month's end."""
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=min(campaign.report_day or 20, last))


def report_period(campaign: Campaign, month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The month's reporting period: the day after the previous month's report day to this
    month's report day (21st of the previous month to the 20th), both inclusive."""
    return due_date(campaign, add_months(month, -1)) + datetime.timedelta(days=1), due_date(campaign, month)


def report_month_for(campaign: Campaign, day: datetime.date) -> datetime.date:
    """The report month that ``day`` falls in: after the report day, it is the next month's."""
    month = month_start(day)
    return month if day <= due_date(campaign, month) else add_months(month, 1)


def report_months(campaign: Campaign) -> list[datetime.date]:
    """Every report month of the campaign: from the one whose period holds its first day to the
    one whose period holds its last (a campaign without an end: up to the current month)."""
    first = report_month_for(campaign, campaign.start_date)
    last = report_month_for(campaign, campaign.end_date or timezone.localdate())
    months = []
    while first <= last:
        months.append(first)
        first = add_months(first, 1)
    return months


def counting_start(campaign: Campaign) -> datetime.date:
    """The first day counted for the campaign: its first period's first day (on or before its
    start date), so that the cumulative column holds every period's records."""
    return min(campaign.start_date, report_period(campaign, report_month_for(campaign, campaign.start_date))[0])


def period_closes_at(campaign: Campaign, month: datetime.date) -> datetime.datetime:
    """When the period of ``month`` ends and its official report may be compiled: the report day
    at ``REPORTS_SEND_HOUR`` (18:00, local time), when the scheduled job runs."""
    hour = int(getattr(settings, "REPORTS_SEND_HOUR", 18))
    return timezone.make_aware(datetime.datetime.combine(due_date(campaign, month), datetime.time(hour)))


def last_ended_month(campaign: Campaign, now: datetime.datetime | None = None) -> datetime.date | None:
    """The last report month of the campaign whose period has ended by ``now``; None before the
    first one has."""
    now = now or timezone.now()
    month = report_month_for(campaign, timezone.localdate(now))
    if period_closes_at(campaign, month) > now:
        month = add_months(month, -1)
    months = report_months(campaign)
    month = min(month, months[-1])
    return month if month >= months[0] else None


def open_month(campaign: Campaign, today: datetime.date | None = None) -> datetime.date | None:
    """The report month whose period holds ``today`` (its last month after the campaign), None
    before the campaign."""
    today = today or timezone.localdate()
    if today < campaign.start_date:
        return None
    return min(report_month_for(campaign, today), report_months(campaign)[-1])


def campaign_months(campaign: Campaign, until: datetime.date) -> list[datetime.date]:
    """The report months of a campaign whose due date is on or before ``until``."""
    months = []
    month = report_month_for(campaign, campaign.start_date)
    last = campaign.end_date or until
    while due_date(campaign, month) <= until and month <= report_month_for(campaign, last):
        months.append(month)
        month = add_months(month, 1)
    return months


# --- units and their monthly submissions ---------------------------------------------------------


def reporting_units(units: Any = None):
    """The units that report monthly: active communities and member units (of ``units``, ids,
    when given: a street's in a city)."""
    from organization.choices import UnitKind
    from organization.models import Unit

    qs = Unit.objects.filter(kind__in=[UnitKind.COMMUNITY, UnitKind.MEMBER_UNIT], is_active=True)
    if units is not None:
        qs = qs.filter(pk__in=sorted(units))
    return qs.order_by("kind", "sort_order", "name")


# --- a city over its streets (issue 19) ----------------------------------------------------------


def report_jurisdictions(campaign: Campaign | None = None) -> list[Any]:
    """Whose monthly reports the scheduled job compiles: [None] in a deployment of one street
    (as before); in a city each street (filed to the city) and then the city (its roll-up). Of
    ``campaign`` when given: a street's implementation, that street's only; the city's campaign,
    the streets that have no implementation of it, then the city; a campaign shared by every
    jurisdiction, all of them."""
    from organization.choices import JurisdictionLevel
    from organization.models import Jurisdiction

    cities = list(Jurisdiction.objects.filter(level=JurisdictionLevel.CITY))
    if not cities:
        return [None]
    if campaign is not None and campaign.jurisdiction_id is not None:
        own = campaign.jurisdiction
        if own.level != JurisdictionLevel.CITY:
            return [own]
        implemented = set(Campaign.objects.filter(parent=campaign).values_list("jurisdiction_id", flat=True))
        return [s for s in Jurisdiction.objects.filter(parent=own) if s.pk not in implemented] + [own]
    found: list[Any] = []
    for city in cities:
        found += list(Jurisdiction.objects.filter(parent=city)) + [city]
    return found


def report_jurisdiction_of(user: Any) -> Any:
    """The jurisdiction whose report ``user`` compiles: their street, or their city, when it is
    one of a city's; None in a deployment of one street. No query (the scope is cached)."""
    scope = getattr(user, "scope", None)
    if scope is None or scope.jurisdiction_ids is None or scope.jurisdiction_id is None:
        return None
    return scope.jurisdiction_id


def streets_of(city: Any) -> list[Any]:
    from organization.models import Jurisdiction

    return list(Jurisdiction.objects.filter(parent=city))


def unit_ids_by_jurisdiction(jurisdiction_ids: Any) -> dict[int, list[int]]:
    """Each jurisdiction's units' ids. One query."""
    found: dict[int, list[int]] = {j: [] for j in jurisdiction_ids}
    for pk, j in Unit.objects.filter(jurisdiction_id__in=sorted(found)).values_list("pk", "jurisdiction_id"):
        found[j].append(pk)
    return found


@dataclass(frozen=True)
class SubmissionState:
    unit: Any
    submission: Any  # UnitSubmission | None
    timeliness: str


def submission_states(campaign: Campaign, month: datetime.date, today: datetime.date | None = None, units: Any = None):
    """Every reporting unit (of ``units``, ids, when given) with its submission for ``month`` and
    whether it was on time, late or missing. Two queries."""
    from .models import UnitSubmission

    today = today or timezone.localdate()
    due = due_date(campaign, month)
    subs = UnitSubmission.objects.filter(campaign=campaign, month=month)
    if units is not None:
        subs = subs.filter(unit_id__in=sorted(units))
    by_unit = {s.unit_id: s for s in subs}
    states = []
    for unit in reporting_units(units):
        sub = by_unit.get(unit.pk)
        state = sub.timeliness(today) if sub is not None else Timeliness.MISSING if today > due else Timeliness.NOT_DUE
        states.append(SubmissionState(unit, sub, state))
    return states


# --- the report's data ---------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def merge_sections(period: list[Section], cumulative: list[Section]) -> list[dict[str, Any]]:
    """The sections with two columns, the period and the campaign so far, as plain JSON."""
    merged = []
    for p, c in zip(period, cumulative, strict=True):
        c_figures = {f.key: f.value for f in c.figures}
        breakdowns = []
        c_breakdowns = {b.key: b for b in c.breakdowns}
        for b in p.breakdowns:
            c_rows = {str(label): value for label, value in c_breakdowns[b.key].rows} if b.key in c_breakdowns else {}
            labels = [str(label) for label, _v in b.rows]
            labels += [label for label in c_rows if label not in labels]
            p_rows = {str(label): value for label, value in b.rows}
            rows = [
                {
                    "label": label,
                    "period": _json_value(p_rows.get(label, 0)),
                    "cumulative": _json_value(c_rows.get(label, 0)),
                }
                for label in labels
            ]
            breakdowns.append({"key": b.key, "title": str(b.title), "chart": b.chart, "rows": rows})
        merged.append(
            {
                "key": p.key,
                "title": str(p.title),
                "available": p.available,
                "note": str(p.note or ""),
                "figures": [
                    {
                        "key": f.key,
                        "label": str(f.label),
                        "kind": f.kind,
                        "period": _json_value(f.value),
                        "cumulative": _json_value(c_figures.get(f.key)),
                    }
                    for f in p.figures
                ],
                "breakdowns": breakdowns,
            }
        )
    return merged


def section_figures(
    *,
    start: datetime.date,
    end: datetime.date,
    units=None,
    today=None,
    source: str = "tally",
    wanted=None,
    jurisdiction: int | None = None,
) -> list[dict[str, Any]]:
    """One window's sections as plain JSON (a unit's own figures in its submission); ``source``
    "recount" counts the rows instead of reading the kept counters (``core.tally``); ``wanted``
    and ``jurisdiction`` (whose units ``units`` are) as ``collect``'s."""
    sections = collect(
        start=start, end=end, units=units, today=today, source=source, wanted=wanted, jurisdiction=jurisdiction
    )
    return merge_sections(sections, sections)


def report_data(
    campaign: Campaign,
    month: datetime.date,
    today: datetime.date | None = None,
    until: datetime.date | None = None,
    jurisdiction: Any = None,
) -> dict[str, Any]:
    """Everything the monthly report shows, as plain JSON (stored on the report). With ``until``
    (a preview of the open period), the figures stop at that day. ``jurisdiction`` (issue 19):
    a street of a city, its own units' figures (filed to the city); the city, its streets'
    units' figures in total, each street's beside them and its streets ranked; None (a
    deployment of one street), every unit's, as before."""
    today = today or timezone.localdate()
    start, end = report_period(campaign, month)
    if until is not None:  # a preview: the open period so far
        end = min(end, until)
    units: list[int] | None = None
    by_street: dict[int, list[int]] = {}
    streets: list[Any] = []
    if jurisdiction is not None:
        streets = streets_of(jurisdiction) if jurisdiction.is_city else []
        ids = unit_ids_by_jurisdiction([jurisdiction.pk, *(s.pk for s in streets)])
        units = sorted(u for unit_ids in ids.values() for u in unit_ids)
        by_street = {s.pk: ids[s.pk] for s in streets}
    with override(settings.LANGUAGE_CODE):
        period = collect(start=start, end=end, units=units, today=today)
        cumulative = collect(start=counting_start(campaign), end=end, units=units, today=today)
        sections = merge_sections(period, cumulative)
        # the report is compiled on the report day: who has not submitted by then has not
        states = submission_states(
            campaign, month, today if until else max(today, end + datetime.timedelta(days=1)), units=units
        )
        counts = dict.fromkeys(Timeliness.values, 0)
        rows = []
        for state in states:
            counts[state.timeliness] += 1
            sub = state.submission
            rows.append(
                {
                    "unit": state.unit.name,
                    "kind": str(state.unit.get_kind_display()),
                    "timeliness": state.timeliness,
                    "state": str(Timeliness(state.timeliness).label),
                    "submitted_at": timezone.localtime(sub.submitted_at).strftime("%Y-%m-%d %H:%M")
                    if sub and sub.submitted_at
                    else "",
                }
            )
        if streets:
            card = street_scorecard(campaign, streets, by_street, today=min(today, end))
        else:
            card = scorecard(campaign, today=min(today, end), units=units)
        extra: dict[str, Any] = {}
        if jurisdiction is not None:
            extra["jurisdiction"] = jurisdiction.name
        if streets:
            extra["streets"] = streets_rollup(campaign, month, streets, by_street, period, start, end, today)
        return {
            **extra,
            "campaign": campaign.name,
            "month": f"{month:%Y-%m}",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "cumulative_start": counting_start(campaign).isoformat(),
            "due_date": due_date(campaign, month).isoformat(),
            **({"as_of": until.isoformat()} if until is not None else {}),
            "sections": sections,
            "submissions": {
                "rows": rows,
                "counts": counts,
                "labels": {t: str(label) for t, label in Timeliness.choices},
            },
            "scorecard": {
                "rows": [row.as_json() for row in card.rows],
                "laggards": [row.unit.name for row in card.laggards],
                "threshold": card.threshold,
            },
        }


#: Keys of the report JSON whose strings are labels (words of the UI), not data such as names.
_LABEL_KEYS = frozenset({"title", "label", "note", "state", "kind", "unit_kind"})


def in_language(data: Any) -> Any:
    """Report JSON compiled in Chinese (a stored report, a preview, the summary) with its labels in
    the user's language, for display: each label is looked up in the catalogues (its Chinese text is
    the msgid); what is not there, such as a unit's name, stays as it is. The stored JSON, the
    workbook and the e-mail keep the Chinese."""
    from django.utils.translation import gettext

    def word(value: Any) -> Any:
        return gettext(value) if isinstance(value, str) and value else value

    if isinstance(data, list):
        return [in_language(value) for value in data]
    if not isinstance(data, dict):
        return data
    shown: dict[str, Any] = {}
    for key, value in data.items():
        if key in _LABEL_KEYS:
            shown[key] = word(value)
        elif key == "labels" and isinstance(value, dict):
            shown[key] = {k: word(v) for k, v in value.items()}
        else:
            shown[key] = in_language(value)
    return shown


# --- supervision scorecard (督导考评) -----------------------------------------------------------


@dataclass
class ScoreRow:
    unit: Any  # a Unit; a Jurisdiction in the city's ranking of its streets
    feedback_on_time_rate: float | None = None
    feedback_count: int = 0
    feedback_on_time: int = 0
    problems_on_time: int = 0
    overdue_items: int = 0
    problems_on_time_rate: float | None = None
    problems_closed: int = 0
    submission_rate: float | None = None
    submissions_due: int = 0
    submissions_on_time: int = 0
    score: float | None = None
    rank: int = 0
    laggard: bool = False
    overdue_leads: int = 0
    overdue_inspections: int = 0
    overdue_problems: int = 0
    reasons: list[str] = field(default_factory=list)
    #: A street in the city's ranking (issue 19): the feedback figures are its transferred leads'
    #: against the city's deadline, the submissions its monthly reports filed to the city, and
    #: ``units`` its units' own figures summed (shown alongside, not scored).
    of_street: bool = False
    units: ScoreRow | None = None

    @property
    def submissions_missed(self) -> int:
        return self.submissions_due - self.submissions_on_time

    @property
    def reason(self) -> str:
        """Why the unit is named a laggard, e.g. "得分 52，低于 60：逾期线索 3 条、未按时报送 1 次"."""
        return "；".join(self.reasons)

    def as_json(self) -> dict[str, Any]:
        found = {
            "rank": self.rank,
            "unit": self.unit.name,
            "feedback_on_time_rate": self.feedback_on_time_rate,
            "overdue_items": self.overdue_items,
            "problems_on_time_rate": self.problems_on_time_rate,
            "submission_rate": self.submission_rate,
            "score": self.score,
            "laggard": self.laggard,
            "reason": self.reason,
        }
        if self.of_street:
            found.update(
                transfers_closed=self.feedback_count,
                transfers_on_time=self.feedback_on_time,
                transfers_overdue=self.overdue_leads,
                reports_due=self.submissions_due,
                reports_on_time=self.submissions_on_time,
            )
            if self.units is not None:
                found["units"] = {
                    "feedback_on_time_rate": self.units.feedback_on_time_rate,
                    "overdue_items": self.units.overdue_items,
                    "problems_on_time_rate": self.units.problems_on_time_rate,
                    "submission_rate": self.units.submission_rate,
                }
        return found


@dataclass
class Scorecard:
    rows: list[ScoreRow]
    threshold: float  # 0..1: a score below it names the unit a laggard
    campaign: Campaign | None = None
    of_streets: bool = False  # the city's ranking of its streets (issue 19)

    @property
    def laggards(self) -> list[ScoreRow]:
        return [row for row in self.rows if row.laggard]


def _leads_per_unit(rows: dict[int, ScoreRow], start, end, today, source: str = "tally") -> None:
    if source == "recount":
        return _leads_per_unit_recount(rows, start, end, today)
    from core import tally

    windows = {"lead_fed": (start, end), "lead_awaiting": (tally.EARLIEST, today - datetime.timedelta(days=1))}
    counts = tally.sums_by_unit(windows, list(rows))
    for unit_id, row in rows.items():
        fed = counts.get(("lead_fed", "fed_back", unit_id), 0)
        if fed:
            row.feedback_count = fed
            row.feedback_on_time = counts.get(("lead_fed", "fed_on_time", unit_id), 0)
            row.feedback_on_time_rate = rate(row.feedback_on_time, fed)
        overdue = counts.get(("lead_awaiting", "awaiting", unit_id), 0)
        row.overdue_items += overdue
        row.overdue_leads += overdue


def _leads_per_unit_recount(rows: dict[int, ScoreRow], start, end, today) -> None:
    mine = leads.report_leads(list(rows))
    fed = (
        mine.filter(deadline__isnull=False, fed_back_at__date__gte=start, fed_back_at__date__lte=end)
        .order_by()
        .values("assigned_unit_id")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(fed_back_at__date__lte=F("deadline"))))
    )
    for item in fed:
        row = rows[item["assigned_unit_id"]]
        row.feedback_count = item["n"]
        row.feedback_on_time = item["on_time"]
        row.feedback_on_time_rate = rate(item["on_time"], item["n"])
    overdue = leads.overdue(mine, today).order_by().values_list("assigned_unit_id").annotate(n=Count("pk"))
    for unit_id, n in overdue:
        rows[unit_id].overdue_items += n
        rows[unit_id].overdue_leads += n


def _problems_per_unit(rows: dict[int, ScoreRow], start, end, today, source: str = "tally") -> None:
    problems = rectification.owned_problems(list(rows))
    closed = (
        rectification.with_last_deadline(problems.filter(closed_at__date__gte=start, closed_at__date__lte=end))
        .order_by()
        .values("owner_unit_id")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=rectification.closed_on_time_q()))
    )
    for item in closed:
        row = rows[item["owner_unit_id"]]
        row.problems_closed = item["n"]
        row.problems_on_time = item["on_time"]
        row.problems_on_time_rate = rate(item["on_time"], item["n"])
    if source == "recount":
        overdue_inspections = list(
            rectification.report_institutions()
            .filter(rectification.inspection_overdue_q(today), supervising_unit_id__in=list(rows))
            .order_by()
            .values_list("supervising_unit_id")
            .annotate(n=Count("pk"))
        )
    else:  # the counters: institutions on the register by supervising unit and next inspection
        from core import tally

        window = {"institution_due_sup": (tally.EARLIEST, today - datetime.timedelta(days=1))}
        due = tally.sums_by_unit(window, list(rows))
        overdue_inspections = [(unit_id, n) for (_s, _k, unit_id), n in due.items()]
    for unit_id, n in overdue_inspections:
        rows[unit_id].overdue_items += n
        rows[unit_id].overdue_inspections += n
    late = (
        rectification.late_problems(problems, today)
        .order_by()
        .values_list("owner_unit_id")
        .annotate(n=Count("pk", distinct=True))
    )
    for unit_id, n in late:
        rows[unit_id].overdue_items += n
        rows[unit_id].overdue_problems += n


def _laggard_reasons(row: ScoreRow, threshold: float) -> list[str]:
    """The score against the threshold, then what pulled it down (in points out of 100)."""
    from django.utils.translation import gettext as _

    def points(value: float) -> str:
        return f"{decimal.Decimal(str(value * 100)).quantize(decimal.Decimal('1'), decimal.ROUND_HALF_UP)}"

    causes = []
    if getattr(row, "of_street", False):  # the city's measures of a street (issue 19)
        if row.overdue_leads:
            causes.append(_("超过市级期限未办结的转办线索 %(n)d 条") % {"n": row.overdue_leads})
        if row.submissions_missed > 0:
            causes.append(_("月报未按时报送 %(n)d 次") % {"n": row.submissions_missed})
        if row.feedback_on_time_rate is not None and row.feedback_on_time_rate < 1:
            causes.append(_("转办线索按期办结率 %(rate)s%%") % {"rate": points(row.feedback_on_time_rate)})
    else:  # a unit's
        if row.overdue_leads:
            causes.append(_("超期未反馈线索 %(n)d 条") % {"n": row.overdue_leads})
        if row.overdue_problems:
            causes.append(_("超期未整改问题 %(n)d 个") % {"n": row.overdue_problems})
        if row.overdue_inspections:
            causes.append(_("逾期未检查机构 %(n)d 家") % {"n": row.overdue_inspections})
        if row.submissions_missed > 0:
            causes.append(_("未按时报送 %(n)d 次") % {"n": row.submissions_missed})
        if row.feedback_on_time_rate is not None and row.feedback_on_time_rate < 1:
            causes.append(_("按期反馈率 %(rate)s%%") % {"rate": points(row.feedback_on_time_rate)})
        if row.problems_on_time_rate is not None and row.problems_on_time_rate < 1:
            causes.append(_("按期销号率 %(rate)s%%") % {"rate": points(row.problems_on_time_rate)})
    score = decimal.Decimal(str((row.score or 0.0) * 100)).quantize(decimal.Decimal("0.1"), decimal.ROUND_HALF_UP)
    head = _("得分 %(score)s，低于 %(threshold)s") % {
        "score": score,  # as the table shows it: 59.8 is below 60, not "60"
        "threshold": points(threshold),
    }
    if not causes:
        return [head]
    # the separators are words too: "：" and "、" in Chinese, ": " and ", " in English
    return [_("%(head)s：%(causes)s") % {"head": head, "causes": _("、").join(causes)}]


def submission_campaigns(campaign: Campaign) -> Q:
    """The campaigns under which units file their monthly submissions for ``campaign``: itself;
    for a city's campaign (issue 19) also each street's implementation of it and the campaign a
    street ran on its own before it joined the city (no jurisdiction; the demo's 新塘) over the
    same dates. A unit files once a month under its street's, so counting its distinct months
    never counts one twice."""
    q = Q(campaign=campaign) | Q(campaign__parent=campaign)
    if campaign.jurisdiction_id is not None and campaign.parent_id is None:
        q |= Q(
            campaign__jurisdiction__isnull=True,
            campaign__start_date__lte=campaign.end_date or datetime.date.max,
            campaign__end_date__gte=campaign.start_date,
        )
    return q


def scorecard(
    campaign: Campaign | None, today: datetime.date | None = None, source: str = "tally", units: Any = None
) -> Scorecard:
    """Each reporting unit's supervision figures for the campaign so far, ranked; the units whose
    score is below the campaign's threshold (``Campaign.laggard_score``, set by the street office on
    the scorecard page; default 60 of 100, a pass mark) are the laggards, each with the reason.
    An area with nothing for a unit counts as not applicable. A fixed number of queries.
    ``source`` "recount" counts the leads' rows instead of reading the kept counters (tests)."""
    from .models import UnitSubmission

    threshold = (campaign.laggard_score if campaign is not None else 60) / 100
    today = today or timezone.localdate()
    rows = {unit.pk: ScoreRow(unit) for unit in reporting_units(units)}
    if campaign is None or not rows:
        return Scorecard(list(rows.values()), threshold, campaign)
    _leads_per_unit(rows, campaign.start_date, today, today, source)
    _problems_per_unit(rows, campaign.start_date, today, today, source)
    months = campaign_months(campaign, today)
    if months:
        on_time = dict(
            UnitSubmission.objects.filter(
                submission_campaigns(campaign), month__in=months, status=SubmissionStatus.SUBMITTED, late=False
            )
            .order_by()
            .values_list("unit_id")
            .annotate(n=Count("month", distinct=True))
        )
        for unit_id, row in rows.items():
            row.submissions_due = len(months)
            row.submissions_on_time = on_time.get(unit_id, 0)
            row.submission_rate = rate(row.submissions_on_time, len(months))
    return _ranked(list(rows.values()), threshold, campaign)


def _ranked(rows: list[ScoreRow], threshold: float, campaign: Campaign | None) -> Scorecard:
    """Score each row (the mean of its rates, less two points per overdue item), name the
    laggards with their reason, rank them: the units' scorecard's and the streets' alike."""
    for row in rows:
        rates = [
            r for r in (row.feedback_on_time_rate, row.problems_on_time_rate, row.submission_rate) if r is not None
        ]
        if rates:
            # each overdue item costs two points, so a unit with open overdue work ranks lower
            row.score = round(max(sum(rates) / len(rates) - 0.02 * row.overdue_items, 0.0), 4)
        row.laggard = row.score is not None and row.score < threshold
        if row.laggard:
            row.reasons = _laggard_reasons(row, threshold)
    ranked = sorted(
        rows, key=lambda r: (r.score is None, -(r.score or 0), r.overdue_items, r.unit.sort_order, r.unit.name)
    )
    for index, row in enumerate(ranked, start=1):
        row.rank = index
    return Scorecard(ranked, threshold, campaign)


def street_scorecard(
    campaign: Campaign | None,
    streets: list[Any],
    by_street: dict[int, list[int]] | None = None,
    today: datetime.date | None = None,
    source: str = "tally",
) -> Scorecard:
    """The city's scorecard of its streets (issue 19), by the city's own measures of each street:

    - its transferred leads finally closed within the city's deadline (``higher_deadline``, as
      ``leads.selectors.city_transfers`` judges it), of those closed since the campaign began —
      the feedback rate;
    - its transferred leads open past the city's deadline today — its overdue items;
    - its monthly report filed to the city (``MonthlyReport`` of the street, first generated,
      ``filed_at``, by its report day ``period_end``) for each report month due before today —
      the submission rate.

    Rates, score, threshold (``campaign.laggard_score``) and reasons as the units' scorecard
    (``_ranked``). Each row also carries ``units``: its units' scorecard figures summed, shown
    alongside, not scored. One aggregate query per figure, grouped by street, whatever the number
    of streets."""
    from .models import MonthlyReport

    threshold = (campaign.laggard_score if campaign is not None else 60) / 100
    today = today or timezone.localdate()
    if by_street is None:
        by_street = unit_ids_by_jurisdiction([s.pk for s in streets])
    rows = {s.pk: ScoreRow(s, of_street=True, units=ScoreRow(s)) for s in streets}
    if campaign is None or not rows:
        card = Scorecard(list(rows.values()), threshold, campaign, of_streets=True)
        return card
    # the units' own figures, summed per street (shown alongside)
    units = sorted(u for ids in by_street.values() for u in ids)
    street_of = {u: street_id for street_id, ids in by_street.items() for u in ids}
    for unit_row in scorecard(campaign, today=today, source=source, units=units).rows:
        total = rows[street_of[unit_row.unit.pk]].units
        assert total is not None
        for name in (
            "feedback_count",
            "feedback_on_time",
            "problems_closed",
            "problems_on_time",
            "submissions_due",
            "submissions_on_time",
            "overdue_items",
            "overdue_leads",
            "overdue_inspections",
            "overdue_problems",
        ):
            setattr(total, name, getattr(total, name) + getattr(unit_row, name))
    # the transferred leads against the city's deadline
    transfers = leads.transfers_by_street(list(rows), start=campaign.start_date, end=today, today=today)
    # the monthly reports filed to the city: a month is due once the street's report day has
    # passed (its implementation's, which may be later than the city's; else the city's)
    from organization.models import Campaign as CampaignModel

    own = {c.jurisdiction_id: c for c in CampaignModel.objects.filter(parent=campaign, jurisdiction_id__in=list(rows))}
    due_months = {
        street_id: set(campaign_months(own.get(street_id, campaign), today - datetime.timedelta(days=1)))
        for street_id in rows
    }
    filed_on_time = set(
        MonthlyReport.objects.filter(
            jurisdiction_id__in=list(rows), month__in=sorted(set().union(*due_months.values()))
        )
        .filter(submission_campaigns(campaign))  # the city's, a street's implementation or its own before
        .filter(filed_at__date__lte=F("period_end"))
        .order_by()
        .values_list("jurisdiction_id", "month")
        .distinct()
    )
    for street_id, row in rows.items():
        t = transfers.get(street_id, {})
        row.feedback_count, row.feedback_on_time = t.get("closed", 0), t.get("on_time", 0)
        row.overdue_leads = row.overdue_items = t.get("overdue", 0)
        row.feedback_on_time_rate = rate(row.feedback_on_time, row.feedback_count) if row.feedback_count else None
        months = due_months[street_id]
        row.submissions_due = len(months)
        row.submissions_on_time = sum(1 for month in months if (street_id, month) in filed_on_time)
        row.submission_rate = rate(row.submissions_on_time, row.submissions_due) if months else None
        total = row.units
        assert total is not None
        total.feedback_on_time_rate = (
            rate(total.feedback_on_time, total.feedback_count) if total.feedback_count else None
        )
        total.problems_on_time_rate = (
            rate(total.problems_on_time, total.problems_closed) if total.problems_closed else None
        )
        total.submission_rate = (
            rate(total.submissions_on_time, total.submissions_due) if total.submissions_due else None
        )
    ranked = _ranked(list(rows.values()), threshold, campaign)
    ranked.of_streets = True
    return ranked


def scorecard_for(user: Any, campaign: Campaign | None, today: datetime.date | None = None) -> Scorecard:
    """The scorecard ``user`` reads: the city its streets ranked; a street of a city its own
    units; a deployment of one street every unit, as before."""
    scope = getattr(user, "scope", None)
    if scope is None or scope.jurisdiction_ids is None or scope.jurisdiction_id is None:
        return scorecard(campaign, today=today)
    if scope.is_city:
        from organization.models import Jurisdiction

        streets = list(Jurisdiction.objects.filter(parent_id=scope.jurisdiction_id))
        return street_scorecard(campaign, streets, today=today)
    units = unit_ids_by_jurisdiction([scope.jurisdiction_id])[scope.jurisdiction_id]
    return scorecard(campaign, today=today, units=units)


def streets_rollup(
    campaign: Campaign,
    month: datetime.date,
    streets: list[Any],
    by_street: dict[int, list[int]],
    total: list[Section],
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
) -> dict[str, Any]:
    """The city's report's table of its streets: each section's figures for the period, one
    column per street (its units' kept counters summed: ``collect`` over its units) and the
    city's total; and whether each street has filed its own report of the month."""
    from .models import MonthlyReport

    per_street = [collect(start=start, end=end, units=by_street[s.pk], today=today) for s in streets]
    sections = []
    for index, section in enumerate(total):
        if not section.available:
            continue
        columns = [{f.key: f.value for f in street_sections[index].figures} for street_sections in per_street]
        sections.append(
            {
                "key": section.key,
                "title": str(section.title),
                "figures": [
                    {
                        "key": f.key,
                        "label": str(f.label),
                        "kind": f.kind,
                        "values": [_json_value(column.get(f.key)) for column in columns],
                        "total": _json_value(f.value),
                    }
                    for f in section.figures
                ],
            }
        )
    filed = {
        r.jurisdiction_id: r
        for r in MonthlyReport.objects.filter(month=month, jurisdiction__in=streets)
        .filter(Q(campaign=campaign) | Q(campaign__parent=campaign))  # filed under a street's implementation too
        .only("pk", "jurisdiction_id", "status", "version", "generated_at")
    }
    return {
        "names": [s.name for s in streets],
        "sections": sections,
        "filed": [
            {
                "street": s.name,
                "report": filed[s.pk].pk if s.pk in filed else None,
                "status": filed[s.pk].status if s.pk in filed else "",
                "version": filed[s.pk].version if s.pk in filed else None,
                "generated_at": timezone.localtime(filed[s.pk].generated_at).strftime("%Y-%m-%d %H:%M")
                if s.pk in filed and filed[s.pk].generated_at
                else "",
            }
            for s in streets
        ],
    }


# --- dashboard -------------------------------------------------------------------------------------

#: The key figures on the dashboard, by section and figure key.
DASHBOARD_KEYS = [
    ("leads", "received"),
    ("leads", "closure_rate"),
    ("leads", "check_rate"),
    ("leads", "overdue"),
    ("cases", "cases"),
    ("cases", "amount_involved"),
    ("cases", "recovery_rate"),
    ("rectification", "control_list"),
    ("rectification", "problems_open"),
    ("publicity", "activities"),
    ("publicity", "people_reached"),
]
DASHBOARD_CHARTS = [("leads", "by_source"), ("leads", "by_status"), ("rectification", "by_grade")]


def report_charts(sections: list[dict[str, Any]], column: str = "period") -> list[dict[str, Any]]:
    """Chart.js specs of the sections' breakdowns that have a chart and something to show."""
    charts = []
    for section in sections:
        for breakdown in section.get("breakdowns", []):
            if not breakdown["chart"] or not any(row[column] for row in breakdown["rows"]):
                continue
            charts.append(
                {
                    "id": f"chart-{section['key']}-{breakdown['key']}",
                    "title": breakdown["title"],
                    "type": "doughnut" if breakdown["chart"] == "pie" else "bar",
                    "labels": [row["label"] for row in breakdown["rows"]],
                    "values": [row[column] for row in breakdown["rows"]],
                }
            )
    return charts


def dashboard_figures(user: Any, campaign: Campaign) -> dict[str, Any]:
    """The campaign's key figures so far (the whole street for the street office and leaders; in
    a city the street's units, or for the city office its streets', from their jurisdiction's
    kept counters; the user's unit otherwise), cached ``REPORTS_DASHBOARD_CACHE_SECONDS`` per
    scope and language; ``computed_at`` says how fresh they are. A fixed number of queries when
    computed, none when cached."""
    from django.core.cache import cache

    scope = user.scope
    units = None if scope.sees_all else sorted(scope.unit_ids)
    jurisdiction = None
    if scope.sees_all and scope.jurisdiction_ids is not None:
        # a street in a city (issue 19): its own units' figures; the city: its streets' units,
        # read from the street's (the city's) kept counters, which count each row once
        units = sorted(Unit.objects.filter(jurisdiction_id__in=scope.jurisdiction_ids).values_list("pk", flat=True))
        jurisdiction = scope.jurisdiction_id
    # per language too: the figures' labels, chart titles and notes are words in the user's language
    unit_key = "all" if units is None else "-".join(map(str, units))
    if len(unit_key) > 100:
        unit_key = hashlib.sha256(unit_key.encode()).hexdigest()
    key = f"reports:dashboard:{campaign.pk}:{unit_key}:{get_language()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    today = timezone.localdate()
    end = min(today, campaign.end_date) if campaign.end_date else today
    wanted: dict[str, set[str]] = {}
    for section_key, figure_key in DASHBOARD_KEYS + DASHBOARD_CHARTS:
        wanted.setdefault(section_key, set()).add(figure_key)
    found = section_figures(
        start=campaign.start_date, end=end, units=units, today=today, wanted=wanted, jurisdiction=jurisdiction
    )
    sections = {s["key"]: s for s in found}
    cards = []
    for section_key, figure_key in DASHBOARD_KEYS:
        section = sections.get(section_key)
        if not section or not section["available"]:
            continue
        figure = next((f for f in section["figures"] if f["key"] == figure_key), None)
        if figure:
            cards.append({**figure, "key": f"{section_key}-{figure_key}"})
    wanted = {f"chart-{section}-{breakdown}" for section, breakdown in DASHBOARD_CHARTS}
    charts = [c for c in report_charts(list(sections.values()), "cumulative") if c["id"] in wanted]
    data = {
        "cards": cards,
        "charts": charts,
        "missing": [f"{s['title']}：{s['note']}" for s in sections.values() if not s["available"]],
        "computed_at": timezone.now(),
        "whole_street": units is None,
    }
    cache.set(key, data, settings.REPORTS_DASHBOARD_CACHE_SECONDS)
    return data


def my_deadline_items(user: Any, limit: int = 10) -> dict[str, Any] | None:
    """The leads the user's unit owes feedback on: due soon and overdue. Four queries: each list
    by ordered index scans stopping at ``limit`` (``leads.earliest_deadlines``), the counts from
    the counters the database keeps (``leads.count_awaiting_by_deadline``)."""
    if not user.unit_id:
        return None
    today = timezone.localdate()
    horizon = leads.due_soon_horizon(today)
    units = sorted(user.scope.unit_ids)
    fields = ("pk", "number", "summary", "deadline", "deadline_workdays", "is_major", "assigned_unit__name")
    awaiting = lead_choices.OPEN_FOR_RECEIVER
    counts = leads.count_awaiting_by_deadline(
        units,
        {"overdue": (datetime.date(1900, 1, 1), today - datetime.timedelta(days=1)), "due_soon": (today, horizon)},
    )
    return {
        "overdue": leads.earliest_deadlines(units, awaiting, fields, limit, Q(deadline__lt=today)),
        "due_soon": leads.earliest_deadlines(
            units, awaiting, fields, limit, Q(deadline__gte=today, deadline__lte=horizon)
        ),
        "counts": counts,
        "today": today,
    }


# --- campaign summary (总结提升) -------------------------------------------------------------------


def summary_data(campaign: Campaign, today: datetime.date | None = None, user: Any = None) -> dict[str, Any]:
    """The working groups' and units' submitted summaries (those ``user`` may see, when given:
    every unit sees the submitted ones) with the campaign's final figures, as plain JSON for the
    HTML page and the .xlsx. Missing submitters are named."""
    from core.visibility import visible_to
    from organization.choices import UnitKind
    from organization.models import Unit

    from .models import SummarySubmission

    today = today or timezone.localdate()
    end = min(today, campaign.end_date) if campaign.end_date else today
    submitted = {
        s.unit_id: s
        for s in (SummarySubmission.objects.all() if user is None else visible_to(user, SummarySubmission))
        .filter(campaign=campaign, status=SubmissionStatus.SUBMITTED)
        .select_related("unit")
    }
    expected = Unit.objects.filter(
        kind__in=[UnitKind.WORKING_GROUP, UnitKind.MEMBER_UNIT, UnitKind.COMMUNITY], is_active=True
    ).order_by("kind", "sort_order", "name")
    groups, units, missing = [], [], []
    for unit in expected:
        s = submitted.get(unit.pk)
        if s is None:
            missing.append(unit.name)
        elif unit.kind == UnitKind.WORKING_GROUP:
            groups.append(
                {"unit": unit.name, "results": s.results, "experience": s.experience, "typical_cases": s.typical_cases}
            )
        else:
            units.append({"unit": unit.name, "loopholes": s.loopholes, "weaknesses": s.weaknesses, "rules": s.rules})
    with override(settings.LANGUAGE_CODE):
        sections = section_figures(start=campaign.start_date, end=end, today=today)
    return {
        "campaign": campaign.name,
        "start": campaign.start_date.isoformat(),
        "end": end.isoformat(),
        "groups": groups,
        "units": units,
        "missing": missing,
        "sections": sections,
    }


# --- supervision of streets (issue 19) --------------------------------------------------------


def open_supervisions(user: Any, limit: int = 5, today: datetime.date | None = None) -> list[Any]:
    """For a street office of a city: the city's 通报/约谈 of its street waiting for its
    rectification (待整改 or 退回), the nearest deadline first (the overdue ones, ``overdue`` set,
    at the top). Nobody else has any (a street on its own, the city, the units). One query."""
    from core.visibility import visible_to

    from .choices import SUPERVISION_AWAITING_STREET
    from .models import Supervision

    scope = user.scope
    if scope.jurisdiction_ids is None or not scope.sees_all or scope.is_city:
        return []
    today = today or timezone.localdate()
    rows = (
        visible_to(user, Supervision)
        .filter(status__in=sorted(SUPERVISION_AWAITING_STREET))
        .order_by("rectify_by", "pk")
    )
    found = list(rows[:limit])
    for row in found:
        row.overdue = row.is_overdue(today)
    return found


def count_open_supervisions(user: Any, shown: list[Any], limit: int = 5) -> int:
    """How many ``open_supervisions`` there are, given the first ``limit`` shown (a count only
    when there may be more)."""
    from core.visibility import visible_to

    from .choices import SUPERVISION_AWAITING_STREET
    from .models import Supervision

    if len(shown) < limit:
        return len(shown)
    return visible_to(user, Supervision).filter(status__in=sorted(SUPERVISION_AWAITING_STREET)).count()


def recipients_kept_by(user: Any):
    """The recipients ``user`` keeps and lists (``reports:recipient_list``): what they see, and in
    a city only their own jurisdiction's (a street office its street's, the city its own)."""
    from core.visibility import visible_to

    from .models import ReportRecipient

    kept = visible_to(user, ReportRecipient)
    scope = user.scope
    if scope.jurisdiction_ids is not None:
        kept = kept.filter(jurisdiction_id=scope.jurisdiction_id)
    return kept


def own_jurisdiction_id(user: Any) -> int | None:
    """The jurisdiction the user works in (the city's, for the city office)."""
    return user.scope.jurisdiction_id
