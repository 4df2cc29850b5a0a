"""Reads of the publicity area: totals, awareness rates and trends, figures for the reports.

Every figure is computed by the database (aggregates); the rates are ``sum(aware) / sum(surveyed)``
over the surveys selected, ``None`` when nobody was surveyed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, FloatField, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, NullIf, TruncMonth

from organization.choices import UnitKind
from organization.models import Unit

from .choices import ActivityType
from .models import AWARENESS_KINDS, Activity, AwarenessSurvey

ACTIVITY_FIGURES = ("people_reached", "elderly_reached", "materials", "messages")
RATE_KEYS = tuple(f"{k.key}_rate" for k in AWARENESS_KINDS)
SUM = "total_"


def _activity_sums() -> dict[str, Any]:
    sums: dict[str, Any] = {"activities": Count("pk")}
    sums.update({f"{SUM}{name}": Coalesce(Sum(name), Value(0)) for name in ACTIVITY_FIGURES})
    return sums


def _survey_sums() -> dict[str, Any]:
    """Sums of the counts and the three rates, in percent (None when nobody was surveyed)."""
    sums: dict[str, Any] = {"surveys": Count("pk")}
    for k in AWARENESS_KINDS:
        sums[f"{SUM}{k.surveyed}"] = Coalesce(Sum(k.surveyed), Value(0))
        sums[f"{SUM}{k.aware}"] = Coalesce(Sum(k.aware), Value(0))
        sums[f"{k.key}_rate"] = (
            Cast(Sum(k.aware), FloatField()) * Value(100.0) / Cast(NullIf(Sum(k.surveyed), Value(0)), FloatField())
        )
    return sums


#: What ``awareness_summary`` returns: the number of surveys, their sums and the three rates.
SURVEY_KEYS = [
    "surveys",
    *[name for k in AWARENESS_KINDS for name in (k.surveyed, k.aware)],
    *[f"{k.key}_rate" for k in AWARENESS_KINDS],
]


def _tidy(row: dict[str, Any]) -> dict[str, Any]:
    """Drops the alias prefix of the sums (an aggregate cannot share a field's name) and rounds the rates."""
    for key in [k for k in row if k.startswith(SUM)]:
        row[key.removeprefix(SUM)] = row.pop(key)
    for key in RATE_KEYS:
        if row.get(key) is not None:
            row[key] = round(row[key], 1)
    return row


def organising_units() -> QuerySet[Unit]:
    """Every unit that may organise an activity or report a record: the street office, working
    groups, member units and communities (not the higher offices)."""
    return Unit.objects.filter(is_active=True).exclude(kind=UnitKind.HIGHER_OFFICE)


def activity_summary(activities: QuerySet[Activity]) -> dict[str, Any]:
    """Count and sums of the activities. One query."""
    return _tidy(activities.order_by().aggregate(**_activity_sums()))


def activity_totals(activities: QuerySet[Activity], *, by: str) -> list[dict[str, Any]]:
    """Totals grouped ``by`` "community", "type" or "month". One query.

    Each row: ``key`` (community id, type value or first day of the month), ``label``, and
    ``activities``, ``people_reached``, ``elderly_reached``, ``materials``, ``messages``.
    """
    qs = activities.order_by()
    if by == "community":
        rows = (
            qs.values(key=F("community_id"), label=F("community__name"), order=F("community__sort_order"))
            .annotate(**_activity_sums())
            .order_by(F("order").asc(nulls_last=True), "label")
        )
    elif by == "type":
        rows = qs.values(key=F("activity_type")).annotate(**_activity_sums()).order_by("-activities", "key")
    elif by == "month":
        rows = qs.annotate(key=TruncMonth("date")).values("key").annotate(**_activity_sums()).order_by("key")
    else:
        raise ValueError(by)
    result = [_tidy(row) for row in rows]
    for row in result:
        if by == "type":
            row["label"] = ActivityType(row["key"]).label
        elif by == "month":
            row["label"] = f"{row['key']:%Y-%m}"
    return result


def awareness_summary(surveys: QuerySet[AwarenessSurvey]) -> dict[str, Any]:
    """The three rates over the surveys (sum of aware / sum of surveyed), with the sums. One query."""
    return _tidy(surveys.order_by().aggregate(**_survey_sums()))


def awareness_trend(surveys: QuerySet[AwarenessSurvey]) -> list[dict[str, Any]]:
    """One row per month, oldest first: ``month`` and the three rates over the surveys. One query."""
    rows = surveys.order_by().values("month").annotate(**_survey_sums()).order_by("month")
    return [_tidy(row) for row in rows]


def awareness_chart(surveys: QuerySet[AwarenessSurvey]) -> dict[str, Any]:
    """Chart.js data (labels and one dataset per rate) for ``json_script``. One query."""
    trend = awareness_trend(surveys)
    return {
        "type": "line",
        "percent": True,
        "labels": [f"{row['month']:%Y-%m}" for row in trend],
        "datasets": [{"label": str(k.label), "data": [row[f"{k.key}_rate"] for row in trend]} for k in AWARENESS_KINDS],
    }


def activity_chart(month_totals: list[dict[str, Any]], labels: dict[str, Any]) -> dict[str, Any]:
    """Chart.js data of activity totals by month (from ``activity_totals(by="month")``). No query."""
    return {
        "type": "bar",
        "labels": [row["label"] for row in month_totals],
        # The number of activities is small next to the people reached: a line on its own axis.
        "datasets": [
            {
                "label": str(label),
                "data": [row[name] for row in month_totals],
                **({"type": "line", "axis": "right"} if name == "activities" else {}),
            }
            for name, label in labels.items()
        ],
    }


def figures(
    *,
    start: datetime.date,
    end: datetime.date,
    units: Iterable[Unit | int] | None = None,
    source: str = "recount",
    jurisdiction: int | None = None,
    surveys: bool = True,
) -> dict[str, Any]:
    """The publicity figures of a period, for the monthly report. Two queries. Not scoped to a user.

    Activities dated ``start``..``end`` (inclusive), and the surveys whose date (``month``, the
    month's 1st) is in ``start``..``end``: a survey belongs to one period only. With ``units``
    (units or ids), only activities organised by or held in those units, and surveys of those
    communities.

    Returns a dict with these keys:

    - ``activities``: number of activities (int)
    - ``people_reached``, ``elderly_reached``, ``materials``, ``messages``: sums (int, 0 if none)
    - ``surveys``: number of awareness surveys (int)
    - ``households_surveyed``, ``households_aware``, ``residents_surveyed``, ``residents_aware``,
      ``elderly_surveyed``, ``elderly_aware``: sums over the surveys (int)
    - ``household_rate`` (家庭知晓率), ``resident_rate`` (社区居民知晓率), ``elderly_rate``
      (社区老人知晓率): percent, one decimal (float), or None when nobody was surveyed

    With ``source="tally"`` and no ``units`` or one, or the ``jurisdiction`` whose units ``units``
    are (a street of a city, or the city: issue 19), the activities' figures are read from the
    counters the database keeps (``publicity/tallies.py``), with ``by_type`` ({activity type:
    count}); ``surveys=False`` leaves the surveys unread (their keys None: the dashboard).
    """
    ids = None if units is None else [u.pk if isinstance(u, Unit) else u for u in units]
    if source == "tally" and (ids is None or len(ids) <= 1 or jurisdiction is not None):
        # one unit at most, or a jurisdiction's (each activity once): an activity counts for its
        # organiser and its community, so another set of units could count it twice (counted
        # directly below)
        from core import tally

        counts = tally.sums({"activity": (start, end)}, ids, jurisdiction)
        result: dict[str, Any] = {"activities": counts.get(("activity", "activities"), 0)}
        result.update({name: counts.get(("activity", name), 0) for name in ACTIVITY_FIGURES})
        if surveys:
            held = AwarenessSurvey.objects.filter(month__gte=start, month__lte=end)
            if ids is not None:
                held = held.filter(community_id__in=ids)
            result.update(awareness_summary(held))
        else:
            result.update(dict.fromkeys(SURVEY_KEYS))
        result["by_type"] = {
            key.removeprefix("type:"): n for (_s, key), n in counts.items() if key.startswith("type:") and n
        }
        return result
    activities = Activity.objects.filter(date__gte=start, date__lte=end)
    surveys = AwarenessSurvey.objects.filter(month__gte=start, month__lte=end)
    if units is not None:
        ids = [u.pk if isinstance(u, Unit) else u for u in units]
        activities = activities.filter(Q(organiser_id__in=ids) | Q(community_id__in=ids))
        surveys = surveys.filter(community_id__in=ids)
    result = activity_summary(activities)
    result.update(awareness_summary(surveys))
    return result


# --- figures for reports (owned by reports/) ---


def report_activities(
    start: datetime.date, end: datetime.date, units: Iterable[int] | None = None
) -> QuerySet[Activity]:
    """Activities dated ``start``..``end`` (inclusive), or those organised by or held in ``units``.
    Counting only: not scoped to a user."""
    qs = Activity.objects.filter(date__gte=start, date__lte=end)
    if units is not None:
        ids = list(units)
        qs = qs.filter(Q(organiser_id__in=ids) | Q(community_id__in=ids))
    return qs
