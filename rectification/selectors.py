"""Reads of the rectification area: list querysets and the institution page."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.models import Attachment, AuditEntry
from core.visibility import visible_to

from .choices import PROBLEM_ACTIVE_STATUSES, PlanStatus
from .models import ContingencyPlan, GradeChange, Inspection, Institution, Measure, Problem, SectorSupervisor


def institutions_for_list(qs: QuerySet[Institution]) -> QuerySet[Institution]:
    """Institutions with ``open_problems`` and ``has_active_plan``, as subqueries on the outer
    row (not a join and GROUP BY): a page of 25 counts only its own problems, and ``count()``
    leaves them out."""
    open_problems = (
        Problem.objects.filter(institution=OuterRef("pk"), status__in=PROBLEM_ACTIVE_STATUSES)
        .order_by()
        .values("institution")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.select_related("supervising_unit", "community").annotate(
        open_problems=Coalesce(Subquery(open_problems, output_field=IntegerField()), 0),
        has_active_plan=Exists(ContingencyPlan.objects.filter(institution=OuterRef("pk"), status=PlanStatus.ACTIVE)),
    )


def with_draft_plans(qs: QuerySet[Institution]) -> QuerySet[Institution]:
    """``draft_plans``: how many draft contingency plans an institution has (a subquery)."""
    drafts = (
        ContingencyPlan.objects.filter(institution=OuterRef("pk"), status=PlanStatus.DRAFT)
        .order_by()
        .values("institution")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(draft_plans=Coalesce(Subquery(drafts, output_field=IntegerField()), 0))


def sector_table_streets(user: Any) -> list[Any]:
    """The streets whose sector tables the city office reads, read-only (each street keeps its
    own, issue 19): the streets under its city. Empty for anyone else (their own street's table).
    One query for the city, none otherwise."""
    from organization.models import Jurisdiction

    scope = getattr(user, "scope", None)
    if scope is None or not scope.is_city:
        return []
    rows = visible_to(user, Jurisdiction).filter(parent_id=scope.jurisdiction_id)
    return list(rows.order_by("sort_order", "name"))


def sector_timeline(limit: int = 30, street: int | None = None) -> list[Any]:
    """The latest changes of the sector table (audit entries of ``SectorSupervisor``): who,
    when, what and why; with ``street`` (a city, issue 19), those made by that street's people,
    who alone keep its table. Two queries."""
    ct = ContentType.objects.get_for_model(SectorSupervisor)
    entries = AuditEntry.objects.filter(content_type=ct)
    if street is not None:
        entries = entries.filter(actor__unit__jurisdiction_id=street)
    return list(entries.select_related("actor").order_by("-timestamp", "-pk")[:limit])


def problems_for_list(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    return qs.select_related("institution", "owner_unit").prefetch_related(
        Prefetch("measures", queryset=Measure.objects.order_by("deadline", "pk"))
    )


def institution_page(institution: Institution, user: Any) -> dict[str, Any]:
    """Everything known about one institution, as the user may see it. A fixed number of queries."""
    grade_changes = list(GradeChange.objects.filter(institution=institution).select_related("changed_by"))
    inspections = list(
        Inspection.objects.filter(institution=institution)
        .select_related("unit", "recorded_by")
        .order_by("-date", "-pk")
    )
    problems = list(problems_for_list(Problem.objects.filter(institution=institution)).select_related("inspection"))
    plans = list(ContingencyPlan.objects.filter(institution=institution).select_related("lead_unit"))
    photos: dict[int, list[Attachment]] = {}
    if inspections:
        ct = ContentType.objects.get_for_model(Inspection)
        for attachment in Attachment.objects.filter(content_type=ct, object_id__in=[i.pk for i in inspections]):
            photos.setdefault(attachment.object_id, []).append(attachment)
    for inspection in inspections:
        inspection.photos = photos.get(inspection.pk, [])
    return {
        "grade_changes": grade_changes,
        "inspections": inspections,
        "problems": problems,
        "plans": plans,
        "related_leads": _related(institution.leads.all(), user, ("number", "summary", "status")),
        "related_cases": _related(institution.cases.all(), user, ("title",)),
    }


def _related(qs: QuerySet, user: Any, fields: tuple[str, ...]) -> list:
    """The leads or cases naming the institution that the user may see. Only the ``fields`` the
    page shows are read (a lead's informant fields would be decrypted for nothing)."""
    return list(visible_to(user, qs).only("pk", *fields)[:200])


# --- figures for reports (owned by reports/) ---
# The one definition of an open problem (尚未销号问题) and of the overdue work the scorecard
# counts, used by the dashboard, the monthly submissions, the monthly report and the scorecard.
# Counting only: not scoped to a user.


def report_institutions(units=None) -> QuerySet[Institution]:
    """Institutions still on the register (not closed), or those supervised by or in ``units``."""
    from django.db.models import Q

    from .choices import InstitutionStatus

    qs = Institution.objects.exclude(status=InstitutionStatus.CLOSED)
    if units is not None:
        ids = list(units)
        qs = qs.filter(Q(supervising_unit_id__in=ids) | Q(community_id__in=ids))
    return qs


def control_list_q():
    """On the risk control list (风险管控名单): graded yellow or above."""
    from django.db.models import Q

    from .choices import CONTROL_LIST_MIN_GRADE

    return Q(risk_grade__gte=CONTROL_LIST_MIN_GRADE)


def inspection_overdue_q(today):
    """The institution's next inspection was due before ``today``."""
    from django.db.models import Q

    return Q(next_inspection_due__lt=today)


def _at_units_institutions(units, prefix: str = "institution__"):
    """At an institution in or supervised by ``units`` (as ``report_institutions``): a subquery
    of those institutions (served by their unit indexes) rather than an OR over a join, which the
    planner answers by joining both whole tables."""
    from django.db.models import Q

    ids = list(units)
    at = Institution.objects.filter(Q(supervising_unit_id__in=ids) | Q(community_id__in=ids)).values("pk")
    return Q(**{f"{prefix.removesuffix('__')}__in": at})


def report_inspections(start, end, units=None) -> QuerySet[Inspection]:
    """Inspections dated ``start``..``end`` (inclusive); for ``units``, those made by them or at
    their institutions (the rows their inspection list shows)."""
    from django.db.models import Q

    qs = Inspection.objects.filter(date__gte=start, date__lte=end)
    if units is None:
        return qs
    ids = list(units)
    return qs.filter(Q(unit_id__in=ids) | _at_units_institutions(ids))


def report_problems(units=None) -> QuerySet[Problem]:
    """Every problem; for ``units`` (unit ids), those they own or at their institutions (the rows
    their problem list shows: a community counts the open problems at its institutions)."""
    from django.db.models import Q

    qs = Problem.objects.all()
    if units is None:
        return qs
    ids = list(units)
    return qs.filter(Q(owner_unit_id__in=ids) | _at_units_institutions(ids))


def owned_problems(units) -> QuerySet[Problem]:
    """The problems ``units`` own (整改责任单位): what the scorecard holds each unit to."""
    return Problem.objects.filter(owner_unit_id__in=list(units))


def open_problems_q():
    """An open problem (尚未销号问题): raised and not yet closed off (销号)."""
    from django.db.models import Q

    from .choices import PROBLEM_ACTIVE_STATUSES

    return Q(status__in=PROBLEM_ACTIVE_STATUSES)


def open_problems(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    return qs.filter(open_problems_q())


def with_last_deadline(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    """Problems annotated with ``last_deadline``, the latest deadline of their measures (a
    subquery, so that it can be counted per unit)."""
    from django.db.models import DateField, OuterRef, Subquery

    from .models import Measure

    latest = Measure.objects.filter(problem=OuterRef("pk")).order_by("-deadline").values("deadline")[:1]
    return qs.annotate(last_deadline=Subquery(latest, output_field=DateField()))


def closed_on_time_q():
    """On ``with_last_deadline`` rows: closed off by the latest measure deadline (or none set)."""
    from django.db.models import F, Q

    return Q(last_deadline__isnull=True) | Q(closed_at__date__lte=F("last_deadline"))


def late_problems(qs: QuerySet[Problem], today) -> QuerySet[Problem]:
    """Open problems with a measure past its deadline and not done (may repeat a problem: count
    distinct)."""
    return open_problems(qs).filter(measures__deadline__lt=today, measures__done_at__isnull=True)


# --- public doors for other areas -------------------------------------------------------------


def institution_by_code(code: str) -> Institution | None:
    """The registered institution with this unified social credit code, or None. One query."""
    return Institution.objects.filter(credit_code=code.strip().upper()).first()


def visible_institution(user: Any, pk: int | None) -> Institution | None:
    """The institution ``pk`` if ``user`` may see it (its id and name only; no query without a pk)."""
    if not pk:
        return None
    return visible_to(user, Institution).filter(pk=pk).only("pk", "name").first()


# --- 我的待办 and the global search (issue 17; read by reports.todo / reports.search) ----------


def measures_due(units, until) -> QuerySet[Measure]:
    """Measures not yet done, due by ``until``, of open problems ``units`` own."""
    return Measure.objects.filter(
        problem__owner_unit_id__in=list(units),
        problem__status__in=PROBLEM_ACTIVE_STATUSES,
        done_at__isnull=True,
        deadline__lte=until,
    )


def count_measures_due(units, until) -> int:
    """How many ``measures_due(units, until)`` there are, from the counters the database keeps
    (``tallies.py``: a measure counts for its problem's owner alone, so a set of units adds up)."""
    from core import tally

    if not units:
        return 0
    counts = tally.sums({"measure_due": (tally.EARLIEST, until)}, sorted(set(units)))
    return counts.get(("measure_due", "due"), 0)


def inspections_due(units, until) -> QuerySet[Institution]:
    """Institutions ``units`` supervise whose next inspection is due by ``until`` (index
    ``inst_unit_due_idx``)."""
    return Institution.objects.filter(supervising_unit_id__in=list(units), next_inspection_due__lte=until)


def problems_in_status(statuses, user: Any = None) -> QuerySet[Problem]:
    """Every problem in ``statuses``; in a city (a scope bounded by jurisdictions), those of
    ``user``'s street(s) only."""
    scope = getattr(user, "scope", None) if user is not None else None
    bounded = scope is not None and scope.jurisdiction_ids is not None
    qs = visible_to(user, Problem) if bounded else Problem.objects.all()
    return qs.filter(status__in=list(statuses))


def search_institutions(user: Any, text: str, limit: int = 10) -> list[dict[str, Any]]:
    """Visible institutions by name (contains) or credit code (the whole code, or its start)."""
    from django.db.models import Q

    code = text.upper()
    rows = visible_to(user, Institution).filter(
        Q(name__icontains=text) | Q(credit_code__startswith=code) if len(code) >= 4 else Q(name__icontains=text)
    )
    return list(rows.order_by("name", "pk").values("pk", "name", "credit_code", "risk_grade")[:limit])
