import datetime
import io

import openpyxl
import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from core.models import ExportLog
from organization.choices import UnitCode
from rectification.choices import MeasureKind, PlanStatus, ProblemStatus, RiskGrade, Sector
from rectification.models import ContingencyPlan, Inspection, Institution, Problem
from tests.querycount import assert_constant_queries

from .factories import InspectionFactory, InstitutionFactory, MeasureFactory, ProblemFactory

pytestmark = pytest.mark.django_db


def export_names(response, column=0) -> set:
    data = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return {row[column] for row in ws.iter_rows(min_row=2, values_only=True)}


@pytest.fixture
def world(org):
    """One institution per visibility case."""
    market = InstitutionFactory(name="市监机构", sector=Sector.FOOD_HEALTH, community=org.community_a)
    land = InstitutionFactory(
        name="国土机构",
        sector=Sector.ELDERLY_LAND,
        supervising_unit=org.units[UnitCode.LAND_OFFICE],
        community=org.community_b,
    )
    fund = InstitutionFactory(
        name="集资机构", sector=Sector.FUND_RAISING, supervising_unit=org.units[UnitCode.ENTERPRISE_CENTRE]
    )
    return {"market": market, "land": land, "fund": fund}


VISIBLE = {
    "street": {"市监机构", "国土机构", "集资机构"},
    "leader": {"市监机构", "国土机构", "集资机构"},
    "rectification": {"市监机构", "国土机构", "集资机构"},
    "liaison": {"市监机构"},  # market regulation supervises its sectors only
    "community_a": {"市监机构"},
    "community_b": {"国土机构"},
    "crackdown": set(),
}


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_institution_visibility_in_list_detail_and_export(client_for, personas, world, persona):
    user = getattr(personas, persona)
    client = client_for(user)
    expected = VISIBLE[persona]
    response = client.get(reverse("rectification:index"))
    assert response.status_code == 200
    assert {i.name for i in response.context["object_list"]} == expected
    for inst in world.values():
        status = client.get(reverse("rectification:institution_detail", args=[inst.pk])).status_code
        assert status == (200 if inst.name in expected else 404)
    assert export_names(client.get(reverse("rectification:index") + "?export=xlsx")) == expected
    assert ExportLog.objects.filter(user=user).exists()


def test_a_bank_sees_fund_raising_institutions(client_for, org, world):
    from tests.factories import UserFactory

    bank = UserFactory(unit=org.units[UnitCode.RURAL_BANK], role="unit_liaison")
    names = {i.name for i in client_for(bank).get(reverse("rectification:index")).context["object_list"]}
    assert names == {"集资机构"}


def test_problems_inspections_and_plans_follow_the_institution(client_for, personas, world, org):
    problem = ProblemFactory(institution=world["land"])
    inspection = InspectionFactory(institution=world["land"])
    plan = ContingencyPlan.objects.create(
        institution=world["land"],
        title="预案",
        risk_assessment="x",
        trigger="x",
        response="x",
        lead_unit=world["land"].supervising_unit,
        responsible_person="甲",
    )
    for persona, ok in (("liaison", False), ("community_b", True), ("community_a", False), ("rectification", True)):
        client = client_for(getattr(personas, persona))
        assert client.get(reverse("rectification:problem_detail", args=[problem.pk])).status_code == (
            200 if ok else 404
        )
        assert client.get(reverse("rectification:plan_detail", args=[plan.pk])).status_code == (200 if ok else 404)
        listed = client.get(reverse("rectification:inspection_list")).context["object_list"]
        assert (inspection in list(listed)) is ok
    # the owner unit of a problem sees it, even when it does not supervise the institution
    owned = ProblemFactory(institution=world["land"], owner_unit=org.units[UnitCode.MARKET_REGULATION])
    client = client_for(personas.liaison)
    assert client.get(reverse("rectification:problem_detail", args=[owned.pk])).status_code == 200


