"""Tokens of the systems and offices that call the API (/api/v1/), and the log of their calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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


class ApiTokenQuerySet(ScopedQuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A token for one office or system. It acts as its own service user (``user``: one per token,
    without a password, so it never signs in on the web), whose unit and role give the token the
    same scope and rules as a person of that unit. Only a hash of the secret is kept."""

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
