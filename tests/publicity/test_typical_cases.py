"""Issue 16 item 10: a typical case the case handlers cleared for publicity is visible to the
publicity group as a summary (no victims, suspects, the case's own title or amounts beyond what
is cleared) and can be linked to an exposure activity on /publicity/activities/new/."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.choices import LedgerKind
from cases.services import case_set_typical, ledger_add
from publicity.choices import ActivityType
from publicity.models import Activity
from tests.cases.factories import CaseFactory
from tests.querycount import assert_constant_queries

from .factories import activity_data

pytestmark = pytest.mark.django_db

SECRET_TITLE = "张秘密以房养老诈骗案"
SECRET_SUMMARY = "受害人李某某（电话13900001111）被骗"


@pytest.fixture
def case(org, personas):
    case = CaseFactory(title=SECRET_TITLE, summary=SECRET_SUMMARY, is_typical=True, amount_involved=Decimal("5800000"))
    today = datetime.date.today()
    ledger_add(case=case, user=personas.crackdown, kind=LedgerKind.RECOVERED, date=today, amount=Decimal("1234567"))
    ledger_add(case=case, user=personas.crackdown, kind=LedgerKind.RETURNED, date=today, amount=Decimal("1000000"))
    return case


def clear(client, case, **changes):
    data = {
        "publicity_title": "“以房养老”诈骗案",
        "publicity_summary": "某公司以高息回报为饵骗取老人房产。",
        "reason": "可用于宣传",
    }
    data.update(changes)
    return client.post(reverse("cases:publicity_clear", args=[case.pk]), data)


def test_the_publicity_group_sees_only_what_was_cleared(client_for, personas, publicity_member, case):
    publicity = client_for(publicity_member)
    url = reverse("publicity:typical_cases")
    assert "以房养老" not in publicity.get(url).content.decode()  # not cleared yet
    assert publicity.get(case.get_absolute_url()).status_code == 404  # never the case page
    crackdown = client_for(personas.crackdown)
    assert clear(crackdown, case, reason="").status_code == 200  # a reason is needed
    assert clear(crackdown, case).status_code == 302
    page = client_for(publicity_member).get(url).content.decode()
    assert "“以房养老”诈骗案" in page and "以高息回报为饵" in page
    for secret in (SECRET_TITLE, "李某某", "13900001111", "5,800,000", "1,000,000"):
        assert secret not in page
    assert "受害人数" not in page and "嫌疑人数" not in page


def test_amounts_show_only_when_cleared(client_for, personas, publicity_member, case):
    clear(client_for(personas.crackdown), case, publicity_show_amount="on")
    page = client_for(publicity_member).get(reverse("publicity:typical_cases")).content.decode()
    assert "5,800,000.00 元" in page and "1,000,000.00 元" in page
    assert "1,234,567" not in page  # recovered is not what the summary shows


def test_only_a_typical_case_can_be_cleared_and_unmarking_withdraws(client_for, personas, publicity_member, org):
    ordinary = CaseFactory(is_typical=False)
    assert clear(client_for(personas.crackdown), ordinary).status_code in (403, 409)
    typical = CaseFactory(is_typical=True)
    clear(client_for(personas.crackdown), typical)
    case_set_typical(case=typical, user=personas.crackdown, typical=False, reason="不再作为典型")
    typical.refresh_from_db()
    assert not typical.publicity_cleared
    assert not client_for(publicity_member).get(reverse("publicity:typical_cases")).context["object_list"]


def test_a_community_does_not_read_the_summaries(client_for, personas, case):
    clear(client_for(personas.crackdown), case)
    assert not client_for(personas.community_a).get(reverse("publicity:typical_cases")).context["object_list"]


def test_the_publicity_group_links_a_cleared_case_to_an_exposure(client_for, personas, publicity_member, org, case):
    publicity = client_for(publicity_member)
    new = reverse("publicity:activity_create")
    assert "typical_case" not in publicity.get(new).context["form"].fields  # nothing cleared yet
    clear(client_for(personas.crackdown), case)
    publicity = client_for(publicity_member)  # one test client: sign the publicity group in again
    form = publicity.get(new).context["form"]
    field = form.fields["typical_case"]
    assert [field.label_from_instance(c) for c in field.queryset] == ["“以房养老”诈骗案"]
    assert SECRET_TITLE not in publicity.get(new).content.decode()
    data = activity_data(
        org.community_a,
        activity_type=ActivityType.TYPICAL_CASE,
        typical_case=case.pk,
        title="典型案例进社区",
    )
    response = publicity.post(new, data)
    assert response.status_code == 302, response.context["form"].errors
    activity = Activity.objects.get(title="典型案例进社区")
    assert activity.typical_case == case
    detail = publicity.get(activity.get_absolute_url()).content.decode()
    assert "“以房养老”诈骗案" in detail and SECRET_TITLE not in detail


def test_the_summary_list_costs_the_same_queries_with_5_and_50_cases(client_for, personas, publicity_member, org):
    from cases.services import case_clear_publicity

    def add(n):
        for _ in range(n):
            c = CaseFactory(is_typical=True)
            case_clear_publicity(
                case=c, user=personas.crackdown, title="案例", summary="摘要", show_amount=True, reason="宣传"
            )

    assert_constant_queries(client_for(publicity_member), reverse("publicity:typical_cases"), add, expected=6)
