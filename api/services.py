"""Issuing and revoking API tokens, finding the token of a call, and the log of calls.

A token acts as its own service user: the user's unit and role (from the unit's kind) give it
the scope, visibility and rules of a person of that unit, so ``visible_to`` and ``core.rules``
answer for the API exactly as for the web. The user has no usable password (it never signs in on
the web) and is deactivated with the token.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import rules as core_rules
from core.audit import audit_context
from core.exceptions import DomainError
from organization.choices import Role, UnitKind
from organization.models import Unit, User
from organization.rules import reveal_permission

from . import rules as api_rules
from .models import ApiCall, ApiToken, TokenKind, TokenRight

#: The secret's visible start, so a system's operator can tell tokens apart (never enough to use).
SECRET_PREFIX = "hl_"

#: The role a token's service user gets from the unit it acts for (leaders' read-only role is
#: never given: a token with only the read right is read-only by its rights).
ROLE_OF_KIND = {
    UnitKind.STREET_OFFICE: Role.STREET_OFFICE,
    UnitKind.WORKING_GROUP: Role.GROUP_MEMBER,
    UnitKind.MEMBER_UNIT: Role.UNIT_LIAISON,
    UnitKind.COMMUNITY: Role.COMMUNITY_STAFF,
}

#: How often a token's ``last_used_at`` is written (seconds): not on every call.
LAST_USED_EVERY = 60


def hash_secret(secret: str) -> str:
    """The secret is 256 random bits: a plain SHA-256 is enough (no guessing to slow down)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_issue(*, user: Any, name: str, kind: str, unit: Unit, rights: list[str], reason: str) -> tuple[ApiToken, str]:
    """Issue a token (``api.token_issue``); returns it and its secret, which is shown once."""
    action = core_rules.require(user, "api.token_issue")
    reason = core_rules.require_reason(action, reason)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写令牌名称。"), code="name", field="name")
    if kind not in TokenKind.values:
        raise DomainError(_("令牌类型无效。"), code="kind", field="kind")
    rights = [r for r in TokenRight.values if r in set(rights or [])]
    if not rights:
        raise DomainError(_("请至少选择一项权限。"), code="rights", field="rights")
    if unit is None or not unit.is_active or unit.kind not in ROLE_OF_KIND:
        raise DomainError(_("令牌只能代表在用的街道专项办、工作组、成员单位或社区。"), code="unit", field="unit")
    if TokenRight.REVEAL in rights:
        if not api_rules.reveal_granter(user):
            raise DomainError(
                _("只有有“授予敏感权限”权限的人员才能授予令牌“查看举报人身份”权限。"), code="reveal", field="rights"
            )
        if unit.kind != UnitKind.STREET_OFFICE:
            raise DomainError(
                _("“查看举报人身份”权限只能授予代表街道专项办的令牌。"), code="reveal_unit", field="rights"
            )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(), audit_context(actor=user, reason=core_rules.audit_reason(action, reason)):
        service_user = User(
            username=f"api-{secrets.token_hex(5)}",
            name=name[:50],
            unit=unit,
            role=ROLE_OF_KIND[UnitKind(unit.kind)],
            is_active=True,  # active so that its scope and rights count; no password: never signs in
            is_service=True,  # not a person: left out of the people lists and choices (organization)
        )
        service_user.set_unusable_password()
        service_user.save()
        if TokenRight.REVEAL in rights:
            service_user.user_permissions.add(reveal_permission())
        token = ApiToken.objects.create(
            name=name,
            kind=kind,
            unit=unit,
            user=service_user,
            rights=rights,
            secret_hash=hash_secret(secret),
            prefix=secret[:10],
            created_by=user,
        )
    return token, secret


def token_revoke(*, token: ApiToken, user: Any, reason: str) -> ApiToken:
    """Revoke a token (``api.token_revoke``): at once, for good; its service user is deactivated
    and loses the reveal right."""

    def save(locked: ApiToken) -> None:
        locked.save()
        service_user = User._base_manager.select_for_update(of=("self",)).order_by().get(pk=locked.user_id)
        service_user.is_active = False
        service_user.save(update_fields=["is_active"])
        service_user.user_permissions.clear()

    return core_rules.transition(
        token, user=user, action="api.token_revoke", reason=reason, fields={"revoked_at": timezone.now()}, save=save
    )


def token_for_secret(secret: str) -> ApiToken | None:
    """The token a call presents, if it is known and not revoked (one query)."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(secret_hash=hash_secret(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


def touch(token: ApiToken) -> None:
    """Note that the token was used (at most once a minute: one write, no audit entry)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def record_call(*, token: ApiToken | None, method: str, path: str, status: int, address: str | None) -> ApiCall:
    """Every call of the API, answered or refused: token, method, path, status, time (no body)."""
    return ApiCall.objects.create(token=token, method=method[:10], path=path[:300], status=status, address=address)
