"""The rectification flow in a real browser: register → grade red → on the control list with an
inspection due → inspection with a problem and a measure → close the problem after its check."""

import datetime

import pytest
from django.utils import timezone

from tests.browser.confirm import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_grade_inspect_and_close(page, login, personas):
    from rectification.choices import ProblemStatus, RiskGrade
    from rectification.models import Institution, Problem

    login("rectification")
    page.goto(page.base_url + "/rectification/")
    page.get_by_test_id("institution-new").click()
    page.fill("input[name=name]", "福寿康保健品体验店")
    page.fill("input[name=credit_code]", "91350100M000100Y43")
    page.select_option("select[name=type]", "health_shop")
    page.select_option("select[name=sector]", "food_health")
    # the plan's sector table fills in the supervising unit
    assert page.locator("select[name=supervising_unit] option:checked").inner_text() == "市场监督管理所"
    page.select_option("select[name=community]", label="新塘社区")
    page.fill("input[name=legal_representative]", "陈某")
    with page.expect_navigation():
        page.get_by_test_id("institution-save").click()
    assert page.get_by_test_id("institution-name").inner_text().startswith("福寿康保健品体验店")
    assert page.get_by_test_id("supervising-unit").inner_text() == "市场监督管理所"

    # grade it red
    page.get_by_test_id("grade-change").click()
    page.select_option("select[name=grade]", str(RiskGrade.RED))
    page.fill("textarea[name=reason]", "多名老人反映被诱导高价购买保健品")
    with page.expect_navigation():
        page.get_by_test_id("grade-save").click()
    assert page.get_by_test_id("on-control-list").is_visible()
    assert "多名老人反映被诱导高价购买保健品" in page.get_by_test_id("grade-history").inner_text()
    inst = Institution.objects.get(name="福寿康保健品体验店")
    assert inst.risk_grade == RiskGrade.RED and inst.next_inspection_due is not None

    # it appears on the control list with an inspection due
    page.get_by_test_id("nav-control").click()
    row = page.get_by_test_id("institution-row").filter(has_text="福寿康保健品体验店")
    assert row.count() == 1
    assert row.get_by_test_id("next-due").inner_text().strip().startswith(inst.next_inspection_due.isoformat())

    # record an inspection with a problem and a measure with a deadline
    row.get_by_role("link", name="福寿康保健品体验店").click()
    page.get_by_test_id("inspection-new").click()
    page.fill("input[name=inspectors]", "张市监、许社区")
    page.fill("textarea[name=findings]", "店内张贴“包治百病”宣传单，现场有老人听课。")
    page.check("input[name=raise_problem]")
    page.fill("textarea[name=problem_description]", "夸大保健品功效，虚假宣传")
    page.select_option("select[name=problem_category]", "false_advert")
    page.fill("input[name=problem_owner_person]", "陈某")
    page.select_option("select[name=measure_kind]", "order_rectify")
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    page.fill("input[name=measure_deadline]", deadline.isoformat())
    with page.expect_navigation():
        page.get_by_test_id("inspection-save").click()
    problems = page.get_by_test_id("institution-problems")
    assert "夸大保健品功效" in problems.inner_text() and deadline.isoformat() in problems.inner_text()
    assert "店内张贴" in page.get_by_test_id("institution-inspections").inner_text()

    # work the problem through to its check and close it
    problems.get_by_role("link").first.click()
    assert page.get_by_test_id("problem-status").inner_text() == "待整改"
    with page.expect_navigation():
        page.get_by_test_id("do-start").click()
    page.get_by_test_id("measure-result").fill("已下达责令整改通知书，宣传单已撤除")
    with page.expect_navigation():
        submit(page, page.get_by_test_id("measure-done"))
    page.get_by_test_id("reason-report").fill("整改完毕，申请核查")
    with page.expect_navigation():
        page.get_by_test_id("do-report").click()
    assert page.get_by_test_id("problem-status").inner_text() == "已整改待核查"
    page.get_by_test_id("reason-verify").fill("现场复查，无违规宣传")
    with page.expect_navigation():
        submit(page, page.get_by_test_id("do-verify"))
    assert page.get_by_test_id("problem-status").inner_text() == "核查销号"
    assert "现场复查，无违规宣传" in page.get_by_test_id("audit-timeline").inner_text()
    assert Problem.objects.get().status == ProblemStatus.CLOSED
    assert page.js_errors == []
