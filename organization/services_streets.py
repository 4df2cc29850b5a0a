"""Writes of a city's streets (issue 19): the city office adds a street office (its jurisdiction
and its office unit at once), edits one, deactivates one with no active people and reactivates
one (with the units deactivated with it). Each asks its
rule (``organization/rules_streets.py``) and is audited with its reason (``core.audit``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core import rules
from core.audit import audit_context
from core.exceptions import DomainError

from .choices import JurisdictionLevel, UnitCode, UnitKind
from .models import Jurisdiction, Unit, User

#: the office unit's fields a form sets (``office_name`` is the unit's name)
OFFICE_FIELDS = ("short_name", "phone", "email", "address")


def _check_names(
    name: str, office_name: str, *, street: Jurisdiction | None = None, office: Unit | None = None
) -> None:
    if not name:
        raise DomainError(_("请填写镇街名称。"), field="name")
    same = Jurisdiction.objects.filter(name=name)
    if (same.exclude(pk=street.pk) if street else same).exists():
        raise DomainError(_("已有同名的辖区。"), field="name")
    if not office_name:
        raise DomainError(_("请填写镇街专项办的名称。"), field="office_name")
    units = Unit.objects.filter(name=office_name)
    if (units.exclude(pk=office.pk) if office else units).exists():
        raise DomainError(_("已有同名的单位。"), field="office_name")


def street_add(*, user: Any, name: str, office_name: str = "", reason: str = "", **fields: Any) -> Jurisdiction:
    """A new street of the user's city with its street office (``organization.street_add``)."""
    action = rules.require(user, "organization.street_add")
    reason = rules.require_reason(action, reason)
    name = (name or "").strip()
    office_name = (office_name or "").strip() or f"{name}专项办"
    _check_names(name, office_name)
    city = user.unit.jurisdiction
    with transaction.atomic(), audit_context(actor=user, reason=rules.audit_reason(action, reason)):
        street = Jurisdiction.objects.create(name=name, level=JurisdictionLevel.STREET, parent=city)
        Unit.objects.create(
            name=office_name,
            kind=UnitKind.STREET_OFFICE,
            code=UnitCode.STREET_OFFICE,
            jurisdiction=street,
            **{k: (fields.get(k) or "") for k in OFFICE_FIELDS},
        )
    return street


def street_update(*, street: Jurisdiction, user: Any, reason: str = "", **fields: Any) -> Jurisdiction:
    """Edit a street: its name, its office's name, short name, liaison and contact details
    (``organization.street_edit``)."""
    office = street.street_office()
    office_values = {k: fields[k] for k in (*OFFICE_FIELDS, "liaison") if k in fields}
    office_name = (fields.get("office_name") or "").strip() or (office.name if office else "")
    if office_name and office is not None:
        office_values["name"] = office_name

    def checked(locked: Jurisdiction) -> dict[str, Any]:
        name = (fields.get("name") or locked.name).strip()
        _check_names(name, office_name or "-", street=locked, office=office)
        liaison = office_values.get("liaison")
        if liaison is not None and (office is None or liaison.unit_id != office.pk or not liaison.is_active):
            raise DomainError(_("联络员应是该镇街专项办在用的人员。"), field="liaison")
        return {"name": name}

    def save(locked: Jurisdiction) -> None:
        locked.save()
        if office is not None and office_values:
            for k, v in office_values.items():
                setattr(office, k, v)
            office.save()

    return rules.transition(
        street, user=user, action="organization.street_edit", reason=reason, fields=checked, save=save
    )


def street_deactivate(*, street: Jurisdiction, user: Any, reason: str = "") -> Jurisdiction:
    """Deactivate a street and its units (``organization.street_deactivate``): refused while it
    has active people; its records stay and stay readable."""

    def save(locked: Jurisdiction) -> None:
        locked.save(update_fields=["is_active"])
        # a unit already inactive stays so on reactivation: only those deactivated here come back
        Unit.objects.filter(jurisdiction=locked, is_active=False).update(deactivated_with_street=False)
        for unit in Unit.objects.filter(jurisdiction=locked, is_active=True):
            unit.is_active = False
            unit.deactivated_with_street = True
            unit.save(update_fields=["is_active", "deactivated_with_street"])

    return rules.transition(
        street,
        user=user,
        action="organization.street_deactivate",
        reason=reason,
        fields={"is_active": False},
        save=save,
    )


def street_reactivate(*, street: Jurisdiction, user: Any, reason: str = "") -> Jurisdiction:
    """Bring a deactivated street back (``organization.street_reactivate``): the street, the
    units its deactivation deactivated (``Unit.deactivated_with_street``) and in any case its
    street office. A unit the street office had deactivated on its own before stays inactive; its
    people stay inactive too (the street office, or the city for the office's liaison, turns them
    back on one by one)."""

    def save(locked: Jurisdiction) -> None:
        locked.save(update_fields=["is_active"])
        office = locked.street_office()
        back = Unit.objects.filter(jurisdiction=locked, is_active=False).filter(
            Q(deactivated_with_street=True) | Q(pk=office.pk if office else None)
        )
        for unit in back:
            unit.is_active = True
            unit.deactivated_with_street = False
            unit.save(update_fields=["is_active", "deactivated_with_street"])

    return rules.transition(
        street,
        user=user,
        action="organization.street_reactivate",
        reason=reason,
        fields={"is_active": True},
        save=save,
    )


def street_staff_add(
    *,
    street: Jurisdiction,
    user: Any,
    username: str,
    name: str,
    reason: str = "",
    make_liaison: bool = False,
    **fields: Any,
) -> tuple[User, str]:
    """Open an account for a street office's staff (``organization.street_staff_add``): a person
    of the street's office with the role 镇街专项办 and a generated password, which the page shows
    once; ``make_liaison`` makes them the office's liaison. The city's way to give a new or a
    reactivated street its first sign-in; afterwards the street office keeps its own people."""
    from .choices import Role
    from .services import _check_person, generate_password

    action = rules.require(user, "organization.street_staff_add", street)
    reason = rules.require_reason(action, reason)
    office = street.street_office()
    if not (name or "").strip():
        raise DomainError(_("请填写姓名。"), field="name")
    person = User(
        username=(username or "").strip(),
        name=name.strip(),
        unit=office,
        role=Role.STREET_OFFICE,
        **{k: v for k, v in fields.items() if k in ("phone", "email")},
    )
    _check_person(person)
    password = generate_password()
    person.set_password(password)
    with transaction.atomic(), audit_context(actor=user, reason=rules.audit_reason(action, reason)):
        person.full_clean(exclude=["password"])  # a username already taken is a form error
        person.save()
        if make_liaison and office is not None:
            locked = Unit.objects.select_for_update().get(pk=office.pk)
            locked.liaison = person
            locked.save(update_fields=["liaison"])
    return person, password


def people_of(street: Jurisdiction) -> Any:
    return User.objects.filter(unit__jurisdiction=street)
