"""Deadlines in a year the working-day calendar does not know (issue 15, deliverable 3).

Acceptance: a lead referred on 2026-12-29 shows its deadline as 估算 and the street office's
banner names 2027; after the 2027 arrangement is entered on the calendar page, the deadline moves
off the holidays and the banner goes. The library is patched not to know 2027 (it may ship it one
day); the referral, the page and the entry are the real service and views."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core import workdays
from leads import services
from leads.models import SourceDeadline

NEW_YEAR_2027 = "2027-01-01～2027-01-03 元旦\n\n2027-02-06至2027-02-12 春节\n2027-01-31 班\n2027-02-20 班\n"


@pytest.fixture(autouse=True)
def unknown_2027(monkeypatch):
    known = frozenset(y for y in workdays.library_years() if y < 2027)
    monkeypatch.setattr(workdays, "library_years", lambda: known)
    workdays.forget_coverage()
    yield
    workdays.forget_coverage()


@pytest.fixture
def freeze(monkeypatch):
    from django.utils import timezone

    def set_clock(text: str) -> None:
        at = timezone.make_aware(datetime.datetime.fromisoformat(text))
        monkeypatch.setattr(timezone, "now", lambda: at)

    return set_clock


@pytest.fixture
def referred_on_12_29(lead_in, org, freeze):
    """A public tip referred on 2026-12-29 with a 3-working-day deadline (the admin's setting)."""
    freeze("2026-12-29 09:30")
    SourceDeadline.objects.create(source="public", workdays=3)
    return lead_in("referred", unit=org.community_a)


def _deadline_cell(html: str) -> str:
    start = html.index('data-testid="lead-deadline"')
    return html[start : html.index("</dd>", start)]


def test_acceptance_the_estimated_deadline_moves_when_2027_is_entered(referred_on_12_29, personas, client_for):
    lead = referred_on_12_29
    assert lead.deadline == datetime.date(2027, 1, 1)  # Wed 30, Thu 31, Fri 1 January: weekdays only
    street = client_for(personas.street)

    detail = street.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "2027-01-01" in _deadline_cell(detail) and "估算" in _deadline_cell(detail)
    assert 'data-testid="calendar-banner"' in detail and "尚未录入 2027 年的节假日安排" in detail
    listing = street.get(reverse("leads:index")).content.decode()
    assert 'data-testid="deadline-estimated"' in listing

    page = street.get(reverse("core:calendar")).content.decode()
    enter = reverse("core:calendar_enter") + "?year=2027"
    assert enter.replace("&", "&amp;") in page
    assert street.get(enter).status_code == 200
    response = street.post(
        reverse("core:calendar_enter"),
        {"year": "2027", "text": NEW_YEAR_2027, "reason": "国务院办公厅关于2027年部分节假日安排的通知"},
        follow=True,
    )
    assert response.status_code == 200
    assert "重新计算期限 1 条" in response.content.decode()

    lead.refresh_from_db()
    assert lead.deadline == datetime.date(2027, 1, 4)  # 30, 31 December, then Monday 4 January
    detail = street.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "2027-01-04" in detail and 'data-testid="deadline-estimated"' not in detail
    assert 'data-testid="calendar-banner"' not in detail
    # the move is on the lead's own timeline, with who and why
    assert "节假日安排录入后重新计算反馈期限" in detail


def test_fixed_deadlines_are_not_estimated_nor_moved(lead_in, personas, org, freeze, client_for):
    from core.services import calendar_enter

    freeze("2026-12-29 09:30")
    typed = services.lead_refer(
        lead=lead_in("registered"), user=personas.street, unit=org.community_a, deadline=datetime.date(2027, 1, 1)
    )
    higher = lead_in(
        "registered", source="higher", higher_reference="区防诈办〔2026〕9号", higher_deadline=datetime.date(2027, 1, 5)
    )
    higher = services.lead_refer(lead=higher, user=personas.street, unit=org.community_a)
    assert higher.deadline == datetime.date(2027, 1, 5) and higher.deadline_workdays is None  # earlier than 15 days
    detail = client_for(personas.street).get(reverse("leads:detail", args=[typed.pk])).content.decode()
    assert "2027-01-01" in _deadline_cell(detail) and "估算" not in _deadline_cell(detail)

    result = calendar_enter(user=personas.street, year=2027, text=NEW_YEAR_2027, reason="国办通知")
    assert result.moved == {"leads": 0}
    typed.refresh_from_db()
    higher.refresh_from_db()
    assert (typed.deadline, higher.deadline) == (datetime.date(2027, 1, 1), datetime.date(2027, 1, 5))


def test_a_lead_fed_back_keeps_its_deadline(referred_on_12_29, personas):
    from core.services import calendar_enter

    lead = services.lead_acknowledge(lead=referred_on_12_29, user=personas.community_a)
    services.lead_feedback(lead=lead, user=personas.community_a, findings="经核查，情况属实。")
    result = calendar_enter(user=personas.street, year=2027, text=NEW_YEAR_2027, reason="国办通知")
    assert result.moved == {"leads": 0}
    lead.refresh_from_db()
    assert lead.deadline == datetime.date(2027, 1, 1)


def test_the_digest_marks_an_estimated_deadline(referred_on_12_29, org, freeze):
    from core.models import OutboundEmail
    from organization.models import Unit

    Unit.objects.filter(pk=org.community_a.pk).update(email="xintang@example.invalid")
    freeze("2026-12-30 08:00")  # due soon: within 3 working days
    services.leads_send_digests()
    bodies = list(OutboundEmail.objects.values_list("body_text", "body_html"))
    assert bodies and all("2027-01-01（估算）" in text and "2027-01-01（估算）" in html for text, html in bodies)


def test_leads_referred_before_the_upgrade_are_recognised_as_counted(
    referred_on_12_29, lead_in, personas, org, monkeypatch
):
    """The data migration: a deadline equal to the source's default count is marked counted."""
    import importlib

    import chinese_calendar
    from django.apps import apps

    shipped = chinese_calendar.is_workday

    def as_1_11(day):  # the library as it is today, even after it learns 2027
        if day.year >= 2027:
            raise NotImplementedError
        return shipped(day)

    monkeypatch.setattr(chinese_calendar, "is_workday", as_1_11)

    from leads.models import Lead

    backfill = importlib.import_module("leads.migrations.0008_cal_deadline_workdays_backfill").backfill
    counted = referred_on_12_29
    typed = services.lead_refer(
        lead=lead_in("registered"), user=personas.street, unit=org.community_a, deadline=datetime.date(2027, 1, 8)
    )
    Lead.objects.update(deadline_workdays=None)  # as they were before the field existed
    backfill(apps, None)
    assert Lead.objects.get(pk=counted.pk).deadline_workdays == 3
    assert Lead.objects.get(pk=typed.pk).deadline_workdays is None


def test_the_export_says_which_deadline_is_estimated(referred_on_12_29, personas, client_for):
    import io

    from openpyxl import load_workbook

    response = client_for(personas.street).get(reverse("leads:index") + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0] if rows[0][0] == "编号" else rows[1])
    values = [list(r) for r in rows if r and r[0] == referred_on_12_29.number][0]
    assert values[header.index("期限为估算")] == "是"
