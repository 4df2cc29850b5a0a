"""axe-core (npm registry, ``node_modules/axe-core``) in Chromium on every page of the demo: the public
tip form and the receipt-code pages, login, the dashboard, every list, every detail page and every
action form (tests/browser/demo_pages.py builds the list from the URL conf and the rules). Any
critical or serious violation fails the run. Also: ids are unique on each page (what the Nu HTML
checker reported), and after a failed submit the focus is on the first field in error."""

from __future__ import annotations

import pytest

from tests.browser.demo_pages import PERSONAS, axe_violations, demo_pages, seed_small_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DUPLICATE_IDS = """() => {
  const seen = {}, dup = [];
  document.querySelectorAll('[id]').forEach(el => { if (seen[el.id]) dup.push(el.id); seen[el.id] = 1; });
  return dup;
}"""


def sign_in(page, username: str) -> None:
    from organization.demo import DEMO_PASSWORD

    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("login-submit").click()


def check(page, url: str, problems: list[str]) -> None:
    if not page.url.endswith(url):
        page.goto(page.base_url + url)
    for line in axe_violations(page):
        problems.append(f"{url}: {line}")
    for dup in page.evaluate(DUPLICATE_IDS):
        problems.append(f"{url}: duplicate id {dup!r}")


def summarise(problems: list[str]) -> str:
    """One line per distinct violation, with the pages it was found on."""
    by_issue: dict[str, list[str]] = {}
    for line in problems:
        url, issue = line.split(": ", 1)
        by_issue.setdefault(issue, []).append(url)
    return "\n".join(f"{issue}\n    on {len(urls)} page(s): {' '.join(urls[:8])}" for issue, urls in by_issue.items())


def test_no_serious_accessibility_violation_on_any_page_of_the_demo(page, client, settings):
    settings.LEADS_TIP_MIN_SECONDS = 0
    settings.RATELIMIT_ENABLE = False
    seed_small_demo()
    pages = demo_pages(client)
    kinds = {p.kind for p in pages}
    assert {"page", "detail", "action"} <= kinds and len(pages) > 60, pages
    problems: list[str] = []

    # public: the tip form, its receipt, the receipt-code query and the status page; login
    page.goto(page.base_url + "/tip/")
    check(page, "/tip/", problems)
    page.fill("[name=description]", "Someone sold health products to my mother at a seminar.")
    page.select_option("[name=fraud_type]", index=1)
    with page.expect_navigation():
        page.get_by_test_id("tip-submit").click()
    check(page, "/tip/done/", problems)
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    page.goto(page.base_url + "/tip/query/")
    check(page, "/tip/query/", problems)
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.get_by_test_id("receipt-submit").click()
    check(page, "/tip/status/", problems)
    page.context.clear_cookies()
    check(page, "/accounts/login/", problems)

    for username in PERSONAS:
        mine = [p for p in pages if p.username == username]
        if not mine:
            continue
        sign_in(page, username)
        for p in mine:
            check(page, p.url, problems)
    assert not problems, summarise(problems)
    assert page.js_errors == []


FOCUS = """() => {
  const el = document.activeElement, first = document.querySelector(
    'main form [aria-invalid=true]:not([type=hidden]), main form .is-invalid:not([type=hidden])');
  return {name: el && el.getAttribute('name'), first: first && first.getAttribute('name'), tag: el && el.tagName};
}"""


def test_after_a_refused_submit_the_focus_is_on_the_first_field_in_error(page, login, personas, settings):
    settings.LEADS_TIP_MIN_SECONDS = 0
    settings.RATELIMIT_ENABLE = False
    # the public tip form, sent empty (it validates on the server only)
    page.goto(page.base_url + "/tip/")
    with page.expect_navigation():
        page.get_by_test_id("tip-submit").click()
    focus = page.evaluate(FOCUS)
    assert focus["first"] and focus["name"] == focus["first"], focus

    # a staff form (crispy), with the browser's own checks taken off so the server refuses it
    login("street")
    page.goto(page.base_url + "/cases/new/")
    page.evaluate("() => document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    focus = page.evaluate(FOCUS)
    assert focus["first"] and focus["name"] == focus["first"], focus
    assert page.js_errors == []
