"""Every write of the rectification area: institutions, grades, inspections, problems, measures,
contingency plans. Keyword-only, taking the acting user; each saves inside ``audit_context``."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import rules
from core.audit import audit_context, record_action
from core.concurrency import save_versioned
from core.exceptions import DomainError
from core.services import attachments_add
from core.visibility import require_own_street
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
    Sector,
)
from .models import (
    ContingencyPlan,
    GradeChange,
    Inspection,
    Institution,
    Measure,
    Problem,
    RiskGradeSetting,
    SectorSupervisor,
)
from .rules import institution_seen
from .validators import match_key, normalize_credit_code, validate_credit_code

if TYPE_CHECKING:
    from leads.models import Lead

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


def _reason(reason: str, message: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message, code="reason", field=field)
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


# --- sectors and their supervising units ------------------------------------------------------


def user_street(user: Any) -> int | None:
    """The street whose sector table a user reads and keeps: their own jurisdiction in a city
    (issue 19); None in a deployment of one street (every row)."""
    scope = getattr(user, "scope", None) if user is not None else None
    if scope is None or scope.jurisdiction_ids is None:
        return None
    return scope.jurisdiction_id


def institution_street(institution: Institution, user: Any = None) -> int | None:
    """The street whose sector table routes an institution: its supervising unit's (or its
    community's) jurisdiction; for one with neither yet, the user's (``user_street``)."""
    for field in ("supervising_unit", "community"):
        if getattr(institution, f"{field}_id", None) is not None:
            unit = getattr(institution, field)
            if unit.jurisdiction_id is not None:
                return unit.jurisdiction_id
    return user_street(user)


def sector_units(street: int | None = None) -> dict[str, list[Unit]]:
    """Every sector's supervising units in a street (``street``: its jurisdiction, None: every
    row, a deployment of one street), the lead unit first (``SectorSupervisor``). One query."""
    result: dict[str, list[Unit]] = {sector: [] for sector in Sector.values}
    rows = (
        SectorSupervisor.objects.of_street(street)
        .select_related("unit")
        .order_by("sector", "-is_lead", "unit__sort_order", "pk")
    )
    for row in rows:
        result.setdefault(row.sector, []).append(row.unit)
    return result


def supervising_unit_for(sector: str, street: int | None = None) -> Unit | None:
    """The sector's lead unit in a street (the default supervising unit of a new institution).
    One query."""
    row = (
        SectorSupervisor.objects.of_street(street)
        .filter(sector=sector)
        .select_related("unit")
        .order_by("-is_lead", "unit__sort_order", "pk")
        .first()
    )
    return row.unit if row else None


def sector_default_codes() -> set[str]:
    """The unit codes the plan's table names (and the banks'): a new unit with one of them may
    start its street's row of that sector."""
    banks = list(getattr(settings, "RECTIFICATION_BANK_UNIT_CODES", [UnitCode.RURAL_BANK]))
    return {*SECTOR_UNIT.values(), *banks}


def sectors_seed_defaults(street: int | None = None) -> int:
    """The plan's table (``choices.SECTOR_UNIT``, and the banks for illegal fund-raising) as
    ``SectorSupervisor`` rows, for each street (or the one ``street``) from its own units by code,
    for a sector that street has no row of yet. Idempotent; returns the rows made. Run after
    ``init_campaign`` (the ``campaign_initialised`` signal), when a unit with one of the codes is
    created (a street added by the city, ``seed_demo --city``: ``apps._unit_created``) and by
    the data migrations. Three queries."""
    # banks monitor illegal fund-raising for themselves (plan §(六)); more are added on the page
    banks = list(getattr(settings, "RECTIFICATION_BANK_UNIT_CODES", [UnitCode.RURAL_BANK]))
    units = Unit.objects.filter(code__in=sorted(sector_default_codes()), is_active=True)
    if street is not None:
        units = units.filter(jurisdiction_id=street)
    by_code = {(u.jurisdiction_id, u.code): u for u in units.order_by("pk")}
    if not by_code:
        return 0
    rows_of = SectorSupervisor.objects.all() if street is None else SectorSupervisor.objects.of_street(street)
    have = {
        (jurisdiction if jurisdiction is not None else unit_street, sector)
        for jurisdiction, unit_street, sector in rows_of.values_list(
            "jurisdiction_id", "unit__jurisdiction_id", "sector"
        )
    }
    rows = []
    for home in sorted({j for j, _code in by_code}, key=lambda j: (j is not None, j or 0)):
        for sector, code in SECTOR_UNIT.items():
            if (home, sector) in have or (home, code) not in by_code:
                continue
            rows.append(SectorSupervisor(sector=sector, unit=by_code[(home, code)], is_lead=True, jurisdiction_id=home))
            if sector == Sector.FUND_RAISING:
                rows += [
                    SectorSupervisor(sector=sector, unit=by_code[(home, b)], jurisdiction_id=home)
                    for b in banks
                    if (home, b) in by_code
                ]
    SectorSupervisor.objects.bulk_create(rows)
    return len(rows)


