"""The timeline speaks the reader's language (issue 16.2): on a lead, a case, an institution
and a problem, each step is named by its action (分派、签收、反馈…) with its reason; changed
fields by their labels, choices by their labels, 是/否, （空） for nothing, a foreign key by the
object's name; the case's step bar by the steps' names. In Chinese and in English."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CODE_WORDS = re.compile(
    r"None →|→ None|False|True|\breferred\b|\bverifying\b|\binvestigating\b|\bsolved\b|\bprosecution\b"
)


def timeline_of(page: str) -> str:
    start = page.index('data-testid="audit-timeline"') if 'data-testid="audit-timeline"' in page else 0
    return page[start:]


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_a_leads_timeline_names_each_step_and_shows_labels(client_for, personas, org):
    from leads import services

    lead, _code = services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "集资"}
    )
    lead = services.lead_refer(lead=lead, user=personas.street, unit=org.community_a, reason="属地核查")
    lead = services.lead_acknowledge(lead=lead, user=personas.community_a)
    lead = services.lead_supervise(
        lead=lead, user=personas.street, is_major=True, supervisor=personas.leader, reason="涉老人数多"
    )
    client = client_for(personas.street)
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    shown = timeline_of(page)
    assert not CODE_WORDS.search(shown), CODE_WORDS.search(shown)
    titles = re.findall(r'data-testid="timeline-title">([^<]+)<', shown)
    assert {"分派", "签收", "挂牌督办"} <= set(titles)
    assert "原因：属地核查" in shown and "分派：属地核查" not in shown
    assert f"承办单位：（空） → {org.community_a.name}" in shown or "（空） → " in shown
    assert "→ 是" in shown  # 重大线索
    assert str(personas.leader) in shown  # 督办人 by name, not by id
    shown_en = timeline_of(english(client).get(reverse("leads:detail", args=[lead.pk])).content.decode())
    titles_en = re.findall(r'data-testid="timeline-title">([^<]+)<', shown_en)
    assert "Refer" in " ".join(titles_en) and "(empty)" in shown_en and "→ Yes" in shown_en
    assert not CODE_WORDS.search(shown_en)


def test_a_cases_step_bar_and_timeline_speak_chinese(client_for, personas, org):
    import datetime

    from cases import services
    from cases.choices import Step
    from leads import services as lead_services
    from tests.cases.factories import CaseFactory

    case = CaseFactory(step=Step.FILED)
    from organization.choices import UnitCode

    lead, _code = lead_services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "集资诈骗"}
    )
    lead = lead_services.lead_refer(lead=lead, user=personas.street, unit=org.units[UnitCode.GROUP_CRACKDOWN])
    client = client_for(personas.crackdown)
    linked = client.post(reverse("cases:link_leads", args=[case.pk]), {"link-leads": [lead.pk]})
    assert linked.status_code == 302
    services.case_advance(
        case=case, user=personas.crackdown, to_step=Step.INVESTIGATING, date=datetime.date.today(), reason="证据充分"
    )
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    bar = page[page.index('data-testid="case-progress"') : page.index('data-testid="step-table"')]
    assert "破案" in bar and "移送起诉" in bar and not CODE_WORDS.search(bar)
    shown = timeline_of(page)
    assert not CODE_WORDS.search(shown) and "type" not in shown and "operation" not in shown
    assert "来源线索：添加 1 项" in shown  # how many, not which: the reader may not see them all
    titles = re.findall(r'data-testid="timeline-title">([^<]+)<', shown)
    assert "转入侦查" in titles and "关联线索" in titles
    assert "原因：证据充分" in shown and "版本" not in shown
    page_en = english(client).get(reverse("cases:detail", args=[case.pk])).content.decode()
    bar_en = page_en[page_en.index('data-testid="case-progress"') : page_en.index('data-testid="step-table"')]
    assert not re.search(r'fw-semibold">[a-z_]+<', bar_en)  # labels, not codes (which are lower case)
    assert "None" not in timeline_of(page_en) and "(empty)" not in bar_en


def test_an_institutions_audit_shows_labels_not_none(client_for, personas, org):
    from tests.rectification.factories import InstitutionFactory

    institution = InstitutionFactory(community=None, contact_phone="")
    client = client_for(personas.street)
    url = reverse("rectification:institution_update", args=[institution.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(community=org.community_a.pk, contact_phone="0592-1234567", reason="补充社区")
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    shown = timeline_of(client.get(reverse("rectification:institution_detail", args=[institution.pk])).content.decode())
    assert not CODE_WORDS.search(shown)
    assert f"（空） → {org.community_a}" in shown
    assert "修改机构信息" in re.findall(r'data-testid="timeline-title">([^<]+)<', shown)


def test_a_problems_timeline_names_its_steps(client_for, personas, org):
    from rectification import services
    from tests.rectification.factories import MeasureFactory, ProblemFactory

    problem = ProblemFactory()
    MeasureFactory(problem=problem)
    services.problem_start(problem=problem, user=personas.street, reason="立即整改")
    url = reverse("rectification:problem_detail", args=[problem.pk])
    shown = timeline_of(client_for(personas.street).get(url).content.decode())
    assert not CODE_WORDS.search(shown)
    titles = re.findall(r'data-testid="timeline-title">([^<]+)<', shown)
    assert "开始整改" in titles and "原因：立即整改" in shown and "→ 整改中" in shown


def test_the_timeline_does_not_name_a_record_the_reader_may_not_open(client_for, personas, org):
    from leads import services

    mine, _c = services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "社区甲的线索"}
    )
    mine = services.lead_refer(lead=mine, user=personas.street, unit=org.community_a)
    other, _c = services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "梧垵社区的秘密线索"}
    )
    other = services.lead_refer(lead=other, user=personas.street, unit=org.community_b)
    services.lead_merge(lead=mine, into=other, user=personas.street)
    client = client_for(personas.community_a)
    assert client.get(reverse("leads:detail", args=[other.pk])).status_code == 404
    shown = timeline_of(client.get(reverse("leads:detail", args=[mine.pk])).content.decode())
    assert "梧垵社区的秘密线索" not in shown and "（无权查看）" in shown
    street = timeline_of(client_for(personas.street).get(reverse("leads:detail", args=[mine.pk])).content.decode())
    assert "梧垵社区的秘密线索" in street
