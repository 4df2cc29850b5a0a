"""Reads: related tips, supervision figures."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import F, Q, Value

from core.visibility import visible_to

from .models import Lead, awaiting_feedback_q, overdue_q
from .services import phone_hash

#: What a short list of leads shows (number, summary, status): selecting only these keeps the
#: query cheap to build and to read (a lead has some sixty columns, some of them encrypted).
SHORT_FIELDS = ("number", "summary", "status", "received_on")


def related_and_merged(user, lead: Lead) -> tuple[list[Lead], list[Lead]]:
    """The leads linked to ``lead`` and those merged into it that the user may see, newest first:
    one query (a UNION ALL of the two, each index-served), ``SHORT_FIELDS`` only."""
    shown = visible_to(user, Lead).only(*SHORT_FIELDS).order_by()  # the union is ordered, not its parts
    related = shown.filter(related=lead).annotate(merged_here=Value(False))
    merged = shown.filter(merged_into=lead).annotate(merged_here=Value(True))
    rows = list(related.union(merged, all=True).order_by("-received_on", "-pk"))
    return [r for r in rows if not r.merged_here], [r for r in rows if r.merged_here]


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


# --- figures for reports (owned by reports/) ---
# The one definition each of "overdue lead" and "closed lead", used by the dashboard, the
# monthly submissions, the monthly report and the scorecard. Counting only: not scoped to a user.


def report_leads(units=None):
    """Every lead, or those referred to ``units`` (unit ids), for the reports' counts. No query."""
    qs = Lead.objects.all()
    return qs if units is None else qs.filter(assigned_unit_id__in=list(units))


def overdue(qs, today):
    return qs.filter(overdue_q(today))


def due_soon(qs, today, horizon):
    """Feedback owed with the deadline from ``today`` up to ``horizon`` (inclusive)."""
    return qs.filter(awaiting_feedback_q(), deadline__gte=today, deadline__lte=horizon)


def due_soon_horizon(today):
    """The last day that counts as "due soon" (some working days ahead)."""
    from .services import due_soon_horizon as horizon

    return horizon(today)


def closed_q() -> Q:
    """A closed lead (已办结)."""
    from .choices import LeadStatus

    return Q(status=LeadStatus.CLOSED)


def checked_q() -> Q:
    """A lead whose check is done (已查结): fed back or closed."""
    from .choices import LeadStatus

    return Q(status__in=[LeadStatus.FED_BACK, LeadStatus.CLOSED])


def reveal_entries():
    """The audit entries of informant reveals, newest first, with the actor and the lead's number
    (``lead_number``, ``lead_pk``): who revealed which lead, when and why. Never the identity: the
    entries hold none. Entries written before ``services.REVEAL_MARK`` are found by their text."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import OuterRef, Subquery
    from django.utils import translation
    from django.utils.translation import gettext

    from core.models import AuditEntry

    from .services import REVEAL_MARK

    texts = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.add(gettext("查看举报人身份"))
    lead = Lead.objects.filter(pk=OuterRef("object_id"))
    return (
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Lead), action=AuditEntry.Action.ACCESS)
        .filter(Q(changes__action=REVEAL_MARK["action"]) | Q(changes_text__in=sorted(texts)))
        .select_related("actor__unit")
        .annotate(lead_number=Subquery(lead.values("number")[:1]))
        .order_by("-timestamp", "-pk")
    )


# --- 我的待办 and the global search (issue 17; read by reports.todo / reports.search) ----------


def awaiting_units(unit_ids, statuses) -> Any:
    """Leads assigned to ``unit_ids`` in ``statuses`` (index ``lead_unit_status_deadline``), the
    earliest deadline first."""
    return Lead.objects.filter(assigned_unit_id__in=list(unit_ids), status__in=list(statuses)).order_by(
        F("deadline").asc(nulls_last=True), "pk"
    )


def earliest_deadlines(unit_ids, statuses, fields, limit: int, where: Q | None = None) -> list[dict[str, Any]]:
    """The first ``limit`` leads of ``unit_ids`` in ``statuses`` (and ``where``) by deadline (none
    last), as ``values(*fields)`` (which must hold "pk" and "deadline"). One query: on PostgreSQL
    a UNION ALL of one ordered scan of ``lead_unit_status_deadline`` per unit and status, each
    stopping after ``limit`` entries, so that a unit with 10,000 leads in a status reads ``limit``
    rows, not all of them sorted."""
    from django.db import connection

    units, wanted = sorted(set(unit_ids)), sorted(set(statuses))
    order = (F("deadline").asc(nulls_last=True), "pk")
    base = Lead.objects.filter(where or Q())
    if len(units) * len(wanted) <= 1 or not connection.features.supports_slicing_ordering_in_compound:
        qs = base.filter(assigned_unit_id__in=units, status__in=wanted).order_by(*order)
        return list(qs.values(*fields)[:limit])
    parts = [
        base.filter(assigned_unit_id=unit, status=status).order_by(*order).values(*fields)[:limit]
        for unit in units
        for status in wanted
    ]
    combined = parts[0].union(*parts[1:], all=True).order_by(*order)
    return list(combined[:limit])


def count_awaiting(unit_ids, statuses) -> int:
    """How many leads of ``unit_ids`` are in ``statuses`` now, from the counters the database
    keeps (a lead counts for its one unit, so a set of units adds up). One query."""
    from core import tally

    if not unit_ids:
        return 0
    counts = tally.sums({"lead": (tally.EARLIEST, tally.LATEST)}, sorted(set(unit_ids)))
    return sum(counts.get(("lead", f"status:{status}"), 0) for status in statuses)


def count_awaiting_by_deadline(unit_ids, windows: dict[str, tuple[Any, Any]]) -> dict[str, int]:
    """{name: how many leads of ``unit_ids`` await feedback (``awaiting_feedback_q``) with the
    deadline in the window (first, last)}, from the counters. One query a window."""
    from core import tally

    found = {}
    for name, (first, last) in windows.items():
        counts = tally.sums({"lead_awaiting": (first, last)}, sorted(set(unit_ids))) if unit_ids else {}
        found[name] = counts.get(("lead_awaiting", "awaiting"), 0)
    return found


def _bounded(user: Any) -> bool:
    """Whether ``user``'s scope is bounded by jurisdictions (a street or the city of a city
    deployment, issue 19): then "every lead" means every lead the user may see."""
    scope = getattr(user, "scope", None) if user is not None else None
    return scope is not None and scope.jurisdiction_ids is not None


def in_status(statuses, user: Any = None) -> Any:
    """Every lead in ``statuses`` (index ``lead_status_received_order``), the oldest first; in a
    city, those of ``user``'s street(s) only."""
    qs = visible_to(user, Lead) if _bounded(user) else Lead.objects.all()
    return qs.filter(status__in=list(statuses)).order_by("received_on", "pk")


