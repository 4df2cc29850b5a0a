"""Reads of the cases app: fast-track averages and the monthly report's figures, all computed
in the database."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from core.visibility import visible_to

from .choices import CASE_UNIT_CODES, CaseKind, LedgerKind, Step
from .models import TOTAL_FIELD, Case, CaseStep, LedgerEntry, cents, ledger_sum, ledger_total, recovery_rate

#: 快侦快破快审: the intervals watched on criminal cases, (key, from step, to step).
FAST_TRACK: tuple[tuple[str, str, str], ...] = (
    ("filed_to_solved", Step.FILED, Step.SOLVED),
    ("solved_to_prosecution", Step.SOLVED, Step.PROSECUTION),
    ("prosecution_to_trial", Step.PROSECUTION, Step.TRIAL),
)

COUNT_FIELDS = ("suspects", "detained", "victims", "elderly_victims")
FLAGS = ("is_gang", "is_organised_crime", "is_corruption", "is_many_victims", "is_major", "is_typical")


def visible_leads(user: Any) -> QuerySet[Any]:
    """The leads ``user`` may open (``core.visibility``; the model from ``Case.leads``, so that
    the cases app imports nothing of the leads app but its choices). ``leads.selectors`` has no
    such read yet."""
    lead_model = Case._meta.get_field("leads").related_model
    return visible_to(user, lead_model)  # type: ignore[arg-type]


def source_leads_for_page(user: Any) -> QuerySet[Any]:
    """The source leads a case page lists to ``user``: only those the user may open, with only
    what the list shows (for a ``Prefetch`` of ``Case.leads``)."""
    return visible_leads(user).only("pk", "number", "summary", "status").order_by("pk")


def source_lead_count() -> Coalesce:
    """How many source leads a case has, visible or not (an annotation: a subquery on the outer
    case, no extra query). The page says how many it does not show."""
    through = Case.leads.through
    rows = (
        through.objects.filter(case_id=OuterRef("pk")).order_by().values("case_id").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _days(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return round(value.total_seconds() / 86400, 1)
    return round(float(value), 1)


def fast_track(
    cases: QuerySet[Case] | None = None,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> dict[str, float | None]:
    """Average days between the steps of criminal cases (快侦快破快审), one DB query:
    ``filed_to_solved`` (立案→破案), ``solved_to_prosecution`` (破案→移送起诉) and
    ``prosecution_to_trial`` (移送起诉→审判); None when no case made that move. With ``start``/
    ``end``, only the moves whose later step falls in the period count."""
    qs = (cases if cases is not None else Case.objects.all()).filter(kind=CaseKind.CRIMINAL)
    steps = {s for _key, a, b in FAST_TRACK for s in (a, b)}
    # one row per case with the date of each step (a pivot of its steps), then the averages over
    # those rows: a join and GROUP BY rather than one subquery per case and step
    per_case = (
        CaseStep.objects.filter(case__in=qs.order_by().values("pk"), step__in=steps)
        .order_by()
        .values("case")
        .annotate(**{f"d_{s}": Max("date", filter=Q(step=s)) for s in steps})
    )
    aggregates = {}
    for key, a, b in FAST_TRACK:
        period = Q(**{f"d_{a}__isnull": False, f"d_{b}__isnull": False})
        if start:
            period &= Q(**{f"d_{b}__gte": start})
        if end:
            period &= Q(**{f"d_{b}__lte": end})
        diff = ExpressionWrapper(F(f"d_{b}") - F(f"d_{a}"), output_field=DurationField())
        aggregates[key] = Avg(diff, filter=period)
    result = per_case.aggregate(**aggregates)
    return {key: _days(result[key]) for key, _a, _b in FAST_TRACK}


_fast_track = fast_track  # ``figures`` has a parameter of that name

#: How long the case list keeps its fast-track averages (the page says when they were computed).
FAST_TRACK_CACHE_SECONDS = 180


def fast_track_cached(cases: QuerySet[Case]) -> tuple[dict[str, float | None], datetime.datetime]:
    """``fast_track(cases)`` and when it was computed, cached ``FAST_TRACK_CACHE_SECONDS`` per
    query (so per scope and filter): the averages read every criminal case's steps, too much for
    each view of the list."""
    import hashlib

    from django.core.cache import cache
    from django.core.exceptions import EmptyResultSet
    from django.utils import timezone

    try:
        sql, params = cases.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return fast_track(cases), timezone.now()
    key = "cases:fast_track:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        cached = (fast_track(cases), timezone.now())
        cache.set(key, cached, FAST_TRACK_CACHE_SECONDS)
    return cached


def _period(field: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    q = Q()
    if start:
        q &= Q(**{f"{field}__gte": start})
    if end:
        q &= Q(**{f"{field}__lte": end})
    return q


def figures(
    *, start: datetime.date | None, end: datetime.date | None, source: str = "recount", fast_track: bool = True
) -> dict[str, Any]:
    """The cases' figures for a report period (both ends inclusive; None leaves that end open, so
    ``start=None`` gives the totals to date). Five DB queries, no Python loop over rows.

    Keys:

    - ``cases``: cases opened (立案/受理) in the period; ``closed``: cases closed (结案) in it;
    - ``by_kind``: {kind value: cases opened}, every ``CaseKind`` present (0 when none);
    - ``by_step``: {step value: cases opened in the period now at that step}, every ``Step``;
    - ``by_kind_step``: {kind value: {step value: count}} for the steps of each kind;
    - ``suspects``, ``detained``, ``victims``, ``elderly_victims``: sums over the cases opened;
    - ``amount_involved``: Decimal sum of the amount involved of the cases opened;
    - ``flags``: {"is_gang"|"is_organised_crime"|"is_corruption"|"is_many_victims"|"is_major"|
      "is_typical": count of cases opened with that flag};
    - ``stopped``, ``frozen``, ``seized``, ``recovered``, ``returned``: Decimal totals of the
      ledger entries dated in the period (止付, 冻结, 查封/扣押, 追缴, 退赔/清退; reversals negative);
    - ``recovery_rate``: ``returned`` / ``amount_involved`` as a Decimal fraction (0.2500 = 25%),
      None when the amount involved is 0;
    - ``fast_track``: {"filed_to_solved"|"solved_to_prosecution"|"prosecution_to_trial": average
      days or None}, over criminal cases whose later step falls in the period.
    """
    from .choices import STEPS

    if source == "tally":
        return _figures_from_tally(start=start, end=end, with_fast_track=fast_track)
    fast = _fast_track(start=start, end=end) if fast_track else {}
    opened = Case.objects.filter(_period("opened_on", start, end)).order_by()
    totals = opened.aggregate(
        cases=Count("pk"),
        amount_involved=Coalesce(Sum("amount_involved"), Decimal("0"), output_field=TOTAL_FIELD),
        **{name: Coalesce(Sum(name), 0) for name in COUNT_FIELDS},
        **{name: Count("pk", filter=Q(**{name: True})) for name in FLAGS},
    )
    closed = Case.objects.filter(_period("closed_on", start, end), closed_on__isnull=False).count()
    by_kind = dict.fromkeys(CaseKind.values, 0)
    by_step = dict.fromkeys(Step.values, 0)
    by_kind_step = {kind: dict.fromkeys(STEPS[kind], 0) for kind in CaseKind.values}
    for row in opened.values("kind", "step").annotate(n=Count("pk")):
        by_kind[row["kind"]] += row["n"]
        by_step[row["step"]] += row["n"]
        by_kind_step.setdefault(row["kind"], {})[row["step"]] = row["n"]
    ledger = (
        LedgerEntry.objects.filter(_period("date", start, end))
        .order_by()
        .aggregate(**{kind: ledger_sum(kind) for kind in LedgerKind.values})
    )
    return {
        "cases": totals["cases"],
        "closed": closed,
        "by_kind": by_kind,
        "by_step": by_step,
        "by_kind_step": by_kind_step,
        **{name: totals[name] for name in COUNT_FIELDS},
        "amount_involved": cents(totals["amount_involved"]),
        "flags": {name: totals[name] for name in FLAGS},
        **{kind: cents(ledger[kind]) for kind in LedgerKind.values},
        "recovery_rate": recovery_rate(ledger[LedgerKind.RETURNED], totals["amount_involved"]),
        "fast_track": fast,
    }


def _figures_from_tally(
    *, start: datetime.date | None, end: datetime.date | None, with_fast_track: bool = True
) -> dict[str, Any]:
    """``figures`` from the counters the database keeps (``cases/tallies.py``, ``core.tally``):
    one query, and the fast-track averages (a pivot of the steps, read directly)."""
    from core import tally

    from .choices import STEPS

    window = (start or tally.EARLIEST, end or tally.LATEST)
    counts = tally.sums(dict.fromkeys(["case", "case_closed", "case_ledger"], window))

    def n(key: str, subject: str = "case") -> int:
        return counts.get((subject, key), 0)

    def money(value: int) -> Decimal:
        return cents(Decimal(value) / 100)

    by_kind = dict.fromkeys(CaseKind.values, 0)
    by_step = dict.fromkeys(Step.values, 0)
    by_kind_step = {kind: dict.fromkeys(STEPS[kind], 0) for kind in CaseKind.values}
    for (subject, key), total in sorted(counts.items()):
        if subject == "case" and key.startswith("kind_step:") and total:
            kind, step = key.removeprefix("kind_step:").split(":", 1)
            by_kind[kind] = by_kind.get(kind, 0) + total
            by_step[step] = by_step.get(step, 0) + total
            by_kind_step.setdefault(kind, {})[step] = total
    involved = money(n("amount_involved"))
    return {
        "cases": n("cases"),
        "closed": n("closed", "case_closed"),
        "by_kind": by_kind,
        "by_step": by_step,
        "by_kind_step": by_kind_step,
        **{name: n(name) for name in COUNT_FIELDS},
        "amount_involved": involved,
        "flags": {name: n(f"flag:{name}") for name in FLAGS},
        **{kind: money(n(kind, "case_ledger")) for kind in LedgerKind.values},
        "recovery_rate": recovery_rate(money(n(LedgerKind.RETURNED, "case_ledger")), involved),
        "fast_track": _fast_track(start=start, end=end) if with_fast_track else {},
    }


# --- public doors for other areas -------------------------------------------------------------


def visible_cases(user: Any):
    """The cases ``user`` may see (a queryset; other areas start here, never from the model)."""
    return visible_to(user, Case)


def visible_typical_cases(user: Any):
    """The typical cases (典型案例) ``user`` may see."""
    return visible_to(user, Case).typical()


def sees_publicity_summaries(user: Any) -> bool:
    """Who reads the typical cases cleared for publicity: the publicity group (and its host),
    the case handlers, the street office and leaders. No query (the user's scope)."""
    from organization.choices import UnitCode

    scope = getattr(user, "scope", None)
    if scope is None or not getattr(user, "is_authenticated", False):
        return False
    return scope.sees_all or bool(scope.unit_codes & {UnitCode.GROUP_PUBLICITY, *CASE_UNIT_CODES})


#: What a cleared typical case shows to publicity: nothing else of the case (no victims,
#: suspects, leads, ledger or the case's own title and summary).
PUBLICITY_FIELDS = (
    "pk",
    "publicity_title",
    "publicity_summary",
    "fraud_type",
    "kind",
    "opened_on",
    "publicity_cleared_at",
)


def publicity_summaries(user: Any) -> QuerySet[Any]:
    """The typical cases cleared for publicity, as dicts of ``PUBLICITY_FIELDS`` plus
    ``amount_involved`` and ``returned`` (None unless the handlers cleared the amounts), newest
    clearance first. Empty for who may not read them. The returned amount is a subquery on the
    row, so a page costs the same queries however long it is."""
    if not sees_publicity_summaries(user):
        return Case.objects.none().values(*PUBLICITY_FIELDS)
    shown = Q(publicity_show_amount=True)
    return (
        Case.objects.cleared_for_publicity()
        .annotate(
            shown_amount_involved=models.Case(
                models.When(shown, then=F("amount_involved")), default=None, output_field=TOTAL_FIELD
            ),
            shown_returned=models.Case(
                models.When(shown, then=ledger_total(LedgerKind.RETURNED)), default=None, output_field=TOTAL_FIELD
            ),
        )
        .order_by("-publicity_cleared_at", "-pk")
        .values(*PUBLICITY_FIELDS, "shown_amount_involved", "shown_returned")
    )


def linkable_typical_cases(user: Any) -> QuerySet[Case]:
    """The typical cases ``user`` may link to a publicity activity: those they see, and those
    cleared for publicity when they read those."""
    condition = Q(pk__in=visible_to(user, Case).typical().values("pk"))
    if sees_publicity_summaries(user):
        condition |= Q(is_typical=True, publicity_cleared=True)
    return Case.objects.filter(condition)


def publicity_label(case: Case) -> str:
    """How a typical case is named outside the cases area: its publicity title once cleared."""
    return case.publicity_title if case.publicity_cleared and case.publicity_title else case.title


def cases_of_lead(user: Any, lead: Any) -> list[Case]:
    """The cases opened from ``lead`` that ``user`` may see (one query)."""
    return list(visible_to(user, Case).filter(leads=lead).only("pk", "number", "title", "step", "kind"))


def search(user: Any, text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Visible cases by number or title (contains); for the global search (reports.search)."""
    from django.db.models import Q

    rows = visible_cases(user).filter(Q(number__icontains=text) | Q(title__icontains=text))
    return list(rows.order_by("-opened_on", "-pk").values("pk", "number", "title")[:limit])
