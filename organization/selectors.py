"""Reads of the organisation."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .choices import UnitKind
from .models import User
from .rules import REVEAL_PERM


def grant_candidates() -> QuerySet[User]:
    """The street office's people (not the superuser, who holds every right anyway), each with
    ``holds_reveal``: whether they hold the informant-reveal right granted on the grants page.
    One query."""
    app_label, codename = REVEAL_PERM
    held = User.user_permissions.through.objects.filter(
        user_id=OuterRef("pk"), permission__content_type__app_label=app_label, permission__codename=codename
    )
    return (
        User.objects.filter(unit__kind=UnitKind.STREET_OFFICE, is_superuser=False)
        .select_related("unit")
        .annotate(holds_reveal=Exists(held))
        .order_by("-is_active", "username")
    )


def service_reveal_holders() -> list[User]:
    """The API tokens' service users that hold the reveal right (a street-office token with the
    ``reveal`` right): no people, so not among ``grant_candidates``, but the grants page names
    them; revoking the token withdraws the right. One query."""
    app_label, codename = REVEAL_PERM
    return list(
        User._base_manager.filter(
            is_service=True,
            is_active=True,
            user_permissions__content_type__app_label=app_label,
            user_permissions__codename=codename,
        )
        .select_related("unit")
        .order_by("username")
    )


def unit_names(unit_ids) -> dict[int, str]:
    """{unit id: name} of the given units (the reports' per-unit rows). One query."""
    from .models import Unit

    return dict(Unit.objects.filter(pk__in=list(unit_ids)).values_list("pk", "name"))
