"""Reads: related tips, supervision figures."""

from __future__ import annotations

from django.db.models import Q

from core.visibility import visible_to

from .models import Lead
from .services import phone_hash

#: What a short list of leads shows (number, summary, status): selecting only these keeps the
#: query cheap to build and to read (a lead has some sixty columns, some of them encrypted).
SHORT_FIELDS = ("number", "summary", "status", "received_on")


def related_candidates(
    user,
    *,
    lead: Lead | None = None,
    subject_name: str = "",
    credit_code: str = "",
    phone: str = "",
    person: str = "",
    limit: int = 20,
) -> list[Lead]:
    """Earlier leads the user may see naming the same institution (name or credit code), phone
    number (keyed hash) or person. One query."""
    if lead is not None:
        subject_name, credit_code, person = lead.subject_name, lead.subject_credit_code, lead.subject_person
        hashed = lead.subject_phone_hash
    else:
        hashed = phone_hash(phone)
    q = Q()
    if subject_name.strip():
        q |= Q(subject_name=subject_name.strip())
    if credit_code.strip():
        q |= Q(subject_credit_code=credit_code.strip().upper())
    if hashed:
        q |= Q(subject_phone_hash=hashed)
    if person.strip():
        q |= Q(subject_person=person.strip())
    if not q:
        return []
    qs = visible_to(user, Lead).filter(q)
    if lead is not None:
        qs = qs.exclude(pk=lead.pk).exclude(pk__in=lead.related.values("pk"))
    return list(qs.only(*SHORT_FIELDS).order_by("-received_on", "-pk")[:limit])
