"""Who may do what in the rectification area, and when (``core.rules``): declared once, asked by
the pages (what they offer) and by the services (before every write).

- writers who see an institution (its supervising unit, its community, the rectification group,
  a bank for fund-raising ones, the street office) edit it, record inspections, raise problems
  and rectify them; the owner unit of a problem works on it even when it does not supervise;
- supervisors — writers who see the institution and are not community staff — also grade it,
  make its contingency plans, verify or reject a rectification, transfer a problem to another
  department and send it to the judiciary (docs/permissions.md).

"Sees" is decided from the user's ``Scope`` and the object's own columns, without a query; it is
``Institution.scope_q`` (and the problem's and plan's) said once more in Python, and
tests/rectification/test_rules.py checks that both agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import rules
from organization.choices import UnitCode

from .choices import PROBLEM_ACTIVE_STATUSES, PlanStatus, ProblemStatus
from .models import ContingencyPlan, Institution, Measure, Problem, supervised_sectors

if TYPE_CHECKING:
    from organization.models import Scope


def institution_seen(scope: Scope, institution: Institution) -> bool:
    """``institution_scope_q`` for one loaded institution: no query (but one per request for
    the sectors the user's units supervise, ``supervised_sectors``)."""
    if scope.sees_all:
        return True
    if not scope.unit_ids:
        return False
    if scope.is_community:
        return institution.community_id == scope.unit_id
    if institution.supervising_unit_id in scope.unit_ids:
        return True
    if UnitCode.GROUP_RECTIFICATION in scope.unit_codes:
        return True
    return institution.sector in supervised_sectors(scope)


def _institution_of(obj: Any) -> Institution | None:
    if isinstance(obj, Institution):
        return obj
    if isinstance(obj, Measure):
        return obj.problem.institution
    if isinstance(obj, (Problem, ContingencyPlan)):
        return obj.institution
    return None


@rules.predicate("能看到该机构")
def sees_institution(user: Any, scope: Scope, obj: Any) -> bool:
    institution = _institution_of(obj)
    return institution is not None and institution_seen(scope, institution)


@rules.predicate("能看到该问题（含责任单位）")
def sees_problem(user: Any, scope: Scope, obj: Any) -> bool:
    """The problem's institution is in scope, or the user's unit owns the problem."""
    problem = obj.problem if isinstance(obj, Measure) else obj
    if not isinstance(problem, Problem):
        return False
    return problem.owner_unit_id in scope.unit_ids or institution_seen(scope, problem.institution)


#: Grading, plans, verifying, transferring and sending to the judiciary.
supervisor = rules.Predicate(
    "监管单位、整治组或街道专项办（能看到该机构，非社区工作人员）",
    (rules.writer & sees_institution & ~rules.community_staff).test,
)
#: Editing, inspecting, raising problems.
institution_worker = rules.Predicate("能看到该机构的可写账号", (rules.writer & sees_institution).test)
#: Starting and reporting a rectification, adding and completing measures.
problem_worker = rules.Predicate("能看到该问题的可写账号（含责任单位）", (rules.writer & sees_problem).test)


def _measures_done(problem: Problem) -> bool:
    """Every measure carried out: from the page's prefetched measures, else one query."""
    return all(m.done_at is not None for m in problem.measures.all())


def _no_other_active_plan(plan: ContingencyPlan) -> bool:
    """One query."""
    others = ContingencyPlan.objects.filter(institution_id=plan.institution_id, status=PlanStatus.ACTIVE)
    return not others.exclude(pk=plan.pk).exists()


S = ProblemStatus
ACTIVE = frozenset(PROBLEM_ACTIVE_STATUSES)
NOT_ARCHIVED = frozenset({PlanStatus.DRAFT, PlanStatus.ACTIVE})

rules.register(
    # institutions
    rules.Action(
        "rectification.create",
        _("登记机构"),
        model=None,
        who=rules.writer,
        url="rectification:institution_create",
        doc="社区只能登记本社区的机构，其他单位只能登记本单位能看到的机构（服务内按登记内容检查）。",
    ),
    rules.Action(
        "rectification.import",
        _("Excel 导入机构名单"),
        model=None,
        who=rules.writer,
        url="rectification:institution_import",
        doc="每一行按“登记机构”的规则检查。",
    ),
    rules.Action(
        "rectification.sectors_edit",
        _("维护领域监管单位"),
        model=None,
        who=rules.street_office,
        needs_reason=True,
        url="rectification:sectors_edit",
        doc="整治领域 → 监管单位的对应表（实施方案§(六)），每个领域一个牵头单位；留痕并须说明理由。",
    ),
    rules.Action(
        "rectification.supervisor_override",
        _("指定监管单位（例外）"),
        model=Institution,
        who=rules.street_office,
        needs_reason=True,
        url="rectification:institution_supervisor",
        doc="机构的监管单位须为监管其领域的单位；例外只能由街道专项办指定，并说明理由。",
    ),
    rules.Action(
        "rectification.update",
        _("修改机构信息"),
        model=Institution,
        who=institution_worker,
        url="rectification:institution_update",
    ),
    rules.Action(
        "rectification.grade",
        _("调整风险等级"),
        model=Institution,
        who=supervisor,
        needs_reason=True,
        url="rectification:institution_grade",
    ),
    rules.Action(
        "rectification.inspect",
        _("录入检查"),
        model=Institution,
        who=institution_worker,
        url="rectification:inspection_create",
    ),
    rules.Action(
        "rectification.raise_problem",
        _("登记问题"),
        model=Institution,
        who=institution_worker,
        url="rectification:problem_create",
    ),
    rules.Action(
        "rectification.plan_create",
        _("制定应急预案"),
        model=Institution,
        who=supervisor,
        url="rectification:plan_create",
    ),
    # contingency plans: draft → active → archived
    rules.Action(
        "rectification.plan_update",
        _("修改应急预案"),
        model=ContingencyPlan,
        who=supervisor,
        sources=NOT_ARCHIVED,
        url="rectification:plan_update",
    ),
    rules.Action(
        "rectification.plan_activate",
        _("设为生效"),
        model=ContingencyPlan,
        who=supervisor,
        sources=frozenset({PlanStatus.DRAFT}),
        target=PlanStatus.ACTIVE,
        guards=(rules.Guard(_no_other_active_plan, _("该机构已有生效的应急预案，请先归档。")),),
        url="rectification:plan_status",
    ),
    rules.Action(
        "rectification.plan_archive",
        _("归档"),
        model=ContingencyPlan,
        who=supervisor,
        sources=NOT_ARCHIVED,
        target=PlanStatus.ARCHIVED,
        url="rectification:plan_status",
        confirm=_("预案将归档，归档后不能再修改，也不能再设为生效。"),
    ),
    # problems: the verbs are the slugs of ``rectification:problem_transition``
    rules.Action(
        "rectification.start",
        _("开始整改"),
        model=Problem,
        who=problem_worker,
        sources=frozenset({S.OPEN}),
        target=S.RECTIFYING,
        url="rectification:problem_transition",
    ),
    rules.Action(
        "rectification.report",
        _("报整改完成"),
        model=Problem,
        who=problem_worker,
        sources=frozenset({S.RECTIFYING}),
        target=S.RECTIFIED,
        guards=(rules.Guard(_measures_done, _("还有未完成的整改措施，不能报整改完成。")),),
        needs_reason=True,
        url="rectification:problem_transition",
    ),
    rules.Action(
        "rectification.verify",
        _("核查通过，销号"),
        model=Problem,
        who=supervisor,
        sources=frozenset({S.RECTIFIED}),
        target=S.CLOSED,
        needs_reason=True,
        url="rectification:problem_transition",
        confirm=_("问题将核查通过并销号，不能撤销；如再发现问题，须重新登记。"),
    ),
    rules.Action(
        "rectification.reject",
        _("核查未通过，退回整改"),
        model=Problem,
        who=supervisor,
        sources=frozenset({S.RECTIFIED}),
        target=S.RECTIFYING,
        needs_reason=True,
        url="rectification:problem_transition",
    ),
    rules.Action(
        "rectification.transfer",
        _("移交主管部门"),
        model=Problem,
        who=supervisor,
        sources=frozenset({S.OPEN, S.RECTIFYING}),
        target=S.TRANSFERRED,
        needs_reason=True,
        url="rectification:problem_transition",
        confirm=_("问题将移交主管部门处理，本系统中不再整改，不能撤销。"),
    ),
    rules.Action(
        "rectification.judiciary",
        _("移送司法机关"),
        model=Problem,
        who=supervisor,
        sources=frozenset({S.OPEN, S.RECTIFYING}),
        target=S.SENT_TO_JUDICIARY,
        needs_reason=True,
        url="rectification:problem_transition",
        doc="为打击组登记一条线索（leads.services.lead_create），街道专项办移送时即分派给打击组。",
        confirm=_("问题将移送司法机关，并为打击组登记一条新线索，不能撤销。"),
    ),
    # measures
    rules.Action(
        "rectification.measure_add",
        _("添加整改措施"),
        model=Problem,
        who=problem_worker,
        sources=ACTIVE,
        url="rectification:measure_add",
    ),
    rules.Action(
        "rectification.measure_complete",
        _("确认措施已落实"),
        model=Measure,
        who=problem_worker,
        guards=(
            rules.Guard(lambda m: m.done_at is None, _("该措施已完成。")),
            rules.Guard(lambda m: m.problem.status in PROBLEM_ACTIVE_STATUSES, _("问题已结束。")),
        ),
        needs_reason=True,
        url=lambda m: reverse("rectification:measure_complete", args=[m.problem_id, m.pk]),
        confirm=_("该措施将记为已落实，不能撤销。"),
    ),
)