def count_in_status(statuses, user: Any = None) -> int:
    """How many leads are in ``statuses`` now, from the counters the database keeps (``tallies.py``:
    every lead counts under its status on its day received; one query on a small table). In a
    city, counted among ``user``'s street(s) leads (a lead not yet referred has no unit to be
    counted under)."""
    from core import tally

    if _bounded(user):
        return in_status(statuses, user).count()
    counts = tally.sums({"lead": (tally.EARLIEST, tally.LATEST)})
    return sum(counts.get(("lead", f"status:{status}"), 0) for status in statuses)


def search(user: Any, text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Visible leads whose number contains ``text`` (no informant field is read or matched)."""
    rows = visible_to(user, Lead).filter(number__icontains=text).order_by("-received_on", "-pk")
    return list(rows.values("pk", *SHORT_FIELDS)[:limit])


def city_transfers(user: Any, *, overdue: bool = False) -> Any:
    """The leads a city special office transferred in the system (issue 19), as ``user`` sees
    them: the city every street's, a street its own. ``overdue``: not finally closed by the city's
    deadline (open past it, or closed after it)."""
    from django.utils import timezone

    leads = visible_to(user, Lead).filter(transferred_by__isnull=False)
    if overdue:
        today = timezone.localdate()
        final = city_final_q()
        leads = leads.filter(
            (~final & Q(higher_deadline__lt=today)) | (final & Q(closed_at__date__gt=F("higher_deadline")))
        )
    return leads


def city_final_q() -> Q:
    """A transferred lead finally closed (``Lead.is_final``): its closure is reported up."""
    from .choices import LeadStatus, ReviewState

    return Q(status=LeadStatus.CLOSED) & ~Q(review_state=ReviewState.PENDING)


def transfers_by_street(street_ids: Any, *, start: Any, end: Any, today: Any) -> dict[int, dict[str, int]]:
    """The city's transferred leads of each street (issue 19), against the city's deadline
    (``higher_deadline``), as ``city_transfers`` judges them: ``closed`` finally closed from
    ``start`` to ``end`` (local days), ``on_time`` of those by the deadline, ``overdue`` open past it
    on ``today``. One query (GROUP BY street)."""
    from django.db.models import Count

    final = city_final_q()
    closed = final & Q(closed_at__date__gte=start, closed_at__date__lte=end)
    rows = (
        Lead.objects.filter(
            transferred_by__isnull=False, higher_deadline__isnull=False, jurisdiction_id__in=sorted(street_ids)
        )
        .order_by()
        .values("jurisdiction_id")
        .annotate(
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & Q(closed_at__date__lte=F("higher_deadline"))),
            overdue=Count("pk", filter=~final & Q(higher_deadline__lt=today)),
        )
    )
    return {r["jurisdiction_id"]: {k: r[k] for k in ("closed", "on_time", "overdue")} for r in rows}
