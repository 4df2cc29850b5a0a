"""Issue 16 item 5 in the browser: the intake form shows the higher office's fields only for
上级转办 and the case kind only for 部门梳理 (static/js/leads.js); a hidden field is not posted."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_intake_form_asks_what_the_source_needs(page, login, personas):
    from leads.models import Lead

    login("street")
    page.goto(page.base_url + "/leads/new/")
    reference, case_kind, channel = (
        page.locator(f"#div_id_{n}") for n in ("higher_reference", "original_case_kind", "channel")
    )
    page.select_option("select[name=source]", "higher")
    assert reference.is_visible() and not case_kind.is_visible() and not channel.is_visible()
    page.fill("input[name=higher_reference]", "晋专办〔2026〕7号")
    page.select_option("select[name=source]", "review")
    assert not reference.is_visible() and case_kind.is_visible()
    page.select_option("select[name=source]", "community")
    assert not reference.is_visible() and not case_kind.is_visible() and channel.is_visible()
    page.fill("input[name=summary]", "社区摸排发现上门推销")
    hint = page.get_by_test_id("identity-hint")
    page.fill("textarea[name=description]", "老人电话 13912345678")
    assert hint.is_visible() and "身份证号" in hint.inner_text()
    page.fill("textarea[name=description]", "老人被骗五万元")
    assert not hint.is_visible()
    with page.expect_navigation():
        page.get_by_test_id("lead-save").click()
    lead = Lead.objects.get()
    assert lead.source == "community" and lead.higher_reference == ""  # typed, then hidden: not posted
    assert page.js_errors == []
