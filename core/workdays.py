"""Working days on the Chinese calendar (工作日, with statutory holidays and make-up workdays 调休).

The ``chinesecalendar`` package knows the State Council's schedule for the years it ships;
``core.CalendarDay`` rows (admin) override it or cover a year it does not know yet. For a year
it does not know, without overrides, Monday–Friday are taken as working days.
"""

from __future__ import annotations

import datetime

import chinese_calendar

from .choices import DayKind
from .models import CalendarDay


class WorkCalendar:
    """Loads the overrides once; use one instance per computation (or per request)."""

    def __init__(self) -> None:
        self.overrides: dict[datetime.date, str] = dict(CalendarDay.objects.values_list("date", "kind"))

    def is_workday(self, day: datetime.date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == DayKind.WORKDAY
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
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
