import datetime

from core.choices import DayKind
from core.models import CalendarDay
from core.workdays import WorkCalendar


def test_national_day_holiday_is_skipped(db):
    # 2025: National Day and Mid-Autumn, 1-8 October off; Sunday 28 September and Saturday 11 October worked.
    cal = WorkCalendar()
    assert cal.add_workdays(datetime.date(2025, 9, 30), 1) == datetime.date(2025, 10, 9)
    assert cal.is_workday(datetime.date(2025, 9, 28))  # make-up workday (调休), a Sunday
    assert cal.is_workday(datetime.date(2025, 10, 11))


def test_weekend_is_skipped(db):
    assert WorkCalendar().add_workdays(datetime.date(2026, 11, 27), 1) == datetime.date(2026, 11, 30)


def test_admin_overrides_win_and_cover_unknown_years(db):
    CalendarDay.objects.create(date=datetime.date(2027, 1, 1), kind=DayKind.HOLIDAY, note="元旦")
    CalendarDay.objects.create(date=datetime.date(2027, 1, 2), kind=DayKind.WORKDAY, note="调休")
    cal = WorkCalendar()
    assert not cal.is_workday(datetime.date(2027, 1, 1))  # a Friday, made a holiday
    assert cal.is_workday(datetime.date(2027, 1, 2))  # a Saturday, made a workday
    assert cal.add_workdays(datetime.date(2026, 12, 31), 1) == datetime.date(2027, 1, 2)
    assert cal.workdays_between(datetime.date(2026, 12, 31), datetime.date(2027, 1, 4)) == 2
