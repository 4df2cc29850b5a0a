"""The rules of the rectification area (rectification/rules.py), asked by pages and services alike.

Issue 13's defect: community staff were shown 调整风险等级, 制定应急预案, 移交 and 移送, filled in
the form and were then refused; the forms of grading and of a new plan answered 200 to them."""

import pytest
from django.urls import reverse

from rectification.choices import PlanStatus, ProblemStatus, RiskGrade
from rectification.models import ContingencyPlan, GradeChange, Institution, Problem

from .factories import InstitutionFactory, MeasureFactory, ProblemFactory

pytestmark = pytest.mark.django_db

GRADE = {"grade": RiskGrade.RED, "reason": "社区发现夸大宣传"}


@pytest.fixture
def in_a(org):
    """An institution of community A (market regulation supervises it), with a problem and a plan."""
    inst = InstitutionFactory(name="社区甲的机构", community=org.community_a)
    problem = ProblemFactory(institution=inst)
    MeasureFactory(problem=problem)
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


def test_community_staff_are_not_offered_grade_or_plan_on_the_institution_page(client_for, personas, in_a):
    inst, _problem, _plan = in_a
    page = client_for(personas.community_a).get(reverse("rectification:institution_detail", args=[inst.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("rectification:institution_grade", args=[inst.pk]) not in html
    assert reverse("rectification:plan_create", args=[inst.pk]) not in html
    # what they may do is offered: edit, record an inspection, raise a problem
    assert reverse("rectification:inspection_create", args=[inst.pk]) in html
    assert reverse("rectification:problem_create", args=[inst.pk]) in html
    # and a supervisor is offered all of it
    html = client_for(personas.liaison).get(reverse("rectification:institution_detail", args=[inst.pk])).content
    assert reverse("rectification:institution_grade", args=[inst.pk]).encode() in html
    assert reverse("rectification:plan_create", args=[inst.pk]).encode() in html


def test_community_staff_are_not_offered_transfer_or_judiciary_on_the_problem_page(client_for, personas, in_a):
    _inst, problem, _plan = in_a
    html = client_for(personas.community_a).get(reverse("rectification:problem_detail", args=[problem.pk])).content
    html = html.decode()
    for verb in ("transfer", "judiciary"):
        assert reverse("rectification:problem_transition", args=[problem.pk, verb]) not in html
    assert reverse("rectification:problem_transition", args=[problem.pk, "start"]) in html
    html = client_for(personas.liaison).get(reverse("rectification:problem_detail", args=[problem.pk])).content
    for verb in ("start", "transfer", "judiciary"):
        assert reverse("rectification:problem_transition", args=[problem.pk, verb]).encode() in html


@pytest.mark.parametrize("name", ["rectification:institution_grade", "rectification:plan_create"])
def test_community_staff_get_403_with_the_reason_for_grade_and_plan_forms(client_for, personas, in_a, name):
    inst, _problem, _plan = in_a
    response = client_for(personas.community_a).get(reverse(name, args=[inst.pk]))
    assert response.status_code == 403
    assert "您无权" in response.content.decode()


def test_community_staff_posting_grade_plan_transfer_or_judiciary_are_refused_and_nothing_changes(
    client_for, personas, in_a
):
    inst, problem, plan = in_a
    client = client_for(personas.community_a)
    before = (
        Institution.objects.get(pk=inst.pk).risk_grade,
        ContingencyPlan.objects.count(),
        GradeChange.objects.count(),
    )
    assert client.post(reverse("rectification:institution_grade", args=[inst.pk]), GRADE).status_code == 403
    plan_data = {
        "title": "社区的预案",
        "risk_assessment": "x",
        "trigger": "x",
        "response": "x",
        "lead_unit": inst.supervising_unit.pk,
        "responsible_person": "乙",
    }
    assert client.post(reverse("rectification:plan_create", args=[inst.pk]), plan_data).status_code == 403
    assert client.post(reverse("rectification:plan_update", args=[plan.pk]), plan_data).status_code == 403
    assert client.get(reverse("rectification:plan_update", args=[plan.pk])).status_code == 403
    for verb, data in (("transfer", {"department": "民政局"}), ("judiciary", {})):
        url = reverse("rectification:problem_transition", args=[problem.pk, verb])
        response = client.post(url, {"reason": "社区移交", "version": problem.version, **data})
        assert response.status_code == 403 and "您无权" in response.content.decode()
    after = (
        Institution.objects.get(pk=inst.pk).risk_grade,
        ContingencyPlan.objects.count(),
        GradeChange.objects.count(),
    )
    assert after == before
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.OPEN
    assert ContingencyPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


# --- "sees" without a query agrees with visibility (the scope_q of each model) -----------------


@pytest.fixture
def everyone(org, personas):
    from organization.choices import Role, UnitCode
    from organization.models import Unit
    from tests.factories import UserFactory

    people = dict(personas.all())
    people["bank"] = UserFactory(unit=org.units[UnitCode.RURAL_BANK], role=Role.UNIT_LIAISON)
    people["land"] = UserFactory(unit=org.units[UnitCode.LAND_OFFICE], role=Role.UNIT_LIAISON)
    host = Unit.objects.get(code=UnitCode.GROUP_RECTIFICATION).host_unit
    if host is not None:
        people["group_host"] = UserFactory(unit=host, role=Role.UNIT_LIAISON)
    return people


def test_sees_agrees_with_visible_to(org, everyone):
    from organization.choices import UnitCode
    from rectification.choices import Sector
    from rectification.rules import sees_institution, sees_problem

    units = org.units
    institutions = [
        InstitutionFactory(community=org.community_a),
        InstitutionFactory(community=org.community_b, supervising_unit=units[UnitCode.LAND_OFFICE]),
        InstitutionFactory(sector=Sector.FUND_RAISING, supervising_unit=units[UnitCode.ENTERPRISE_CENTRE]),
    ]
    problems = [ProblemFactory(institution=i) for i in institutions]
    # a problem owned by a unit that does not supervise its institution
    problems.append(ProblemFactory(institution=institutions[1], owner_unit=units[UnitCode.MARKET_REGULATION]))
    for name, user in everyone.items():
        for inst in institutions:
            seen = Institution.objects.visible_to(user).filter(pk=inst.pk).exists()
            assert sees_institution(user, inst) is seen, (name, inst)
        for problem in problems:
            seen = Problem.objects.visible_to(user).filter(pk=problem.pk).exists()
            assert sees_problem(user, problem) is seen, (name, problem)


def test_a_problem_owner_unit_rectifies_but_does_not_verify(personas, org):
    from core import rules
    from organization.choices import UnitCode

    inst = InstitutionFactory(supervising_unit=org.units[UnitCode.LAND_OFFICE], community=org.community_b)
    problem = ProblemFactory(institution=inst, owner_unit=org.units[UnitCode.MARKET_REGULATION])
    assert rules.allowed(personas.liaison, problem) == {"start", "measure_add"}
    assert rules.allowed(personas.community_b, problem) == {"start", "measure_add"}
    assert rules.allowed(personas.leader, problem) == set()
    assert rules.allowed(personas.street, problem) == {"start", "transfer", "judiciary", "measure_add"}
