"""Acceptance (issue 19): the city transfers a lead to a street; the street refers it, the unit
feeds back, the street closes it; the city sees it closed with its outcome without anyone
exporting a sheet, and the city's monthly report counts it under that street."""

import datetime

import pytest

from tests.browser.confirm import submit
from tests.browser.test_leads_flow import act, switch_user
from tests.leads.test_city import city  # noqa: F401  (the city fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaign(personas, settings, tmp_path):
    from django.core.cache import cache

    from organization.models import Campaign

    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    Campaign.objects.update(is_active=False)
    today = datetime.date.today()
    return Campaign.objects.create(
        name="市级浏览器测试专项行动",
        start_date=today - datetime.timedelta(days=120),
        end_date=today + datetime.timedelta(days=60),
    )


def _cells(page, testid):
    return [c.strip() for c in page.get_by_test_id(testid).locator("td").all_inner_texts()]


def test_city_transfer_down_closure_up_and_the_city_report(page, login, campaign, city):  # noqa: F811
    from leads.models import Lead

    # 1. the city office transfers a lead to 新塘街道
    login("city")
    page.goto(page.base_url + "/leads/city/")
    with page.expect_navigation():
        page.get_by_test_id("transfer-new").click()
    form = page.get_by_test_id("transfer-form")
    form.locator("select[name=street]").select_option(str(city.xintang.pk))
    form.locator("input[name=higher_reference]").fill("晋专办〔2026〕88号")
    deadline = datetime.date.today() + datetime.timedelta(days=15)
    form.locator("input[name=higher_deadline]").fill(deadline.isoformat())
    form.locator("[name=summary]").fill("某养生馆以免费体验为名推销高价保健品")
    form.locator("select[name=fraud_type]").select_option("product")
    with page.expect_navigation():
        submit(page, page.get_by_test_id("transfer-save"))
    lead = Lead.objects.get(higher_reference="晋专办〔2026〕88号")
    assert lead.jurisdiction == city.xintang

    # 2. the street refers it to its community
    switch_user(page, login, "street")
    page.goto(page.base_url + f"/leads/{lead.pk}/")
    act(page, "refer", lambda box: box.locator("select[name=unit]").select_option(str(city.org.community_a.pk)))
    assert page.get_by_test_id("lead-status").inner_text() == "已分派"

    # 3. the community acknowledges and feeds back
    switch_user(page, login, "community")
    page.goto(page.base_url + f"/leads/{lead.pk}/")
    act(page, "acknowledge")
    act(page, "feedback", lambda box: box.locator("textarea[name=findings]").fill("经核查，该馆已停业整顿"))
    assert page.get_by_test_id("lead-status").inner_text() == "已反馈"

    # 4. the street closes it
    switch_user(page, login, "street")
    page.goto(page.base_url + f"/leads/{lead.pk}/")
    act(page, "close", lambda box: box.locator("select[name=outcome]").select_option("partly"))
    assert page.get_by_test_id("lead-status").inner_text() == "已办结"

    # 5. the city sees it closed, with its outcome and findings, reported up by itself
    switch_user(page, login, "city")
    page.goto(page.base_url + "/leads/city/")
    row = page.get_by_test_id("city-row").filter(has_text=lead.number)
    assert row.get_by_test_id("lead-status").inner_text() == "已办结"
    assert row.get_by_test_id("city-outcome").inner_text().strip()
    assert "经核查，该馆已停业整顿" in row.get_by_test_id("city-findings").inner_text()
    assert row.get_by_test_id("reported-up").inner_text().strip()

    # 6. the city's monthly report (the open period so far) counts it under 新塘街道
    page.goto(page.base_url + "/reports/monthly/preview/")
    names = [n.strip() for n in page.get_by_test_id("street-column").all_inner_texts()]
    assert set(names) == {"新塘街道", "东石镇"}
    column = names.index("新塘街道")
    other = names.index("东石镇")
    for key in ("received", "closed"):
        cells = _cells(page, f"streets-leads-{key}")  # the label, each street, the city's total
        assert cells[1 + column] == "1" and cells[1 + other] == "0" and cells[-1] == "1", (key, cells)
    assert not page.js_errors


def test_the_city_imports_its_transfer_list(page, login, campaign, city, tmp_path):  # noqa: F811
    """The city office uploads its Excel list from its list page; the job's page reports each row;
    the good rows are on the city's list, each in its street; the pages pass axe."""
    from leads import imports
    from leads.models import Lead
    from tests.browser.demo_pages import axe_violations
    from tests.factories import xlsx_upload

    header, example = imports.transfer_template_rows(["东石镇"])
    second = list(example)
    second[0], second[1] = "新塘街道", "晋市转〔2026〕12号-2"
    bad = list(example)
    bad[1], bad[2] = "晋市转〔2026〕12号-3", "2000-01-01"
    path = tmp_path / "转办清单.xlsx"
    path.write_bytes(xlsx_upload(header, [example, second, bad]).read())

    login("city")
    page.goto(page.base_url + "/leads/city/")
    with page.expect_navigation():
        page.get_by_test_id("transfer-import").click()
    assert axe_violations(page) == []
    page.set_input_files("input[name=file]", str(path))
    page.check("input[name=valid_only]")
    with page.expect_navigation():
        submit(page, page.get_by_test_id("transfer-import-submit"))
    page.get_by_test_id("job-result").wait_for()
    report = page.get_by_test_id("job-result").inner_text()
    assert "共 3 行，转办 2 行，有错误 1 行。" in report and "反馈期限 2000-01-01 已过" in report
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_test_id("transfer-import-list").click()
    streets = {lead.higher_reference: lead.jurisdiction.name for lead in Lead.objects.select_related("jurisdiction")}
    assert streets == {"晋市转〔2026〕12号-1": "东石镇", "晋市转〔2026〕12号-2": "新塘街道"}
    rows = page.get_by_test_id("city-row")
    assert rows.count() == 2
    assert "东石镇" in rows.filter(has_text="晋市转〔2026〕12号-1").inner_text()
    assert not page.js_errors
