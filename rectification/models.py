"""Institutions, risk grades, inspections, problems and measures (plan §(六), §(七), §(八))."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedModel
from core.models import RecordedModel
from core.visibility import ScopedQuerySet
from organization.choices import UnitCode, UnitKind

from .choices import (
    CONTROL_LIST_MIN_GRADE,
    PROBLEM_ACTIVE_STATUSES,
    Horizon,
    InstitutionStatus,
    InstitutionType,
    MeasureKind,
    PlanStatus,
    ProblemCategory,
    ProblemStatus,
    RiskGrade,
    Sector,
)

if TYPE_CHECKING:
    from organization.models import Scope


def institution_scope_q(scope: Scope, prefix: str = "") -> Q:
    """Which institutions a scope sees; ``prefix`` (e.g. ``"institution__"``) applies the rule
    to a related model. No extra query: the group and sector checks are subqueries, so a list
    costs the same number of queries however many sectors a unit supervises.

    - a community sees the institutions in its community;
    - a supervising unit sees the institutions it supervises;
    - a unit named for a sector besides its lead unit (``SectorSupervisor``, kept by the street
      office: a bank monitoring illegal fund-raising for itself, plan §(六)) sees every
      institution of that sector;
    - the rectification group (and its host unit) sees all.
    """
    from organization.models import Unit

    if not scope.unit_ids:
        return Q(pk__in=[])
    if scope.is_community:
        return Q(**{f"{prefix}community_id": scope.unit_id})
    unit_ids = sorted(scope.unit_ids)
    in_group = Exists(Unit.objects.filter(pk__in=unit_ids, code=UnitCode.GROUP_RECTIFICATION))
    sectors = SectorSupervisor.objects.filter(unit_id__in=unit_ids, is_lead=False).values("sector")
    return (
        Q(**{f"{prefix}supervising_unit_id__in": unit_ids})
        | Q(in_group)
        | Q(**{f"{prefix}sector__in": Subquery(sectors)})
    )


def supervised_sectors(scope: Scope) -> frozenset[str]:
    """The sectors whose every institution the scope's units see: those they are named for
    besides the lead unit (``SectorSupervisor``). One query the first time,
    then kept on the scope (one per request), so rules asked for every row of a page cost none."""
    cached = scope.__dict__.get("_rectification_sectors")
    if cached is None:
        ids = sorted(scope.unit_ids)
        rows = SectorSupervisor.objects.filter(unit_id__in=ids, is_lead=False).values_list("sector", flat=True)
        cached = frozenset(rows)
        object.__setattr__(scope, "_rectification_sectors", cached)  # Scope is frozen; a per-request memo
    return cached


class SectorSupervisorQuerySet(ScopedQuerySet):
    def of_street(self, street_id: int | None) -> SectorSupervisorQuerySet:
        """One street's mapping (issue 19): its rows, and a row without a jurisdiction whose unit
        is the street's (kept from before streets had their own). ``None``: every row (a
        deployment of one street, or units without a jurisdiction)."""
        if street_id is None:
            return self
        return self.filter(Q(jurisdiction_id=street_id) | Q(jurisdiction__isnull=True, unit__jurisdiction_id=street_id))


class SectorSupervisor(models.Model):
    """Which unit supervises which sector (plan §(六)): data the street office keeps on the
    sectors page (``rectification:sectors``), seeded from the plan's table
    (``choices.SECTOR_UNIT``). A sector has one lead unit (the default supervising unit of a new
    institution) and may have more units (a bank monitoring illegal fund-raising).

    Per street (issue 19): each street of a city keeps its own mapping of its own units
    (``jurisdiction``, the unit's; None in a deployment whose units have none), seeded from its
    units by code (``services.sectors_seed_defaults``, also when a street's unit is created), and
    an institution is routed by its street's rows (``objects.of_street``)."""

    sector = models.CharField(_("整治领域"), max_length=30, choices=Sector.choices)
    unit = models.ForeignKey(
        "organization.Unit", verbose_name=_("监管单位"), on_delete=models.PROTECT, related_name="supervised_sectors"
    )
    is_lead = models.BooleanField(_("牵头"), default=False, help_text=_("新登记机构默认由牵头单位监管。"))
    jurisdiction = models.ForeignKey(
        "organization.Jurisdiction",
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = SectorSupervisorQuerySet.as_manager()
    jurisdiction_path = "jurisdiction"

    class Meta:
        verbose_name = _("领域监管单位")
        verbose_name_plural = _("领域监管单位")
        ordering = ["sector", "-is_lead", "unit__sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sector", "unit"], name="sector_supervisor_once"),
            models.UniqueConstraint(
                fields=["sector"],
                condition=Q(is_lead=True, jurisdiction__isnull=True),
                name="sector_one_lead_unit",
                violation_error_message=_("每个领域只能有一个牵头单位。"),
            ),
            # each street its own lead unit per sector (issue 19)
            models.UniqueConstraint(
                fields=["jurisdiction", "sector"],
                condition=Q(is_lead=True),
                name="sector_one_lead_unit_per_street",
                violation_error_message=_("每个领域只能有一个牵头单位。"),
            ),
        ]
        indexes = [
            # the scope's subquery: the sectors of the user's units
            models.Index(fields=["unit", "sector"], name="sector_supervisor_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_sector_display()} · {self.unit}"

    @classmethod
    def jurisdiction_rows(cls, ids: frozenset[int]) -> Q:
        """A street's rows, and those without a jurisdiction whose unit is in the street."""
        return Q(jurisdiction__in=sorted(ids)) | Q(jurisdiction__isnull=True, unit__jurisdiction__in=sorted(ids))

    def in_jurisdictions(self, ids: frozenset[int]) -> bool:
        street = self.jurisdiction_id if self.jurisdiction_id is not None else self.unit.jurisdiction_id
        return street in ids

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q()  # the mapping is public to every signed-in user


class InstitutionQuerySet(ScopedQuerySet):
    def on_control_list(self) -> InstitutionQuerySet:
        """The risk control list (风险管控名单): yellow or above, not closed."""
        return self.filter(risk_grade__gte=CONTROL_LIST_MIN_GRADE).exclude(status=InstitutionStatus.CLOSED)

    def needs_contingency_plan(self) -> InstitutionQuerySet:
        """Red or at risk of collapse (爆雷), not closed, and no contingency plan in force."""
        active = ContingencyPlan.objects.filter(institution=models.OuterRef("pk"), status=PlanStatus.ACTIVE)
        return (
            self.filter(Q(risk_grade=RiskGrade.RED) | Q(collapse_risk=True))
            .exclude(status=InstitutionStatus.CLOSED)
            .exclude(Exists(active))
        )

    def inspection_overdue(self, today) -> InstitutionQuerySet:
        return self.filter(next_inspection_due__lt=today).exclude(status=InstitutionStatus.CLOSED)


class Institution(VersionedModel, RecordedModel):
    """An institution or business in the elderly field (机构/企业) that the campaign supervises."""

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        help_text=_("18位，GB 32100-2015；未登记的机构可不填。"),
    )
    type = models.CharField(_("类型"), max_length=30, choices=InstitutionType.choices, default=InstitutionType.OTHER)
    sector = models.CharField(_("整治领域"), max_length=30, choices=Sector.choices, db_index=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    community = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("所属社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="institutions",
        limit_choices_to={"kind": UnitKind.COMMUNITY},
    )
    legal_representative = models.CharField(_("法定代表人/负责人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    status = models.CharField(
        _("经营状态"), max_length=20, choices=InstitutionStatus.choices, default=InstitutionStatus.OPERATING
    )
    supervising_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("监管单位"),
        on_delete=models.PROTECT,
        related_name="supervised_institutions",
        help_text=_("须为监管该整治领域的单位；例外须由街道专项办指定并说明理由。"),
    )
    supervisor_override_reason = models.TextField(
        _("监管单位例外理由"),
        blank=True,
        help_text=_("街道专项办指定不监管该领域的单位时填写。"),
    )
    risk_grade = models.PositiveSmallIntegerField(_("风险等级"), choices=RiskGrade.choices, default=RiskGrade.UNGRADED)
    grade_changed_at = models.DateTimeField(_("定级时间"), null=True, blank=True)
    last_inspection_date = models.DateField(_("最近检查日期"), null=True, blank=True)
    next_inspection_due = models.DateField(_("下次检查日期"), null=True, blank=True)
    collapse_risk = models.BooleanField(_("有爆雷风险"), default=False, help_text=_("有爆雷风险的机构须制定应急预案。"))
    note = models.TextField(_("备注"), blank=True)
    #: ``validators.match_key(name, address)``, set by the services: what finds a duplicate of an
    #: institution without a credit code.
    match_key = models.CharField(_("名称地址比对键"), max_length=520, blank=True, editable=False)

    objects = InstitutionQuerySet.as_manager()
    jurisdiction_path = "supervising_unit__jurisdiction"

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["-risk_grade", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__isnull=True) | Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                name="institution_credit_code_format",
                violation_error_message=_("统一社会信用代码应为18位数字或大写字母。"),
            ),
            models.CheckConstraint(
                condition=Q(risk_grade__gte=0) & Q(risk_grade__lte=4),
                name="institution_risk_grade_range",
                violation_error_message=_("风险等级无效。"),
            ),
        ]
        indexes = [
            # the risk control list and the lists sorted by grade
            models.Index(fields=["risk_grade", "name"], name="inst_grade_name_idx"),
            # overdue-inspection list per unit
            models.Index(fields=["supervising_unit", "next_inspection_due"], name="inst_unit_due_idx"),
            # a community's institutions
            models.Index(fields=["community", "name"], name="inst_community_name_idx"),
            # the overdue list across all units (street office, rectification group) and the daily reminder
            models.Index(fields=["next_inspection_due"], name="inst_next_due_idx"),
            # the institution list's order (a page of 25 without sorting every institution)
            models.Index(fields=["-risk_grade", "name", "id"], name="inst_list_order_idx"),
            # the control list's order
            models.Index(fields=["-risk_grade", "next_inspection_due", "name", "id"], name="inst_control_order_idx"),
            # duplicates without a credit code: the same normalised name and address
            models.Index(fields=["match_key"], name="inst_match_key_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rectification:institution_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """A supervising unit sees its sectors' institutions, a community its own, the
        rectification group (and the street office, without this) all."""
        return institution_scope_q(scope)

    @property
    def on_control_list(self) -> bool:
        return self.risk_grade >= CONTROL_LIST_MIN_GRADE and self.status != InstitutionStatus.CLOSED


class RiskGradeSetting(models.Model):
    """The label and inspection interval of one grade (admin-editable). Without a row, the
    defaults of ``choices.DEFAULT_INSPECTION_INTERVAL_DAYS`` and the grade's own label apply."""

    grade = models.PositiveSmallIntegerField(_("风险等级"), choices=RiskGrade.choices, unique=True)
    label = models.CharField(_("显示名称"), max_length=20, blank=True, help_text=_("留空则用默认名称。"))
    inspection_interval_days = models.PositiveSmallIntegerField(
        _("检查周期（天）"), null=True, blank=True, help_text=_("留空表示不安排定期检查。")
    )

    class Meta:
        verbose_name = _("风险等级设置")
        verbose_name_plural = _("风险等级设置")
        ordering = ["grade"]
        constraints = [
            models.CheckConstraint(
                condition=Q(inspection_interval_days__isnull=True) | Q(inspection_interval_days__gte=1),
                name="grade_setting_interval_positive",
                violation_error_message=_("检查周期至少为1天。"),
            ),
        ]

    def __str__(self) -> str:
        return self.label or str(RiskGrade(self.grade).label)


class GradeChange(models.Model):
    """One change of an institution's risk grade: who, when, why."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="grade_changes"
    )
    from_grade = models.PositiveSmallIntegerField(_("原等级"), choices=RiskGrade.choices)
    to_grade = models.PositiveSmallIntegerField(_("新等级"), choices=RiskGrade.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("定级人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("定级时间"))
    reason = models.TextField(_("定级理由"))

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "institution__supervising_unit__jurisdiction"

    class Meta:
        verbose_name = _("风险等级变更")
        verbose_name_plural = _("风险等级变更")
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_grade=models.F("to_grade")),
                name="grade_change_changes_grade",
                violation_error_message=_("新等级与原等级相同。"),
            ),
        ]
        indexes = [
            # an institution's grade history, newest first
            models.Index(fields=["institution", "-changed_at"], name="grade_change_inst_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.get_from_grade_display()} → {self.get_to_grade_display()}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return institution_scope_q(scope, "institution__")


class Inspection(models.Model):
    """An inspection (隐患排查/检查) of an institution; problems are raised from its findings."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="inspections"
    )
    date = models.DateField(_("检查日期"))
    unit = models.ForeignKey(
        "organization.Unit", verbose_name=_("检查单位"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspectors = models.CharField(_("检查人员"), max_length=200)
    findings = models.TextField(_("检查情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "institution__supervising_unit__jurisdiction"

    class Meta:
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")
        ordering = ["-date", "-pk"]
        indexes = [
            # an institution's inspections, newest first
            models.Index(fields=["institution", "-date"], name="inspection_inst_date_idx"),
            # the inspection list's order (newest first) and its campaign filter (a date range)
            models.Index(fields=["-date", "-id"], name="inspection_list_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.date:%Y-%m-%d}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return institution_scope_q(scope, "institution__") | Q(unit_id__in=sorted(scope.unit_ids))


class ProblemQuerySet(ScopedQuerySet):
    def active(self) -> ProblemQuerySet:
        return self.filter(status__in=PROBLEM_ACTIVE_STATUSES)


class Problem(VersionedModel):
    """One entry of the problem list (问题清单): listed, owned, with measures and deadlines."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="problems"
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("来源检查"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    description = models.TextField(_("问题描述"))
    category = models.CharField(_("问题类别"), max_length=20, choices=ProblemCategory.choices)
    horizon = models.CharField(
        _("整治类型"), max_length=20, choices=Horizon.choices, default=Horizon.IMMEDIATE, help_text=_("当下改、长久治")
    )
    owner_unit = models.ForeignKey(
        "organization.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="owned_problems"
    )
    owner_person = models.CharField(_("责任人"), max_length=50)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.OPEN, db_index=True
    )
    transferred_to = models.CharField(_("移交部门"), max_length=100, blank=True)
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("移送线索"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # the record of a transfer to the judiciary keeps its lead
        related_name="+",
        help_text=_("移送司法机关时为打击组生成的线索。"),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ProblemQuerySet.as_manager()
    jurisdiction_path = "institution__supervising_unit__jurisdiction"

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ProblemStatus.CLOSED) | Q(closed_at__isnull=False),
                name="problem_closed_has_date",
                violation_error_message=_("销号的问题必须有销号时间。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=ProblemStatus.TRANSFERRED) | ~Q(transferred_to=""),
                name="problem_transfer_has_department",
                violation_error_message=_("移交的问题必须写明移交部门。"),
            ),
        ]
        indexes = [
            # the problem list filtered by owner unit and status
            models.Index(fields=["owner_unit", "status"], name="problem_owner_status_idx"),
            # an institution's problems
            models.Index(fields=["institution", "status"], name="problem_inst_status_idx"),
            # the problem list's order (newest first) and its campaign filter (a date range)
            models.Index(fields=["-raised_at", "-id"], name="problem_list_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.description[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("rectification:problem_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return institution_scope_q(scope, "institution__") | Q(owner_unit_id__in=sorted(scope.unit_ids))

    @property
    def is_active(self) -> bool:
        return self.status in PROBLEM_ACTIVE_STATUSES


class Measure(models.Model):
    """A concrete measure of a problem (措施条款化) with its deadline (时限节点化)."""

    problem = models.ForeignKey(Problem, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("措施"), max_length=20, choices=MeasureKind.choices)
    detail = models.CharField(_("具体内容"), max_length=500, blank=True)
    deadline = models.DateField(_("完成期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完成确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result = models.TextField(_("落实情况"), blank=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "problem__institution__supervising_unit__jurisdiction"

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["deadline", "pk"]
        indexes = [
            # measures overdue: open ones by deadline
            models.Index(fields=["done_at", "deadline"], name="measure_open_deadline_idx"),
            # a problem's latest deadline (reports.with_last_deadline: closed on time) from the index
            models.Index(fields=["problem", "deadline"], name="measure_problem_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.deadline:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        """The measure's problem page (no query)."""
        return reverse("rectification:problem_detail", args=[self.problem_id])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return institution_scope_q(scope, "problem__institution__") | Q(
            problem__owner_unit_id__in=sorted(scope.unit_ids)
        )

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ContingencyPlan(RecordedModel):
    """A contingency plan (应急预案) for an institution at risk of collapse (爆雷, plan §(八))."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="contingency_plans"
    )
    title = models.CharField(_("预案名称"), max_length=200)
    risk_assessment = models.TextField(_("风险研判"), help_text=_("涉及人数、老年人数、资金规模、爆雷征兆等。"))
    trigger = models.TextField(_("启动条件"))
    response = models.TextField(_("处置措施"), help_text=_("资金监管、人员稳控、舆情引导、矛盾化解等。"))
    lead_unit = models.ForeignKey(
        "organization.Unit", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="contingency_plans"
    )
    responsible_person = models.CharField(_("责任人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    people_affected = models.PositiveIntegerField(_("涉及人数"), null=True, blank=True)
    elderly_affected = models.PositiveIntegerField(_("涉及老年人数"), null=True, blank=True)
    amount_involved = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    review_date = models.DateField(_("下次评估日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "institution__supervising_unit__jurisdiction"

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution"],
                condition=Q(status=PlanStatus.ACTIVE),
                name="plan_one_active_per_institution",
                violation_error_message=_("该机构已有生效的应急预案，请先归档。"),
            ),
            models.CheckConstraint(
                condition=Q(amount_involved__isnull=True) | Q(amount_involved__gte=0),
                name="plan_amount_not_negative",
                violation_error_message=_("金额不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("rectification:plan_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return institution_scope_q(scope, "institution__") | Q(lead_unit_id__in=sorted(scope.unit_ids))
