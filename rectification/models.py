"""Institutions, risk grades, inspections, problems and measures (plan §(六), §(七), §(八))."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, Q
from django.utils.translation import gettext_lazy as _

from core.visibility import ScopedQuerySet
from organization.choices import UnitCode, UnitKind

from .choices import CONTROL_LIST_MIN_GRADE, InstitutionStatus, InstitutionType, RiskGrade, Sector

if TYPE_CHECKING:
    from organization.models import Scope


def institution_scope_q(scope: Scope, prefix: str = "") -> Q:
    """Which institutions a scope sees; ``prefix`` (e.g. ``"institution__"``) applies the rule
    to a related model. No extra query: the group and bank checks are subqueries.

    - a community sees the institutions in its community;
    - a supervising unit sees the institutions it supervises (its sectors);
    - the rectification group (and its host unit) sees all;
    - a bank monitors illegal fund-raising for itself (plan §(六)): it sees that sector.
    """
    from organization.models import Unit

    if not scope.unit_ids:
        return Q(pk__in=[])
    if scope.is_community:
        return Q(**{f"{prefix}community_id": scope.unit_id})
    unit_ids = sorted(scope.unit_ids)
    in_group = Exists(Unit.objects.filter(pk__in=unit_ids, code=UnitCode.GROUP_RECTIFICATION))
    bank_codes = getattr(settings, "RECTIFICATION_BANK_UNIT_CODES", [UnitCode.RURAL_BANK])
    is_bank = Exists(Unit.objects.filter(pk=scope.unit_id or 0, code__in=bank_codes))
    return (
        Q(**{f"{prefix}supervising_unit_id__in": unit_ids})
        | Q(in_group)
        | (Q(**{f"{prefix}sector": Sector.FUND_RAISING}) & Q(is_bank))
    )


class InstitutionQuerySet(ScopedQuerySet):
    def on_control_list(self) -> InstitutionQuerySet:
        """The risk control list (风险管控名单): yellow or above, not closed."""
        return self.filter(risk_grade__gte=CONTROL_LIST_MIN_GRADE).exclude(status=InstitutionStatus.CLOSED)

    def inspection_overdue(self, today) -> InstitutionQuerySet:
        return self.filter(next_inspection_due__lt=today).exclude(status=InstitutionStatus.CLOSED)


class Institution(models.Model):
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
        help_text=_("按整治领域由实施方案确定，可修改。"),
    )
    risk_grade = models.PositiveSmallIntegerField(_("风险等级"), choices=RiskGrade.choices, default=RiskGrade.UNGRADED)
    grade_changed_at = models.DateTimeField(_("定级时间"), null=True, blank=True)
    last_inspection_date = models.DateField(_("最近检查日期"), null=True, blank=True)
    next_inspection_due = models.DateField(_("下次检查日期"), null=True, blank=True)
    collapse_risk = models.BooleanField(_("有爆雷风险"), default=False, help_text=_("有爆雷风险的机构须制定应急预案。"))
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = InstitutionQuerySet.as_manager()

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
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """A supervising unit sees its sectors' institutions, a community its own, the
        rectification group (and the street office, without this) all."""
        return institution_scope_q(scope)

    @property
    def on_control_list(self) -> bool:
        return self.risk_grade >= CONTROL_LIST_MIN_GRADE and self.status != InstitutionStatus.CLOSED
