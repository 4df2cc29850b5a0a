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
from leads.choices import LeadStatus
from leads.models import Lead
from organization.rules import grant_keeper

from .models import ApiToken, Arrival, Peer, Transfer, TransferState

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


# --- federation: another Hulao deployment above or below this one (api/federation.py) ----------

rules.register(
    Action(
        "api.peer_add",
        _("添加对接系统"),
        model=None,
        who=rules.street_office,
        needs_reason=True,
        url="api:peer_add",
        doc="Another Hulao deployment: a lower office's (leads are transferred to it) or the higher office's "
        "(closures of its transfers are reported to it), with the token it issued us (kept encrypted) and "
        "the token of ours it presents.",
    ),
    Action(
        "api.peer_deactivate",
        _("停用对接系统"),
        model=Peer,
        who=rules.street_office,
        guards=(Guard(lambda peer: peer.is_active, _("该对接系统已停用。")),),
        needs_reason=True,
        url="api:peer_deactivate",
        confirm=_("停用后不再向该系统转办线索或报送办结情况。"),
    ),
    Action(
        "api.transfer_down",
        _("转办至下级系统"),
        model=Lead,
        who=rules.street_office,
        sources=frozenset({LeadStatus.REGISTERED, LeadStatus.RETURNED}),
        target=LeadStatus.REFERRED,
        url="api:transfer_down",
        doc="The lead stays ours, marked transferred to the peer with the reference and deadline; a "
        "Celery task files it there (source 上级转办, never the informant), retried with one idempotency key.",
        confirm=_("线索将发送到所选下级系统办理（不含举报人身份），并等待其报送办结情况。"),
    ),
    Action(
        "api.transfer_retry",
        _("重新发送转办"),
        model=Transfer,
        who=rules.street_office,
        guards=(Guard(lambda t: t.state == TransferState.FAILED, _("只有发送失败的转办才能重新发送。")),),
        url="api:transfer_retry",
        doc="On the lead's page and the peers page. A failure that may pass (the peer unreachable, 5xx) is also "
        "sent again by the hourly job for a week; a refusal (4xx) or one past that waits for this.",
    ),
    Action(
        "api.closure_retry",
        _("重新报送办结情况"),
        model=Arrival,
        who=rules.street_office,
        guards=(Guard(lambda a: a.report_state == TransferState.FAILED, _("只有报送失败的办结情况才能重新报送。")),),
        url="api:closure_retry",
        doc="A higher deployment's transfer whose closure report failed (the peer refused or could not be reached).",
    ),
    Action(
        "api.transfer_closure",
        _("下级系统报送办结"),
        model=Lead,
        who=rules.street_office,
        sources=frozenset({LeadStatus.REFERRED}),
        target=LeadStatus.CLOSED,
        doc="Through the API only (POST transfers/{reference}/closure/), by the lower deployment's token "
        "named on its peer: the outcome and findings close our lead.",
    ),
)
