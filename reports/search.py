"""The global search (issue 17): lead numbers, institutions (name or credit code), cases and people,
each from its area's selector and limited to what the user may see. No informant field is read."""

from __future__ import annotations

from typing import Any

from cases import selectors as cases
from core.visibility import scope_of
from leads import selectors as leads
from organization.models import User
from rectification import selectors as rectification

#: Results per kind.
LIMIT = 10
#: The shortest text searched.
MIN_LENGTH = 2


def _people(user: Any, text: str) -> list[dict[str, Any]]:
    from django.db.models import Q

    scope = scope_of(user)
    if scope is None:
        return []
    rows = User.objects.filter(is_active=True).filter(Q(name__icontains=text) | Q(username__icontains=text))
    if not scope.sees_all:
        rows = rows.filter(User.scope_q(scope))
    return list(rows.order_by("username").values("pk", "username", "name", "unit_id", "unit__name")[:LIMIT])


def search(user: Any, text: str) -> dict[str, list[dict[str, Any]]]:
    """The results by kind (``leads``, ``institutions``, ``cases``, ``people``); empty for a text
    shorter than ``MIN_LENGTH``."""
    text = text.replace("\x00", "").strip()[:100]
    if len(text) < MIN_LENGTH or scope_of(user) is None:
        return {}
    return {
        "leads": leads.search(user, text, LIMIT),
        "institutions": rectification.search_institutions(user, text, LIMIT),
        "cases": cases.search(user, text, LIMIT),
        "people": _people(user, text),
    }
