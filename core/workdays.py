"""Working days on the Chinese calendar (工作日, with statutory holidays and make-up workdays 调休).

Where a day's answer comes from, in order:

1. a ``core.CalendarDay`` row: the street office's arrangement of a year entered on the calendar
   page (``core:calendar``, rows pointing to a ``CalendarYear``) or a row made in the admin;
2. the ``chinesecalendar`` package, for the years it ships (``library_years()``);
3. Monday–Friday, for any other year.

A year is **covered** when the library knows it or the street office entered its arrangement
(``CalendarYear``); admin rows alone do not cover a year. A deadline computed over a day of an
uncovered year is an estimate: pages mark it "估算" (``{% deadline %}``,
``core/templatetags/hulao_calendar.py``), the street office sees a banner naming the year
(``missing_years``), ``/healthz/`` and ``manage.py check`` name it too. When the year is entered,
``core.services.calendar_enter`` calls the hooks registered with ``on_arrangement_entered``: each
area recomputes its open deadlines of that year from their basis (core knows no area).
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

import chinese_calendar
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from .choices import DayKind
from .models import CalendarDay, CalendarYear

logger = logging.getLogger(__name__)


@functools.cache
def _shipped_years() -> frozenset[int]:
    return frozenset(day.year for day in (*chinese_calendar.holidays, *chinese_calendar.workdays))


def library_years() -> frozenset[int]:
    """The years the ``chinesecalendar`` package knows (2004–2026 in 1.11.0). Tests patch this
    to pretend the library does not know a year yet."""
    return _shipped_years()


def entered_years() -> frozenset[int]:
    """The years whose arrangement the street office entered (one query, always fresh)."""
    return frozenset(CalendarYear.objects.values_list("year", flat=True))


#: The cache key of ``entered_years`` for pages (``coverage``); ``forget_coverage`` clears it.
COVERAGE_CACHE_KEY = "core:calendar:entered-years:v1"
COVERAGE_CACHE_SECONDS = 300


def forget_coverage() -> None:
    cache.delete(COVERAGE_CACHE_KEY)


class Coverage:
    """Which years the calendar knows: the library's and the entered ones."""

    def __init__(self, entered: Iterable[int]) -> None:
        self.entered = frozenset(entered)
        self.library = library_years()

    def covers(self, year: int) -> bool:
        return year in self.library or year in self.entered

    def estimated(self, end: datetime.date, start: datetime.date | None = None) -> bool:
        """A deadline ``end`` counted from ``start`` (default: ``end`` itself) is an estimate when
        a year from ``start`` to ``end`` is not covered."""
        first = min((start or end).year, end.year)
        return any(not self.covers(year) for year in range(first, end.year + 1))

    def missing(self, start: datetime.date, end: datetime.date) -> list[int]:
        return [year for year in range(start.year, end.year + 1) if not self.covers(year)]


def coverage(*, fresh: bool = False) -> Coverage:
    """The coverage for pages: the entered years are cached a few minutes (one query per five
    minutes, none per page or row) and the cache is cleared when a year is entered. ``fresh``
    reads the database (and raises its errors). For a page, a database error (the table not
    migrated yet) counts as nothing entered."""
    years = None if fresh else cache.get(COVERAGE_CACHE_KEY)
    if years is None:
        try:
            years = sorted(entered_years())
        except DatabaseError:
            if fresh:
                raise
            logger.warning("calendar: cannot read the entered years", exc_info=True)
            return Coverage(())
        if not fresh:
            cache.set(COVERAGE_CACHE_KEY, years, COVERAGE_CACHE_SECONDS)
    return Coverage(years)


def lookahead_end(today: datetime.date | None = None) -> datetime.date:
    """The last day the calendar must know now: today + ``CALENDAR_LOOKAHEAD_DAYS`` (60), longer
    than any deadline set today (the longest default, 20 working days, is about 4 weeks)."""
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=settings.CALENDAR_LOOKAHEAD_DAYS)


def missing_years(today: datetime.date | None = None, *, fresh: bool = False) -> list[int]:
    """The years from today to ``lookahead_end`` whose arrangement nobody knows: the street office
    should enter them (banner, ``/healthz/``, the system check)."""
    today = today or timezone.localdate()
    return coverage(fresh=fresh).missing(today, lookahead_end(today))


class WorkCalendar:
    """Loads the overrides once; use one instance per computation (or per request)."""

    def __init__(self) -> None:
        self.overrides: dict[datetime.date, str] = dict(CalendarDay.objects.values_list("date", "kind"))
        self.library = library_years()

    def is_workday(self, day: datetime.date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == DayKind.WORKDAY
        if day.year in self.library:
            try:
                return chinese_calendar.is_workday(day)
            except NotImplementedError:
                pass
        return day.weekday() < 5

    def add_workdays(self, start: datetime.date, days: int) -> datetime.date:
        """The date ``days`` working days after ``start`` (start itself does not count).
        ``add_workdays(Friday, 1)`` is the next working Monday."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current = start
        remaining = days
        while remaining > 0:
            current += datetime.timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def workdays_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        current = start
        while current < end:
            current += datetime.timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count


def add_workdays(start: datetime.date, days: int) -> datetime.date:
    return WorkCalendar().add_workdays(start, days)


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    return WorkCalendar().workdays_between(start, end)


def is_workday(day: datetime.date) -> bool:
    return WorkCalendar().is_workday(day)


# --- recomputing deadlines when a year is entered ------------------------------------------------

#: ``hook(*, years, user, reason) -> int``: recompute the owning area's open deadlines that were
#: counted over a day of one of ``years`` (from their basis, with a fresh ``WorkCalendar``), audited
#: with ``user`` and ``reason``; returns how many moved. Registered by the areas in ``ready()``.
RecomputeHook = Callable[..., int]
_recompute_hooks: dict[str, RecomputeHook] = {}


def on_arrangement_entered(name: str, hook: RecomputeHook) -> None:
    """Register ``hook`` under ``name`` (e.g. "leads"); registering a name again replaces it."""
    _recompute_hooks[name] = hook


def recompute_deadlines(*, years: Iterable[int], user: Any, reason: str) -> dict[str, int]:
    """Run every registered hook; {name: deadlines moved}. Called inside the entry's transaction."""
    years = frozenset(years)
    return {name: hook(years=years, user=user, reason=reason) for name, hook in sorted(_recompute_hooks.items())}
