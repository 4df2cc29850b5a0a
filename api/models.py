"""Tokens of the systems and offices that call the API (/api/v1/), and the log of their calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.visibility import ScopedQuerySet

if TYPE_CHECKING:
    from organization.models import Scope


class TokenKind(models.TextChoices):
    OFFICE = "office", _("单位")
    SYSTEM = "system", _("外部系统")


class TokenRight(models.TextChoices):
    READ = "read", _("读取")
    CREATE_LEAD = "create_lead", _("登记线索")
    REVEAL = "reveal", _("查看举报人身份")
    PEER = "peer", _("上下级系统对接")


class ApiTokenQuerySet(ScopedQuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A token for one office or system. It acts as its own service user (``user``: one per token,
    without a password, so it never signs in on the web), whose unit and role give the token the
    same scope and rules as a person of that unit. Only a hash of the secret is kept."""

    #: in a city (issue 19): the jurisdiction its rows belong to (core.visibility)
    jurisdiction_path = "unit__jurisdiction"

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=TokenKind.choices, default=TokenKind.SYSTEM)
    unit = models.ForeignKey(
        "organization.Unit", verbose_name=_("代表单位"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("接口账号"), on_delete=models.PROTECT, related_name="api_token"
    )
    rights = models.JSONField(_("权限"), default=list)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("令牌前缀"), max_length=12, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("api:token_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Tokens are the street office's business (it sees all); nobody else sees them."""
        return Q(pk__in=[])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_right(self, right: str) -> bool:
        return right in (self.rights or [])

    def rights_display(self) -> str:
        labels = dict(TokenRight.choices)
        return "、".join(str(labels[r]) for r in TokenRight.values if r in (self.rights or []))


class ApiCall(models.Model):
    """One call of the API: which token, what, the answer's status, when. Never a body."""

    #: in a city (issue 19): the jurisdiction its rows belong to (core.visibility)
    jurisdiction_path = "token__unit__jurisdiction"

    token = models.ForeignKey(
        ApiToken, verbose_name=_("接口令牌"), null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    method = models.CharField(_("方法"), max_length=10)
    path = models.CharField(_("路径"), max_length=300)
    status = models.PositiveSmallIntegerField(_("状态码"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口调用")
        verbose_name_plural = _("接口调用")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["token", "-at"], name="api_call_token_at"),  # a token's recent calls
            models.Index(fields=["-at"], name="api_call_at"),  # the recent calls of every token
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(pk__in=[])


class PeerDirection(models.TextChoices):
    DOWN = "down", _("下级系统（我方转办至该系统）")
    UP = "up", _("上级系统（我方向该系统报送办结）")


class Peer(models.Model):
    """Another Hulao deployment linked to this one: a lower office's (a street that runs its own
    instance: we transfer leads to it) or the higher office's (we report closures to it). The token
    we present there is kept encrypted (like an informant's fields) and never shown or logged;
    ``inbound_token`` is the token of ours that the peer presents here."""

    #: in a city (issue 19): the jurisdiction its rows belong to (core.visibility)
    jurisdiction_path = "created_by__unit__jurisdiction"

    name = models.CharField(_("名称"), max_length=100)
    base_url = models.URLField(_("系统地址"), max_length=300, help_text=_("如 https://hulao.example.gov.cn"))
    direction = models.CharField(_("方向"), max_length=4, choices=PeerDirection.choices)
    secret = EncryptedTextField(_("对方签发的令牌"), blank=True)
    inbound_token = models.ForeignKey(
        ApiToken,
        verbose_name=_("对方使用的我方令牌"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="peers",
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("添加人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("对接系统")
        verbose_name_plural = _("对接系统")
        ordering = ["direction", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("api:peer_list")

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(pk__in=[])

    def endpoint(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


class TransferState(models.TextChoices):
    QUEUED = "queued", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")


class Transfer(models.Model):
    """A lead of ours transferred to a lower deployment (``Peer`` down): the lead stays our record;
    the lower office's closure comes back here. ``key`` is the idempotency key of every delivery."""

    #: in a city (issue 19): the jurisdiction its rows belong to (core.visibility)
    jurisdiction_path = "lead__jurisdiction"

    lead = models.OneToOneField(
        "leads.Lead", verbose_name=_("线索"), on_delete=models.PROTECT, related_name="peer_transfer"
    )
    peer = models.ForeignKey(Peer, verbose_name=_("下级系统"), on_delete=models.PROTECT, related_name="transfers")
    reference = models.CharField(_("转办文号"), max_length=100)
    deadline = models.DateField(_("反馈期限"))
    key = models.CharField(max_length=40, unique=True, editable=False)
    state = models.CharField(_("发送状态"), max_length=10, choices=TransferState.choices, default=TransferState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    #: the last failure; since when it has failed without a break (the cap of automatic retries
    #: counts from here); when the hourly job sends it again (None: a refusal or past the cap,
    #: which wait for a person). ``api.federation.transfer_failed``.
    failed_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    failing_since = models.DateTimeField(_("连续失败起始时间"), null=True, blank=True)
    retry_at = models.DateTimeField(_("下次自动重发时间"), null=True, blank=True)
    queued_at = models.DateTimeField(_("最近排队发送时间"), null=True, blank=True)
    remote_id = models.PositiveIntegerField(_("对方线索ID"), null=True, blank=True)
    remote_number = models.CharField(_("对方线索编号"), max_length=30, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    outcome = models.CharField(_("办结结果"), max_length=14, blank=True)
    findings = models.TextField(_("核查情况"), blank=True)
    closed_at = models.DateTimeField(_("下级办结时间"), null=True, blank=True)
    reported_back_at = models.DateTimeField(_("下级报送办结时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("转办人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("转办时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("转办至下级系统")
        verbose_name_plural = _("转办至下级系统")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["peer", "reference"], name="api_transfer_peer_reference")]
        indexes = [  # the hourly job's due failures
            models.Index(fields=["retry_at"], condition=Q(state="failed"), name="api_transfer_retry_due"),
        ]

    def __str__(self) -> str:
        return self.reference

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(pk__in=[])


class Arrival(models.Model):
    """A lead another system filed here through the API with an idempotency key or a higher
    office's reference: the same call again finds this row and answers with the same lead. For a
    higher deployment's transfer (``reference``) the closure is reported back (``reported_at``)."""

    #: in a city (issue 19): the jurisdiction its rows belong to (core.visibility)
    jurisdiction_path = "token__unit__jurisdiction"

    token = models.ForeignKey(ApiToken, verbose_name=_("接口令牌"), on_delete=models.PROTECT, related_name="arrivals")
    key = models.CharField(max_length=100, blank=True)
    reference = models.CharField(_("上级转办文号"), max_length=100, blank=True)
    lead = models.OneToOneField("leads.Lead", verbose_name=_("线索"), on_delete=models.CASCADE, related_name="arrival")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    report_state = models.CharField(_("报送状态"), max_length=10, choices=TransferState.choices, blank=True)
    report_attempts = models.PositiveSmallIntegerField(_("报送次数"), default=0)
    report_error = models.CharField(_("报送失败原因"), max_length=300, blank=True)
    #: as on ``Transfer``: the last failure, since when, and the next automatic retry
    report_failed_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    report_failing_since = models.DateTimeField(_("连续失败起始时间"), null=True, blank=True)
    report_retry_at = models.DateTimeField(_("下次自动重发时间"), null=True, blank=True)
    report_queued_at = models.DateTimeField(_("最近排队发送时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("报送时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口登记的线索")
        verbose_name_plural = _("接口登记的线索")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], condition=~Q(key=""), name="api_arrival_token_key"),
            models.UniqueConstraint(
                fields=["token", "reference"], condition=~Q(reference=""), name="api_arrival_token_reference"
            ),
        ]
        indexes = [  # the hourly job's due failures
            models.Index(fields=["report_retry_at"], condition=Q(report_state="failed"), name="api_arrival_retry_due"),
        ]

    def __str__(self) -> str:
        return self.reference or self.key

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(pk__in=[])
