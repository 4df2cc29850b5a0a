"""Issue 17 in Chromium: a header sorts the list and the export keeps its order; a filter is
remembered after leaving the list and 清除筛选 clears it; 我的待办 shows a lead referred to the
user's unit until it is fed back; the top bar's search finds a lead by number and an institution
by credit code, and a user outside the scope finds neither."""

from __future__ import annotations

import io

import openpyxl
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CREDIT_CODE = "91350582MA2XY01234"


def _leads(personas, org, n=3):
    from leads import services

    made = []
    for _ in range(n):
        data = {"source": "public", "channel": "phone", "summary": "以养老项目名义集资"}
        lead, _code = services.lead_create(user=personas.street, data=data)
        made.append(services.lead_refer(lead=lead, user=personas.street, unit=org.community_a))
    return made


def test_header_sort_and_export_keep_one_order(page, login, personas, org):
    from leads.models import Lead

    leads = _leads(personas, org)
    for lead, day in zip(leads, ["2030-03-01", "2030-01-01", "2030-02-01"], strict=True):
        Lead.objects.filter(pk=lead.pk).update(deadline=day)
    login("street")
    page.goto(page.base_url + "/leads/")
    with page.expect_navigation():
        page.get_by_test_id("sort-deadline").click()
    assert page.get_by_test_id("sort-deadline").locator("xpath=..").get_attribute("aria-sort") == "ascending"
    with page.expect_navigation():
        page.get_by_test_id("sort-deadline").click()  # the second click descends
    rows = page.get_by_test_id("lead-row").locator("td:first-child").all_inner_texts()
    assert rows == [leads[0].number, leads[2].number, leads[1].number]
    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    with open(info.value.path(), "rb") as fh:
        book = openpyxl.load_workbook(io.BytesIO(fh.read()))
    wanted = {lead.number for lead in leads}
    exported = [cell for row in book.active.iter_rows(values_only=True) for cell in row if cell in wanted]
    assert exported == rows


def test_filter_remembered_and_cleared(page, login, personas, org):
    _leads(personas, org, 1)
    login("street")
    page.goto(page.base_url + "/leads/")
    page.select_option("[data-testid=filter-form] select[name=status]", "referred")
    with page.expect_navigation():
        page.locator("[data-testid=filter-form] button[type=submit]").click()
    page.goto(page.base_url + "/cases/")
    page.goto(page.base_url + "/leads/")
    assert "status=referred" in page.url
    assert page.locator("[data-testid=filter-form] select[name=status]").input_value() == "referred"
    with page.expect_navigation():
        page.get_by_test_id("clear-filters").click()
    assert page.url.endswith("/leads/")
    assert page.locator("[data-testid=filter-form] select[name=status]").input_value() == ""
    page.goto(page.base_url + "/cases/")
    page.goto(page.base_url + "/leads/")
    assert page.url.endswith("/leads/")


def test_todo_shows_referred_lead_until_fed_back(page, login, personas, org):
    from leads import services

    (lead,) = _leads(personas, org, 1)
    login("community_a")
    todo = page.get_by_test_id("todo")
    assert lead.number in todo.inner_text()
    page.wait_for_function("() => !document.querySelector('[data-testid=todo-count]').hidden")
    assert int(page.get_by_test_id("todo-count").inner_text()) >= 1
    lead = services.lead_acknowledge(lead=lead, user=personas.community_a)
    services.lead_feedback(lead=lead, user=personas.community_a, findings="经核查，情况属实。")
    page.reload()
    assert lead.number not in page.get_by_test_id("todo").inner_text()


def test_search_by_number_and_credit_code_within_scope(page, login, personas, org):
    from tests.rectification.factories import InstitutionFactory

    (lead,) = _leads(personas, org, 1)
    institution = InstitutionFactory(credit_code=CREDIT_CODE, community=org.community_a)
    login("community_a")
    page.fill("#top-search-q", lead.number)
    with page.expect_navigation():
        page.press("#top-search-q", "Enter")
    assert page.get_by_test_id("result-lead").inner_text() == lead.number
    page.fill("#top-search-q", CREDIT_CODE)
    with page.expect_navigation():
        page.press("#top-search-q", "Enter")
    assert page.get_by_test_id("result-institution").inner_text() == institution.name
    page.context.clear_cookies()
    login("community_b")
    for text in (lead.number, CREDIT_CODE):
        page.fill("#top-search-q", text)
        with page.expect_navigation():
            page.press("#top-search-q", "Enter")
        assert page.get_by_test_id("result-lead").count() == 0
        assert page.get_by_test_id("result-institution").count() == 0
