"""Hostile text in every free-text field, shown back in a real browser: never run as script,
always shown as the text that was typed (list pages, detail pages, dashboard, charts' JSON)."""

from __future__ import annotations

import datetime
import json

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
]


def hostile(label: str, i: int = 0) -> str:
    return f"{label}{PAYLOADS[i % len(PAYLOADS)]}"


def _fill_text_fields(page, names_and_values: dict[str, str]) -> None:
    for name, value in names_and_values.items():
        page.fill(f"[name={name}]", value)


def _assert_inert(page, url: str, dialogs: list, must_show: list[str]) -> None:
    page.goto(page.base_url + url)
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__xss") == "undefined", url
    assert dialogs == [], url
    # No element the payloads would have created exists in the page.
    assert page.evaluate("document.querySelectorAll('img[onerror], svg[onload]').length") == 0, url
    # No script block carries a payload except as JSON data.
    assert not page.evaluate(
        "Array.from(document.scripts).some(s => s.type !== 'application/json' && s.textContent.includes('__xss'))"
    ), url
    text = page.inner_text("body")
    for expected in must_show:
        assert expected in text, f"{expected!r} not shown as text on {url}"
    # every JSON block parses, and hostile strings come back unchanged
    for raw in page.evaluate(
        "Array.from(document.querySelectorAll('script[type=\"application/json\"]')).map(s => s.textContent)"
    ):
        json.loads(raw)
    assert page.js_errors == [], url


def test_hostile_text_is_shown_as_text_everywhere(page, login, personas, org, settings, tmp_path):
    from cases.models import Case
    from leads import services as lead_services
    from leads.models import Lead
    from organization.models import Campaign, Phase, Unit
    from publicity.models import Activity
    from rectification.models import Institution, Problem
    from tests.cases.factories import CaseFactory
    from tests.publicity.factories import ActivityFactory, SurveyFactory
    from tests.rectification.factories import InstitutionFactory, MeasureFactory, ProblemFactory

    settings.MEDIA_ROOT = tmp_path
    settings.LEADS_TIP_MIN_SECONDS = 0
    settings.RATELIMIT_ENABLE = False
    dialogs: list = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # a public tip through the real form, every text field hostile
    tip = {
        "description": hostile("举报内容", 0),
        "subject_name": hostile("机构", 1),
        "subject_address": hostile("地址", 2),
        "subject_phone": "<b>138</b>",
        "occurred": hostile("时间", 0)[:100],
        "informant_name": hostile("举报人", 1)[:50],
        "informant_phone": "<i>1</i>",
    }
    page.goto(page.base_url + "/tip/")
    _fill_text_fields(page, tip)
    page.select_option("[name=fraud_type]", index=1)
    with page.expect_navigation():
        page.get_by_test_id("tip-submit").click()
    assert "/tip/done/" in page.url, page.inner_text("body")[:2000]
    tipped = Lead.objects.get(description=tip["description"])
    assert tipped.subject_name == tip["subject_name"]

    # staff intake through the service, every free-text field hostile
    intake = {
        "higher_reference": hostile("文号", 2)[:100],
        "summary": hostile("摘要", 0),
        "description": hostile("情况", 1),
        "subject_name": hostile("对象", 2),
        "subject_address": hostile("地址", 0),
        "subject_person": hostile("人员", 1)[:100],
        "occurred": hostile("时间", 2),
    }
    # a higher office's referral: its document number is free text too (issue 16.5: only this source has one)
    staff_lead, _ = lead_services.lead_create(user=personas.street, data={"source": "higher", **intake})
    staff_lead = lead_services.lead_refer(lead=staff_lead, user=personas.street, unit=org.community_a)
    staff_lead = lead_services.lead_acknowledge(lead=staff_lead, user=personas.community_a, reason=hostile("签收", 0))
    staff_lead = lead_services.lead_feedback(lead=staff_lead, user=personas.community_a, findings=hostile("核查", 1))

    case = CaseFactory(
        title=hostile("案件", 0),
        number=hostile("案号", 1)[:60],
        summary=hostile("案情", 2),
        case_plan=hostile("一案一策", 0),
    )
    community = Unit.objects.create(name=hostile("社区", 2), kind="community", code="hostile_community")
    institution = InstitutionFactory(
        name=hostile("机构", 0),
        address=hostile("地址", 1),
        legal_representative=hostile("法人", 2)[:50],
        note=hostile("备注", 0),
        community=community,
    )
    problem = ProblemFactory(
        institution=institution, description=hostile("问题", 1), owner_person=hostile("人", 2)[:50]
    )
    MeasureFactory(problem=problem, detail=hostile("措施", 0))
    activity = ActivityFactory(
        community=community,
        organiser=community,
        title=hostile("活动", 1),
        description=hostile("内容", 2),
        date=datetime.date.today(),
    )
    SurveyFactory(community=community, month=datetime.date.today().replace(day=1))
    campaign = Campaign.objects.shown()  # the current one, else the one shown (the plan's 2022 one)
    Phase.objects.filter(campaign=campaign).update(name=hostile("阶段", 0)[:100])
    Campaign.objects.filter(pk=campaign.pk).update(name=hostile("专项行动", 1)[:200])
    campaign.refresh_from_db()

    login("street")
    checks = [
        ("/", []),
        ("/leads/", [intake["summary"]]),
        (f"/leads/{tipped.pk}/", [tip["description"], tip["subject_name"]]),
        (f"/leads/{staff_lead.pk}/", [intake["summary"], intake["description"], intake["subject_name"]]),
        ("/cases/", [case.title]),
        (f"/cases/{case.pk}/", [case.title, case.summary]),
        ("/rectification/", [institution.name]),
        (f"/rectification/institutions/{institution.pk}/", [institution.name, institution.address]),
        ("/rectification/problems/", [problem.description]),
        (f"/rectification/problems/{problem.pk}/", [problem.description]),
        ("/publicity/", []),
        ("/publicity/activities/", [activity.title]),
        (f"/publicity/activities/{activity.pk}/", [activity.title, activity.description]),
        ("/publicity/surveys/", []),
        ("/org/units/", [community.name]),
        ("/org/campaigns/", [campaign.name]),
        (f"/org/campaigns/{campaign.pk}/", [campaign.name, hostile("阶段", 0)[:100]]),
    ]
    for url, must_show in checks:
        _assert_inert(page, url, dialogs, must_show)
    # the charts still draw from their JSON blocks on pages full of hostile text
    page.goto(page.base_url + "/publicity/")
    assert page.evaluate("document.querySelector('[data-testid=activity-chart]').chart !== undefined")
    assert page.evaluate("JSON.parse(document.getElementById('activity-chart-data').textContent).labels.length") > 0
    assert Case.objects.filter(pk=case.pk).exists() and Activity.objects.exists()
    assert Institution.objects.filter(pk=institution.pk).exists() and Problem.objects.exists()
