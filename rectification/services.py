"""Every write of the rectification area: institutions, grades, inspections, problems, measures,
contingency plans. Keyword-only, taking the acting user; each saves inside ``audit_context``."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_context, record_action
from core.concurrency import save_versioned
from core.exceptions import DomainError
from core.services import attachments_add
from organization.choices import UnitCode, UnitKind
from organization.models import Unit, User

from .choices import (
    DEFAULT_INSPECTION_INTERVAL_DAYS,
    PROBLEM_ACTIVE_STATUSES,
    SECTOR_UNIT,
    InstitutionStatus,
    MeasureKind,
    PlanStatus,
    ProblemStatus,
    RiskGrade,
)
from .models import ContingencyPlan, GradeChange, Inspection, Institution, Measure, Problem, RiskGradeSetting
from .validators import normalize_credit_code, validate_credit_code

# --- grades: labels and inspection intervals ------------------------------------------------


@dataclass(frozen=True)
class GradeInfo:
    grade: int
    label: str
    interval_days: int | None


def grade_settings() -> dict[int, GradeInfo]:
    """Label and inspection interval of every grade. One query. ``RiskGradeSetting`` rows win
    over ``RECTIFICATION_INSPECTION_INTERVAL_DAYS``, which wins over the built-in defaults."""
    configured = getattr(settings, "RECTIFICATION_INSPECTION_INTERVAL_DAYS", {}) or {}
    rows = {row.grade: row for row in RiskGradeSetting.objects.all()}
    result = {}
    for grade in RiskGrade:
        days = configured.get(int(grade), DEFAULT_INSPECTION_INTERVAL_DAYS[grade])
        label = str(grade.label)
        row = rows.get(int(grade))
        if row is not None:
            days = row.inspection_interval_days
            label = row.label or label
        result[int(grade)] = GradeInfo(int(grade), label, days)
    return result


def next_inspection_due(
    *, grade: int, last_inspection: datetime.date | None, graded_on: datetime.date, info: dict[int, GradeInfo]
) -> datetime.date | None:
    """The grade sets the interval: the next inspection is due that many calendar days after the
    last inspection, or after the grading when the institution was never inspected."""
    days = info[grade].interval_days
    if days is None:
        return None
    return (last_inspection or graded_on) + datetime.timedelta(days=days)


def _reschedule(institution: Institution, *, today: datetime.date, info: dict[int, GradeInfo] | None = None) -> None:
    if institution.status == InstitutionStatus.CLOSED:
        institution.next_inspection_due = None
        return
    info = info or grade_settings()
    graded_on = timezone.localdate(institution.grade_changed_at) if institution.grade_changed_at else today
    institution.next_inspection_due = next_inspection_due(
        grade=institution.risk_grade, last_inspection=institution.last_inspection_date, graded_on=graded_on, info=info
    )


# --- permissions ------------------------------------------------------------------------------


def _require_write(user: User) -> None:
    if not user.scope.can_write:
        raise PermissionDenied(_("您的账号为只读权限。"))


def _require_visible(user: User, institution: Institution) -> None:
    """One query (none for street-office staff)."""
    _require_write(user)
    if user.scope.sees_all:
        return
    if not Institution.objects.visible_to(user).filter(pk=institution.pk).exists():
        raise PermissionDenied(_("您无权处理该机构。"))


def _require_problem_visible(user: User, problem: Problem) -> None:
    """The owner unit works on its problem even when it does not supervise the institution.
    One query (none for street-office staff)."""
    _require_write(user)
    if user.scope.sees_all:
        return
    if not Problem.objects.visible_to(user).filter(pk=problem.pk).exists():
        raise PermissionDenied(_("您无权处理该问题。"))


def _require_supervisor(user: User, institution: Institution, action: str) -> None:
    """Grading and verifying are for supervisors: not for community staff."""
    _require_visible(user, institution)
    if user.scope.is_community:
        raise PermissionDenied(_("社区工作人员不能%(action)s，请由监管单位或整治组办理。") % {"action": action})


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message, code="reason")
    return reason


# --- institutions -----------------------------------------------------------------------------

INSTITUTION_FIELDS = (
    "name",
    "credit_code",
    "type",
    "sector",
    "address",
    "community",
    "legal_representative",
    "contact_phone",
    "status",
    "supervising_unit",
    "collapse_risk",
    "note",
)


def supervising_unit_for(sector: str) -> Unit | None:
    """The plan's sector table (§(六)). One query."""
    code = SECTOR_UNIT.get(sector)
    return Unit.objects.filter(code=code).first() if code else None


