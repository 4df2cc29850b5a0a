"""Safe actions in the browser (issues 16.1, 17.1): an irreversible action asks first, saying
what will happen, and cancel leaves the record as it was; a double click on a create sends it
once; F5 on the intake receipt page creates no second lead (static/js/forms.js, core/once.py)."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reissuing_a_receipt_code_asks_first_and_cancel_keeps_the_old_code(page, login, personas):
    from leads import services

    lead, old = services.lead_submit_tip(data={"summary": "上门推销保健品", "description": "x", "fraud_type": "other"})
    login("street")
    page.goto(page.base_url + f"/leads/{lead.pk}/")
    page.get_by_test_id("action-issue_receipt").locator("summary").click()
    page.get_by_test_id("submit-issue_receipt").click()
    dialog = page.get_by_test_id("confirm-dialog")
    dialog.wait_for()
    assert "原查询码立即作废" in dialog.inner_text()
    page.get_by_test_id("confirm-cancel").click()
    dialog.wait_for(state="detached")
    assert page.url.endswith(f"/leads/{lead.pk}/")
    assert services.receipt_lookup(old) == lead  # cancel changed nothing

    page.get_by_test_id("submit-issue_receipt").click()  # the button is live again after cancel
    with page.expect_navigation():
        page.get_by_test_id("confirm-ok").click()
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert services.receipt_lookup(code) == lead and services.receipt_lookup(old) is None
    assert page.js_errors == []


def test_a_double_click_on_a_create_creates_one_record(page, login, personas):
    from leads.models import Lead

    login("street")
    page.goto(page.base_url + "/leads/new/")
    page.select_option("select[name=source]", "public")
    page.select_option("select[name=channel]", "phone")
    page.fill("input[name=summary]", "双击登记的线索")
    with page.expect_navigation():
        page.get_by_test_id("lead-save").dblclick()
    page.wait_for_load_state("networkidle")
    assert Lead.objects.filter(summary="双击登记的线索").count() == 1
    assert page.js_errors == []


def test_f5_on_the_intake_receipt_page_creates_no_second_lead(page, login, personas):
    from leads import services
    from leads.models import Lead

    login("community_a")
    page.goto(page.base_url + "/leads/new/")
    page.select_option("select[name=source]", "public")
    page.select_option("select[name=channel]", "phone")
    page.fill("input[name=summary]", "电话举报：收到查询码")
    page.check("input[name=issue_receipt]")
    with page.expect_navigation():
        page.get_by_test_id("lead-save").click()
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)
    page.reload()  # F5: a GET of the receipt page, not the POST again
    assert page.get_by_test_id("shown-gone").is_visible() and page.get_by_test_id("receipt-code").count() == 0
    page.go_back()  # the form again; sent again with the same token, it goes to the first result
    assert Lead.objects.filter(summary="电话举报：收到查询码").count() == 1
    assert services.receipt_lookup(code) == Lead.objects.get(summary="电话举报：收到查询码")
    assert page.js_errors == []


def test_a_submit_the_browser_refuses_leaves_the_button_live(page, login, personas):
    """The browser's own validation stops the submit: nothing is sent, the button stays usable."""
    from leads.models import Lead

    login("street")
    page.goto(page.base_url + "/leads/new/")
    page.select_option("select[name=source]", "public")
    page.select_option("select[name=channel]", "phone")
    button = page.get_by_test_id("lead-save")
    button.click()  # 概要 is required and empty
    assert button.is_enabled()
    page.fill("input[name=summary]", "补填概要后登记")
    with page.expect_navigation():
        button.click()
    assert Lead.objects.filter(summary="补填概要后登记").count() == 1
    assert page.js_errors == []
