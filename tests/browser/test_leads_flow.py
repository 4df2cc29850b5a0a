"""Acceptance: an anonymous tip with a file → receipt code → the street office refers it to a
community → the community feeds back → the street office closes it → the receipt-code page shows
"closed" and nothing internal."""

import re

import pytest

from tests.browser.confirm import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INTERNAL = ["核查记录：对方负责人陈某", "内部意见：移交市监所", "新塘社区", "测试用户"]


def switch_user(page, login, username):
    page.context.clear_cookies()
    return login(username)


def act(page, name: str, fill=None):
    box = page.get_by_test_id(f"action-{name}")
    box.locator("summary").click()
    if fill:
        fill(box)
    with page.expect_navigation():
        submit(page, page.get_by_test_id(f"submit-{name}"))


def test_public_tip_to_closure(page, login, personas, org, settings):
    from leads.models import Lead

    settings.LEADS_TIP_MIN_SECONDS = 0
    # 1. an anonymous tip with an attachment
    page.goto(page.base_url + "/accounts/login/")
    with page.expect_navigation():
        page.get_by_test_id("tip-link").click()
    assert page.url.endswith("/tip/")
    page.fill("textarea[name=description]", "有人自称养老服务中心，上门收了三万元“床位费”。")
    page.select_option("select[name=fraud_type]", "service")
    page.fill("input[name=subject_name]", "福寿康养老服务中心")
    page.set_input_files("input[name=files]", {"name": "receipt.png", "mimeType": "image/png", "buffer": PNG})
    with page.expect_navigation():
        page.get_by_test_id("tip-submit").click()
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)
    lead = Lead.objects.get()

    # 2. the street office refers it to community A
    switch_user(page, login, "street")
    page.goto(page.base_url + "/leads/")
    with page.expect_navigation():
        page.get_by_role("link", name=lead.number).click()
    assert page.get_by_test_id("attachments").inner_text().strip().startswith("receipt.png")
    act(
        page,
        "refer",
        lambda box: (
            box.locator("select[name=unit]").select_option(str(org.community_a.pk)),
            box.locator("textarea[name=reason]").fill("内部意见：移交市监所"),
        ),
    )
    assert page.get_by_test_id("lead-status").inner_text() == "已分派"

    # 3. community A acknowledges and feeds back
    switch_user(page, login, "community_a")
    page.goto(page.base_url + f"/leads/{lead.pk}/")
    act(page, "acknowledge")
    act(page, "feedback", lambda box: box.locator("textarea[name=findings]").fill("核查记录：对方负责人陈某"))
    assert page.get_by_test_id("lead-status").inner_text() == "已反馈"

    # 4. the street office closes it
    switch_user(page, login, "street")
    page.goto(page.base_url + f"/leads/{lead.pk}/")
    act(page, "close", lambda box: box.locator("select[name=outcome]").select_option("partly"))
    assert page.get_by_test_id("lead-status").inner_text() == "已办结"
    assert "部分属实" in page.get_by_test_id("outcome").inner_text()
    assert "分派" in page.get_by_test_id("audit-timeline").inner_text()

    # 5. the informant looks it up with the receipt code: closed, nothing internal
    page.context.clear_cookies()
    page.goto(page.base_url + "/tip/query/")
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.get_by_test_id("receipt-submit").click()
    assert page.get_by_test_id("public-status").inner_text() == "已办结"
    text = page.content()
    for secret in [*INTERNAL, lead.number, "部分属实"]:
        assert secret not in text
    assert page.js_errors == []