def _clean_institution(institution: Institution) -> None:
    institution.credit_code = normalize_credit_code(institution.credit_code)
    if institution.credit_code:
        validate_credit_code(institution.credit_code)
        clash = Institution.objects.filter(credit_code=institution.credit_code).exclude(pk=institution.pk)
        if clash.exists():
            raise ValidationError(
                {"credit_code": _("统一社会信用代码已被“%(name)s”登记。") % {"name": clash.first().name}}
            )
    if not institution.name or not institution.name.strip():
        raise ValidationError({"name": _("请填写机构名称。")})
    institution.name = institution.name.strip()
    if institution.community_id and institution.community.kind != UnitKind.COMMUNITY:
        raise ValidationError({"community": _("所属社区必须是社区。")})
    if institution.supervising_unit_id is None:
        unit = supervising_unit_for(institution.sector)
        if unit is None:
            raise ValidationError({"supervising_unit": _("请选择监管单位。")})
        institution.supervising_unit = unit


def institution_create(*, user: User, reason: str = "", **fields: Any) -> Institution:
    """Register an institution. The supervising unit defaults to the plan's unit for the sector."""
    _require_write(user)
    unknown = set(fields) - set(INSTITUTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    institution = Institution(created_by=user, **fields)
    _clean_institution(institution)
    if user.scope.is_community and institution.community_id != user.scope.unit_id:
        raise PermissionDenied(_("社区只能登记本社区的机构。"))
    with transaction.atomic(), audit_context(actor=user, reason=reason or _("登记机构")):
        institution.save()
        # Only within the user's own scope (its sectors, its community, or the rectification
        # group): a unit may not register institutions it would not see. Refused: rolled back.
        _require_visible(user, institution)
    return institution


def institution_update(
    *, institution: Institution, user: User, reason: str = "", expected_version: int | None = None, **fields: Any
) -> Institution:
    """Edit an institution. With ``expected_version`` (the version the form showed), a save over
    someone else's newer edit is refused (``ConcurrentEditError``)."""
    _require_visible(user, institution)
    unknown = set(fields) - set(INSTITUTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(institution, name, value)
    _clean_institution(institution)
    _reschedule(institution, today=timezone.localdate())
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        save_versioned(institution, expected_version=expected_version)
    return institution


def institution_grade(
    *, institution: Institution, user: User, grade: int, reason: str, now: datetime.datetime | None = None
) -> GradeChange:
    """Change the risk grade, keeping who, when and why; reschedules the next inspection."""
    _require_supervisor(user, institution, _("定级"))
    reason = _reason(reason, _("请填写定级理由。"))
    grade = int(grade)
    if grade not in RiskGrade.values:
        raise DomainError(_("风险等级无效。"))
    now = now or timezone.now()
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        if locked.risk_grade == grade:
            raise DomainError(_("该机构已是此风险等级。"), code="same")
        change = GradeChange.objects.create(
            institution=locked,
            from_grade=locked.risk_grade,
            to_grade=grade,
            changed_by=user,
            changed_at=now,
            reason=reason,
        )
        locked.risk_grade = grade
        locked.grade_changed_at = now
        _reschedule(locked, today=timezone.localdate(now))
        save_versioned(
            locked,
            expected_version=None,
            update_fields=["risk_grade", "grade_changed_at", "next_inspection_due", "updated_at"],
        )
    institution.refresh_from_db()
    return change


# --- inspections ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureSpec:
    kind: str
    deadline: datetime.date
    detail: str = ""


def inspection_record(
    *,
    institution: Institution,
    user: User,
    date: datetime.date,
    unit: Unit,
    inspectors: str,
    findings: str,
    photos: Iterable[Any] = (),
    reason: str = "",
) -> Inspection:
    """Record an inspection; the next one is scheduled from it by the institution's grade."""
    _require_visible(user, institution)
    today = timezone.localdate()
    if date > today:
        raise DomainError(_("检查日期不能晚于今天。"), code="future")
    if not findings.strip():
        raise DomainError(_("请填写检查情况。"))
    with transaction.atomic(), audit_context(actor=user, reason=reason or _("录入检查记录")):
        inspection = Inspection.objects.create(
            institution=institution,
            date=date,
            unit=unit,
            inspectors=inspectors.strip(),
            findings=findings.strip(),
            recorded_by=user,
        )
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        if locked.last_inspection_date is None or date > locked.last_inspection_date:
            locked.last_inspection_date = date
            _reschedule(locked, today=today)
            locked.save(update_fields=["last_inspection_date", "next_inspection_due", "updated_at"])
        files = list(photos)
        if files:
            attachments_add(obj=inspection, files=files, user=user, images_only=True, note=_("检查照片"))
    institution.refresh_from_db()
    return inspection


# --- problems and measures --------------------------------------------------------------------

#: The problem list's state machine: the statuses each status may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    ProblemStatus.OPEN: frozenset(
        {ProblemStatus.RECTIFYING, ProblemStatus.TRANSFERRED, ProblemStatus.SENT_TO_JUDICIARY}
    ),
    ProblemStatus.RECTIFYING: frozenset(
        {ProblemStatus.RECTIFIED, ProblemStatus.TRANSFERRED, ProblemStatus.SENT_TO_JUDICIARY}
    ),
    ProblemStatus.RECTIFIED: frozenset({ProblemStatus.CLOSED, ProblemStatus.RECTIFYING}),
    ProblemStatus.CLOSED: frozenset(),
    ProblemStatus.TRANSFERRED: frozenset(),
    ProblemStatus.SENT_TO_JUDICIARY: frozenset(),
}