def sectors_save(*, user: User, mapping: dict[str, tuple[Unit, Iterable[Unit]]], reason: str) -> int:
    """Set each sector's lead unit and its other supervising units (the street office, on the
    sectors page). ``mapping``: sector → (lead unit, units). Audited with the reason, one entry
    per row added or removed. Institutions keep their supervising unit; the next edit of one
    whose unit no longer supervises its sector asks for a unit that does. Returns rows changed."""
    action = rules.require(user, "rectification.sectors_edit")
    reason = rules.require_reason(action, reason)
    mapping = {sector: (lead, list(units)) for sector, (lead, units) in mapping.items()}
    for sector, (lead, units) in mapping.items():
        require_own_street(user, **{f"lead_{sector}": lead, f"units_{sector}": units})
        if sector not in Sector.values:
            raise DomainError(_("整治领域无效。"), code="sector")
        if lead is None:
            raise DomainError(
                _("请为“%(sector)s”选择牵头单位。") % {"sector": Sector(sector).label}, field=f"lead_{sector}"
            )
    changed = 0
    street = user_street(user)  # a street keeps its own table (issue 19)
    with transaction.atomic(), audit_context(actor=user, reason=rules.audit_reason(action, reason)):
        rows = SectorSupervisor.objects.of_street(street).select_for_update(of=("self",))
        current = {(r.sector, r.unit_id): r for r in rows.select_related("unit")}
        wanted: dict[tuple[str, int], bool] = {}
        units_street: dict[int, int | None] = {}
        for sector, (lead, units) in mapping.items():
            for unit in {lead, *units}:
                wanted[(sector, unit.pk)] = unit.pk == lead.pk
                units_street[unit.pk] = unit.jurisdiction_id
        for key, row in current.items():
            if key[0] in mapping and (key not in wanted or row.is_lead != wanted[key]):
                row.delete()  # a lead that changes is removed and added again: the trail says so
                changed += 1
        for (sector, unit_id), is_lead in wanted.items():
            existing = current.get((sector, unit_id))
            if existing is None or existing.is_lead != is_lead:
                SectorSupervisor.objects.create(
                    sector=sector, unit_id=unit_id, is_lead=is_lead, jurisdiction_id=units_street[unit_id]
                )
                changed += 1
    return changed


def institution_set_supervisor(*, institution: Institution, user: User, unit: Unit, reason: str) -> Institution:
    """The street office's explicit choice of a supervising unit that does not supervise the
    institution's sector (or back to one that does), with the reason (kept on the institution
    and in its audit trail)."""
    if unit is None or unit.kind != UnitKind.MEMBER_UNIT or not unit.is_active:
        raise DomainError(_("监管单位须为启用的成员单位。"), code="unit", field="unit")
    require_own_street(user, unit=unit)
    allowed = {u.pk for u in sector_units(institution_street(institution, user)).get(institution.sector, [])}
    reason = (reason or "").strip()
    override = "" if unit.pk in allowed else reason

    return rules.transition(
        institution,
        user=user,
        action="rectification.supervisor_override",
        reason=reason,
        fields={"supervising_unit": unit, "supervisor_override_reason": override},
    )


