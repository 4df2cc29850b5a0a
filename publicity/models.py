"""Publicity and education (plan §(九) 加强宣传教育, §(十) 注重舆论引导): activities by units and
communities, monthly awareness surveys giving the three rates, media reports and the
public-opinion (舆情) log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedModel
from core.models import RecordedModel
from core.visibility import ScopedQuerySet
from organization.choices import UnitCode
from organization.models import Scope, Unit

from .choices import ActivityType, MediaLevel, OpinionSource, OpinionStatus, RiskLevel, Venue


def publicity_group_q(scope: Scope) -> Q:
    """Every row when the user's units include the publicity group (宣教组, or its host unit).

    Evaluated by the database as an uncorrelated EXISTS, so it costs no query of its own.
    """
    if not scope.unit_ids:
        return Q(pk__in=[])
    return Q(Exists(Unit.objects.filter(pk__in=scope.unit_ids, code=UnitCode.GROUP_PUBLICITY)))


def rate(aware: int | None, surveyed: int | None) -> float | None:
    """A percentage, or None when nobody was surveyed (never a division by zero)."""
    if not surveyed or aware is None:
        return None
    return round(aware * 100.0 / surveyed, 1)


def non_negative(*fields: str, prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__gte": 0}),
            name=f"{prefix}_{name}_not_negative",
            violation_error_message=_("数量不能为负数。"),
        )
        for name in fields
    ]


ELDERLY_TOO_MANY = _("覆盖老年人数不能超过覆盖人数。")
TYPICAL_CASE_WRONG_TYPE = _("只有“典型案例曝光”活动才能关联典型案例。")
TYPICAL_CASE_NOT_TYPICAL = _("所选案件未标记为典型案例。")


class Activity(RecordedModel, VersionedModel):
    """A publicity activity held by a unit or a community (宣传活动)."""

    date = models.DateField(_("日期"), db_index=True)
    title = models.CharField(_("主题"), max_length=200)
    activity_type = models.CharField(_("形式"), max_length=20, choices=ActivityType.choices)
    venue = models.CharField(_("场所"), max_length=20, choices=Venue.choices)
    organiser = models.ForeignKey(
        Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="publicity_activities_organised"
    )
    community = models.ForeignKey(
        Unit,
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="publicity_activities",
        help_text=_("活动所在社区；面向全街道或线上的活动可不填。"),
    )
    people_reached = models.PositiveIntegerField(_("覆盖人数"), default=0)
    elderly_reached = models.PositiveIntegerField(_("其中老年人"), default=0)
    materials = models.PositiveIntegerField(_("发放资料（份）"), default=0)
    messages = models.PositiveIntegerField(_("发送信息（条）"), default=0)
    description = models.TextField(_("活动内容"), blank=True)
    typical_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("曝光的典型案例"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="publicity_activities",
        help_text=_("仅“典型案例曝光”活动填写，须为已标记为典型案例的案件。"),
    )

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "organiser__jurisdiction"

    class Meta:
        verbose_name = _("宣传活动")
        verbose_name_plural = _("宣传活动")
        ordering = ["-date", "-pk"]
        constraints = [
            *non_negative("people_reached", "elderly_reached", "materials", "messages", prefix="activity"),
            models.CheckConstraint(
                condition=Q(elderly_reached__lte=F("people_reached")),
                name="activity_elderly_within_people",
                violation_error_message=ELDERLY_TOO_MANY,
            ),
            models.CheckConstraint(
                condition=Q(typical_case__isnull=True) | Q(activity_type=ActivityType.TYPICAL_CASE),
                name="activity_typical_case_only_for_exposure",
                violation_error_message=TYPICAL_CASE_WRONG_TYPE,
            ),
        ]
        indexes = [
            # A community's list and its totals (community staff, the community filter).
            models.Index(fields=["community", "-date"], name="pub_activity_community_date"),
            # A member unit's own activities (scope_q on organiser).
            models.Index(fields=["organiser", "-date"], name="pub_activity_organiser_date"),
            # Totals by type.
            models.Index(fields=["activity_type", "date"], name="pub_activity_type_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("publicity:activity_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        q = publicity_group_q(scope) | Q(organiser_id__in=scope.unit_ids)
        if scope.is_community and scope.unit_id:
            q |= Q(community_id=scope.unit_id)
        return q

    def clean(self) -> None:
        """A linked case only on an exposure of a typical case, and the case must be typical.
        One query when a case is linked."""
        super().clean()
        if self.typical_case_id is None:
            return
        if self.activity_type != ActivityType.TYPICAL_CASE:
            raise ValidationError({"typical_case": TYPICAL_CASE_WRONG_TYPE})
        if not self.typical_case.is_typical:
            raise ValidationError({"typical_case": TYPICAL_CASE_NOT_TYPICAL})


@dataclass(frozen=True)
class AwarenessKind:
    """One of the three awareness rates: which counts it divides and what it is called."""

    key: str
    surveyed: str
    aware: str
    label: Promise
    too_many: Promise


AWARENESS_KINDS = (
    AwarenessKind(
        "household", "households_surveyed", "households_aware", _("家庭知晓率"), _("知晓的家庭数不能超过调查的家庭数。")
    ),
    AwarenessKind(
        "resident",
        "residents_surveyed",
        "residents_aware",
        _("社区居民知晓率"),
        _("知晓的居民人数不能超过调查的居民人数。"),
    ),
    AwarenessKind(
        "elderly", "elderly_surveyed", "elderly_aware", _("社区老人知晓率"), _("知晓的老人人数不能超过调查的老人人数。")
    ),
)


class AwarenessSurvey(RecordedModel, VersionedModel):
    """A community's awareness survey for one month (知晓率调查), giving the three rates."""

    community = models.ForeignKey(
        Unit, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="awareness_surveys"
    )
    month = models.DateField(_("月份"), help_text=_("该月1日。"))
    households_surveyed = models.PositiveIntegerField(_("调查家庭数"), default=0)
    households_aware = models.PositiveIntegerField(_("知晓家庭数"), default=0)
    residents_surveyed = models.PositiveIntegerField(_("调查居民数"), default=0)
    residents_aware = models.PositiveIntegerField(_("知晓居民数"), default=0)
    elderly_surveyed = models.PositiveIntegerField(_("调查老人数"), default=0)
    elderly_aware = models.PositiveIntegerField(_("知晓老人数"), default=0)
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "community__jurisdiction"

    class Meta:
        verbose_name = _("知晓率调查")
        verbose_name_plural = _("知晓率调查")
        ordering = ["-month", "community__sort_order", "community__name"]
        constraints = [
            *non_negative(*(f for k in AWARENESS_KINDS for f in (k.surveyed, k.aware)), prefix="survey"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{k.aware}__lte": F(k.surveyed)}),
                    name=f"survey_{k.key}_aware_within_surveyed",
                    violation_error_message=k.too_many,
                )
                for k in AWARENESS_KINDS
            ),
            # Also serves a community's trend (community, month).
            models.UniqueConstraint(
                fields=["community", "month"],
                name="survey_one_per_community_month",
                violation_error_message=_("该社区本月已有一份知晓率调查，请修改原记录。"),
            ),
        ]
        indexes = [
            # The street-wide trend and figures(): surveys of a period, grouped by month.
            models.Index(fields=["month"], name="pub_survey_month"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("publicity:survey_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return publicity_group_q(scope) | Q(community_id__in=scope.unit_ids)

    @property
    def household_rate(self) -> float | None:
        return rate(self.households_aware, self.households_surveyed)

    @property
    def resident_rate(self) -> float | None:
        return rate(self.residents_aware, self.residents_surveyed)

    @property
    def elderly_rate(self) -> float | None:
        return rate(self.elderly_aware, self.elderly_surveyed)


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


class MediaReport(RecordedModel, VersionedModel):
    """A report on the campaign in the media (媒体报道). Published, so every signed-in user sees it."""

    date = models.DateField(_("日期"))
    outlet = models.CharField(_("媒体"), max_length=100)
    level = models.CharField(_("级别"), max_length=20, choices=MediaLevel.choices)
    title = models.CharField(_("标题"), max_length=300)
    url = models.URLField(_("链接"), max_length=500, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="publicity_media_reports"
    )
    note = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "unit__jurisdiction"

    class Meta:
        verbose_name = _("媒体报道")
        verbose_name_plural = _("媒体报道")
        ordering = ["-date", "-pk"]
        indexes = [
            # The list, newest first, and counts of a period.
            models.Index(fields=["-date"], name="pub_media_date"),
        ]

    def __str__(self) -> str:
        return f"{self.outlet} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("publicity:media_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q()

    @property
    def safe_url(self) -> str:
        """The link only if it is http(s): anything else (``javascript:`` …) is never rendered as a link."""
        return self.url if urlsplit(self.url).scheme.lower() in ("http", "https") else ""


class OpinionEntry(RecordedModel, VersionedModel):
    """An entry of the public-opinion log (舆情) for a sensitive case (§(十))."""

    date = models.DateField(_("日期"))
    source = models.CharField(_("来源"), max_length=20, choices=OpinionSource.choices)
    summary = models.TextField(_("舆情摘要"))
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    response = models.TextField(_("处置措施"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("关联案件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinion_entries",
    )
    case_reference = models.CharField(
        _("涉及案件"), max_length=200, blank=True, help_text=_("未关联案件时，填写案件编号或名称。")
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("登记单位"), on_delete=models.PROTECT, related_name="publicity_opinion_entries"
    )
    status = models.CharField(
        _("处置状态"), max_length=12, choices=OpinionStatus.choices, default=OpinionStatus.NEW, editable=False
    )
    escalated_at = models.DateTimeField(_("上报街道专项办时间"), null=True, blank=True, editable=False)
    escalated_by = models.ForeignKey(
        "organization.User",
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "unit__jurisdiction"

    class Meta:
        verbose_name = _("舆情记录")
        verbose_name_plural = _("舆情记录")
        ordering = ["-date", "-pk"]
        indexes = [
            # The log, newest first, filtered by risk level.
            models.Index(fields=["risk_level", "-date"], name="pub_opinion_risk_date"),
            # The log filtered by status (what is still being followed).
            models.Index(fields=["status", "-date"], name="pub_opinion_status_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_source_display()}"

    def get_absolute_url(self) -> str:
        return reverse("publicity:opinion_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return publicity_group_q(scope) | Q(unit_id__in=scope.unit_ids)


class OpinionFollowUp(models.Model):
    """One follow-up of a public-opinion entry (跟进记录): what was done, by whom, when, and the
    status the entry moved to. Append-only, like the audit trail."""

    entry = models.ForeignKey(
        OpinionEntry, verbose_name=_("舆情记录"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    date = models.DateField(_("日期"))
    note = models.TextField(_("跟进情况"))
    status = models.CharField(_("处置状态"), max_length=12, choices=OpinionStatus.choices)
    by = models.ForeignKey(
        "organization.User", verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "entry__unit__jurisdiction"

    class Meta:
        verbose_name = _("舆情跟进记录")
        verbose_name_plural = _("舆情跟进记录")
        ordering = ["entry", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.entry} · {self.date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("publicity:opinion_detail", args=[self.entry_id])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return publicity_group_q(scope) | Q(entry__unit_id__in=scope.unit_ids)