def allowed_transitions(problem: Problem) -> frozenset[str]:
    return TRANSITIONS[problem.status]


def problem_raise(
    *,
    institution: Institution,
    user: User,
    description: str,
    category: str,
    owner_unit: Unit,
    owner_person: str,
    horizon: str,
    measures: Sequence[MeasureSpec],
    inspection: Inspection | None = None,
    reason: str = "",
) -> Problem:
    """Put a problem on the list: with an owner (清单责任化) and at least one measure with its
    deadline (措施条款化、时限节点化)."""
    _require_visible(user, institution)
    if inspection is not None and inspection.institution_id != institution.pk:
        raise DomainError(_("检查记录不属于该机构。"))
    if not description.strip():
        raise DomainError(_("请填写问题描述。"))
    if not owner_person.strip():
        raise DomainError(_("请填写责任人。"))
    if not measures:
        raise DomainError(_("每个问题至少要有一项整改措施及其期限。"), code="measures")
    with transaction.atomic(), audit_context(actor=user, reason=reason or _("登记问题")):
        problem = Problem.objects.create(
            institution=institution,
            inspection=inspection,
            description=description.strip(),
            category=category,
            owner_unit=owner_unit,
            owner_person=owner_person.strip(),
            horizon=horizon,
            raised_by=user,
            status_changed_at=timezone.now(),
        )
        for spec in measures:
            _measure_create(problem, spec)
    return problem


def _measure_create(problem: Problem, spec: MeasureSpec) -> Measure:
    if spec.kind not in MeasureKind.values:
        raise DomainError(_("整改措施无效。"))
    if spec.deadline is None:
        raise DomainError(_("每项整改措施都要有完成期限。"))
    return Measure.objects.create(problem=problem, kind=spec.kind, deadline=spec.deadline, detail=spec.detail.strip())


def measure_add(*, problem: Problem, user: User, spec: MeasureSpec, reason: str = "") -> Measure:
    _require_problem_visible(user, problem)
    if not problem.is_active:
        raise DomainError(_("问题已结束，不能再添加措施。"))
    with transaction.atomic(), audit_context(actor=user, reason=reason or _("添加整改措施")):
        return _measure_create(problem, spec)


