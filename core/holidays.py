"""Reading a year's holiday arrangement (节假日安排) as the street office types or pastes it.

One item per line; blank lines and lines starting with ``#`` are skipped::

    2027-01-01~2027-01-03 元旦        a holiday range and its name
    2027-02-06至2027-02-12 春节       ``~``, ``～``, ``〜``, ``至``, ``到``, ``—`` between the dates
    2027-04-05 清明节                 one holiday
    2027-02-07 班                     a make-up workday (调休上班: 班, 上班, 补班, 调休上班, 工作日)
    2027-02-07、2027-02-20 上班       several make-up workdays

Dates are ``2027-01-01``, ``2027/1/1``, ``2027.1.1`` or ``2027年1月1日``; the end of a range may
leave out the year (``2027-01-01~01-03``, ``2027年1月1日至1月3日``). Full-width digits and punctuation are
read as their half-width forms. Every date must lie in the year entered (or, for an arrangement
across New Year, in the last or first two weeks of the year next to it). A make-up workday must be
a Saturday or Sunday; a range holds at most ``MAX_RANGE_DAYS`` days; a date appears once.

``parse_arrangement`` returns the days and, per bad line, a Chinese message naming the line.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext

from .choices import DayKind

MAX_RANGE_DAYS = 15
#: How far an arrangement may reach into the neighbouring year (New Year across two years).
NEIGHBOUR_DAYS = 14
WORKDAY_WORDS = frozenset(
    {"班", "上班", "补班", "调休上班", "调休", "工作日", "调休工作日", "workday", "make-up workday", "work"}
)
NOTE_MAX = 100

_DATE = r"(?:(?P<{p}y>\d{{4}})\s*[-/.年]\s*)?(?P<{p}m>\d{{1,2}})\s*[-/.月]\s*(?P<{p}d>\d{{1,2}})\s*日?"
_RANGE_SEP = r"\s*(?:~|〜|至|到|—|–|-(?=\s*\d{4}))\s*"
_RANGE = re.compile(rf"^(?P<a>{_DATE.format(p='a')})(?:{_RANGE_SEP}(?P<b>{_DATE.format(p='b')}))?(?P<rest>.*)$")
_LIST_SEP = re.compile(r"\s*[、,，;；]\s*")


@dataclass(frozen=True)
class Day:
    date: datetime.date
    kind: str
    note: str
    line: int


@dataclass
class Arrangement:
    year: int
    days: list[Day] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def holidays(self) -> list[Day]:
        return [d for d in self.days if d.kind == DayKind.HOLIDAY]

    @property
    def workdays(self) -> list[Day]:
        return [d for d in self.days if d.kind == DayKind.WORKDAY]

    def summary(self) -> list[dict]:
        """One row per run of consecutive days of one line and kind: first, last, kind, name, count."""
        rows: list[dict] = []
        for day in self.days:
            row = rows[-1] if rows else None
            if (
                row is None
                or (row["line"], row["kind"]) != (day.line, day.kind)
                or day.date != row["last"] + datetime.timedelta(days=1)
            ):
                row = {
                    "line": day.line,
                    "kind": day.kind,
                    "note": day.note,
                    "first": day.date,
                    "last": day.date,
                    "count": 0,
                }
                row["kind_label"] = DayKind(day.kind).label
                rows.append(row)
            row["last"] = day.date
            row["count"] += 1
        return rows


def _normalise(line: str) -> str:
    line = unicodedata.normalize("NFKC", line)  # full-width digits, ～, ／, ：, spaces
    return line.replace("\u3000", " ").strip()


def _date(match: re.Match, prefix: str, default_year: int | None) -> datetime.date:
    year = match.group(f"{prefix}y")
    return datetime.date(
        int(year) if year else int(default_year or 0), int(match.group(f"{prefix}m")), int(match.group(f"{prefix}d"))
    )


def _words(rest: str) -> str:
    return rest.strip(" :：，,。.;；()（）").lower()


def parse_arrangement(text: str, year: int) -> Arrangement:
    result = Arrangement(year=year)
    first = datetime.date(year, 1, 1) - datetime.timedelta(days=NEIGHBOUR_DAYS)
    last = datetime.date(year, 12, 31) + datetime.timedelta(days=NEIGHBOUR_DAYS)
    seen: dict[datetime.date, int] = {}

    def error(number: int, raw: str, message: str) -> None:
        result.errors.append(
            gettext("第 %(n)s 行“%(line)s”：%(message)s") % {"n": number, "line": raw.strip()[:60], "message": message}
        )

    for number, raw in enumerate((text or "").splitlines(), 1):
        line = _normalise(raw)
        if not line or line.startswith("#"):
            continue
        items = [p for p in _LIST_SEP.split(line) if p]
        # several make-up workdays on one line: "2027-02-07、2027-02-20 班"
        last_words = _RANGE.match(items[-1])
        if len(items) > 1 and last_words and _words(last_words.group("rest")) in WORKDAY_WORDS:
            parts = [f"{p} 班" if i < len(items) - 1 else p for i, p in enumerate(items)]
        else:
            parts = [line]
        days: list[Day] = []
        bad = False
        for part in parts:
            match = _RANGE.match(part)
            if not match or not match.group("ay"):
                error(number, raw, gettext("未识别出日期，应写成“2027-01-01~2027-01-03 元旦”或“2027-02-07 班”。"))
                bad = True
                break
            words = _words(match.group("rest"))
            try:
                start = _date(match, "a", None)
                end = _date(match, "b", start.year) if match.group("b") else start
            except ValueError:
                error(number, raw, gettext("日期不存在。"))
                bad = True
                break
            if end < start:
                error(number, raw, gettext("结束日期早于开始日期。"))
                bad = True
                break
            if (end - start).days + 1 > MAX_RANGE_DAYS:
                error(number, raw, gettext("一段假期不能超过 %(n)s 天。") % {"n": MAX_RANGE_DAYS})
                bad = True
                break
            if start < first or end > last:
                error(number, raw, gettext("日期不在 %(year)s 年。") % {"year": year})
                bad = True
                break
            is_workday = words in WORKDAY_WORDS
            if len(words) > NOTE_MAX:
                error(number, raw, gettext("名称太长（最多 %(n)s 个字）。") % {"n": NOTE_MAX})
                bad = True
                break
            current = start
            while current <= end:
                if is_workday and current.weekday() < 5:
                    error(
                        number,
                        raw,
                        gettext("%(date)s 不是周六或周日，不需要调休上班。") % {"date": current.isoformat()},
                    )
                    bad = True
                    break
                days.append(
                    Day(
                        current,
                        DayKind.WORKDAY if is_workday else DayKind.HOLIDAY,
                        "" if is_workday else words,
                        number,
                    )
                )
                current += datetime.timedelta(days=1)
            if bad:
                break
        if bad:
            continue
        for day in days:
            if day.date in seen:
                error(
                    number,
                    raw,
                    gettext("%(date)s 已在第 %(n)s 行写过。") % {"date": day.date.isoformat(), "n": seen[day.date]},
                )
                bad = True
                break
        if bad:
            continue
        for day in days:
            seen[day.date] = number
        result.days.extend(days)
    if not result.errors and not result.days:
        result.errors.append(gettext("请填写节假日安排，每行一项。"))
    result.days.sort(key=lambda d: d.date)
    return result
