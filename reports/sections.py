"""The report's sections, one per area, in a small registry.

Each area contributes one function ``(*, start, end, units, today) -> Section``: the figures of
the window ``start``..``end`` (dates, inclusive), for the whole street or only for ``units`` (a
list of unit ids: a unit's own monthly submission). Every area is read through its public door,
``<area>.selectors`` (and ``<area>.choices``): what an overdue lead, a closed lead or an open
problem is, is said there, once. Snapshot figures (overdue now, institutions by grade) are the
same in every window.

No section ever holds informant data: they count rows and never read informant fields.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import choices as case_choices
from cases import selectors as cases
from leads import choices as lead_choices
from leads import selectors as leads
from organization.selectors import unit_names
from publicity import choices as publicity_choices
from publicity import selectors as publicity
from rectification import choices as rect_choices
from rectification import selectors as rectification

log = logging.getLogger(__name__)

INT, MONEY, RATE = "int", "money", "rate"

#: Where the figures come from: the kept counters (the pages), or a recount of the rows (tests).
TALLY, RECOUNT = "tally", "recount"


@dataclass
class Figure:
    key: str
    label: Any  # a (lazy) translatable string
    value: Any  # int, float (a rate 0..1), Decimal (money) or None (not applicable)
    kind: str = INT


@dataclass
class Breakdown:
    key: str
    title: Any
    rows: list[tuple[Any, Any]]  # (label, value)
    chart: str = "bar"  # bar | pie | "" (no chart)


@dataclass
class Section:
    key: str
    title: Any
    available: bool = True
    note: Any = ""
    figures: list[Figure] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)

    def figure(self, key: str) -> Any:
        return next((f.value for f in self.figures if f.key == key), None)


def rate(part: int | None, whole: int | None) -> float | None:
    """A share 0..1, or None when there is nothing to divide by."""
    if not whole:
        return None
    return round((part or 0) / whole, 4)


def _counts(qs, field_name: str, choices: Iterable[tuple[Any, Any]]) -> list[tuple[Any, int]]:
    """Rows per choice, zeros included, in the choices' order. One query."""
    found = dict(qs.order_by().values_list(field_name).annotate(n=Count("pk")))
    return [(label, found.get(value, 0)) for value, label in choices]


def _in_window(lookup: str, start: datetime.date, end: datetime.date) -> Q:
    return Q(**{f"{lookup}__gte": start, f"{lookup}__lte": end})


# --- leads (线索) -----------------------------------------------------------------------------


def leads_section(*, start, end, units=None, today=None, source=TALLY, wanted=None, jurisdiction=None) -> Section:
    """The leads' figures from the counters the database keeps (``leads/tallies.py``), in one
    query: the window's counts, and the snapshot figures as windows too (overdue: awaiting feedback
    with a deadline before today; named and not closed: ever). ``source=RECOUNT`` counts the rows
    instead (the tests check one against the other)."""
    if source == RECOUNT:
        return _leads_recount(start=start, end=end, units=units, today=today)
    from core import tally

    today = today or timezone.localdate()
    windows = {
        "lead": (start, end),
        "lead_fed": (start, end),
        "lead_reminded": (start, end),
        "lead_awaiting": (tally.EARLIEST, today - datetime.timedelta(days=1)),  # overdue: deadline before today
        "lead_named": (tally.EARLIEST, tally.LATEST),  # named and not closed, now
    }
    counts = tally.sums(windows, units, jurisdiction)

    def n(key: str, subject: str = "lead") -> int:
        return counts.get((subject, key), 0)

    def breakdown(prefix: str, choices) -> list[tuple[Any, int]]:
        return [(label, n(f"{prefix}:{value}")) for value, label in choices]

    section = _leads_section(
        received=n("received"),
        major=n("major"),
        closed=n("closed"),
        checked=n("checked"),
        fed=n("fed_back", "lead_fed"),
        fed_on_time=n("fed_on_time", "lead_fed"),
        overdue=n("awaiting", "lead_awaiting"),
        reminded=n("reminded", "lead_reminded"),
        named=n("named", "lead_named"),
        by_source=breakdown("source", lead_choices.LeadSource.choices),
        by_type=breakdown("fraud_type", lead_choices.FraudType.choices),
        by_status=breakdown("status", lead_choices.LeadStatus.choices),
    )
    if units is None:
        received = tally.sums_by_unit({"lead": (start, end)}, keys=["received"])
        per_unit = {unit: count for (_subject, _key, unit), count in received.items()}
        names = unit_names(per_unit) if per_unit else {}
        rows = sorted(
            ((names[pk], count) for pk, count in per_unit.items() if pk in names), key=lambda r: (-r[1], r[0])
        )
        section.breakdowns.append(Breakdown("by_unit", _("承办单位"), rows, "bar"))
    return section