def measure_complete(*, measure: Measure, user: User, result: str) -> Measure:
    """Record that a measure was carried out (落实情况)."""
    _require_problem_visible(user, measure.problem)
    if measure.is_done:
        raise DomainError(_("该措施已完成。"))
    if not measure.problem.is_active:
        raise DomainError(_("问题已结束。"))
    result = _reason(result, _("请填写落实情况。"))
    with transaction.atomic(), audit_context(actor=user, reason=result):
        measure.done_at = timezone.now()
        measure.done_by = user
        measure.result = result
        measure.save(update_fields=["done_at", "done_by", "result"])
    return measure


def _problem_move(
    problem: Problem, *, user: User, to: str, reason: str, expected_version: int | None = None, **extra: Any
) -> Problem:
    """The one function that moves a problem; refuses a move the table does not allow, and (with
    ``expected_version``) a move decided on a page someone else has changed since."""
    with transaction.atomic():
        locked = Problem.objects.select_for_update().get(pk=problem.pk)
        if to not in TRANSITIONS[locked.status]:
            raise DomainError(
                _("问题状态为“%(from)s”，不能变更为“%(to)s”。")
                % {"from": locked.get_status_display(), "to": ProblemStatus(to).label},
                code="transition",
            )
        now = timezone.now()
        locked.status = to
        locked.status_changed_at = now
        for name, value in extra.items():
            setattr(locked, name, value)
        if to == ProblemStatus.CLOSED:
            locked.closed_at = now
            locked.verified_by = user
        with audit_context(actor=user, reason=reason):
            save_versioned(locked, expected_version=expected_version)
    return locked


def problem_start(*, problem: Problem, user: User, reason: str = "", expected_version: int | None = None) -> Problem:
    """open → rectifying: the owner has started to rectify."""
    _require_problem_visible(user, problem)
    return _problem_move(
        problem,
        user=user,
        to=ProblemStatus.RECTIFYING,
        reason=reason or _("开始整改"),
        expected_version=expected_version,
    )


def problem_report_rectified(
    *, problem: Problem, user: User, reason: str, expected_version: int | None = None
) -> Problem:
    """rectifying → rectified (awaiting check): only when every measure has been carried out."""
    _require_problem_visible(user, problem)
    reason = _reason(reason, _("请填写整改情况。"))
    if problem.measures.filter(done_at__isnull=True).exists():
        raise DomainError(_("还有未完成的整改措施，不能报整改完成。"), code="measures_open")
    return _problem_move(
        problem, user=user, to=ProblemStatus.RECTIFIED, reason=reason, expected_version=expected_version
    )


def problem_verify(*, problem: Problem, user: User, reason: str, expected_version: int | None = None) -> Problem:
    """rectified → closed (核查销号): a supervisor checked the rectification on the spot."""
    _require_supervisor(user, problem.institution, _("核查销号"))
    reason = _reason(reason, _("请填写核查情况。"))
    return _problem_move(problem, user=user, to=ProblemStatus.CLOSED, reason=reason, expected_version=expected_version)


def problem_reject(*, problem: Problem, user: User, reason: str, expected_version: int | None = None) -> Problem:
    """rectified → rectifying: the check found the rectification insufficient."""
    _require_supervisor(user, problem.institution, _("核查"))
    reason = _reason(reason, _("请填写核查未通过的原因。"))
    return _problem_move(
        problem, user=user, to=ProblemStatus.RECTIFYING, reason=reason, expected_version=expected_version
    )


def problem_transfer(
    *, problem: Problem, user: User, department: str, reason: str, expected_version: int | None = None
) -> Problem:
    """→ transferred: another department's matter (移交主管部门)."""
    _require_supervisor(user, problem.institution, _("移交"))
    department = _reason(department, _("请填写移交的主管部门。"))
    reason = _reason(reason, _("请填写移交理由。"))
    return _problem_move(
        problem,
        user=user,
        to=ProblemStatus.TRANSFERRED,
        reason=reason,
        expected_version=expected_version,
        transferred_to=department,
    )


