"""Who issues and revokes the API's tokens (core/rules.py; docs/permissions.md).

The street office issues a token for an office or a system (a 12345 hotline, a 网格 system),
acting for one unit with that unit's scope, and revokes it; each with a reason in the audit trail.
The right to reveal informants through the API is granted to a token only by a holder of
``organization.manage_grants`` (the grants page's keeper), and only to a street-office token.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import rules
from core.rules import Action, Guard
from organization.rules import grant_keeper

from .models import ApiToken

#: Who may put the reveal right on a token (the service asks it when the right is asked for).
reveal_granter = grant_keeper


def _not_revoked(token: ApiToken | None) -> bool:
    return token is None or token.revoked_at is None


rules.register(
    Action(
        "api.token_issue",
        _("签发接口令牌"),
        model=None,
        who=rules.street_office,
        needs_reason=True,
        url="api:token_issue",
        doc="For an office or a system, acting for one unit (its scope); the secret is shown once. "
        "The reveal right only by a holder of organization.manage_grants, for a street-office token.",
    ),
    Action(
        "api.token_revoke",
        _("吊销接口令牌"),
        model=ApiToken,
        who=rules.street_office,
        guards=(Guard(_not_revoked, _("该令牌已吊销。")),),
        needs_reason=True,
        url="api:token_revoke",
        confirm=_("吊销后使用该令牌的系统将立即无法调用接口，且不能恢复。"),
    ),
)


@rules.predicate("街道专项办或领导")
def token_reader(user, scope, obj) -> bool:
    """The tokens' pages and their calls: the street office and leaders (who see everything)."""
    return scope.sees_all


def may_read_tokens(user) -> bool:
    return bool(token_reader(user))