def _check_supervisor(institution: Institution, stored: Institution | None, street: int | None = None) -> None:
    """The supervising unit supervises the sector in the institution's street (``street``), or it
    is the street office's override kept unchanged (same unit, same sector)."""
    units = sector_units(street).get(institution.sector, [])
    if institution.supervising_unit_id is None:
        if not units:
            raise ValidationError({"supervising_unit": _("请选择监管单位。")})
        institution.supervising_unit = units[0]
    if institution.supervising_unit_id in {u.pk for u in units}:
        institution.supervisor_override_reason = ""
        return
    kept = (
        stored is not None
        and bool(stored.supervisor_override_reason)
        and stored.supervising_unit_id == institution.supervising_unit_id
        and stored.sector == institution.sector
    )
    if kept:
        return
    names = "、".join(u.display_name for u in units) or _("（未设置）")
    raise ValidationError(
        {
            "supervising_unit": _(
                "“%(unit)s”不监管“%(sector)s”领域，可选：%(units)s。"
                "如确需例外，由街道专项办在机构页面“指定监管单位（例外）”并说明理由。"
            )
            % {"unit": institution.supervising_unit, "sector": Sector(institution.sector).label, "units": names}
        }
    )


# --- duplicates -------------------------------------------------------------------------------


def duplicates_of(institution: Institution) -> list[Institution]:
    """Institutions with the same normalised name and address (``validators.match_key``) where
    one of the two has no credit code (two different codes are two institutions). One query."""
    key = match_key(institution.name, institution.address)
    rows = Institution.objects.filter(match_key=key).exclude(pk=institution.pk).order_by("pk")
    if institution.credit_code:
        rows = rows.filter(credit_code__isnull=True)
    return list(rows.only("pk", "name", "address", "credit_code")[:5])


DUPLICATE_WARNING = gettext_lazy(
    "已登记名称和地址相同的机构：%(names)s。如确为另一家机构，请勾选“确认不是重复登记”后再保存。"
)


def duplicate_warning(duplicates: Sequence[Institution]) -> str:
    names = "、".join(f"“{d.name}”（#{d.pk}）" for d in duplicates)
    return str(DUPLICATE_WARNING) % {"names": names}


def _clean_institution(institution: Institution, stored: Institution | None = None, user: Any = None) -> None:
    institution.credit_code = normalize_credit_code(institution.credit_code)
    if institution.credit_code:
        validate_credit_code(institution.credit_code)
        clash = Institution.objects.filter(credit_code=institution.credit_code).exclude(pk=institution.pk).first()
        if clash is not None:
            raise ValidationError({"credit_code": _("统一社会信用代码已被“%(name)s”登记。") % {"name": clash.name}})
    if not institution.name or not institution.name.strip():
        raise ValidationError({"name": _("请填写机构名称。")})
    institution.name = institution.name.strip()
    institution.match_key = match_key(institution.name, institution.address)
    community = institution.community if institution.community_id else None
    if community is not None and community.kind != UnitKind.COMMUNITY:
        raise ValidationError({"community": _("所属社区必须是社区。")})
    _check_supervisor(institution, stored, institution_street(institution, user))


def _check_duplicates(institution: Institution, stored: Institution | None, confirmed: bool) -> None:
    changed = stored is None or stored.match_key != institution.match_key
    if confirmed or not changed:
        return
    duplicates = duplicates_of(institution)
    if duplicates:
        raise DomainError(duplicate_warning(duplicates), code="duplicate", field="confirm_not_duplicate")


