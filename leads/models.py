"""Leads 线索 (plan §(一) 深挖线索, §(二) 线索核查): a tip, its referral, verification and closure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedModel
from core.fields import EncryptedTextField
from core.models import RecordedModel
from core.visibility import ScopedQuerySet

from .choices import (
    OPEN_FOR_RECEIVER,
    CaseKind,
    Channel,
    ExtensionState,
    FraudType,
    LeadSource,
    LeadStatus,
    Outcome,
    PublicStatus,
    ReviewState,
)

#: Fields that identify the informant: encrypted, never audited, exported, mailed or logged.
INFORMANT_FIELDS = ["informant_name", "informant_phone", "informant_id_number", "informant_address"]


def awaiting_feedback_q() -> Q:
    """The one definition of "a receiver still owes feedback": referred (or returned), deadline set."""
    return Q(status__in=OPEN_FOR_RECEIVER, deadline__isnull=False)


def overdue_q(today) -> Q:
    """The one definition of an overdue lead (超期未反馈): feedback owed, deadline before ``today``.
    The lists, the deadline board, the daily job, the dashboard and every report use it."""
    return awaiting_feedback_q() & Q(deadline__lt=today)


class LeadQuerySet(ScopedQuerySet):
    def open(self) -> LeadQuerySet:
        return self.exclude(status=LeadStatus.CLOSED)

    def awaiting_receiver(self) -> LeadQuerySet:
        """Leads a receiver still owes feedback on (the deadline runs)."""
        return self.filter(awaiting_feedback_q())

    def overdue(self, today) -> LeadQuerySet:
        return self.filter(overdue_q(today))

    def due_soon(self, today, horizon) -> LeadQuerySet:
        """Deadline from today up to ``horizon`` (the date N working days ahead)."""
        return self.awaiting_receiver().filter(deadline__gte=today, deadline__lte=horizon)

    def for_list(self) -> LeadQuerySet:
        return self.select_related("assigned_unit", "filed_by_unit", "community", "supervisor")


class Lead(VersionedModel, RecordedModel):
    """Optimistic locking (``VersionedModel``): every write bumps ``version``, so an edit form
    loaded before a transition or another edit is refused instead of overwriting it. When and by
    whom it was registered: ``RecordedModel`` (``created_at``, ``updated_at``, ``created_by``)."""

    number = models.CharField(_("编号"), max_length=30, unique=True)
    status = models.CharField(_("状态"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.REGISTERED)
    source = models.CharField(_("来源"), max_length=12, choices=LeadSource.choices)
    channel = models.CharField(_("举报方式"), max_length=10, choices=Channel.choices, blank=True)
    original_case_kind = models.CharField(_("原案件类型"), max_length=16, choices=CaseKind.choices, blank=True)
    higher_reference = models.CharField(_("上级转办文号"), max_length=100, blank=True)
    higher_deadline = models.DateField(_("上级反馈期限"), null=True, blank=True)

    summary = models.CharField(_("线索摘要"), max_length=200)
    description = models.TextField(_("反映情况"), blank=True)
    fraud_type = models.CharField(_("诈骗类型"), max_length=12, choices=FraudType.choices, default=FraudType.OTHER)
    subject_name = models.CharField(_("被反映机构或人员"), max_length=200, blank=True)
    subject_address = models.CharField(_("被反映对象地址"), max_length=200, blank=True)
    subject_phone = models.CharField(_("被反映对象电话"), max_length=40, blank=True)
    subject_phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    subject_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    subject_person = models.CharField(_("涉及人员"), max_length=100, blank=True)
    money_lost = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    occurred = models.CharField(_("发生时间"), max_length=100, blank=True)
    elderly_affected = models.PositiveIntegerField(_("涉及老人人数"), null=True, blank=True)

    is_anonymous = models.BooleanField(_("匿名举报"), default=True)
    informant_name = EncryptedTextField(_("举报人姓名"), blank=True)
    informant_phone = EncryptedTextField(_("举报人电话"), blank=True)
    informant_id_number = EncryptedTextField(_("举报人身份证号"), blank=True)
    informant_address = EncryptedTextField(_("举报人地址"), blank=True)

    receipt_index = models.CharField(max_length=16, blank=True, editable=False)
    receipt_hash = models.CharField(max_length=200, blank=True, editable=False)

    received_on = models.DateField(_("登记日期"))
    filed_by_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("登记单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads_filed",
    )
    community = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("所在社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads_in_community",
        limit_choices_to={"kind": "community"},
    )

    assigned_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads_assigned",
    )
    referred_at = models.DateTimeField(_("分派时间"), null=True, blank=True)
    deadline = models.DateField(_("反馈期限"), null=True, blank=True)
    #: The working days ``deadline`` was counted with from the referral day (``referred_at``), or
    #: None when it is a fixed date (typed, the higher office's, an approved extension). Such a
    #: deadline over a year the calendar does not cover is shown "估算" and recomputed when the
    #: street office enters the year (``services.deadlines_recompute``).
    deadline_workdays = models.PositiveSmallIntegerField(_("期限工作日数"), null=True, blank=True, editable=False)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    extension_state = models.CharField(
        _("延期申请"), max_length=10, choices=ExtensionState.choices, blank=True, default=ExtensionState.NONE
    )
    extension_until = models.DateField(_("申请延期至"), null=True, blank=True)
    findings = models.TextField(_("核查情况"), blank=True)
    fed_back_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)

    outcome = models.CharField(_("办结结果"), max_length=14, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    institution_name = models.CharField(_("整治机构名称"), max_length=200, blank=True)
    institution_credit_code = models.CharField(_("整治机构信用代码"), max_length=18, blank=True)
    institution = models.ForeignKey(
        "rectification.Institution",
        verbose_name=_("整治机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    transferred_to = models.CharField(_("移交部门"), max_length=100, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并至"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    related = models.ManyToManyField("self", verbose_name=_("关联线索"), blank=True, symmetrical=True)

    review_state = models.CharField(
        _("二次核查"), max_length=10, choices=ReviewState.choices, blank=True, default=ReviewState.NONE
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads_to_review",
    )

    is_major = models.BooleanField(_("重大线索"), default=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads_supervised",
    )
    reminder_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    last_reminded_on = models.DateField(_("最近催办日期"), null=True, blank=True)
    publicly_named = models.BooleanField(_("列入通报"), default=False)

    reported_up_at = models.DateTimeField(_("向上级报送办结时间"), null=True, blank=True)
    #: The street (镇街) whose lead this is (issue 19): what bounds it in a city deployment. Set
    #: from the filing unit's jurisdiction; None in a deployment of one street.
    jurisdiction = models.ForeignKey(
        "organization.Jurisdiction",
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        editable=False,
    )
    #: The city special office that transferred the lead in the system (上级转办, issue 19): its
    #: closure is reported up by itself, and the city follows it on its list.
    transferred_by = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("转办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads_transferred",
        editable=False,
    )
    #: When the informant last added information with the receipt code: the 新补充 badge and
    #: list of the units handling the lead, and their next daily digest (issue 16.6).
    supplemented_at = models.DateTimeField(_("举报人最近补充时间"), null=True, blank=True, editable=False)

    objects = LeadQuerySet.as_manager()
    jurisdiction_path = "jurisdiction"

    class Meta:
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        ordering = ["-received_on", "-pk"]
        permissions = [("view_informant", _("查看举报人身份"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(money_lost__isnull=True) | Q(money_lost__gte=0),
                name="lead_money_not_negative",
                violation_error_message=_("涉及金额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=LeadStatus.CLOSED) | ~Q(outcome=""),
                name="lead_closed_has_outcome",
                violation_error_message=_("办结的线索必须有办结结果。"),
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(outcome=Outcome.DUPLICATE),
                name="lead_merged_is_duplicate",
                violation_error_message=_("只有重复线索才能合并到其他线索。"),
            ),
        ]
        indexes = [
            # Receipt-code look-up: the keyed index narrows to one row before the slow hash check.
            models.Index(fields=["receipt_index"], name="lead_receipt_index"),
            # Related-tip suggestions by the same phone number, credit code or name.
            models.Index(fields=["subject_phone_hash"], name="lead_subject_phone_hash"),
            models.Index(fields=["subject_credit_code"], name="lead_subject_credit_code"),
            models.Index(fields=["subject_name"], name="lead_subject_name"),
            # ... or person: every arm of the suggestions' OR index-served (a BitmapOr), or it scans.
            models.Index(fields=["subject_person"], name="lead_subject_person"),
            # Due-soon/overdue views and the daily digest: open leads per unit by deadline.
            models.Index(fields=["assigned_unit", "status", "deadline"], name="lead_unit_status_deadline"),
            # The default list order.
            models.Index(fields=["-received_on", "-id"], name="lead_received_order"),
            # The list filtered by status (the usual filter) in the default order, and the
            # paginator's COUNT(*) of it (an index-only scan instead of reading 100,000 rows).
            models.Index(fields=["status", "-received_on", "-id"], name="lead_status_received_order"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.summary}"

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope) -> Q:
        """Filed by or referred to the user's unit (or a group it hosts), supervised or reviewed
        by the user; and a lead merged into one of those (issue 16: whoever handles the surviving
        lead reads the duplicates merged into it, their description, files and history)."""
        units = scope.unit_ids
        q = Q(filed_by_unit_id__in=units) | Q(assigned_unit_id__in=units)
        merged = Q(merged_into__filed_by_unit_id__in=units) | Q(merged_into__assigned_unit_id__in=units)
        if scope.user_id:
            q |= Q(supervisor_id=scope.user_id) | Q(reviewer_id=scope.user_id)
            merged |= Q(merged_into__supervisor_id=scope.user_id) | Q(merged_into__reviewer_id=scope.user_id)
        return q | merged

    @property
    def public_status(self) -> str:
        if self.status == LeadStatus.CLOSED and self.review_state != ReviewState.PENDING:
            return PublicStatus.CLOSED
        if self.status == LeadStatus.REGISTERED:
            return PublicStatus.RECEIVED
        return PublicStatus.VERIFYING

    def get_public_status_display(self) -> str:
        return str(PublicStatus(self.public_status).label)

    @property
    def is_final(self) -> bool:
        return self.status == LeadStatus.CLOSED and self.review_state != ReviewState.PENDING

    @property
    def merged_note(self) -> str:
        """ "合并至 <number>" for a lead merged into another as a duplicate (its outcome as the city
        reads it on its list), else "". Reads ``merged_into`` (select it with the lead)."""
        if not self.merged_into_id or self.merged_into is None:
            return ""
        return gettext("合并至 %(n)s") % {"n": self.merged_into.number}

    @property
    def reported_findings(self) -> str:
        """The findings as reported up to a higher office (the API's closure report): a merged
        lead's begin with the lead it was merged into."""
        note = self.merged_note
        if not note:
            return self.findings
        return gettext("%(note)s。%(findings)s") % {"note": note, "findings": self.findings} if self.findings else note

    def city_deadline_state(self, today) -> str:
        """Against the city's deadline (a transferred lead): 逾期 open past it, 逾期办结 closed after
        it, "" otherwise."""
        if self.higher_deadline is None:
            return ""
        if not self.is_final:
            return "overdue" if self.higher_deadline < today else ""
        closed = timezone.localdate(self.closed_at) if self.closed_at else today
        return "late" if closed > self.higher_deadline else ""

    def deadline_state(self, today, horizon) -> str:
        """The deadline's state: overdue, due soon (by ``horizon``, a date or a function giving it:
        the working-day calendar is read only when the answer depends on it), on time or none."""
        if self.deadline is None or self.status not in OPEN_FOR_RECEIVER:
            return ""
        if self.deadline < today:
            return "overdue"
        if callable(horizon):
            horizon = horizon()
        if self.deadline <= horizon:
            return "due_soon"
        return "on_time"


class SourceDeadline(models.Model):
    """The default feedback deadline, in working days, for leads of one source (admin)."""

    source = models.CharField(_("来源"), max_length=12, choices=LeadSource.choices, unique=True)
    workdays = models.PositiveSmallIntegerField(_("反馈期限（工作日）"))

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = ""  # shared by every jurisdiction

    class Meta:
        verbose_name = _("默认反馈期限")
        verbose_name_plural = _("默认反馈期限")
        ordering = ["source"]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.workdays}"

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q()


