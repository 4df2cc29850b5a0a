"""Staff intake in the browser: earlier leads naming the same phone number are suggested while
typing (static/js/leads.js), and a tip taken by phone gets a receipt code."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intake_suggests_related_leads_and_issues_a_code(page, login, personas):
    from leads import services
    from leads.models import Lead

    earlier, _ = services.lead_create(
        user=personas.street,
        data={"source": "public", "channel": "phone", "summary": "早先的举报", "subject_phone": "13800001111"},
    )
    login("street")
    page.goto(page.base_url + "/leads/new/")
    page.select_option("select[name=source]", "public")
    page.select_option("select[name=channel]", "phone")
    page.fill("input[name=summary]", "电话举报：上门推销保健品")
    page.fill("input[name=subject_phone]", "138-0000-1111")
    page.locator("input[name=subject_phone]").dispatch_event("change")
    suggestions = page.get_by_test_id("related-suggestions")
    suggestions.get_by_role("link", name=earlier.number).wait_for()
    page.check("input[name=issue_receipt]")
    with page.expect_navigation():
        page.get_by_test_id("lead-save").click()
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)
    assert services.receipt_lookup(code) == Lead.objects.get(summary="电话举报：上门推销保健品")
    assert page.js_errors == []