def test_leaders_read_but_do_not_write(client_for, personas, world):
    client = client_for(personas.leader)
    inst = world["market"]
    assert client.get(reverse("rectification:institution_detail", args=[inst.pk])).status_code == 200
    assert client.get(reverse("rectification:institution_create")).status_code == 403
    assert (
        client.post(reverse("rectification:institution_grade", args=[inst.pk]), {"grade": 4, "reason": "x"}).status_code
        == 403
    )
    inst.refresh_from_db()
    assert inst.risk_grade == RiskGrade.UNGRADED


def test_register_grade_inspect_raise_and_close_through_views(client_for, personas, org):
    client = client_for(personas.liaison)
    response = client.post(
        reverse("rectification:institution_create"),
        {
            "name": "康乐保健品店",
            "credit_code": "91350100M000100Y43",
            "type": "health_shop",
            "sector": "food_health",
            "status": "operating",
            "community": org.community_a.pk,
        },
    )
    inst = Institution.objects.get(name="康乐保健品店")
    assert response.status_code == 302 and inst.supervising_unit == org.units[UnitCode.MARKET_REGULATION]
    # wrong check character is refused with a message
    bad = client.post(
        reverse("rectification:institution_create"),
        {"name": "乙", "credit_code": "91350100M000100Y44", "type": "other", "sector": "art", "status": "operating"},
    )
    assert bad.status_code == 200 and "校验位" in bad.content.decode()

    client.post(
        reverse("rectification:institution_grade", args=[inst.pk]), {"grade": 4, "reason": "夸大宣传，老人投诉多"}
    )
    inst.refresh_from_db()
    assert inst.risk_grade == RiskGrade.RED and inst.next_inspection_due
    control = client.get(reverse("rectification:control_list"))
    assert inst in list(control.context["object_list"])

    today = timezone.localdate()
    response = client.post(
        reverse("rectification:inspection_create", args=[inst.pk]),
        {
            "date": today.isoformat(),
            "unit": org.units[UnitCode.MARKET_REGULATION].pk,
            "inspectors": "张、李",
            "findings": "店内宣传单称保健品可治病",
            "raise_problem": "on",
            "problem_description": "虚假宣传",
            "problem_category": "false_advert",
            "problem_horizon": "immediate",
            "problem_owner_unit": org.units[UnitCode.MARKET_REGULATION].pk,
            "problem_owner_person": "张三",
            "measure_kind": MeasureKind.ORDER_RECTIFY,
            "measure_deadline": (today + datetime.timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    problem = Problem.objects.get(institution=inst)
    assert problem.inspection == Inspection.objects.get(institution=inst)
    url = lambda action: reverse("rectification:problem_transition", args=[problem.pk, action])  # noqa: E731
    client.post(url("start"), {"reason": ""})
    client.post(
        reverse("rectification:measure_complete", args=[problem.pk, problem.measures.get().pk]),
        {"result": "已下达整改通知"},
    )
    client.post(url("report"), {"reason": "宣传单已清理"})
    client.post(url("verify"), {"reason": "现场核查"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED
    page = client.get(reverse("rectification:institution_detail", args=[inst.pk])).content.decode()
    assert "夸大宣传，老人投诉多" in page and "虚假宣传" in page


def test_illegal_transition_shows_a_message(client_for, personas):
    """A move the status no longer allows (someone moved it meanwhile): the form again, with the
    reason and what was typed (409)."""
    problem = ProblemFactory(status=ProblemStatus.OPEN)
    client = client_for(personas.street)
    response = client.post(
        reverse("rectification:problem_transition", args=[problem.pk, "verify"]), {"reason": "现场核查无误"}
    )
    html = response.content.decode()
    assert response.status_code == 409 and "不能核查通过，销号" in html and "现场核查无误" in html
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN


def test_plan_create_and_activate(client_for, personas, world):
    inst = world["fund"]
    client = client_for(personas.rectification)
    response = client.post(
        reverse("rectification:plan_create", args=[inst.pk]),
        {
            "title": "爆雷应急预案",
            "risk_assessment": "吸收老人资金约300万元",
            "trigger": "无法按期兑付",
            "response": "资金监管、人员稳控",
            "lead_unit": inst.supervising_unit.pk,
            "responsible_person": "某某",
        },
    )
    plan = ContingencyPlan.objects.get()
    assert response.status_code == 302
    inst.refresh_from_db()
    assert inst.collapse_risk
    client.post(reverse("rectification:plan_status", args=[plan.pk]), {"status": "active"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_overdue_list_per_unit(client_for, personas, org):
    past = timezone.localdate() - datetime.timedelta(days=3)
    late = InstitutionFactory(name="超期机构", risk_grade=RiskGrade.RED, next_inspection_due=past)
    InstitutionFactory(name="未超期", risk_grade=RiskGrade.RED, next_inspection_due=timezone.localdate())
    late_land = InstitutionFactory(
        name="国土超期",
        supervising_unit=org.units[UnitCode.LAND_OFFICE],
        risk_grade=RiskGrade.YELLOW,
        next_inspection_due=past,
    )
    client = client_for(personas.street)
    response = client.get(reverse("rectification:overdue_list"))
    assert set(response.context["object_list"]) == {late, late_land}
    per_unit = {row["supervising_unit__name"]: row["count"] for row in response.context["per_unit"]}
    assert per_unit == {"市场监督管理所": 1, "国土所": 1}
    response = client.get(
        reverse("rectification:overdue_list"), {"supervising_unit": org.units[UnitCode.LAND_OFFICE].pk}
    )
    assert set(response.context["object_list"]) == {late_land}


def test_problem_list_filters_and_export(client_for, personas):
    late = ProblemFactory(description="逾期问题", status=ProblemStatus.RECTIFYING)
    MeasureFactory(problem=late, deadline=timezone.localdate() - datetime.timedelta(days=1))
    ok = ProblemFactory(description="按期问题")
    MeasureFactory(problem=ok)
    client = client_for(personas.street)
    response = client.get(reverse("rectification:problem_list"), {"overdue": "1"})
    assert list(response.context["object_list"]) == [late]
    names = export_names(client.get(reverse("rectification:problem_list") + "?export=xlsx"), column=1)
    assert names == {"逾期问题", "按期问题"}


def build_rows(n: int) -> None:
    for index in range(n):
        inst = InstitutionFactory(
            risk_grade=RiskGrade.RED if index % 2 else RiskGrade.YELLOW,
            next_inspection_due=timezone.localdate() - datetime.timedelta(days=1),
        )
        problem = ProblemFactory(institution=inst)
        MeasureFactory(problem=problem)
        MeasureFactory(problem=problem, kind=MeasureKind.WARNING_TALK)
        InspectionFactory(institution=inst)
        ContingencyPlan.objects.create(
            institution=inst,
            title=f"预案{index}",
            risk_assessment="x",
            trigger="x",
            response="x",
            lead_unit=inst.supervising_unit,
            responsible_person="甲",
        )


#: Queries per list page for a unit liaison: session, user, scope (hosted groups), filter-form
#: choices, count, rows (+ prefetched measures, + grade labels, + per-unit counts).
LISTS = {  # each filter with a campaign choice has one query more for the list of campaigns
    "rectification:index": 10,
    "rectification:control_list": 10,
    "rectification:overdue_list": 10,
    "rectification:inspection_list": 8,
    "rectification:problem_list": 9,
    "rectification:plan_list": 8,
}


@pytest.mark.parametrize("name", LISTS)
def test_list_query_counts_are_pinned(client_for, personas, name):
    """The same number of queries with 5 and with 50 rows (no N+1)."""
    assert_constant_queries(client_for(personas.liaison), reverse(name), build_rows, expected=LISTS[name])


def write_urls(inst, problem, plan):
    return [
        reverse("rectification:institution_update", args=[inst.pk]),
        reverse("rectification:institution_grade", args=[inst.pk]),
        reverse("rectification:inspection_create", args=[inst.pk]),
        reverse("rectification:problem_create", args=[inst.pk]),
        reverse("rectification:plan_create", args=[inst.pk]),
        reverse("rectification:plan_update", args=[plan.pk]),
    ]


@pytest.fixture
def land_objects(world):
    inst = world["land"]  # land office, community B
    problem = ProblemFactory(institution=inst)
    plan = ContingencyPlan.objects.create(
        institution=inst,
        title="预案",
        risk_assessment="x",
        trigger="x",
        response="x",
        lead_unit=inst.supervising_unit,
        responsible_person="甲",
    )
    return inst, problem, plan


@pytest.mark.parametrize(
    ("persona", "status"),
    [("rectification", 200), ("community_b", 200), ("leader", 403), ("liaison", 404), ("community_a", 404)],
)
def test_write_pages_for_who_may_and_who_may_not(client_for, personas, land_objects, persona, status):
    client = client_for(getattr(personas, persona))
    supervisors_only = {"institution_grade", "plan_create", "plan_update"}
    for url in write_urls(*land_objects):
        expected = status
        if persona == "community_b" and resolve(url).url_name in supervisors_only:
            expected = 403  # community staff do not grade or make contingency plans
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize(
    ("persona", "allowed"), [("rectification", True), ("leader", False), ("liaison", False), ("community_a", False)]
)
def test_problem_actions_for_who_may_and_who_may_not(client_for, personas, land_objects, persona, allowed):
    _inst, problem, _plan = land_objects
    client = client_for(getattr(personas, persona))
    response = client.post(reverse("rectification:problem_transition", args=[problem.pk, "start"]), {"reason": "x"})
    assert response.status_code == (302 if allowed else 403 if persona == "leader" else 404)
    problem.refresh_from_db()
    assert (problem.status == ProblemStatus.RECTIFYING) is allowed


def test_anonymous_is_sent_to_login(client, land_objects):
    inst, problem, plan = land_objects
    for url in [
        reverse("rectification:index"),
        reverse("rectification:institution_detail", args=[inst.pk]),
        *write_urls(inst, problem, plan),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_attachment_photo_is_downloadable_only_in_scope(client_for, personas, land_objects, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rectification.services import inspection_record
    from tests.core.test_uploads import PNG_BYTES

    inst = land_objects[0]
    photo = SimpleUploadedFile("scene.png", PNG_BYTES, content_type="image/png")
    inspection = inspection_record(
        institution=inst,
        user=personas.rectification,
        date=timezone.localdate(),
        unit=inst.supervising_unit,
        inspectors="甲",
        findings="现场",
        photos=[photo],
    )
    from core.services import attachments_of

    attachment = attachments_of(inspection).get()
    url = reverse("core:attachment", args=[attachment.pk])
    assert client_for(personas.community_b).get(url).status_code == 200
    assert client_for(personas.community_a).get(url).status_code == 404


def test_institution_page_query_count_does_not_grow(client_for, personas):
    from rectification.services import institution_grade

    inst = InstitutionFactory()

    def add_rows(n):
        for i in range(n):
            new_grade = RiskGrade.YELLOW if inst.risk_grade == RiskGrade.RED else RiskGrade.RED
            institution_grade(institution=inst, user=personas.street, grade=new_grade, reason=str(i))
            problem = ProblemFactory(institution=inst)
            MeasureFactory(problem=problem)
            InspectionFactory(institution=inst)

    url = reverse("rectification:institution_detail", args=[inst.pk])
    assert_constant_queries(client_for(personas.rectification), url, add_rows)


def test_a_stale_institution_edit_is_refused_and_keeps_what_was_typed(client_for, personas, world):
    inst = world["market"]
    client = client_for(personas.rectification)
    url = reverse("rectification:institution_update", args=[inst.pk])
    version = client.get(url).context["form"].initial["version"]
    data = {"name": inst.name, "type": inst.type, "sector": inst.sector, "status": "operating", "version": version}
    assert client.post(url, {**data, "address": "第一次修改"}).status_code == 302
    stale = client.post(url, {**data, "address": "过期页面的修改"})
    assert stale.status_code == 200 and "其他人已修改" in stale.content.decode()
    assert "过期页面的修改" in stale.content.decode()
    inst.refresh_from_db()
    assert inst.address == "第一次修改"


def test_a_problem_action_on_a_stale_page_is_refused(client_for, personas):
    problem = ProblemFactory()
    MeasureFactory(problem=problem)
    client = client_for(personas.street)
    url = reverse("rectification:problem_transition", args=[problem.pk, "start"])
    assert client.post(url, {"reason": "开始", "version": problem.version}).status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING and problem.version == 2
    response = client.post(
        reverse("rectification:problem_transition", args=[problem.pk, "transfer"]),
        {"reason": "旧页面", "department": "区卫健局", "version": 1},
        follow=True,
    )
    assert "其他人已修改" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING


def test_an_invalid_action_form_is_shown_again_with_what_was_typed(client_for, personas):
    problem = ProblemFactory()
    client = client_for(personas.street)
    url = reverse("rectification:problem_transition", args=[problem.pk, "transfer"])
    assert client.get(url).status_code == 200  # the form of the action, for a page without the inline form
    response = client.post(url, {"reason": "属于卫健部门职责", "department": "", "version": problem.version})
    html = response.content.decode()
    assert response.status_code == 200 and "属于卫健部门职责" in html
    assert response.context["form"].errors["department"]
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN


def test_unknown_action_slugs_and_plan_statuses_are_404(client_for, personas, land_objects):
    _inst, problem, plan = land_objects
    client = client_for(personas.street)
    assert client.post(reverse("rectification:problem_transition", args=[problem.pk, "reopen"])).status_code == 404
    assert client.post(reverse("rectification:plan_status", args=[plan.pk]), {"status": "draft"}).status_code == 404


def test_a_completed_measure_is_not_completed_twice(client_for, personas):
    measure = MeasureFactory(done_at=timezone.now(), result="已落实")
    client = client_for(personas.street)
    page = client.get(reverse("rectification:problem_detail", args=[measure.problem_id])).content.decode()
    assert reverse("rectification:measure_complete", args=[measure.problem_id, measure.pk]) not in page
    url = reverse("rectification:measure_complete", args=[measure.problem_id, measure.pk])
    response = client.post(url, {"result": "再次落实"})
    assert response.status_code == 409 and "该措施已完成" in response.content.decode()
    measure.refresh_from_db()
    assert measure.result == "已落实"


def test_a_second_active_plan_is_refused_with_the_reason(client_for, personas, land_objects):
    inst, _problem, plan = land_objects
    ContingencyPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ACTIVE)
    other = ContingencyPlan.objects.create(
        institution=inst,
        title="另一预案",
        risk_assessment="x",
        trigger="x",
        response="x",
        lead_unit=inst.supervising_unit,
        responsible_person="乙",
    )
    client = client_for(personas.street)
    page = client.get(reverse("rectification:plan_detail", args=[other.pk]))
    assert "active" not in {status for status, _rule in page.context["status_actions"]}
    response = client.post(reverse("rectification:plan_status", args=[other.pk]), {"status": "active"})
    assert response.status_code == 409 and "已有生效的应急预案" in response.content.decode()
    other.refresh_from_db()
    assert other.status == PlanStatus.DRAFT


def test_problem_page_offers_its_actions_without_a_query_per_measure(client_for, personas):
    """What the page offers (the rules) is decided from the loaded rows: no query per measure."""
    problem = ProblemFactory(status=ProblemStatus.RECTIFYING)

    def add_rows(n):
        for _ in range(n):
            MeasureFactory(problem=problem)

    url = reverse("rectification:problem_detail", args=[problem.pk])
    assert_constant_queries(client_for(personas.liaison), url, add_rows)