class LeadSupplement(models.Model):
    """Information added later by the informant (with the receipt code) or by staff."""

    lead = models.ForeignKey(Lead, verbose_name=_("线索"), on_delete=models.CASCADE, related_name="supplements")
    text = models.TextField(_("补充内容"))
    from_public = models.BooleanField(_("来自举报人"), default=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "lead__jurisdiction"

    class Meta:
        verbose_name = _("补充材料")
        verbose_name_plural = _("补充材料")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.lead.number} · {self.created_at:%Y-%m-%d}"

    @classmethod
    def scope_q(cls, scope) -> Q:
        return Q(lead__in=Lead.objects.filter(Lead.scope_q(scope)))


class LeadCounter(models.Model):
    """The last lead number used in a year: numbers are reserved in blocks (imports, demo)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("线索编号计数")
        verbose_name_plural = _("线索编号计数")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class PublicSubmission(models.Model):
    """One filling of the public tip form (issue 16), named by the random token the form carries:
    the files it sent are held (``PublicFile``) until the form is accepted, and the lead it made is
    remembered, so the same form sent twice (F5, a double click, the back button) makes one lead.
    Bookkeeping only: no page shows it; ``leads.public.cleanup`` removes old rows."""

    token = models.CharField(_("表单标识"), max_length=40, unique=True)
    address_key = models.CharField(_("来源地址（摘要）"), max_length=64)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    lead = models.ForeignKey(Lead, verbose_name=_("线索"), null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("群众举报表单")
        verbose_name_plural = _("群众举报表单")
        indexes = [models.Index(fields=["created_at"], name="leads_pubsub_created")]  # cleanup by age

    def __str__(self) -> str:
        return self.token[:8]


class PublicFile(models.Model):
    """A file sent through a public form: held under ``held/`` until its tip is accepted, then
    attached to the lead (the held copy is removed, the row stays a day or two to count towards the
    sender's daily cap). ``address_key`` is a keyed hash of the client address, never the address."""

    submission = models.ForeignKey(PublicSubmission, on_delete=models.CASCADE, related_name="files", null=True)
    address_key = models.CharField(_("来源地址（摘要）"), max_length=64)
    file = models.FileField(_("文件"), upload_to="held/%Y/%m/", max_length=200, blank=True)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    attached = models.BooleanField(_("已附到线索"), default=False)

    class Meta:
        verbose_name = _("群众上传文件")
        verbose_name_plural = _("群众上传文件")
        ordering = ["created_at", "pk"]
        indexes = [
            # the daily cap per address: files and bytes received from one address since midnight
            models.Index(fields=["address_key", "created_at"], name="leads_pubfile_addr_day"),
            models.Index(fields=["created_at"], name="leads_pubfile_created"),  # cleanup by age
        ]

    def __str__(self) -> str:
        return self.name
