"""The working-day calendar's arrangement page (节假日安排), coverage, banner, /healthz/ and check.

Years the library does not know: 2027 with the library patched not to know it (``unknown_2027``),
so the tests stay true when chinesecalendar ships 2027, and a far year (the library's last + 5)
read unpatched."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from core import workdays
from core.holidays import parse_arrangement
from core.models import CalendarDay, CalendarYear

ARRANGEMENT_2027 = "2027-01-01~2027-01-03 元旦\n\n2027-02-07 班\n"


@pytest.fixture(autouse=True)
def _fresh_coverage():
    from django.utils import translation

    workdays.forget_coverage()
    with translation.override("zh-hans"):  # a page asked in English leaves its language behind
        yield
    workdays.forget_coverage()


@pytest.fixture
def unknown_2027(monkeypatch):
    """The library as if it did not know 2027 (nor later)."""
    known = frozenset(y for y in workdays.library_years() if y < 2027)
    monkeypatch.setattr(workdays, "library_years", lambda: known)
    return 2027


@pytest.fixture
def freeze(monkeypatch):
    from django.utils import timezone

    def set_clock(text: str) -> datetime.datetime:
        at = timezone.make_aware(datetime.datetime.fromisoformat(text))
        monkeypatch.setattr(timezone, "now", lambda: at)
        return at

    return set_clock


def far_year() -> int:
    return max(workdays.library_years()) + 5


# --- reading what was typed --------------------------------------------------------------------


def test_the_parser_reads_ranges_make_up_days_and_full_width_text():
    text = (
        "2027-01-01～2027-01-03 元旦\n"
        "   \n"
        "２０２７年２月６日至2027年2月12日　春节\n"
        "# 注释行\n"
        "2027/4/5 清明节\n"
        "2027-01-31、2027-02-20 班\n"
        "2027-10-01~10-07 国庆节\n"
    )
    parsed = parse_arrangement(text, 2027)
    assert parsed.errors == []
    holidays = {d.date: d.note for d in parsed.holidays}
    assert holidays[datetime.date(2027, 1, 2)] == "元旦"
    assert holidays[datetime.date(2027, 2, 12)] == "春节"
    assert holidays[datetime.date(2027, 4, 5)] == "清明节"
    assert datetime.date(2027, 10, 7) in holidays
    assert len(parsed.holidays) == 3 + 7 + 1 + 7
    assert [d.date for d in parsed.workdays] == [datetime.date(2027, 1, 31), datetime.date(2027, 2, 20)]
    rows = parsed.summary()
    assert (rows[0]["first"], rows[0]["last"], rows[0]["count"]) == (
        datetime.date(2027, 1, 1),
        datetime.date(2027, 1, 3),
        3,
    )


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("元旦放假三天", "未识别出日期"),
        ("2027-02-30 元旦", "日期不存在"),
        ("2028-02-01 元旦", "不在 2027 年"),
        ("2027-01-03~2027-01-01 元旦", "结束日期早于开始日期"),
        ("2027-01-01~2027-02-01 寒假", "不能超过 15 天"),
        ("2027-02-10 班", "不是周六或周日"),
    ],
)
def test_a_bad_line_is_named_with_the_reason(line, says):
    parsed = parse_arrangement(f"2027-04-05 清明节\n{line}\n", 2027)
    assert len(parsed.errors) == 1
    assert parsed.errors[0].startswith("第 2 行") and says in parsed.errors[0], parsed.errors


def test_a_date_written_twice_and_an_empty_text_are_refused():
    twice = parse_arrangement("2027-01-01~2027-01-03 元旦\n2027-01-03 元旦\n", 2027)
    assert twice.errors == ["第 2 行“2027-01-03 元旦”：2027-01-03 已在第 1 行写过。"]
    assert parse_arrangement("\n \n", 2027).errors == ["请填写节假日安排，每行一项。"]


# --- coverage ----------------------------------------------------------------------------------


def test_a_year_the_library_does_not_know_is_not_covered_and_counts_weekdays(db):
    year = far_year()  # unpatched: later than anything the library ships
    cal = workdays.WorkCalendar()
    new_year = datetime.date(year, 1, 1)
    assert not workdays.coverage(fresh=True).covers(year)
    assert cal.is_workday(new_year) == (new_year.weekday() < 5)
    assert workdays.coverage(fresh=True).covers(max(workdays.library_years()))


def test_the_patched_library_forgets_2027_even_if_it_knows_it(db, unknown_2027):
    # 2027-01-01 is a Friday: counted as a working day while nobody knows the year
    assert workdays.WorkCalendar().add_workdays(datetime.date(2026, 12, 29), 3) == datetime.date(2027, 1, 1)
    assert workdays.missing_years(datetime.date(2026, 12, 29)) == [2027]
    assert workdays.missing_years(datetime.date(2026, 10, 1)) == []  # 2026-11-30 is still 2026


def test_admin_rows_alone_do_not_cover_a_year(db, unknown_2027):
    CalendarDay.objects.create(date=datetime.date(2027, 1, 1), kind="holiday", note="元旦")
    assert not workdays.coverage(fresh=True).covers(2027)


# --- the page ----------------------------------------------------------------------------------


def _post(client, year, text, **extra):
    return client.post(reverse("core:calendar_enter"), {"year": year, "text": text, "reason": "国办通知", **extra})


def test_the_street_office_previews_then_enters_a_far_year_and_sees_its_days(personas, client_for):
    year = far_year()
    client = client_for(personas.street)
    page = client.get(reverse("core:calendar_enter") + f"?year={year}")
    assert page.status_code == 200 and f'value="{year}"' in page.content.decode()

    text = f"{year}-10-01~{year}-10-07 国庆节"
    preview = _post(client, year, text, preview="1")
    body = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="calendar-preview"' in body
    assert "国庆节" in body and "放假 7 天" in body
    assert not CalendarYear.objects.exists()  # a preview stores nothing

    response = _post(client, year, text)
    assert response.status_code == 302
    assert workdays.coverage().covers(year)
    listing = client.get(reverse("core:calendar")).content.decode()
    assert f'data-testid="calendar-year-{year}"' in listing and "国办通知" in listing
    assert f"{year}-10-03" in listing
    entry = CalendarYear.objects.get(year=year)
    assert entry.entered_by == personas.street


def test_a_bad_line_keeps_what_was_typed(personas, client_for):
    client = client_for(personas.street)
    typed = "2027-01-01~2027-01-03 元旦\n2027-02-10 班"
    response = _post(client, 2027, typed)
    body = response.content.decode()
    assert response.status_code == 200
    assert "第 2 行" in body and "不是周六或周日" in body
    assert "2027-01-01~2027-01-03 元旦" in body  # the textarea still holds it
    assert not CalendarDay.objects.exists()


def test_entering_a_year_again_replaces_it_and_is_audited(personas, client_for):
    from core.models import AuditEntry

    client = client_for(personas.street)
    _post(client, 2027, ARRANGEMENT_2027)
    assert set(CalendarDay.objects.values_list("date", flat=True)) == {
        datetime.date(2027, 1, 1),
        datetime.date(2027, 1, 2),
        datetime.date(2027, 1, 3),
        datetime.date(2027, 2, 7),
    }
    again = client.get(reverse("core:calendar_enter") + "?year=2027").content.decode()
    assert "2027-02-07 班" in again  # re-entering starts from what was entered
    client.post(
        reverse("core:calendar_enter"), {"year": 2027, "text": "2027-01-01 元旦", "reason": "更正：通知只放一天"}
    )
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [datetime.date(2027, 1, 1)]
    reasons = list(
        AuditEntry.objects.filter(object_repr="2027", actor=personas.street).values_list("reason", flat=True)
    )
    assert any("更正：通知只放一天" in r for r in reasons) and any("国办通知" in r for r in reasons)


def test_leaders_read_the_page_others_are_refused(personas, client_for, client):
    leader = client_for(personas.leader).get(reverse("core:calendar"))
    assert leader.status_code == 200
    assert reverse("core:calendar_enter") not in leader.content.decode()
    assert client_for(personas.leader).get(reverse("core:calendar_enter")).status_code == 403
    client.logout()
    assert client_for(personas.community_a).get(reverse("core:calendar")).status_code == 403
    assert _post(client_for(personas.community_a), 2027, ARRANGEMENT_2027).status_code == 403
    assert not CalendarYear.objects.exists()


# --- banner, healthz, check --------------------------------------------------------------------


def test_the_banner_names_the_missing_year_for_the_street_office_only(personas, client_for, freeze):
    year = far_year()
    freeze(f"{year - 1}-12-10 10:00")
    street = client_for(personas.street).get(reverse("leads:index")).content.decode()
    # the year before is unknown too: both are named
    assert 'data-testid="calendar-banner"' in street and f"尚未录入 {year - 1}、{year} 年的节假日安排" in street
    assert reverse("core:calendar") in street
    leader = client_for(personas.leader).get(reverse("leads:index")).content.decode()
    assert 'data-testid="calendar-banner"' not in leader

    _post(client_for(personas.street), year - 1, f"{year - 1}-10-01 国庆节")
    _post(client_for(personas.street), year, f"{year}-01-01 元旦")
    street = client_for(personas.street).get(reverse("leads:index")).content.decode()
    assert 'data-testid="calendar-banner"' not in street


def test_healthz_names_the_missing_year_and_stays_200(db, client, unknown_2027, freeze):
    freeze("2026-12-29 10:00")
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.content.decode().splitlines() == ["ok", "calendar: missing 2027"]
    freeze("2026-06-01 10:00")
    assert client.get(reverse("core:healthz")).content.decode() == "ok"


def test_the_system_check_warns_about_the_missing_year(db, unknown_2027, freeze, capsys):
    from django.core import checks

    freeze("2026-12-29 10:00")
    messages = checks.run_checks(tags=[checks.Tags.database], databases=["default"])
    warning = [m for m in messages if m.id == "core.W001"]
    assert warning and "2027" in warning[0].msg
    call_command("check", databases=["default"])  # a warning: the command does not fail
    assert "core.W001" in capsys.readouterr().err


def test_the_system_check_says_nothing_without_the_table(db, monkeypatch, unknown_2027, freeze):
    from django.db import DatabaseError

    from core import checks as calendar_checks

    def broken():
        raise DatabaseError("no such table: core_calendaryear")

    freeze("2026-12-29 10:00")
    monkeypatch.setattr(workdays, "entered_years", broken)
    assert calendar_checks.calendar_years() == []


def test_the_calendar_pages_and_banner_speak_english(personas, client_for, unknown_2027, freeze):
    import re

    freeze("2026-12-29 10:00")
    client = client_for(personas.street)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    enter = client.get(reverse("core:calendar_enter") + "?year=2027").content.decode()
    assert "Enter the holiday arrangement" in enter and "Preview" in enter
    assert "The holiday arrangement of 2027 has not been entered" in enter  # the banner
    bad = _post(client, 2027, "2027-02-10 班").content.decode()
    assert "Line 1" in bad and "is not a Saturday or Sunday" in bad
    _post(client, 2027, ARRANGEMENT_2027)
    page = client.get(reverse("core:calendar")).content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    # what is left in Chinese on the page is what the street office typed (names, 依据) only
    left = set(re.findall(r"[\u4e00-\u9fff]+", re.sub(r"<[^>]+>", " ", main)))
    assert left <= {"元旦", "国办通知", str(personas.street)[:4]}, left
