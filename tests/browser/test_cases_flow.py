"""A lead referred to the crackdown group becomes a case, gets a frozen, a recovered and a
returned entry, is taken through every criminal step to 结案, and the lead and the case link to
each other."""

import re

import pytest

from tests.browser.confirm import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def lead_referred_to_crackdown(personas, org):
    """Through the leads app's own services: referred to the crackdown group, verified, fed back
    and closed by the street office as 属实，移送打击组."""
    from decimal import Decimal

    from leads.choices import Outcome
    from leads.services import lead_acknowledge, lead_close, lead_feedback, lead_refer
    from organization.choices import UnitCode
    from tests.leads.factories import LeadFactory

    lead = LeadFactory(summary="某养生馆以销售保健品为名骗取老人钱款", money_lost=Decimal("80000"), elderly_affected=12)
    lead = lead_refer(lead=lead, user=personas.street, unit=org.units[UnitCode.GROUP_CRACKDOWN], reason="移送打击组")
    lead = lead_acknowledge(lead=lead, user=personas.crackdown)
    lead = lead_feedback(lead=lead, user=personas.crackdown, findings="核查属实，涉嫌诈骗")
    return lead_close(lead=lead, user=personas.street, outcome=Outcome.CRACKDOWN, reason="属实，移送打击组")


STEP_VERBS = {
    "investigating": "investigate",
    "solved": "solve",
    "prosecution": "prosecute",
    "trial": "bring_to_trial",
    "closed": "close",
}


def advance(page, step_value):
    """The page offers one form per step the case may move to now, each with its own button."""
    form = page.locator(f'form[data-action="cases.{STEP_VERBS[step_value]}"]')
    form.locator("[name=advance-reason]").fill(f"进入{step_value}")
    with page.expect_navigation():
        submit(page, form.get_by_test_id("advance-submit"))


def add_entry(page, kind, amount, note):
    page.select_option("#id_ledger-kind", kind)
    page.fill("#id_ledger-amount", amount)
    page.fill("#id_ledger-note", note)
    with page.expect_navigation():
        page.get_by_test_id("ledger-submit").click()


def test_lead_to_case_to_ledger_to_closed(page, login, personas, org):
    from cases.models import Case
    from organization.choices import UnitCode

    lead = lead_referred_to_crackdown(personas, org)
    login("crackdown")

    # open the case from the lead
    page.goto(f"{page.base_url}/cases/new/?leads={lead.pk}")
    assert page.input_value("#id_title") == lead.summary
    page.select_option("#id_kind", "criminal")
    page.select_option("#id_handling_unit", str(org.units[UnitCode.POLICE].pk))
    page.fill("#id_suspects", "3")
    page.fill("#id_detained", "2")
    page.fill("#id_victims", "12")
    page.fill("#id_elderly_victims", "12")
    page.fill("#id_amount_involved", "80000")
    with page.expect_navigation():
        page.get_by_test_id("case-save").click()
    case = Case.objects.get()
    assert page.url.endswith(case.get_absolute_url())
    assert page.get_by_test_id("case-step").inner_text() == "立案"
    assert page.get_by_test_id("case-lead").inner_text() == lead.number

    # a frozen, a recovered and a returned entry (never more returned than recovered)
    add_entry(page, "frozen", "50000", "冻结涉案账户")
    add_entry(page, "recovered", "30000", "追缴赃款")
    add_entry(page, "returned", "20000", "退赔受害老人")
    assert page.get_by_test_id("total-frozen").inner_text() == "50,000.00 元"
    assert page.get_by_test_id("total-returned").inner_text() == "20,000.00 元"
    assert page.get_by_test_id("recovery-rate").inner_text() == "25.0%"

    # an illegal move is not offered; every legal one is, in order, to 结案
    offered = page.get_by_test_id("advance-submit").all_inner_texts()
    assert offered == ["转入侦查"]
    for step in ("investigating", "solved", "prosecution", "trial", "closed"):
        advance(page, step)
    assert page.get_by_test_id("case-step").inner_text() == "结案"
    assert page.get_by_test_id("advance-form").count() == 0
    assert page.get_by_test_id("step-table").locator("tbody tr").count() == 6
    assert "进入closed" in page.get_by_test_id("audit-timeline").inner_text()
    case.refresh_from_db()
    assert case.step == "closed" and case.closed_on is not None

    # the case page links to the lead, and the lead page to the case
    with page.expect_navigation():
        page.get_by_test_id("case-lead").click()
    assert re.search(rf"/leads/{lead.pk}/$", page.url)
    case_links = page.get_by_test_id("lead-cases").locator(f"a[href='{case.get_absolute_url()}']")
    assert case_links.count() == 1
    with page.expect_navigation():
        case_links.first.click()
    assert page.get_by_test_id("case-title").is_visible()
    assert page.js_errors == []
