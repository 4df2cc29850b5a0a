"""What the lead's page shows of a transfer between deployments (``leads.views.DETAIL_EXTRAS``):
on the higher side the transfer's state (queued, delivered with the peer's lead number, failed with
the reason) and the lower office's closure; on the lower side that the lead came from a higher
deployment and whether its closure was reported back; and the button to transfer a lead down."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string

from core import rules
from leads.choices import LeadSource, LeadStatus

from .models import Arrival, Transfer

#: Whether any lower deployment is linked (cached: a lead's page asks it without a query).
HAS_DOWN_PEERS = "api:has_down_peers"


def has_down_peers() -> bool:
    from .federation import down_peers

    return bool(cache.get_or_set(HAS_DOWN_PEERS, lambda: int(down_peers().exists()), 3600))


def forget_down_peers() -> None:
    cache.delete(HAS_DOWN_PEERS)


def lead_panel(request: Any, lead: Any) -> str:
    """A query only for a lead that may have been transferred (no local unit after registration)
    or that came from a higher office (two for one that came from a higher office and was closed
    without a local unit)."""
    user = request.user
    transfer = arrival = None
    if lead.assigned_unit_id is None and lead.status != LeadStatus.REGISTERED:
        transfer = Transfer.objects.filter(lead_id=lead.pk).select_related("peer").first()
    if transfer is None and lead.source == LeadSource.HIGHER:
        arrival = Arrival.objects.filter(lead_id=lead.pk).exclude(reference="").select_related("token").first()
    may_transfer = bool(rules.check(user, "api.transfer_down", lead)) and has_down_peers()
    if transfer is None and arrival is None and not may_transfer:
        return ""
    return render_to_string(
        "api/_lead_federation.html",
        {
            "lead": lead,
            "transfer": transfer,
            "arrival": arrival,
            "may_transfer": may_transfer,
            "may_retry": transfer is not None and bool(rules.check(user, "api.transfer_retry", transfer)),
            "may_report_again": arrival is not None and bool(rules.check(user, "api.closure_retry", arrival)),
        },
        request=request,
    )
