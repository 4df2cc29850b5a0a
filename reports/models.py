"""Unit monthly submissions, the street office's monthly report, its recipients, and the
campaign summary (DOMAIN.md §Reporting and supervision; plan §四 总结提升, §六 工作要求)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedModel
from core.models import RecordedModel
from core.visibility import ScopedQuerySet

from .choices import (
    SUPERVISION_AWAITING_STREET,
    ReportStatus,
    SubmissionStatus,
    SummaryKind,
    SupervisionKind,
    SupervisionStatus,
    Timeliness,
)

if TYPE_CHECKING:
    from organization.models import Scope


class UnitSubmission(RecordedModel):
    """A community's or member unit's monthly report to the street office (每月20日前报送)."""

    campaign = models.ForeignKey(
        "organization.Campaign", verbose_name=_("专项行动"), on_delete=models.PROTECT, related_name="submissions"
    )
    unit = models.ForeignKey(
        "organization.Unit", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="submissions"
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    due_date = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    work_done = models.TextField(_("本月工作开展情况"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下一步工作计划"), blank=True)
    figures = models.JSONField(_("系统数据"), default=dict, blank=True, help_text=_("报送时从系统中提取的本单位数据。"))
    late = models.BooleanField(_("逾期报送"), default=False)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "unit__jurisdiction"

    class Meta:
        verbose_name = _("单位月度报送")
        verbose_name_plural = _("单位月度报送")
        ordering = ["-month", "unit__kind", "unit__sort_order", "unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "month"],
                name="submission_unique_unit_month",
                violation_error_message=_("该单位本月已有报送。"),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="submission_month_first_day",
                violation_error_message=_("月份须为该月第一天。"),
            ),
            models.CheckConstraint(
                condition=Q(status=SubmissionStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="submission_submitted_has_time",
                violation_error_message=_("已报送的记录须有报送时间。"),
            ),
        ]
        indexes = [
            # the monthly report's and the scorecard's on-time / late / missing counts
            models.Index(fields=["campaign", "month", "status"], name="submission_month_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("reports:submission_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """A unit sees its own submissions (and those of the working groups it hosts)."""
        return Q(unit_id__in=scope.unit_ids)

    def timeliness(self, today: datetime.date | None = None) -> str:
        if self.status == SubmissionStatus.SUBMITTED:
            return Timeliness.LATE if self.late else Timeliness.ON_TIME
        today = today or timezone.localdate()
        return Timeliness.MISSING if today > self.due_date else Timeliness.NOT_DUE

    @property
    def is_overdue(self) -> bool:
        return self.timeliness() in (Timeliness.LATE, Timeliness.MISSING)


def report_file_path(instance: MonthlyReport, filename: str) -> str:
    where = f"-j{instance.jurisdiction_id}" if instance.jurisdiction_id else ""
    return f"reports/{instance.campaign_id}/monthly-{instance.month:%Y-%m}{where}-v{instance.version}.xlsx"


class MonthlyReport(models.Model):
    """The street office's monthly report: one row per campaign and month; regenerating bumps
    ``version`` (and so the e-mail key). ``status`` is claimed with a conditional UPDATE.

    In a city (issue 19) each street files its own (``jurisdiction`` its street; ``data`` its
    figures, which the city reads) and the city's rolls its streets up (``jurisdiction`` the
    city). A deployment of one street leaves ``jurisdiction`` empty, as before."""

    campaign = models.ForeignKey(
        "organization.Campaign", verbose_name=_("专项行动"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    period_start = models.DateField(_("统计期起"))
    period_end = models.DateField(_("统计期止"))
    data = models.JSONField(_("数据"), default=dict, blank=True, editable=False)
    file = models.FileField(_("文件"), upload_to=report_file_path, max_length=200, blank=True)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    #: When the report was first generated (filed), kept when a new version is generated: a
    #: street's report filed to the city by its report day is on time (the city's scorecard).
    filed_at = models.DateTimeField(_("首次生成时间"), null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claim_token = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("生成次数"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    email = models.ForeignKey(
        "core.OutboundEmail",
        verbose_name=_("邮件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resends = models.PositiveSmallIntegerField(
        _("再次发送次数"), default=0, editable=False, help_text=_("已发送的邮件每再次发送一次加一，作新邮件的去重键。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    #: Whose report: a street of a city (filed to the city) or the city (its streets rolled up);
    #: empty in a deployment of one street.
    jurisdiction = models.ForeignKey(
        "organization.Jurisdiction",
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monthly_reports",
        editable=False,
    )

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "jurisdiction"

    class Meta:
        verbose_name = _("月报")
        verbose_name_plural = _("月报")
        ordering = ["-month", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "month"],
                condition=Q(jurisdiction__isnull=True),
                name="monthly_report_unique_month",
                violation_error_message=_("该月月报已存在，可重新生成。"),
            ),
            models.UniqueConstraint(
                fields=["campaign", "month", "jurisdiction"],
                name="monthly_report_unique_month_jurisdiction",
                violation_error_message=_("该月月报已存在，可重新生成。"),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="monthly_report_month_first_day",
                violation_error_message=_("月份须为该月第一天。"),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="monthly_report_period_order",
                violation_error_message=_("统计期止不能早于统计期起。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("reports:report_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Every unit views the street's monthly report (docs/permissions.md); only the street
        office writes it (reports/rules.py)."""
        return Q()

    @property
    def mail_key(self) -> str:
        """The outbox key of this version's e-mail: the report is e-mailed once per version."""
        where = f":j{self.jurisdiction_id}" if self.jurisdiction_id else ""
        return f"monthly-report:{self.campaign_id}{where}:{self.month:%Y-%m}:v{self.version}"

    def resend_key(self, n: int) -> str:
        """The outbox key of the ``n``-th e-mail sent again by hand (once per press)."""
        return f"{self.mail_key}:again-{n}"

    @property
    def filename(self) -> str:
        where = f"{self.jurisdiction.name}-" if self.jurisdiction_id else ""
        return f"月报-{where}{self.month:%Y-%m}-v{self.version}.xlsx"

    @property
    def is_city(self) -> bool:
        """The city's report, rolling its streets up (issue 19)."""
        return self.jurisdiction_id is not None and self.jurisdiction.is_city