def institution_create(
    *, user: User, reason: str = "", confirm_not_duplicate: bool = False, **fields: Any
) -> Institution:
    """Register an institution. The supervising unit defaults to the sector's lead unit and must
    be a unit that supervises the sector. Only within the user's own scope (its sectors, its
    community, or the rectification group): a unit may not register institutions it would not
    see. The same normalised name and address as an institution already registered (without a
    credit code on one side) is refused unless ``confirm_not_duplicate``; the confirmation is
    recorded in the audit entry."""
    rules.require(user, "rectification.create")
    unknown = set(fields) - set(INSTITUTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    require_own_street(user, **{k: fields.get(k) for k in ("supervising_unit", "community")})
    institution = Institution(created_by=user, **fields)
    _clean_institution(institution, user=user)
    if not institution_seen(user.scope, institution):
        if user.scope.is_community:
            raise DomainError(_("社区只能登记本社区的机构。"), code="scope", field="community")
        raise DomainError(_("只能登记本单位监管的机构。"), code="scope", field="supervising_unit")
    _check_duplicates(institution, None, confirm_not_duplicate)
    reason = reason or _("登记机构")
    if confirm_not_duplicate and duplicates_of(institution):
        reason = _("%(reason)s（已确认不是重复登记）") % {"reason": reason}
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        institution.save()
    return institution


def institution_update(
    *,
    institution: Institution,
    user: User,
    reason: str = "",
    expected_version: int | None = None,
    confirm_not_duplicate: bool = False,
    **fields: Any,
) -> Institution:
    """Edit an institution. With ``expected_version`` (the version the form showed), a save over
    someone else's newer edit is refused (``ConcurrentEditError``)."""
    rules.require(user, "rectification.update", institution)
    unknown = set(fields) - set(INSTITUTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    require_own_street(user, **{k: fields.get(k) for k in ("supervising_unit", "community")})
    stored = Institution.objects.get(pk=institution.pk)
    for name, value in fields.items():
        setattr(institution, name, value)
    _clean_institution(institution, stored, user=user)
    _check_duplicates(institution, stored, confirm_not_duplicate)
    _reschedule(institution, today=timezone.localdate())
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        save_versioned(institution, expected_version=expected_version)
    return institution


def institution_grade(
    *, institution: Institution, user: User, grade: int, reason: str, now: datetime.datetime | None = None
) -> GradeChange:
    """Change the risk grade, keeping who, when and why; reschedules the next inspection."""
    rules.require(user, "rectification.grade", institution)
    reason = _reason(reason, _("请填写定级理由。"))
    grade = int(grade)
    if grade not in RiskGrade.values:
        raise DomainError(_("风险等级无效。"), field="grade")
    now = now or timezone.now()
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        locked = Institution.objects.select_for_update().get(pk=institution.pk)
        if locked.risk_grade == grade:
            raise DomainError(_("该机构已是此风险等级。"), code="same", field="grade")
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
    rules.require(user, "rectification.inspect", institution)
    require_own_street(user, unit=unit)
    today = timezone.localdate()
    if date > today:
        raise DomainError(_("检查日期不能晚于今天。"), code="future", field="date")
    if not findings.strip():
        raise DomainError(_("请填写检查情况。"), field="findings")
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
    rules.require(user, "rectification.raise_problem", institution)
    require_own_street(user, owner_unit=owner_unit)
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
    with transaction.atomic():
        locked = Problem.objects.select_for_update().get(pk=problem.pk)
        rules.require(user, "rectification.measure_add", locked)
        with audit_context(actor=user, reason=reason or _("添加整改措施")):
            return _measure_create(locked, spec)


def measure_complete(*, measure: Measure, user: User, result: str) -> Measure:
    """Record that a measure was carried out (落实情况)."""
    result = _reason(result, _("请填写落实情况。"), field="result")
    return rules.transition(
        measure,
        user=user,
        action="rectification.measure_complete",
        reason=result,
        fields={"done_at": timezone.now(), "done_by": user, "result": result},
    )


def _problem_move(
    problem: Problem,
    *,
    user: User,
    action: str,
    reason: str = "",
    expected_version: int | None = None,
    save: Callable[[Problem], Any] | None = None,
    **extra: Any,
) -> Problem:
    """The one path of a problem's moves (``core.rules.transition``): the declared action says
    from which statuses to which, and who; the move records when the status changed."""

    def fields(locked: Problem) -> dict[str, Any]:
        now = timezone.now()
        values: dict[str, Any] = {"status_changed_at": now, **extra}
        if rules.get(action).target == ProblemStatus.CLOSED:
            values.update(closed_at=now, verified_by=user)
        return values

    return rules.transition(
        problem, user=user, action=action, reason=reason, fields=fields, expected_version=expected_version, save=save
    )


def problem_start(*, problem: Problem, user: User, reason: str = "", expected_version: int | None = None) -> Problem:
    """open → rectifying: the owner has started to rectify."""
    return _problem_move(
        problem, user=user, action="rectification.start", reason=reason, expected_version=expected_version
    )


def problem_report_rectified(
    *, problem: Problem, user: User, reason: str, expected_version: int | None = None
) -> Problem:
    """rectifying → rectified (awaiting check): only when every measure has been carried out."""
    return _problem_move(
        problem, user=user, action="rectification.report", reason=reason, expected_version=expected_version
    )


def problem_verify(*, problem: Problem, user: User, reason: str, expected_version: int | None = None) -> Problem:
    """rectified → closed (核查销号): a supervisor checked the rectification on the spot."""
    return _problem_move(
        problem, user=user, action="rectification.verify", reason=reason, expected_version=expected_version
    )


def problem_reject(*, problem: Problem, user: User, reason: str, expected_version: int | None = None) -> Problem:
    """rectified → rectifying: the check found the rectification insufficient."""
    return _problem_move(
        problem, user=user, action="rectification.reject", reason=reason, expected_version=expected_version
    )


def problem_transfer(
    *, problem: Problem, user: User, department: str, reason: str, expected_version: int | None = None
) -> Problem:
    """→ transferred: another department's matter (移交主管部门)."""
    rules.require(user, "rectification.transfer", problem)
    department = _reason(department, _("请填写移交的主管部门。"), field="department")
    return _problem_move(
        problem,
        user=user,
        action="rectification.transfer",
        reason=reason,
        expected_version=expected_version,
        transferred_to=department,
    )


def problem_send_to_judiciary(
    *, problem: Problem, user: User, reason: str, expected_version: int | None = None
) -> Problem:
    """→ sent to the judiciary (移送司法机关): a suspected crime. Creates a lead for the crackdown
    group (``create_judiciary_lead``) in the same transaction and links it both ways:
    ``Problem.lead`` here, the lead's institution (and source text) there."""

    def save(locked: Problem) -> None:
        lead = create_judiciary_lead(problem=locked, user=user, reason=reason.strip())
        locked.lead = lead
        locked.save()
        record_action(
            locked,
            actor=user,
            action_text=_("移送司法机关（打击组线索 %(lead)s）") % {"lead": lead.number or lead.pk},
            reason=reason,
        )

    return _problem_move(
        problem,
        user=user,
        action="rectification.judiciary",
        reason=reason,
        expected_version=expected_version,
        save=save,
    )


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
    "fund_raising": "unknown",  # a fund-raising scheme may be any kind of fraud: 不清楚 (issue 16.5)
}


def create_judiciary_lead(*, problem: Problem, user: User, reason: str) -> Lead:
    """For ``problem_send_to_judiciary``: register a lead for the crackdown group through the
    leads area's own service (``leads.services.lead_create``), link it to the institution (the
    lead's ``institution``, shown on the institution's page), and refer it to the crackdown group
    when the user may refer (the street office; ``lead_refer`` asks the leads' rules); otherwise
    the street office refers it from its queue."""
    from leads import services as lead_services
    from leads.choices import LeadSource

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
    lead, _code = lead_services.lead_create(user=user, data=data, reason=reason, institution=institution)
    crackdown = Unit.objects.filter(code=UnitCode.GROUP_CRACKDOWN).first()
    if crackdown is not None:
        try:
            with transaction.atomic():
                lead = lead_services.lead_refer(lead=lead, user=user, unit=crackdown, reason=reason)
        except (PermissionDenied, DomainError):
            pass  # not the user's to refer: it waits in the street office's queue
    return lead


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
    if plan is None:
        rules.require(user, "rectification.plan_create", institution)
        plan = ContingencyPlan(institution=institution, created_by=user)
    else:
        rules.require(user, "rectification.plan_update", plan)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    require_own_street(user, lead_unit=fields.get("lead_unit"))
    for name, value in fields.items():
        setattr(plan, name, value)
    with transaction.atomic(), audit_context(actor=user, reason=reason or _("制定/修改应急预案")):
        plan.save()
        if not institution.collapse_risk:
            Institution.objects.filter(pk=institution.pk).update(collapse_risk=True)
            institution.collapse_risk = True
    return plan


#: The plan's status each status action moves to.
PLAN_STATUS_ACTIONS: dict[str, str] = {
    PlanStatus.ACTIVE: "rectification.plan_activate",
    PlanStatus.ARCHIVED: "rectification.plan_archive",
}


def plan_set_status(*, plan: ContingencyPlan, user: User, status: str, reason: str = "") -> ContingencyPlan:
    """draft → active → archived; one plan of an institution is active at a time."""
    action = PLAN_STATUS_ACTIONS.get(status)
    if action is None:
        raise DomainError(_("预案状态不能这样变更。"), field="status")
    return rules.transition(plan, user=user, action=action, reason=reason)


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
                "t": DIGEST_TEXT,
            },
            key=f"rectification-digest:{unit.pk}:{today.isoformat()}",
            jurisdiction_id=unit.jurisdiction_id,
        )
        if mail is not None:
            sent += 1
    return sent
