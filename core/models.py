"""Shared records: the audit trail, export log, e-mail outbox and calendar overrides."""

from __future__ import annotations

import uuid

from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.timezone import now as timezone_now
from django.utils.translation import gettext_lazy as _

from .choices import DayKind, JobState, MailStatus
from .visibility import ScopedQuerySet


class TimestampedModel(models.Model):
    """When a record was made and last changed (the audit trail says by whom and why)."""

    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class RecordedModel(TimestampedModel):
    """A record somebody entered: when, last changed, and who entered it."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class AuditEntryError(Exception):
    pass


class AuditEntry(AbstractLogEntry):
    """django-auditlog's entry (who, when, which fields changed) plus the reason given.

    Entries are append-only: they cannot be changed or deleted through the app or the admin.
    """

    reason = models.TextField(_("原因"), blank=True, default="")

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        indexes = [
            # The timeline of one object: get_for_object() filters on these and sorts by time.
            models.Index(fields=["content_type", "object_id", "-timestamp"], name="audit_object_timeline"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise AuditEntryError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEntryError("Audit entries cannot be deleted.")


class ExportLog(models.Model):
    """Every export of a list: who, when, what, with which filter, how many rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导出人"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("导出时间"), auto_now_add=True)
    what = models.CharField(_("导出内容"), max_length=100)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "user__unit__jurisdiction"

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.what} · {self.user} · {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q(user_id=scope.user_id)


class OutboundEmail(models.Model):
    """The outbox. Every e-mail is recorded here first, in the same transaction as the change that
    caused it; a Celery task sends it, and a periodic job retries what is still pending, so e-mail
    survives a broker or SMTP outage and is sent once."""

    key = models.CharField(
        _("去重键"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text=_("同一键只发送一次，例如“月报:2026-11”。"),
    )
    template = models.CharField(_("模板"), max_length=100)
    subject = models.CharField(_("主题"), max_length=300)
    body_text = models.TextField(_("正文"))
    body_html = models.TextField(_("HTML 正文"), blank=True)
    to = models.JSONField(_("收件人"), default=list)
    attachment_name = models.CharField(_("附件名"), max_length=200, blank=True)
    attachment = models.BinaryField(_("附件"), null=True, blank=True, editable=False)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    #: The street whose e-mail this is, in a city (issue 19): its office sees it in the outbox.
    #: None: seen only where nothing is bounded (a deployment of one street).
    jurisdiction = models.ForeignKey(
        "organization.Jurisdiction",
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "jurisdiction"

    class Meta:
        verbose_name = _("邮件")
        verbose_name_plural = _("邮件发件箱")
        ordering = ["-created_at"]
        indexes = [
            # send_pending_mail() picks pending and stale 'sending' rows.
            models.Index(fields=["status", "created_at"], name="outbox_status_created"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:outbox_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q(pk__in=[])  # only the street office sees the outbox (the page: core.mail_rules)


class CalendarYear(models.Model):
    """The street office entered this year's State Council holiday arrangement (节假日安排) on
    the calendar page: the year is covered (``core.workdays``) even if the library does not know
    it. ``text`` is what was typed; its days are the ``CalendarDay`` rows pointing here. Entering
    the year again replaces them (audited: who, when, why, the old and new text)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    text = models.TextField(_("节假日安排"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone_now)
    reason = models.CharField(_("依据"), max_length=500)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = ""  # shared by every jurisdiction

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q(pk__in=[])  # the street office and leaders see all; nobody else any row


class CalendarDay(models.Model):
    """An override of the Chinese working-day calendar: a holiday or make-up workday (调休) that
    the calendar library does not know yet (e.g. next year's schedule before it ships). Rows of
    an arrangement entered on the calendar page point to their ``CalendarYear``; rows made in
    the admin have none."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DayKind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)
    arrangement = models.ForeignKey(
        CalendarYear,
        verbose_name=_("年度节假日安排"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="days",
    )

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = ""  # shared by every jurisdiction

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q()


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never reuses the uploaded name (which may hold personal data or tricks).
    return f"attachments/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}.{instance.extension}"


class Attachment(models.Model):
    """A file attached to any object (a lead, an inspection, an activity …). Stored under
    MEDIA_ROOT, outside the static root, and served only by ``core.views.attachment_download``,
    which checks that the user may see the object it belongs to."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    extension = models.CharField(max_length=10)
    mime = models.CharField(_("类型"), max_length=120)
    size = models.PositiveBigIntegerField(_("大小"))
    is_image = models.BooleanField(default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone_now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_owner")]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q(pk__in=[])  # reached only through the object it belongs to (see attachment_download)


class FormSubmission(models.Model):
    """One submission of a form that writes, by its one-time token (``core.once``): the same
    token again is sent to ``result_url`` instead of acting twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.CASCADE)
    token = models.CharField(_("表单令牌"), max_length=32)
    action = models.CharField(_("操作"), max_length=100)
    result_url = models.CharField(_("结果页"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "user__unit__jurisdiction"

    class Meta:
        verbose_name = _("表单提交")
        verbose_name_plural = _("表单提交")
        constraints = [
            # The claim: a second submission of the same token fails to insert (or waits for the first).
            models.UniqueConstraint(fields=["user", "token"], name="form_submission_once"),
        ]
        indexes = [
            # core.once.claim() forgets a user's old tokens.
            models.Index(fields=["user", "created_at"], name="form_submission_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.action} · {self.user_id} · {self.token}"

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q(user_id=scope.user_id)


def job_path(instance: Job, filename: str) -> str:
    # Never the uploaded name: a random one, with the extension the checks decided.
    return f"jobs/{timezone_now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class Job(models.Model):
    """A long piece of work done by a Celery worker for one user (an import, a big export): its
    progress, its report and its file. Only its owner sees it (``core.jobs``)."""

    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("名称"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.CASCADE)
    state = models.CharField(_("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    upload = models.FileField(upload_to=job_path, max_length=200, blank=True)
    result_file = models.FileField(upload_to=job_path, max_length=200, blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    touched_at = models.DateTimeField(null=True, blank=True)  # the worker's last progress write

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "owner__unit__jurisdiction"

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # the owner's list of jobs, newest first (core.jobs.recent_for, core:jobs)
            models.Index(fields=["owner", "-created_at"], name="job_owner_created"),
            # run_pending_jobs() picks jobs still queued
            models.Index(fields=["state", "created_at"], name="job_state_created"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:job", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return min(100, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q(owner_id=scope.user_id)


class Tally(models.Model):
    """Counts per day and per month kept by database triggers (``core.tally``): how many rows of a
    counted model fall on ``day`` under ``key``, for one unit, (``unit_id`` 0) for every unit, or
    (``unit_id`` -a jurisdiction's id) for a street of a city or the city (issue 19).
    A month row (``grain`` "m") is dated the month's first day. Bookkeeping only: never edited by
    hand; ``manage.py rebuild_tallies`` recounts it from the rows."""

    subject = models.CharField(max_length=30)
    unit_id = models.BigIntegerField(default=0)  # 0: every unit; < 0: a jurisdiction (core.tally)
    grain = models.CharField(max_length=1)  # "d" a day, "m" a month
    day = models.DateField()
    key = models.CharField(max_length=80)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("统计计数")
        verbose_name_plural = _("统计计数")
        constraints = [
            # the triggers' ON CONFLICT target, and the window sums' index (subject, unit, grain, day)
            models.UniqueConstraint(fields=["subject", "unit_id", "grain", "day", "key"], name="tally_unique"),
        ]
        indexes = [
            # the per-unit breakdowns of every unit (by_unit): a few keys over the window
            models.Index(fields=["subject", "grain", "key", "day"], name="tally_key_day"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.unit_id} {self.grain}{self.day} {self.key}={self.n}"