def problem_send_to_judiciary(
    *, problem: Problem, user: User, reason: str, expected_version: int | None = None
) -> Problem:
    """→ sent to the judiciary (移送司法机关): a suspected crime. Creates a lead for the crackdown
    group (``create_judiciary_lead``) and links it both ways: ``Problem.lead_id`` here, the lead's
    institution (and source text) there."""
    _require_supervisor(user, problem.institution, _("移送司法机关"))
    reason = _reason(reason, _("请填写移送理由（涉嫌的违法犯罪事实）。"))
    with transaction.atomic():
        moved = _problem_move(
            problem, user=user, to=ProblemStatus.SENT_TO_JUDICIARY, reason=reason, expected_version=expected_version
        )
        lead_id = create_judiciary_lead(problem=moved, user=user, reason=reason)
        if lead_id is not None:
            Problem.objects.filter(pk=moved.pk).update(lead_id=lead_id)
            moved.lead_id = lead_id
        record_action(
            moved,
            actor=user,
            action_text=_("移送司法机关（打击组线索 %(lead)s）") % {"lead": lead_id or "—"},
            reason=reason,
        )
    return moved


#: The leads app's fraud type for each sector (the lead's 诈骗类型).
SECTOR_FRAUD_TYPE = {
    "elderly_service": "service",
    "elderly_land": "project",
    "housing_advert": "house",
    "street_advert": "product",
    "elderly_tourism": "service",
    "art": "product",
    "food_health": "product",
    "false_advert": "product",
    "unlicensed_medical": "service",
    "fund_raising": "project",
}


def create_judiciary_lead(*, problem: Problem, user: User, reason: str) -> int | None:
    """Hook for ``problem_send_to_judiciary``: register a lead for the crackdown group through the
    leads app's own service (``leads.services.lead_create``), link it to the institution (the
    lead's ``institution``, shown on the institution's page), and refer it to the crackdown group
    when the user may refer (street office); otherwise the street office refers it from its
    queue. Returns the lead's id, or None when the leads app offers no such service."""
    try:
        from leads import services as lead_services
        from leads.choices import LeadSource
    except ImportError:
        return None
    create = getattr(lead_services, "lead_create", None)
    if create is None:
        return None
    institution = problem.institution
    description = "\n".join(
        [
            _("整治组发现涉嫌违法犯罪，移送司法机关。"),
            _("机构：%(name)s（%(code)s）")
            % {"name": institution.name, "code": institution.credit_code or _("无统一社会信用代码")},
            _("问题：%(problem)s") % {"problem": problem.description},
            _("移送理由：%(reason)s") % {"reason": reason},
        ]
    )
    data = {
        "source": LeadSource.MEMBER_UNIT,
        "summary": (_("整治移送：%(name)s") % {"name": institution.name})[:200],
        "description": description,
        "fraud_type": SECTOR_FRAUD_TYPE.get(institution.sector, "other"),
        "subject_name": institution.name,
        "subject_address": institution.address,
        "subject_phone": institution.contact_phone,
        "subject_credit_code": institution.credit_code or "",
        "subject_person": institution.legal_representative,
        "community": institution.community,
    }
    lead, _code = create(user=user, data=data, reason=reason)
    with audit_context(actor=user, reason=_("整治问题移送司法机关，关联机构")):
        lead.institution = institution
        lead.save(update_fields=["institution"])
    crackdown = Unit.objects.filter(code=UnitCode.GROUP_CRACKDOWN).first()
    can_refer = getattr(lead_services, "can_transition", None)
    refer = getattr(lead_services, "lead_refer", None)
    if crackdown and refer and can_refer and can_refer(lead, user, "refer"):
        refer(lead=lead, user=user, unit=crackdown, reason=reason)
    return lead.pk


# --- contingency plans ------------------------------------------------------------------------

PLAN_FIELDS = (
    "title",
    "risk_assessment",
    "trigger",
    "response",
    "lead_unit",
    "responsible_person",
    "contact_phone",
    "people_affected",
    "elderly_affected",
    "amount_involved",
    "review_date",
)


