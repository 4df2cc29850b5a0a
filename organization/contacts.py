"""Where e-mail to a unit goes: to its liaisons, i.e. the people of the unit (its ``liaison`` user
and every active person of the unit with an e-mail address), and to the unit's own mailbox.

One definition for every e-mail to units (the daily deadline digest, the monthly submission
reminders); a unit with none of these addresses is *unreachable* and is listed on the outbox page
and on the street office's dashboard so that someone adds an address.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from .models import Unit, User


def _people_with_email() -> QuerySet[User]:
    return User.objects.filter(is_active=True).exclude(email="")


def with_addresses(units: QuerySet[Unit]) -> QuerySet[Unit]:
    """``units`` with what ``unit_addresses`` reads (two queries for any number of units)."""
    return units.select_related("liaison").prefetch_related(
        Prefetch("people", queryset=_people_with_email().only("pk", "unit_id", "email"), to_attr="mail_people")
    )


def unit_addresses(unit: Unit) -> list[str]:
    """The addresses of ``unit``'s liaisons and its own mailbox, sorted, without duplicates (from
    ``with_addresses``; without it, one query per unit)."""
    people = getattr(unit, "mail_people", None)
    if people is None:
        people = list(_people_with_email().filter(unit=unit).only("email"))
    addresses = {unit.email, *(p.email for p in people)}
    liaison = unit.liaison
    if liaison is not None and liaison.is_active:
        addresses.add(liaison.email)
    return sorted({a.strip() for a in addresses if a and a.strip()})


def unreachable_units(units: QuerySet[Unit] | None = None, user: Any = None) -> QuerySet[Unit]:
    """Of ``units`` (default: the active units that receive leads and reminders, of ``user``'s own
    street in a city), those that no e-mail reaches: no unit address, no liaison with one, nobody
    of the unit with one. One query."""
    if units is None:
        units = Unit.objects.receivers().of_street(user)
    liaison_has_email = Exists(_people_with_email().filter(pk=OuterRef("liaison_id")))
    someone_has_email = Exists(_people_with_email().filter(unit_id=OuterRef("pk")))
    return units.filter(email="").exclude(liaison_has_email).exclude(someone_has_email)
