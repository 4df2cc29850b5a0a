"""Visibility in one place: what a user may see of any model.

Every domain model uses ``ScopedQuerySet`` as its manager and defines ``scope_q(scope)``, a
classmethod returning the ``Q`` that selects the rows a user of that scope may see
(``organization.models.Scope``). Street-office staff and leaders see everything. Views,
exports, downloads, reports and e-mails start from ``visible_to(user, Model)`` (or
``Model.objects.visible_to(user)``), so an object out of scope is a 404 everywhere and no view
can forget the check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from organization.models import Scope

M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ScopedQuerySet:
        scope = scope_of(user)
        if scope is None:
            return self.none()
        if scope.sees_all:
            return self
        scope_q = getattr(self.model, "scope_q", None)
        if scope_q is None:  # a model that forgot to say who may see it shows nothing
            return self.none()
        return self.filter(scope_q(scope))


def scope_of(user: Any) -> Scope | None:
    """The user's scope, or None for anonymous or inactive users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.scope


def visible_to(user: Any, model_or_queryset: type[M] | models.QuerySet) -> models.QuerySet:
    """The rows of a model (or a queryset of it) that ``user`` may see."""
    if isinstance(model_or_queryset, models.QuerySet):
        qs = model_or_queryset
    else:
        qs = model_or_queryset._default_manager.all()
    if not isinstance(qs, ScopedQuerySet):
        raise TypeError(f"{qs.model.__name__} has no ScopedQuerySet manager: visibility is not defined for it.")
    return qs.visible_to(user)


def can_write(user: Any) -> bool:
    """Whether the user may change anything at all (leaders are read-only)."""
    scope = scope_of(user)
    return bool(scope and scope.can_write)