def plan_save(
    *, user: User, institution: Institution, plan: ContingencyPlan | None = None, reason: str = "", **fields: Any
) -> ContingencyPlan:
    """Create or edit a contingency plan (应急预案); the institution is marked at risk of collapse."""
    _require_supervisor(user, institution, _("制定应急预案"))
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if plan is None:
        plan = ContingencyPlan(institution=institution, created_by=user)
    elif plan.status == PlanStatus.ARCHIVED:
        raise DomainError(_("已归档的预案不能修改。"))
    for name, value in fields.items():
        setattr(plan, name, value)
    with transaction.atomic(), audit_context(actor=user, reason=reason or _("制定/修改应急预案")):
        plan.save()
        if not institution.collapse_risk:
            Institution.objects.filter(pk=institution.pk).update(collapse_risk=True)
            institution.collapse_risk = True
    return plan


def plan_set_status(*, plan: ContingencyPlan, user: User, status: str, reason: str = "") -> ContingencyPlan:
    """draft → active → archived. Activating archives nothing: one plan is active at a time."""
    _require_supervisor(user, plan.institution, _("变更应急预案状态"))
    allowed = {PlanStatus.DRAFT: {PlanStatus.ACTIVE, PlanStatus.ARCHIVED}, PlanStatus.ACTIVE: {PlanStatus.ARCHIVED}}
    if status not in allowed.get(plan.status, set()):
        raise DomainError(_("预案状态不能这样变更。"))
    if (
        status == PlanStatus.ACTIVE
        and ContingencyPlan.objects.filter(institution_id=plan.institution_id, status=PlanStatus.ACTIVE)
        .exclude(pk=plan.pk)
        .exists()
    ):
        raise DomainError(_("该机构已有生效的应急预案，请先归档。"))
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        plan.status = status
        plan.save(update_fields=["status", "updated_at"])
    return plan


# --- daily reminder: overdue inspections and measures -----------------------------------------

DIGEST_TEXT = {
    "subject": gettext_lazy("整治提醒"),
    "inspections": gettext_lazy("检查超期"),
    "measures": gettext_lazy("措施超期"),
    "inspections_intro": gettext_lazy("以下机构已超过下次检查日期，请尽快检查："),
    "measures_intro": gettext_lazy("以下整改措施已超过完成期限："),
    "due": gettext_lazy("应检查日期"),
    "deadline": gettext_lazy("期限"),
    "more": gettext_lazy("等，共"),
    "closing": gettext_lazy("请登录护老系统办理。"),
}


def rectification_send_digests(*, today: datetime.date | None = None) -> int:
    """One e-mail per unit with overdue inspections (as supervising unit) or overdue measures (as
    owner unit), to its liaison and unit mailbox. The outbox key makes a second run the same day a
    no-op. Returns the number of e-mails queued."""
    from collections import defaultdict

    from core.mail import queue_mail

    today = today or timezone.localdate()
    limit = getattr(settings, "RECTIFICATION_DIGEST_LIMIT", 50)
    by_unit: dict[int, dict[str, list]] = defaultdict(lambda: {"inspections": [], "measures": []})
    overdue = (
        Institution.objects.inspection_overdue(today)
        .only("pk", "name", "risk_grade", "next_inspection_due", "supervising_unit_id")
        .order_by("next_inspection_due", "pk")
    )
    for institution in overdue.iterator(chunk_size=2000):
        by_unit[institution.supervising_unit_id]["inspections"].append(institution)
    late = (
        Measure.objects.filter(done_at__isnull=True, deadline__lt=today, problem__status__in=PROBLEM_ACTIVE_STATUSES)
        .select_related("problem__institution")
        .order_by("deadline", "pk")
    )
    for measure in late.iterator(chunk_size=2000):
        by_unit[measure.problem.owner_unit_id]["measures"].append(measure)
    sent = 0
    for unit in Unit.objects.filter(pk__in=list(by_unit)).select_related("liaison"):
        rows = by_unit[unit.pk]
        mail = queue_mail(
            "rectification-digest",
            to=[unit.liaison.email if unit.liaison else "", unit.email],
            context={
                "unit": unit,
                "today": today,
                "inspections": rows["inspections"][:limit],
                "inspection_count": len(rows["inspections"]),
                "measures": rows["measures"][:limit],
                "measure_count": len(rows["measures"]),
                "site_url": getattr(settings, "LEADS_SITE_URL", ""),
                "t": DIGEST_TEXT,
            },
            key=f"rectification-digest:{unit.pk}:{today.isoformat()}",
        )
        if mail is not None:
            sent += 1
    return sent
