"""Cases of the crackdown group and the tribunal (plan §(三), §(四), §(五), §(八), §(十)).

- ``Case``: one case (刑事, 行政执法, 治安处罚 or 民事纠纷) with its current step, figures and flags,
  opened from leads referred to the crackdown group (``Case.leads``, ``lead.cases``) or directly;
  the institution it concerns is ``Case.institution`` (``institution.cases``).
  ``Case.is_typical`` marks a typical case (典型案例); the publicity app links its activities to
  cases with ``ForeignKey("cases.Case", related_name="publicity_activities")`` and lists typical
  cases with ``Case.objects.typical()``.
- ``CaseStep``: one row per step reached, with its date (快侦快破快审 measures the days between them).
- ``LedgerEntry``: the asset-recovery ledger (止付/冻结/查封扣押/追缴/退赔清退). Append-only: a
  correction is a reversing entry (``reverses``) whose amount counts negative in every total.
- ``PublicOpinionPlan``: the public-opinion plan (三同步) a major or sensitive case needs.

Every write goes through ``cases.services``.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedModel
from core.models import RecordedModel
from core.visibility import ScopedQuerySet

from .choices import CASE_UNIT_CODES, STEPS, CaseKind, FraudType, LedgerKind, RiskLevel, Step

if TYPE_CHECKING:
    from organization.models import Scope

MONEY = {"max_digits": 14, "decimal_places": 2}
TOTAL_FIELD = models.DecimalField(max_digits=16, decimal_places=2)
CONTINGENCY_REQUIRED = _("涉稳风险为“高”或涉众型的案件必须制定应急预案，请填写应急预案。")


def sees_cases_q(scope: Scope) -> Q:
    """Every row (``Q()``) when the scope's units include the crackdown group, the police or the
    tribunal (``Scope.unit_codes``: no query, no subquery), none otherwise."""
    if scope.unit_codes & frozenset(CASE_UNIT_CODES):
        return Q()
    return Q(pk__in=[])


def signed_amount(prefix: str = "") -> models.Case:
    """An entry's amount as it counts in totals: negative for a reversing entry."""
    return models.Case(
        models.When(**{f"{prefix}reverses__isnull": True}, then=F(f"{prefix}amount")),
        default=Value(Decimal("-1")) * F(f"{prefix}amount"),
        output_field=TOTAL_FIELD,
    )


def ledger_sum(kind: str, prefix: str = "") -> Coalesce:
    """The DB total of one ledger kind (reversals negative), 0 when there are none."""
    return Coalesce(
        Sum(signed_amount(prefix), filter=Q(**{f"{prefix}kind": kind}), output_field=TOTAL_FIELD),
        Value(Decimal("0")),
        output_field=TOTAL_FIELD,
    )


@functools.cache
def ledger_total(kind: str) -> Coalesce:
    """A case's total of one ledger kind (reversals negative), 0 when there are none: a subquery
    on the entries of the outer case (``OuterRef("pk")``). Built once per kind (expressions are
    copied when a query uses them), as building the five costs more than the page's rows."""
    entries = (
        LedgerEntry.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(total=Sum(signed_amount(), filter=Q(kind=kind), output_field=TOTAL_FIELD))
        .values("total")
    )
    return Coalesce(Subquery(entries, output_field=TOTAL_FIELD), Value(Decimal("0")), output_field=TOTAL_FIELD)


def ledger_totals_of(entries) -> dict[str, Decimal]:
    """The totals of each ledger kind over ``entries`` already read (reversals negative), the
    same figures as ``CaseQuerySet.with_totals`` without a query."""
    totals = {kind: Decimal("0") for kind in LedgerKind.values}
    for entry in entries:
        amount = Decimal(entry.amount or 0)
        totals[entry.kind] = totals.get(entry.kind, Decimal("0")) + (-amount if entry.reverses_id else amount)
    return {kind: cents(total) for kind, total in totals.items()}


