"""Which campaign a page looks at: ``?campaign=<id>`` (a campaign that has begun), else the one
``Campaign.objects.shown()`` gives (the current one; between campaigns the one that ended last).

Looking at a finished campaign never changes which one is current: ``current()`` is a matter of
dates only (``CampaignQuerySet``). The dashboard and the reports pages use ``chosen(request)``
and show ``{% include "organization/campaign_switch.html" %}`` with ``campaign_choices``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from .models import Campaign

PARAM = "campaign"


def chosen(request: Any) -> Campaign | None:
    """The campaign asked for with ``?campaign=`` (404 for anything but the id of one that has
    begun: a future campaign has nothing to show yet), else the default one."""
    value = request.GET.get(PARAM, "")
    if not value:
        return Campaign.objects.shown(user=request.user)
    if not value.isdecimal() or len(value) > 12:
        raise Http404
    campaign = Campaign.objects.started(user=request.user).filter(pk=int(value)).first()
    if campaign is None:
        raise Http404
    return campaign


def is_default(request: Any) -> bool:
    return not request.GET.get(PARAM, "")


def choices(user: Any = None) -> list[Campaign]:
    """The campaigns one may look at (begun, newest first; in a city, those the user's office
    runs). One query."""
    return list(
        Campaign.objects.started(user=user).only("pk", "name", "short_name", "start_date", "end_date", "is_active")
    )


def context(request: Any, campaign: Campaign | None) -> dict[str, Any]:
    """What the switch (``organization/campaign_switch.html``) needs."""
    return {
        "campaign_choices": choices(request.user),
        "campaign_selected": campaign,
        "campaign_is_current": campaign is not None and campaign == Campaign.objects.current(user=request.user),
    }
