"""Acceptance (issue 15): the street office runs its organisation without the admin site. Its
head adds a community and a person in it with an e-mail address as its liaison, grants the
informant-reveal right to a colleague, who reveals an informant with a reason; the reveal appears
on the page of reveals, with the reason and without the identity."""

import pytest

from tests.browser.confirm import submit as confirmed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INFORMANT = "林秀英"
PHONE = "13912340987"


def switch_user(page, login, username):
    page.context.clear_cookies()
    return login(username)


def nav(page, testid: str):
    page.get_by_test_id("nav-org").click()
    with page.expect_navigation():
        page.get_by_test_id(testid).click()


def submit(page):
    with page.expect_navigation():
        page.get_by_test_id("action-submit").click()


@pytest.fixture
def office(personas, org):
    from django.contrib.auth.models import Permission

    from leads import services
    from organization.choices import Role, UnitCode
    from tests.factories import UserFactory

    street = org.units[UnitCode.STREET_OFFICE]
    head = UserFactory(username="zhuren", name="李主任", unit=street, role=Role.STREET_OFFICE)
    for app_label, codename in (("organization", "manage_grants"), ("leads", "view_informant")):
        head.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    colleague = UserFactory(username="zhuanban", name="陈专办", unit=street, role=Role.STREET_OFFICE)
    lead, _code = services.lead_create(
        user=personas.street,
        data={
            "source": "public",
            "channel": "phone",
            "summary": "实名举报上门推销",
            "informant_name": INFORMANT,
            "informant_phone": PHONE,
        },
    )
    return head, colleague, lead


def test_street_office_keeps_its_organisation_and_grants_the_reveal(page, login, office):
    from organization.models import Unit, User

    head, colleague, lead = office

    # 1. the head adds a community; no admin link anywhere
    login("zhuren")
    assert page.get_by_test_id("admin-link").count() == 0
    nav(page, "nav-units")
    with page.expect_navigation():
        page.get_by_test_id("unit-add").click()
    page.get_by_test_id("unit-name").fill("锦里社区")
    page.get_by_test_id("unit-kind").select_option("community")
    page.get_by_test_id("reason-input").fill("新设社区纳入专项行动")
    submit(page)
    assert "锦里社区" in page.get_by_test_id("unit-title").inner_text()
    unit = Unit.objects.get(name="锦里社区")

    # 2. a person of it with an e-mail address, made its liaison; the password is shown once
    with page.expect_navigation():
        page.get_by_test_id("person-add").click()
    page.get_by_test_id("person-username").fill("jinli")
    page.get_by_test_id("person-name").fill("蔡联络")
    assert page.get_by_test_id("person-unit").input_value() == str(unit.pk)
    page.get_by_test_id("person-role").select_option("community_staff")
    page.get_by_test_id("person-email").fill("jinli@example.invalid")
    page.get_by_test_id("make-liaison").check()
    page.get_by_test_id("reason-input").fill("社区新任联络员")
    submit(page)
    password = page.get_by_test_id("password-value").inner_text().strip()
    assert len(password) >= 12
    page.reload()
    assert page.get_by_test_id("password-gone").is_visible() and password not in page.content()
    unit.refresh_from_db()
    assert unit.liaison == User.objects.get(username="jinli")
    page.goto(page.base_url + unit.get_absolute_url())
    assert "jinli@example.invalid" in page.get_by_test_id("unit-liaison").inner_text()

    # 3. the head grants the reveal right to a colleague
    nav(page, "nav-grants")
    with page.expect_navigation():
        page.get_by_test_id("grant-zhuanban").click()
    page.get_by_test_id("reason-input").fill("负责实名举报回访")
    submit(page)
    assert page.get_by_test_id("grant-row-zhuanban").get_attribute("data-holds") == "1"

    # 4. the colleague reveals the informant, with a reason of a few words
    switch_user(page, login, "zhuanban")
    page.goto(page.base_url + lead.get_absolute_url())
    box = page.get_by_test_id("action-reveal")
    box.locator("summary").click()
    box.locator("textarea[name=reason]").fill("看看")
    with page.expect_navigation():
        confirmed(page, page.get_by_test_id("submit-reveal"))
    assert INFORMANT not in page.content()  # too short: the form again, nothing revealed
    assert page.locator("textarea[name=reason]").input_value() == "看看"
    page.locator("textarea[name=reason]").fill("回访举报人核实情况")
    with page.expect_navigation():
        confirmed(page, page.get_by_test_id("action-submit"))
    assert INFORMANT in page.get_by_test_id("informant").inner_text()

    # 5. the reveal is on the page of reveals: who, which lead, why; never the identity
    switch_user(page, login, "zhuren")
    nav(page, "nav-grants")
    with page.expect_navigation():
        page.get_by_test_id("reveal-log-link").click()
    row = page.get_by_test_id("reveal-row").first
    assert row.get_by_test_id("reveal-reason").inner_text() == "回访举报人核实情况"
    assert row.get_by_test_id("reveal-lead").inner_text() == lead.number
    assert "陈专办" in row.get_by_test_id("reveal-actor").inner_text()
    assert INFORMANT not in page.content() and PHONE not in page.content()
    assert page.js_errors == []