def cents(value: Decimal | None) -> Decimal:
    """A DB total as yuan with two places (SQLite returns sums of expressions unscaled)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


#: The recovery rate is kept to this many places of the share (0.00000017 = 0.000017 %), so that
#: 1 元 returned of 5,800,000 shows as a non-zero rate and 99.996 % is not rounded to 100 %.
RATE_PLACES = Decimal("0.00000001")


def recovery_rate(returned: Decimal | None, involved: Decimal | None) -> Decimal | None:
    """Returned to victims against the amount involved; None when the amount involved is 0."""
    if not involved:
        return None
    return (Decimal(returned or 0) / Decimal(involved)).quantize(RATE_PLACES)


class CaseQuerySet(ScopedQuerySet):
    def with_totals(self) -> CaseQuerySet:
        """Annotate each case with its ledger totals (``stopped_total``, ``frozen_total``,
        ``seized_total``, ``recovered_total``, ``returned_total``), computed in the database.
        Reversing entries count negative. Correlated subqueries rather than a join and GROUP BY:
        a page of 25 cases sums only its own entries, and ``count()`` drops them."""
        return self.annotate(**{f"{kind}_total": ledger_total(kind) for kind in LedgerKind.values})

    def typical(self) -> CaseQuerySet:
        """Typical cases (典型案例), for publicity."""
        return self.filter(is_typical=True)

    def cleared_for_publicity(self) -> CaseQuerySet:
        """Typical cases the case handlers cleared for publicity."""
        return self.filter(is_typical=True, publicity_cleared=True)

    def needs_opinion_plan(self) -> CaseQuerySet:
        """Major or sensitive cases without a public-opinion plan (三同步 missing)."""
        return self.filter(is_major=True, opinion_plan__isnull=True)


class Case(VersionedModel, RecordedModel):
    """A case held by the crackdown group (派出所) or the tribunal (青阳法庭)."""

    title = models.CharField(_("案件名称"), max_length=200)
    number = models.CharField(_("案件编号"), max_length=60, blank=True, help_text=_("办案单位的案号，可不填。"))
    kind = models.CharField(_("案件类别"), max_length=20, choices=CaseKind.choices, db_index=True)
    step = models.CharField(_("办理环节"), max_length=20, choices=Step.choices, editable=False)
    step_date = models.DateField(_("环节日期"), editable=False)
    opened_on = models.DateField(_("立案/受理日期"), editable=False)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True, editable=False)
    fraud_type = models.CharField(_("诈骗类型"), max_length=20, choices=FraudType.choices, db_index=True)
    handling_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("办案单位"),
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    summary = models.TextField(_("简要案情"), blank=True)
    suspects = models.PositiveIntegerField(_("嫌疑人数"), default=0)
    detained = models.PositiveIntegerField(_("抓获/刑拘人数"), default=0)
    victims = models.PositiveIntegerField(_("受害人数"), default=0)
    elderly_victims = models.PositiveIntegerField(_("其中老年人数"), default=0)
    amount_involved = models.DecimalField(_("涉案金额（元）"), default=Decimal("0"), **MONEY)
    is_gang = models.BooleanField(_("团伙作案"), default=False)
    is_organised_crime = models.BooleanField(_("涉黑恶势力"), default=False)
    is_corruption = models.BooleanField(_("涉腐败/保护伞"), default=False)
    is_many_victims = models.BooleanField(_("涉众型"), default=False)
    is_major = models.BooleanField(
        _("重大敏感"), default=False, help_text=_("重大敏感案件须制定舆情应对方案（三同步）。")
    )
    #: 典型案例: listed at cases:typical; publicity activities link to it (related_name
    #: "publicity_activities").
    is_typical = models.BooleanField(_("典型案例"), default=False)
    #: 可公开宣传: a typical case the case handlers cleared for publicity (``cases.clear_publicity``).
    #: The publicity group then sees only what was cleared (``selectors.publicity_summaries``):
    #: the title and summary written for publicity, the amounts only when ``publicity_show_amount``,
    #: never the case's own title, summary, victims or suspects.
    publicity_cleared = models.BooleanField(_("可公开宣传"), default=False, editable=False)
    publicity_title = models.CharField(
        _("宣传标题"), max_length=200, blank=True, help_text=_("不含当事人姓名，例如“以房养老”诈骗案。")
    )
    publicity_summary = models.TextField(
        _("宣传用案情摘要"), blank=True, help_text=_("不含受害人、嫌疑人的姓名、电话、住址等可识别信息。")
    )
    publicity_show_amount = models.BooleanField(_("可公开涉案金额和挽损金额"), default=False)
    publicity_cleared_at = models.DateTimeField(_("同意公开时间"), null=True, blank=True, editable=False)
    stability_risk = models.CharField(
        _("涉稳风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    case_plan = models.TextField(_("一案一策"), blank=True)
    contingency_plan = models.TextField(_("应急预案"), blank=True, help_text=_("涉稳风险为高或涉众型案件必须填写。"))
    institution = models.ForeignKey(
        "rectification.Institution",
        verbose_name=_("涉及机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    #: The leads the case came from (the lead page lists ``lead.cases``).
    leads = models.ManyToManyField("leads.Lead", verbose_name=_("来源线索"), blank=True, related_name="cases")

    objects = CaseQuerySet.as_manager()
    jurisdiction_path = "handling_unit__jurisdiction"

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_involved__gte=0),
                name="case_amount_not_negative",
                violation_error_message=_("涉案金额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(detained__lte=F("suspects")),
                name="case_detained_within_suspects",
                violation_error_message=_("抓获人数不能多于嫌疑人数。"),
            ),
            models.CheckConstraint(
                condition=Q(elderly_victims__lte=F("victims")),
                name="case_elderly_within_victims",
                violation_error_message=_("老年受害人数不能多于受害人数。"),
            ),
            models.CheckConstraint(
                condition=Q(publicity_cleared=False) | (Q(is_typical=True) & ~Q(publicity_summary="")),
                name="case_publicity_only_typical_with_summary",
                violation_error_message=_("只有写明宣传用案情摘要的典型案例才能公开宣传。"),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(step=Step.CLOSED),
                name="case_closed_on_only_when_closed",
                violation_error_message=_("只有已结案的案件才有结案日期。"),
            ),
        ]
        indexes = [
            # the default list order and the monthly figures by opening date
            models.Index(fields=["-opened_on", "-id"], name="case_opened_idx"),
            # the lists filtered by kind and step (e.g. open criminal cases)
            models.Index(fields=["kind", "step"], name="case_kind_step_idx"),
            # the typical-case list
            models.Index(fields=["is_typical", "-opened_on"], name="case_typical_idx"),
            # the publicity group's list of cleared typical cases
            models.Index(fields=["publicity_cleared", "-publicity_cleared_at"], name="case_publicity_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """The crackdown group (and its host, the police) and the tribunal see every case;
        community staff and other units see none."""
        return sees_cases_q(scope)

    # --- rules ---------------------------------------------------------------------------

    @property
    def needs_contingency_plan(self) -> bool:
        return self.stability_risk == RiskLevel.HIGH or self.is_many_victims

    def clean(self) -> None:
        super().clean()
        if self.needs_contingency_plan and not (self.contingency_plan or "").strip():
            raise ValidationError({"contingency_plan": CONTINGENCY_REQUIRED})

    @property
    def is_closed(self) -> bool:
        return self.step == Step.CLOSED

    @property
    def kind_is_locked(self) -> bool:
        """The kind changes only while the case is at its first step (the step then changes too)."""
        return bool(self.pk) and self.step != STEPS.get(self.kind, (self.step,))[0]

    @property
    def steps_of_kind(self) -> tuple[str, ...]:
        return STEPS.get(self.kind, ())

    def recovery_rate(self) -> Decimal | None:
        """Needs ``returned_total`` (``CaseQuerySet.with_totals``) or costs one query."""
        returned = getattr(self, "returned_total", None)
        if returned is None:
            returned = self.ledger_totals()[LedgerKind.RETURNED]
        return recovery_rate(returned, self.amount_involved)

    def ledger_totals(self) -> dict[str, Decimal]:
        """The totals of each ledger kind, from the database. One query."""
        totals = LedgerEntry.objects.filter(case=self).aggregate(
            **{kind: ledger_sum(kind) for kind in LedgerKind.values}
        )
        return {kind: cents(totals[kind]) for kind in LedgerKind.values}


class CaseStep(models.Model):
    """The date a case reached a step (立案, 侦查, 破案 …), who recorded it, and a note."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("环节"), max_length=20, choices=Step.choices)
    date = models.DateField(_("日期"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "case__handling_unit__jurisdiction"

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["case", "date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="casestep_once_per_case"),
        ]
        # The unique constraint's index serves the fast-track averages (the steps of the cases).

    def __str__(self) -> str:
        return f"{self.case} · {self.get_step_display()} {self.date}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return sees_cases_q(scope)


class LedgerEntryError(Exception):
    pass


class LedgerEntryQuerySet(ScopedQuerySet):
    def signed(self) -> LedgerEntryQuerySet:
        return self.annotate(signed_amount=signed_amount())


class LedgerEntry(models.Model):
    """One entry of a case's asset-recovery ledger (追赃挽损台账). Never edited nor deleted: a
    correction is a new entry that ``reverses`` the wrong one (same kind and amount) and counts
    negative in the totals."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(_("类别"), max_length=20, choices=LedgerKind.choices)
    date = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("冲正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LedgerEntryQuerySet.as_manager()
    jurisdiction_path = "case__handling_unit__jurisdiction"

    class Meta:
        verbose_name = _("追赃挽损记录")
        verbose_name_plural = _("追赃挽损记录")
        ordering = ["case", "date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="ledger_amount_not_negative",
                violation_error_message=_("金额不能为负数；更正请登记冲正记录。"),
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="ledger_reversed_once",
                violation_error_message=_("该记录已冲正。"),
            ),
        ]
        indexes = [
            # the monthly figures: entries of a kind within a period
            models.Index(fields=["kind", "date"], name="ledger_kind_date_idx"),
            # the ledger list's order (newest first) and its campaign filter (a date range)
            models.Index(fields=["-date", "-id"], name="ledger_list_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerEntryError("Ledger entries cannot be changed: record a reversing entry.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The ledger of the entry's case."""
        return reverse("cases:detail", args=[self.case_id]) + "#ledger"

    def delete(self, *args, **kwargs):
        raise LedgerEntryError("Ledger entries cannot be deleted: record a reversing entry.")

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return sees_cases_q(scope)

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def counted_amount(self) -> Decimal:
        return -self.amount if self.is_reversal else self.amount


class PublicOpinionPlan(models.Model):
    """The public-opinion plan of a major or sensitive case: 三同步 (assess, monitor and respond
    in step with the handling of the case), plan §(十)."""

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="opinion_plan")
    assessment = models.TextField(_("舆情风险评估"))
    monitoring = models.TextField(_("舆情监测"))
    response = models.TextField(_("应对处置"))
    owner = models.CharField(_("责任人"), max_length=50)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "case__handling_unit__jurisdiction"

    class Meta:
        verbose_name = _("舆情应对方案")
        verbose_name_plural = _("舆情应对方案")

    def __str__(self) -> str:
        return f"{self.case} · {self._meta.verbose_name}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return sees_cases_q(scope)


def step_intervals(steps: list[CaseStep]) -> list[tuple[CaseStep, int | None]]:
    """Each step with the days since the previous one (None for the first)."""
    result: list[tuple[CaseStep, int | None]] = []
    previous: datetime.date | None = None
    for record in sorted(steps, key=lambda r: (r.date, r.pk or 0)):
        result.append((record, (record.date - previous).days if previous else None))
        previous = record.date
    return result
