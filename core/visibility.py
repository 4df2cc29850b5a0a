"""Visibility in one place: what a user may see of any model.

Every domain model uses ``ScopedQuerySet`` as its manager and defines ``scope_q(scope)``, a
classmethod returning the ``Q`` that selects the rows a user of that scope may see
(``organization.models.Scope``). Street-office staff and leaders see everything. Views,
exports, downloads, reports and e-mails start from ``visible_to(user, Model)`` (or
``Model.objects.visible_to(user)``), so an object out of scope is a 404 everywhere and no view
can forget the check.

Jurisdictions (issue 19): in a city deployment every scope is also bounded by its jurisdictions
(``Scope.jurisdiction_ids``: a street its own, the city its streets). Each model says how its
rows reach a jurisdiction with ``jurisdiction_path`` (a lookup ending at the jurisdiction, e.g.
``"unit__jurisdiction"``; ``""`` for rows shared by every jurisdiction, such as the calendar).
A model whose rows reach further also defines ``jurisdiction_rows(ids)`` (a ``Q``) and
``in_jurisdictions(ids)`` (the campaign: a street also sees the city's campaign it implements).
A model that says nothing shows nothing to a bounded scope. A street on its own (today's case)
is not bounded, so nothing changes for it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _lazy

if TYPE_CHECKING:
    from organization.models import Scope

M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ScopedQuerySet:
        scope = scope_of(user)
        if scope is None:
            return self.none()
        qs: ScopedQuerySet = self
        if scope.jurisdiction_ids is not None:
            bound = jurisdiction_q(self.model, scope.jurisdiction_ids)
            if bound is None:
                return self.none()
            qs = qs.filter(bound)
        if scope.sees_all:
            return qs
        scope_q = getattr(self.model, "scope_q", None)
        if scope_q is None:  # a model that forgot to say who may see it shows nothing
            return self.none()
        return qs.filter(scope_q(scope))


def jurisdiction_q(model: type[models.Model], ids: frozenset[int]) -> models.Q | None:
    """The rows of ``model`` in the jurisdictions ``ids`` (None: the model declares no path)."""
    path = getattr(model, "jurisdiction_path", None)
    if path is None:
        return None
    if path == "":
        return models.Q()
    rows = getattr(model, "jurisdiction_rows", None)  # a model whose rows reach further (the campaign)
    if rows is not None:
        return rows(ids)
    return models.Q(**{f"{path}__in": sorted(ids)})


def in_jurisdiction(scope: Scope, obj: Any) -> bool:
    """Whether ``obj`` lies in the scope's jurisdictions (always, for an unbounded scope). A
    query only for a bounded scope and a path over a relation."""
    if scope.jurisdiction_ids is None or obj is None:
        return True
    path = getattr(type(obj), "jurisdiction_path", None)
    if path is None:
        return False
    if path == "":
        return True
    custom = getattr(obj, "in_jurisdictions", None)
    if custom is not None:
        return bool(custom(scope.jurisdiction_ids))
    if "__" not in path:
        value = obj.pk if path == "pk" else getattr(obj, f"{path}_id", None)
        return value in scope.jurisdiction_ids
    if obj.pk is None:  # unsaved (e.g. a new draft): follow the path on the object
        target: Any = obj
        *hops, last = path.split("__")
        for hop in hops:
            target = getattr(target, hop, None)
            if target is None:
                return False
        return getattr(target, f"{last}_id", None) in scope.jurisdiction_ids
    cached = getattr(obj, "_hulao_in_jurisdiction", None)  # a page asks for each of its actions
    if cached is not None and cached[0] == scope.jurisdiction_ids:
        return cached[1]
    q = jurisdiction_q(type(obj), scope.jurisdiction_ids)
    answer = bool(type(obj)._default_manager.filter(q, pk=obj.pk).exists())
    obj._hulao_in_jurisdiction = (scope.jurisdiction_ids, answer)
    return answer


def _choice_bound(model: Any, ids: frozenset[int]) -> models.Q | None:
    """The rows of a choice list's model in ``ids``; None when the list is not bounded: the
    model is shared by every jurisdiction (``""``) or is the jurisdiction itself (``"pk"``)."""
    path = getattr(model, "jurisdiction_path", None)
    if not path or path == "pk":
        return None
    return jurisdiction_q(model, ids)


#: A choice outside the street's list (another street's unit, or one that no longer exists).
OTHER_STREET_CHOICE = _lazy("所选项不属于本镇街或已不存在，只能选择本镇街的单位、人员或机构。")


def limit_choices(form: Any, user: Any, *, scope_wide: bool = False) -> None:
    """Bound every model choice list of ``form`` (units, people, institutions...) to the user's
    own street in a city (issue 19), so that a street picks only its own units. With
    ``scope_wide`` (a list page's filters), and for the city office, to every jurisdiction the
    user sees: the city filters by, and acts on, its streets' units and people. Nothing changes in
    a deployment of one street."""
    scope = scope_of(user)
    if scope is None or scope.jurisdiction_ids is None:
        return
    # the city office acts across its streets (a street's liaison, a 通报 of a street): its choices
    # span them, and what it may do is the rules' to say
    ids = scope.jurisdiction_ids if scope_wide or scope.is_city else own_street_ids(scope)
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        bound = _choice_bound(queryset.model, ids)
        if bound is not None:
            field.queryset = queryset.filter(bound)
            field.error_messages = {**field.error_messages, "invalid_choice": OTHER_STREET_CHOICE}


def own_street_ids(scope: Scope) -> frozenset[int]:
    """The user's own jurisdiction (a street of a city, or the city office's own)."""
    return frozenset({scope.jurisdiction_id}) if scope.jurisdiction_id is not None else frozenset()


def require_own_street(user: Any, **objs: Any) -> None:
    """Refuse (DomainError) a unit, person or institution of another street, named by the
    service's field (``require_own_street(user, handling_unit=unit)``). Every service that takes
    one calls it: a street cannot assign work to another street's unit (issue 19). Nothing is
    checked in a deployment of one street."""
    from django.utils.translation import gettext

    from .exceptions import DomainError

    scope = scope_of(user)
    if scope is None or scope.jurisdiction_ids is None:
        return
    own = dataclasses.replace(scope, jurisdiction_ids=own_street_ids(scope))
    for field, value in objs.items():
        values = value if isinstance(value, list | tuple | set | frozenset | models.QuerySet) else [value]
        for obj in values:
            if obj is None or not isinstance(obj, models.Model):
                continue
            if _choice_bound(type(obj), own.jurisdiction_ids or frozenset()) is None:
                continue
            if not in_jurisdiction(own, obj):
                raise DomainError(
                    gettext("“%(obj)s”不属于本镇街，只能选择本镇街的单位、人员或机构。") % {"obj": obj},
                    code="jurisdiction",
                    field=field,
                )


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