def _leads_section(**v: Any) -> Section:
    return Section(
        "leads",
        _("线索核查"),
        figures=[
            Figure("received", _("受理线索数"), v["received"]),
            Figure("major", _("重大线索数"), v["major"]),
            Figure("closed", _("已办结"), v["closed"]),
            Figure("closure_rate", _("办结率"), rate(v["closed"], v["received"]), RATE),
            Figure("checked", _("已查结（已反馈或办结）"), v["checked"]),
            Figure("check_rate", _("查结率"), rate(v["checked"], v["received"]), RATE),
            Figure("fed_back", _("期内反馈数"), v["fed"]),
            Figure("feedback_on_time_rate", _("按期反馈率"), rate(v["fed_on_time"], v["fed"]), RATE),
            Figure("overdue", _("当前超期未反馈"), v["overdue"]),
            Figure("reminded", _("催办线索数"), v["reminded"]),
            Figure("named", _("列入通报（未办结）"), v["named"]),
        ],
        breakdowns=[
            Breakdown("by_source", _("线索来源"), v["by_source"], "pie"),
            Breakdown("by_type", _("诈骗类型"), v["by_type"], "bar"),
            Breakdown("by_status", _("办理状态"), v["by_status"], "bar"),
        ],
    )


def _leads_recount(*, start, end, units=None, today=None) -> Section:
    """The leads' figures counted from the rows (the reference the tally is checked against)."""
    today = today or timezone.localdate()
    base = leads.report_leads(units)
    received = base.filter(_in_window("received_on", start, end))
    totals = received.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=leads.closed_q()),
        checked=Count("pk", filter=leads.checked_q()),
        major=Count("pk", filter=Q(is_major=True)),
    )
    fed = base.filter(_in_window("fed_back_at__date", start, end), deadline__isnull=False).aggregate(
        total=Count("pk"), on_time=Count("pk", filter=Q(fed_back_at__date__lte=F("deadline")))
    )
    snapshot = base.aggregate(
        overdue=Count("pk", filter=leads.overdue_q(today)),
        named=Count("pk", filter=Q(publicly_named=True) & ~leads.closed_q()),
    )
    reminded = base.filter(_in_window("last_reminded_on", start, end)).count()
    section = _leads_section(
        received=totals["total"],
        major=totals["major"],
        closed=totals["closed"],
        checked=totals["checked"],
        fed=fed["total"],
        fed_on_time=fed["on_time"],
        overdue=snapshot["overdue"],
        reminded=reminded,
        named=snapshot["named"],
        by_source=_counts(received, "source", lead_choices.LeadSource.choices),
        by_type=_counts(received, "fraud_type", lead_choices.FraudType.choices),
        by_status=_counts(received, "status", lead_choices.LeadStatus.choices),
    )
    if units is None:
        by_unit = (
            received.exclude(assigned_unit=None)
            .order_by()
            .values_list("assigned_unit__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "assigned_unit__name")
        )
        section.breakdowns.append(Breakdown("by_unit", _("承办单位"), [(name, n) for name, n in by_unit], "bar"))
    return section


# --- rectification (整治) --------------------------------------------------------------------


def rectification_section(
    *, start, end, units=None, today=None, source=TALLY, wanted=None, jurisdiction=None
) -> Section:
    """The figures from the counters the database keeps (``rectification/tallies.py``), the whole
    street's, one unit's or a jurisdiction's (a row counting for two units, e.g. an institution for
    its supervising unit and its community, would count twice for any other set of units: counted
    directly), but the problems closed (on time: their measures' deadlines)."""
    title = _("隐患排查整治")
    today = today or timezone.localdate()
    active = rectification.report_institutions(units)
    problems = rectification.report_problems(units)
    if wanted is None or wanted & {"problems_closed", "problems_closed_on_time_rate"}:
        closed = rectification.with_last_deadline(problems.filter(_in_window("closed_at__date", start, end)))
        closed_totals = closed.aggregate(n=Count("pk"), on_time=Count("pk", filter=rectification.closed_on_time_q()))
    else:  # not shown (the dashboard): the one figure read row by row, as it depends on the measures
        closed_totals = {"n": None, "on_time": None}
    if source == TALLY and (units is None or len(units) <= 1 or jurisdiction is not None):
        from core import tally

        ever = (tally.EARLIEST, tally.LATEST)
        counts = tally.sums(
            {
                "institution": ever,
                "institution_due": (tally.EARLIEST, today - datetime.timedelta(days=1)),
                "inspection": (start, end),
                "problem": (start, end),
                "problem_open": ever,
            },
            units,
            jurisdiction,
        )
        snapshot = {
            "total": counts.get(("institution", "active"), 0),
            "control": counts.get(("institution", "control"), 0),
            "inspection_overdue": counts.get(("institution_due", "due"), 0),
        }
        inspections = counts.get(("inspection", "inspections"), 0)
        opened_n = counts.get(("problem", "opened"), 0)
        problems_open = counts.get(("problem_open", "open"), 0)
        by_grade = [
            (label, counts.get(("institution", f"grade:{v}"), 0)) for v, label in rect_choices.RiskGrade.choices
        ]
        by_status = [
            (label, counts.get(("problem", f"status:{v}"), 0)) for v, label in rect_choices.ProblemStatus.choices
        ]
    else:
        snapshot = active.aggregate(
            total=Count("pk"),
            control=Count("pk", filter=rectification.control_list_q()),
            inspection_overdue=Count("pk", filter=rectification.inspection_overdue_q(today)),
        )
        opened = problems.filter(_in_window("raised_at__date", start, end))

        def want(key: str) -> bool:
            return wanted is None or key in wanted

        inspections = rectification.report_inspections(start, end, units).count() if want("inspections") else None
        opened_n = opened.count() if want("problems_opened") else None
        problems_open = rectification.open_problems(problems).count()
        by_grade = _counts(active, "risk_grade", rect_choices.RiskGrade.choices)
        by_status = _counts(opened, "status", rect_choices.ProblemStatus.choices) if want("problems_by_status") else []
    return Section(
        "rectification",
        title,
        figures=[
            Figure("institutions", _("在册机构数"), snapshot["total"]),
            Figure("control_list", _("风险管控名单"), snapshot["control"]),
            Figure("inspection_overdue", _("检查超期机构"), snapshot["inspection_overdue"]),
            Figure("inspections", _("开展检查次数"), inspections),
            Figure("problems_opened", _("新发现问题"), opened_n),
            Figure("problems_closed", _("整改销号问题"), closed_totals["n"]),
            Figure(
                "problems_closed_on_time_rate",
                _("按期销号率"),
                rate(closed_totals["on_time"], closed_totals["n"]),
                RATE,
            ),
            Figure("problems_open", _("尚未销号问题"), problems_open),
        ],
        breakdowns=[
            Breakdown("by_grade", _("风险等级"), by_grade, "pie"),
            Breakdown("problems_by_status", _("问题状态（期内新发现）"), by_status, "bar"),
        ],
    )


# --- areas that provide ``<app>.selectors.figures`` -----------------------------------------

#: Labels for the figures the areas return, by key; an unknown key is shown as it is.
KNOWN_LABELS: dict[str, Any] = {
    "cases": _("案件数"),
    "cases_total": _("案件数"),
    "total": _("合计"),
    "filed": _("立案数"),
    "solved": _("破案数"),
    "closed": _("结案数"),
    "suspects": _("涉案嫌疑人"),
    "detained": _("采取强制措施人数"),
    "victims": _("受害人数"),
    "elderly_victims": _("受害老人数"),
    "amount_involved": _("涉案金额（元）"),
    "loss": _("损失金额（元）"),
    "stopped": _("止付金额（元）"),
    "frozen": _("冻结金额（元）"),
    "seized": _("查封扣押金额（元）"),
    "recovered": _("追缴金额（元）"),
    "returned": _("退赔金额（元）"),
    "recovery_rate": _("挽损率"),
    "by_kind": _("案件类别"),
    "by_step": _("办理环节"),
    "by_fraud_type": _("诈骗类型"),
    "activities": _("宣传活动次数"),
    "people_reached": _("覆盖人数"),
    "elderly_reached": _("覆盖老年人数"),
    "materials": _("发放资料份数"),
    "messages": _("发送信息条数"),
    "household_rate": _("家庭知晓率"),
    "resident_rate": _("社区居民知晓率"),
    "elderly_rate": _("社区老人知晓率"),
    "media_reports": _("媒体报道"),
    "typical_cases": _("典型案例曝光"),
    "by_type": _("活动形式"),
    "by_community": _("社区"),
    "by_month": _("月份"),
}


def _kind_of(key: str, value: Any) -> str:
    if key.endswith("rate") or key.endswith("_ratio"):
        return RATE
    if isinstance(value, (decimal.Decimal, float)):
        return MONEY
    return INT


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def _label(key: str, label: Any = None) -> Any:
    return label or KNOWN_LABELS.get(key, key)


def _breakdown_rows(value: Any) -> list[tuple[Any, Any]] | None:
    """Accepts {label: n}, [(label, n)], [{"label": .., "value"/"count": ..}]."""
    value = _plain(value)
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = []
        for row in value:
            row = _plain(row)
            if isinstance(row, dict):
                label = row.get("label", row.get("name", row.get("key", "")))
                number = next((row[k] for k in ("value", "count", "n", "total") if k in row), None)
                items.append((label, number))
            elif isinstance(row, (list, tuple)) and len(row) >= 2:
                items.append((row[0], row[1]))
            else:
                return None
    else:
        return None
    if not all(isinstance(n, (int, float, decimal.Decimal)) or n is None for _k, n in items):
        return None
    return [(str(label), n) for label, n in items]


def adapt_figures(key: str, title: Any, result: Any) -> Section:
    """Turn what an area's ``figures()`` returns (a dict or a dataclass of numbers and
    breakdowns, or a ``Section``) into a ``Section``."""
    if isinstance(result, Section):
        return result
    result = _plain(result) or {}
    section = Section(key, title)
    labels = result.get("labels", {}) if isinstance(result, dict) else {}
    for name, value in result.items():
        if name == "labels":
            continue
        if value is None or isinstance(value, (bool, int, float, decimal.Decimal)):
            section.figures.append(Figure(name, _label(name, labels.get(name)), value, _kind_of(name, value)))
            continue
        rows = _breakdown_rows(value)
        if rows is not None:
            chart = "pie" if len(rows) <= 6 else "bar"
            section.breakdowns.append(Breakdown(name, _label(name, labels.get(name)), rows, chart))
    return section


def _num(value: Any) -> Any:
    return float(value) if isinstance(value, decimal.Decimal) else value


def _labelled(values: dict[str, Any], labels: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(labels.get(key, key), _num(n)) for key, n in values.items()]


def _whole_deployment(jurisdiction: int | None) -> bool:
    """Whether ``jurisdiction`` is the deployment's one root: the city of a deployment for a city
    (issue 19), whose cases are every case kept here. One query."""
    if jurisdiction is None:
        return False
    from organization.models import Jurisdiction

    return not Jurisdiction.objects.filter(parent__isnull=True).exclude(pk=jurisdiction).exists()


def cases_section(*, start, end, units=None, today=None, source=TALLY, wanted=None, jurisdiction=None) -> Section:
    """From ``cases.selectors.figures`` (not per unit: the crackdown group holds every case; the
    city of a deployment for a city reads them all)."""
    title = _("打击处理与追赃挽损")
    if units is not None and not _whole_deployment(jurisdiction):
        return Section("cases", title, available=False, note=_("该模块不按单位统计。"))
    data = cases.figures(start=start, end=end, source=source, fast_track=wanted is None or "fast_track" in wanted)
    if not isinstance(data, dict) or "by_kind" not in data:
        return adapt_figures("cases", title, data)
    money = ["amount_involved", "stopped", "frozen", "seized", "recovered", "returned"]
    section = Section(
        "cases",
        title,
        figures=[
            Figure(key, KNOWN_LABELS[key], data.get(key))
            for key in ("cases", "closed", "suspects", "detained", "victims", "elderly_victims")
        ]
        + [Figure(key, KNOWN_LABELS[key], _num(data.get(key)), MONEY) for key in money]
        + [Figure("recovery_rate", KNOWN_LABELS["recovery_rate"], _num(data.get("recovery_rate")), RATE)],
    )
    section.breakdowns.append(
        Breakdown("by_kind", _("案件类别"), _labelled(data["by_kind"], dict(case_choices.CaseKind.choices)), "pie")
    )
    section.breakdowns.append(
        Breakdown("by_step", _("办理环节"), _labelled(data.get("by_step", {}), dict(case_choices.Step.choices)), "bar")
    )
    flags = {
        "is_gang": _("团伙"),
        "is_organised_crime": _("黑恶势力"),
        "is_corruption": _("腐败/“保护伞”"),
        "is_many_victims": _("涉众型"),
        "is_major": _("重大敏感"),
        "is_typical": _("典型案例"),
    }
    section.breakdowns.append(Breakdown("flags", _("案件特征"), _labelled(data.get("flags", {}), flags), "bar"))
    fast = {
        "filed_to_solved": _("立案至破案（平均天数）"),
        "solved_to_prosecution": _("破案至移送起诉（平均天数）"),
        "prosecution_to_trial": _("移送起诉至审判（平均天数）"),
    }
    fast_rows = _labelled(data.get("fast_track", {}), fast)
    section.breakdowns.append(Breakdown("fast_track", _("快侦快破快审"), fast_rows, ""))
    return section


#: The publicity figures read from the awareness surveys (not from the counters).
SURVEY_FIGURES = {"surveys", "household_rate", "resident_rate", "elderly_rate"}


def publicity_section(*, start, end, units=None, today=None, source=TALLY, wanted=None, jurisdiction=None) -> Section:
    """From ``publicity.selectors.figures``; its awareness rates are percentages. The surveys are
    read only when their figures are wanted (the dashboard shows none: they are then None)."""
    title = _("宣传教育")
    surveys = wanted is None or bool(wanted & SURVEY_FIGURES)
    data = publicity.figures(
        start=start, end=end, units=units, source=source, jurisdiction=jurisdiction, surveys=surveys
    )
    if not isinstance(data, dict) or "activities" not in data:
        return adapt_figures("publicity", title, data)
    section = Section(
        "publicity",
        title,
        figures=[
            Figure(key, KNOWN_LABELS[key], data.get(key))
            for key in ("activities", "people_reached", "elderly_reached", "materials", "messages")
        ]
        + [Figure("surveys", _("知晓率调查次数"), data.get("surveys"))]
        + [
            Figure(key, KNOWN_LABELS[key], None if data.get(key) is None else round(float(data[key]) / 100, 4), RATE)
            for key in ("household_rate", "resident_rate", "elderly_rate")
        ],
    )
    if "by_type" in data:  # from the counters
        by_type = [(label, data["by_type"].get(value, 0)) for value, label in publicity_choices.ActivityType.choices]
    elif wanted is None or "by_type" in wanted:
        activities = publicity.report_activities(start, end, units)
        by_type = _counts(activities, "activity_type", publicity_choices.ActivityType.choices)
    else:  # not shown (the dashboard)
        by_type = []
    section.breakdowns.append(Breakdown("by_type", _("活动形式"), by_type, "bar"))
    return section


#: The registry: the report's sections in their order.
SECTIONS: list[Callable[..., Section]] = [leads_section, cases_section, rectification_section, publicity_section]
SECTION_KEYS = ["leads", "cases", "rectification", "publicity"]


def collect(
    *,
    start: datetime.date,
    end: datetime.date,
    units: Iterable[int] | None = None,
    today=None,
    source: str = TALLY,
    wanted: dict[str, set[str]] | None = None,
    jurisdiction: int | None = None,
) -> list[Section]:
    """Every section of the window; ``source=RECOUNT`` counts the rows instead of reading the
    kept counters (the tests compare the two). ``wanted`` ({section: figure and breakdown keys},
    the dashboard's) lets a section skip what is costly and not shown (it is then None).
    ``jurisdiction`` (issue 19: a street of a city, or the city, whose units ``units`` are): the
    sections read its kept counters, each row once, rather than counting ``units``' rows."""
    unit_list = list(units) if units is not None else None
    return [
        fn(
            start=start,
            end=end,
            units=unit_list,
            today=today,
            source=source,
            wanted=None if wanted is None else wanted.get(key, set()),
            jurisdiction=jurisdiction if unit_list is not None else None,
        )
        for key, fn in zip(SECTION_KEYS, SECTIONS, strict=True)
    ]
