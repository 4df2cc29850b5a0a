"""The street office enters next year's holiday arrangement in Chromium (issue 15, deliverable 3):
the banner names 2027 and the lead's deadline shows 估算; the page previews what it will store;
after saving, the banner is gone and the deadline is off New Year's Day."""

import datetime

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def late_december(monkeypatch):
    from django.core.cache import cache
    from django.utils import timezone

    from core import workdays

    known = frozenset(y for y in workdays.library_years() if y < 2027)
    monkeypatch.setattr(workdays, "library_years", lambda: known)
    at = timezone.make_aware(datetime.datetime(2026, 12, 29, 9, 30))
    monkeypatch.setattr(timezone, "now", lambda: at)
    cache.clear()
    yield
    cache.clear()


def test_the_street_office_enters_2027_and_the_deadline_moves(page, login, personas, org, late_december):
    from leads import services
    from leads.models import SourceDeadline

    SourceDeadline.objects.create(source="public", workdays=3)
    lead, _code = services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "养老集资线索"}
    )
    lead = services.lead_refer(lead=lead, user=personas.street, unit=org.community_a)
    assert lead.deadline == datetime.date(2027, 1, 1)

    login("street")
    page.goto(f"{page.base_url}/leads/{lead.pk}/")
    assert "2027" in page.get_by_test_id("calendar-banner").inner_text()
    assert page.get_by_test_id("lead-deadline").get_by_test_id("deadline-estimated").is_visible()

    page.get_by_test_id("calendar-banner-link").click()
    page.get_by_test_id("calendar-enter-2027").click()
    typed = "2027-01-01～2027-01-03 元旦\n\n2027-02-06至2027-02-12 春节\n2027-02-20 班"
    page.get_by_test_id("calendar-text").fill(typed)
    page.fill("input[name=reason]", "国务院办公厅通知")
    with page.expect_navigation():
        page.get_by_test_id("calendar-preview-button").click()
    preview = page.get_by_test_id("calendar-preview").inner_text()
    assert "2027-01-01" in preview and "2027-02-20" in preview
    with page.expect_navigation():
        page.get_by_test_id("action-submit").click()
    assert page.get_by_test_id("calendar-year-2027").is_visible()
    assert page.get_by_test_id("calendar-banner").count() == 0

    page.goto(f"{page.base_url}/leads/{lead.pk}/")
    assert "2027-01-04" in page.get_by_test_id("lead-deadline").inner_text()
    assert page.get_by_test_id("deadline-estimated").count() == 0
    assert page.js_errors == []
