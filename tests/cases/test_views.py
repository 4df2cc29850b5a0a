"""Case pages: visibility (list, detail, export), query counts, forms keep what was typed."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from cases.choices import LedgerKind, RiskLevel, Step
from cases.models import Case, CaseStep, LedgerEntry, PublicOpinionPlan
from organization.choices import Role, UnitCode
from tests.factories import UserFactory
from tests.leads.factories import LeadFactory
from tests.querycount import assert_constant_queries
from tests.rectification.factories import InstitutionFactory

from .factories import CaseFactory, LedgerEntryFactory

TODAY = datetime.date.today()


def export_titles(response) -> set[str]:
    data = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return {row[0] for row in ws.iter_rows(min_row=2, values_only=True)}


@pytest.fixture
def tribunal(org):
    return UserFactory(username="tribunal", unit=org.units[UnitCode.TRIBUNAL], role=Role.UNIT_LIAISON)


@pytest.fixture
def police(org):
    return UserFactory(username="police", unit=org.units[UnitCode.POLICE], role=Role.UNIT_LIAISON)


@pytest.mark.parametrize("who", ["street", "leader", "crackdown", "tribunal", "police"])
def test_case_units_and_the_street_office_see_cases(client_for, personas, tribunal, police, who):
    user = {"tribunal": tribunal, "police": police}.get(who) or getattr(personas, who)
    case = CaseFactory(title="保健品诈骗案", is_typical=True)
    client = client_for(user)
    assert [c.pk for c in client.get(reverse("cases:index")).context["object_list"]] == [case.pk]
    assert [c.pk for c in client.get(reverse("cases:typical")).context["object_list"]] == [case.pk]
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert export_titles(client.get(reverse("cases:index") + "?export=xlsx")) == {"保健品诈骗案"}


@pytest.mark.parametrize("who", ["community_a", "community_b", "liaison", "rectification"])
def test_community_staff_and_other_units_see_nothing(client_for, personas, who):
    case = CaseFactory(title="保健品诈骗案", is_typical=True)
    entry = LedgerEntryFactory(case=case)
    client = client_for(getattr(personas, who))
    assert list(client.get(reverse("cases:index")).context["object_list"]) == []
    assert list(client.get(reverse("cases:typical")).context["object_list"]) == []
    assert list(client.get(reverse("cases:ledger")).context["object_list"]) == []
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert export_titles(client.get(reverse("cases:index") + "?export=xlsx")) == set()
    assert export_titles(client.get(reverse("cases:ledger") + "?export=xlsx")) == set()
    assert client.post(reverse("cases:ledger_reverse", args=[entry.pk]), {"reason": "录错"}).status_code == 404
    assert client.post(reverse("cases:step", args=[case.pk, "investigate"]), {"advance-date": TODAY}).status_code == 404
    assert client.get(reverse("cases:update", args=[case.pk])).status_code == 404
    response = client.get(reverse("cases:create"))
    assert response.status_code == 403 and "只有打击组、派出所、青阳法庭" in response.content.decode()
    assert not LedgerEntry.objects.filter(reverses=entry).exists()


def test_anonymous_users_are_sent_to_login(client, org):
    response = client.get(reverse("cases:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_leaders_read_but_do_not_write(client_for, personas):
    case = CaseFactory()
    client = client_for(personas.leader)
    assert client.get(reverse("cases:create")).status_code == 403
    url = reverse("cases:step", args=[case.pk, "investigate"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"advance-date": TODAY}).status_code == 403
    assert Case.objects.get(pk=case.pk).step == Step.FILED
    page = client.get(case.get_absolute_url())
    assert page.context["actions"] == set() and 'data-testid="advance-form"' not in page.content.decode()
    assert 'data-testid="case-create"' not in client.get(reverse("cases:index")).content.decode()


def test_filters_apply_to_list_and_export(client_for, personas):
    CaseFactory(title="甲案", is_major=True)
    CaseFactory(title="乙案", kind="civil")
    client = client_for(personas.crackdown)
    assert {c.title for c in client.get(reverse("cases:index") + "?kind=civil").context["object_list"]} == {"乙案"}
    assert export_titles(client.get(reverse("cases:index") + "?flag=is_major&export=xlsx")) == {"甲案"}
    assert export_titles(client.get(reverse("cases:index") + "?flag=needs_opinion_plan&export=xlsx")) == {"甲案"}


def make_rows(n: int) -> None:
    for i in range(n):
        case = CaseFactory(is_typical=i % 2 == 0, institution=InstitutionFactory() if i % 3 else None)
        LedgerEntryFactory(case=case, kind=LedgerKind.FROZEN)
        LedgerEntryFactory(case=case, kind=LedgerKind.RETURNED)


# 7: the list no longer asks the database whether the user handles cases (the rules read the scope)
# +1: the filter's list of campaigns (organization.filters_campaigns)
@pytest.mark.parametrize(("url", "queries"), [("cases:index", 8), ("cases:typical", 8), ("cases:ledger", 7)])
def test_list_query_counts_do_not_grow_with_rows(client_for, personas, url, queries):
    assert_constant_queries(client_for(personas.crackdown), reverse(url), make_rows, expected=queries)


def test_case_page_query_count_does_not_grow_with_its_rows(client_for, personas, org):
    """Steps, ledger entries (some reversed), linked leads (those the reader may open, and how
    many there are): one query each, whatever their number. 9: the rules read the scope (no
    query for "may handle cases") and the lead picker moved to its own page."""
    case = CaseFactory(institution=InstitutionFactory())

    def add_rows(n):
        for _ in range(n):
            entry = LedgerEntryFactory(case=case)
            LedgerEntryFactory(case=case, reverses=entry, amount=entry.amount)
            case.leads.add(LeadFactory(assigned_unit=org.community_a))

    assert_constant_queries(
        client_for(personas.crackdown), reverse("cases:detail", args=[case.pk]), add_rows, expected=9
    )


def case_form_data(org, **extra):
    data = {
        "title": "以房养老诈骗案",
        "kind": "criminal",
        "fraud_type": "house",
        "handling_unit": org.units[UnitCode.POLICE].pk,
        "suspects": 4,
        "detained": 1,
        "victims": 30,
        "elderly_victims": 25,
        "amount_involved": "1500000.00",
        "stability_risk": RiskLevel.HIGH,
        "case_plan": "一案一策：专人对接受害老人",
        "contingency_plan": "",
        "date": TODAY.isoformat(),
    }
    data.update(extra)
    return data


def test_the_form_refuses_a_missing_contingency_plan_and_keeps_what_was_typed(client_for, personas, org):
    client = client_for(personas.crackdown)
    response = client.post(reverse("cases:create"), case_form_data(org))
    assert response.status_code == 200
    form = response.context["form"]
    assert "涉稳风险为“高”或涉众型的案件必须制定应急预案" in " ".join(form.errors["contingency_plan"])
    content = response.content.decode()
    assert "以房养老诈骗案" in content and "一案一策：专人对接受害老人" in content
    assert not Case.objects.exists()

    response = client.post(reverse("cases:create"), case_form_data(org, contingency_plan="成立维稳专班，24小时值守"))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.step == Step.FILED and case.created_by == personas.crackdown


def test_edit_keeps_typed_values_on_refusal(client_for, personas, org):
    case = CaseFactory()
    client = client_for(personas.crackdown)
    response = client.post(
        reverse("cases:update", args=[case.pk]), case_form_data(org, title="改名了", is_many_victims="on")
    )
    assert response.status_code == 200 and "改名了" in response.content.decode()
    assert Case.objects.get(pk=case.pk).title != "改名了"


def test_the_case_page_advances_steps_and_keeps_the_ledger(client_for, personas):
    case = CaseFactory(amount_involved=Decimal("1000"))
    client = client_for(personas.crackdown)
    url = reverse("cases:detail", args=[case.pk])
    page = client.get(url)
    # the page offers exactly the step the rules allow now, posting to its action
    assert [rule.name for rule, _url in page.context["step_actions"]] == ["cases.investigate"]
    investigate = reverse("cases:step", args=[case.pk, "investigate"])
    assert f'action="{investigate}"' in page.content.decode()
    response = client.post(investigate, {"advance-date": TODAY, "advance-reason": "开始侦查"})
    assert response.status_code == 302 and response["Location"] == url
    assert CaseStep.objects.filter(case=case, step=Step.INVESTIGATING, note="开始侦查").exists()
    assert [rule.name for rule, _url in client.get(url).context["step_actions"]] == ["cases.solve"]

    # a step the case is not at: refused with the reason
    response = client.get(investigate)
    assert response.status_code == 403 and "当前状态为“侦查”" in response.content.decode()

    # an illegal date is shown with the form, and what was typed is kept
    response = client.post(
        reverse("cases:step", args=[case.pk, "solve"]), {"advance-date": "2000-01-01", "advance-reason": "破案了"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "不能早于上一环节" in content and "破案了" in content
    assert Case.objects.get(pk=case.pk).step == Step.INVESTIGATING

    add = reverse("cases:ledger_add", args=[case.pk])
    response = client.post(
        add, {"ledger-kind": LedgerKind.FROZEN, "ledger-date": TODAY, "ledger-amount": "300", "ledger-note": "冻结账户"}
    )
    assert response.status_code == 302 and response["Location"] == url + "#ledger"
    client.post(add, {"ledger-kind": LedgerKind.RECOVERED, "ledger-date": TODAY, "ledger-amount": "250"})
    client.post(add, {"ledger-kind": LedgerKind.RETURNED, "ledger-date": TODAY, "ledger-amount": "250"})
    entry = LedgerEntry.objects.get(kind=LedgerKind.RETURNED)
    reverse_url = reverse("cases:ledger_reverse", args=[entry.pk])
    assert reverse_url in client.get(url).content.decode()
    response = client.post(reverse_url, {"reason": ""})  # a reversal needs its reason: the form again
    assert response.status_code == 200 and not LedgerEntry.objects.filter(reverses=entry).exists()
    assert client.post(reverse_url, {"reason": "录错"}).status_code == 302
    page = client.get(url)
    assert reverse_url not in page.content.decode()  # reversed once: no longer offered
    assert client.post(reverse_url, {"reason": "again"}).status_code == 409  # ... nor accepted
    assert page.context["rate"] == Decimal("0")
    assert {k: t for k, _label, t in page.context["totals"]}["frozen"] == Decimal("300.00")
    assert [days for _r, days in page.context["step_rows"]] == [None, 60]


def test_a_major_case_offers_no_step_until_its_opinion_plan_is_made(client_for, personas):
    case = CaseFactory(is_major=True)
    client = client_for(personas.crackdown)
    page = client.get(case.get_absolute_url())
    assert page.context["step_actions"] == [] and "opinion_plan" in page.context["actions"]
    response = client.get(reverse("cases:step", args=[case.pk, "investigate"]))
    assert response.status_code == 403 and "舆情应对方案" in response.content.decode()
    PublicOpinionPlan.objects.create(case=case, assessment="评估", monitoring="监测", response="处置", owner="林警官")
    assert [r.name for r, _u in client.get(case.get_absolute_url()).context["step_actions"]] == ["cases.investigate"]


def test_typical_case_marking(client_for, personas):
    case = CaseFactory()
    client = client_for(personas.crackdown)
    page = client.get(case.get_absolute_url())
    assert {"mark_typical"} <= page.context["actions"] and "unmark_typical" not in page.context["actions"]
    mark = reverse("cases:typical_mark", args=[case.pk, "mark_typical"])
    assert f'action="{mark}"' in page.content.decode()
    assert client.post(mark, {"reason": "以房养老典型"}).status_code == 302
    case.refresh_from_db()
    assert case.is_typical and case.version == 2
    assert client.post(mark, {}).status_code == 409  # already typical
    assert client.get(reverse("cases:typical_mark", args=[case.pk, "nonsense"])).status_code == 404
    assert "unmark_typical" in client.get(case.get_absolute_url()).context["actions"]
    unmark = reverse("cases:typical_mark", args=[case.pk, "unmark_typical"])
    assert client_for(personas.leader).post(unmark).status_code == 403
    assert client_for(personas.street).post(unmark).status_code == 302
    assert not Case.objects.get(pk=case.pk).is_typical


def test_linking_leads_has_its_own_form(client_for, personas, org):
    from leads.choices import LeadStatus

    case = CaseFactory()
    lead = LeadFactory(status=LeadStatus.VERIFYING, assigned_unit=org.units[UnitCode.GROUP_CRACKDOWN])
    client = client_for(personas.crackdown)
    url = reverse("cases:link_leads", args=[case.pk])
    assert url in client.get(case.get_absolute_url()).content.decode()
    assert client.post(url, {"link-leads": []}).status_code == 200
    assert client.post(url, {"link-leads": [lead.pk]}).status_code == 302
    assert list(case.leads.all()) == [lead]
    assert client_for(personas.community_a).get(url).status_code == 404


def test_opinion_plan_form(client_for, personas):
    case = CaseFactory(is_major=True)
    client = client_for(personas.crackdown)
    assert "opinion-plan-missing" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    url = reverse("cases:opinion_plan", args=[case.pk])
    response = client.post(
        url, {"assessment": "舆情风险较高", "monitoring": "专人监测", "response": "统一口径", "owner": ""}
    )
    assert response.status_code == 200
    response = client.post(
        url, {"assessment": "舆情风险较高", "monitoring": "专人监测", "response": "统一口径", "owner": "林警官"}
    )
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert PublicOpinionPlan.objects.get(case=case).owner == "林警官"


def test_the_institution_links_both_ways(client_for, personas, org):
    from tests.rectification.factories import InstitutionFactory

    institution = InstitutionFactory(name="福寿健康养生馆")
    case = CaseFactory(institution=institution)
    assert list(institution.cases.all()) == [case]
    page = client_for(personas.crackdown).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("rectification:institution_detail", args=[institution.pk]) in page and "福寿健康养生馆" in page


def test_the_later_of_two_concurrent_edits_is_refused_and_keeps_what_was_typed(client, personas, org):
    """Two people open the same case; the first save wins, the second is refused with a clear
    message, shows what its author typed, and no update is lost."""
    case = CaseFactory()
    loaded_version = case.version
    data = case_form_data(org, contingency_plan="应急预案：专班处置", version=loaded_version)

    client.force_login(personas.crackdown)
    first = client.post(reverse("cases:update", args=[case.pk]), {**data, "title": "张某以房养老诈骗案"})
    assert first.status_code == 302

    client.force_login(personas.street)
    second = client.post(reverse("cases:update", args=[case.pk]), {**data, "title": "李某以房养老诈骗案"})
    assert second.status_code == 200
    html = second.content.decode()
    assert "其他人已修改了这条记录" in html and "李某以房养老诈骗案" in html
    case.refresh_from_db()
    assert case.title == "张某以房养老诈骗案" and case.version == loaded_version + 1

    # Having seen the change, the second person submits again on purpose: it goes through.
    again = client.post(
        reverse("cases:update", args=[case.pk]),
        {**data, "title": "李某以房养老诈骗案", "version": second.context["form"].data["version"]},
    )
    assert again.status_code == 302
    case.refresh_from_db()
    assert case.title == "李某以房养老诈骗案"


def test_the_unfiltered_list_shows_fast_track_averages_and_when_they_were_computed(client_for, personas, org):
    from django.core.cache import cache

    from tests.cases.test_selectors import criminal

    d = datetime.date
    criminal(d(2026, 4, 1), investigating=d(2026, 4, 2), solved=d(2026, 4, 11))
    criminal(d(2026, 4, 1), investigating=d(2026, 4, 2), solved=d(2026, 4, 21))
    cache.clear()
    client = client_for(personas.crackdown)
    response = client.get(reverse("cases:index"))
    assert response.context["fast_track"]["filed_to_solved"] == 15.0
    assert 'data-testid="fast-track-fresh"' in response.content.decode()
    filtered = client.get(reverse("cases:index") + "?kind=civil")
    assert filtered.context["fast_track"]["filed_to_solved"] is None  # the averages follow the filter


def test_the_case_form_lists_a_bounded_number_of_institutions_and_accepts_any(client_for, personas, org, monkeypatch):
    """At city scale the institution select lists the first INSTITUTION_CHOICES by name, not all
    20,000; an institution beyond them is still accepted, and shown again when chosen."""
    monkeypatch.setattr("cases.forms.INSTITUTION_CHOICES", 2)
    first, second, third = (InstitutionFactory(name=name) for name in ("A 养老服务中心", "B 健康馆", "C 保健品店"))
    client = client_for(personas.crackdown)
    content = client.get(reverse("cases:create")).content.decode()
    assert first.name in content and second.name in content and third.name not in content

    data = case_form_data(org, institution=third.pk, contingency_plan="成立维稳专班")
    response = client.post(reverse("cases:create"), data)
    case = Case.objects.get()
    assert response.status_code == 302 and case.institution == third
    content = client.get(reverse("cases:update", args=[case.pk])).content.decode()
    assert f'<option value="{third.pk}" selected>{third.name}</option>' in content