class ReportRecipient(models.Model):
    """Who receives the monthly report by e-mail (a person or an office, e.g. the city office),
    kept by the street office on its page (``reports:recipient_list``); ``REPORTS_RECIPIENTS``
    from the environment is added to these. Deactivated ones receive nothing. In a city (issue
    19) each is one jurisdiction's (its creator's): a street's report goes to its street's, the
    city's to the city's."""

    email = models.EmailField(_("电子邮箱"))
    name = models.CharField(_("姓名/单位"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    #: The street whose recipient this is, in a city (issue 19).
    jurisdiction = models.ForeignKey(
        "organization.Jurisdiction",
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "jurisdiction"

    class Meta:
        verbose_name = _("月报收件人")
        verbose_name_plural = _("月报收件人")
        ordering = ["-is_active", "email"]
        constraints = [
            # each street (and the city) keeps an address once; two streets may share one
            models.UniqueConstraint(
                fields=["jurisdiction", "email"],
                name="recipient_unique_jurisdiction_email",
                violation_error_message=_("该邮箱的月报收件人已存在。"),
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(jurisdiction__isnull=True),
                name="recipient_unique_email",
                violation_error_message=_("该邮箱的月报收件人已存在。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def get_absolute_url(self) -> str:
        return reverse("reports:recipient_list")

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """The street office and leaders see the recipients (without calling this); nobody else."""
        return Q(pk__in=[])


class SummarySubmission(models.Model):
    """The summary phase (总结提升): a working group's results, experience and typical cases; a
    unit's loopholes, weaknesses and shortcomings and the rules set up or proposed (建章立制)."""

    campaign = models.ForeignKey(
        "organization.Campaign", verbose_name=_("专项行动"), on_delete=models.PROTECT, related_name="summaries"
    )
    unit = models.ForeignKey(
        "organization.Unit", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="summaries"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=SummaryKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    results = models.TextField(_("工作成效"), blank=True)
    experience = models.TextField(_("经验做法"), blank=True)
    typical_cases = models.TextField(_("典型案例"), blank=True)
    loopholes = models.TextField(_("发现的漏洞"), blank=True)
    weaknesses = models.TextField(_("短板和不足"), blank=True)
    rules = models.TextField(_("建章立制（已建立或建议的制度）"), blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "unit__jurisdiction"

    class Meta:
        verbose_name = _("总结报送")
        verbose_name_plural = _("总结报送")
        ordering = ["kind", "unit__sort_order", "unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit"],
                name="summary_unique_unit",
                violation_error_message=_("该单位已有总结报送。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """A unit sees its own summaries; submitted ones are in the summary report, which every
        unit views (docs/permissions.md)."""
        return Q(unit_id__in=scope.unit_ids) | Q(status=SubmissionStatus.SUBMITTED)


class Supervision(RecordedModel, VersionedModel):
    """The city office's 通报 or 约谈 of a lagging street (issue 19): what it found, and the date
    by which the street is to have rectified it. The street's office sees its own, reports its
    rectification (整改情况, 已报整改情况); the city confirms it (已整改) or returns it (退回), and
    edits it while it is not rectified (``reports/rules.py``). Waiting for the street past the
    deadline, it is overdue (逾期, ``is_overdue``)."""

    jurisdiction = models.ForeignKey(
        "organization.Jurisdiction",
        verbose_name=_("镇街"),
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    kind = models.CharField(_("方式"), max_length=20, choices=SupervisionKind.choices)
    date = models.DateField(_("日期"))
    text = models.TextField(_("通报/约谈内容"))
    rectify_by = models.DateField(_("整改期限"))
    status = models.CharField(
        _("整改状态"), max_length=20, choices=SupervisionStatus.choices, default=SupervisionStatus.OPEN
    )
    rectification = models.TextField(_("整改情况"), blank=True)
    rectified_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    reported_at = models.DateTimeField(_("整改情况报告时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改情况报告人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认整改时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_reason = models.TextField(_("退回原因"), blank=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "jurisdiction"

    class Meta:
        verbose_name = _("督导通报约谈")
        verbose_name_plural = _("督导通报约谈")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rectify_by__gte=models.F("date")),
                name="supervision_rectify_after_date",
                violation_error_message=_("整改期限不能早于通报/约谈日期。"),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["reported", "rectified"]) | Q(rectified_on__isnull=False),
                name="supervision_reported_has_date",
                violation_error_message=_("已报整改情况的通报约谈须有整改完成日期。"),
            ),
        ]
        indexes = [
            # a street's open supervisions by deadline (its dashboard, 我的待办)
            models.Index(fields=["jurisdiction", "status", "rectify_by"], name="supervision_street_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} · {self.get_kind_display()} · {self.date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("reports:supervision_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """The street's office and leaders see their street's (bounded by ``jurisdiction_path``);
        the city its streets'. Nobody else."""
        return Q(pk__in=[])

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """逾期: still waiting for the street's rectification (待整改 or 退回) after the deadline."""
        return self.status in SUPERVISION_AWAITING_STREET and self.rectify_by < (today or timezone.localdate())

    @classmethod
    def overdue_q(cls, today: datetime.date) -> Q:
        """``is_overdue`` as a query."""
        return Q(status__in=sorted(SUPERVISION_AWAITING_STREET), rectify_by__lt=today)
