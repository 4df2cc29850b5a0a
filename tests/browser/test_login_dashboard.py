import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_and_see_the_dashboard_in_chinese(page, login, personas):
    from organization.models import Campaign

    Campaign.objects.all().update(is_active=False)
    from tests.factories import PhaseFactory

    PhaseFactory()
    login("community_a")
    assert page.get_by_test_id("dashboard-title").inner_text() == "工作台"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_test_id("phase-timeline").is_visible()
    assert "今天" in page.get_by_test_id("today-marker").text_content()
    assert page.js_errors == []

    with page.expect_navigation():
        page.get_by_test_id("lang-en").click()
    assert page.get_by_test_id("dashboard-title").inner_text() == "Dashboard"


def test_wrong_password_is_refused_in_chinese(page, login, personas):
    login("community_a", "wrong-password")
    assert "请输入一个正确的" in page.content() or "正确的用户名和密码" in page.content()


def test_the_top_bar_keeps_each_entry_on_one_line_in_english(page, login, personas):
    """At 1280 px the English entries ("Holiday arrangement", "My to-do", "简体中文") used to wrap
    into narrow columns; the bar now takes a second row instead."""
    page.set_viewport_size({"width": 1280, "height": 800})
    login("street")
    with page.expect_navigation():
        page.get_by_test_id("lang-en").click()
    wrapped = page.evaluate(
        """() => [...document.querySelectorAll('nav.navbar .nav-link, nav.navbar form .btn')]
              .filter(e => e.offsetParent !== null)
              .filter(e => e.getBoundingClientRect().height > 1.8 * parseFloat(getComputedStyle(e).lineHeight))
              .map(e => e.innerText.trim())"""
    )
    assert wrapped == []
    assert page.get_by_test_id("lang-zh-hans").is_visible()
