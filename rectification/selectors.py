"""Reads of the rectification area: list querysets and the institution page."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.models import Attachment
from core.visibility import visible_to

from .choices import PROBLEM_ACTIVE_STATUSES, PlanStatus
from .models import ContingencyPlan, GradeChange, Inspection, Institution, Measure, Problem


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
        "related_leads": _related(institution, "leads", user, ("number", "summary", "status")),
        "related_cases": _related(institution, "cases", user, ("title",)),
    }


def _related(institution: Institution, name: str, user: Any, fields: tuple[str, ...]) -> list | None:
    """The leads or cases naming the institution that the user may see; None when that app has
    no relation to institutions (yet). Only the ``fields`` the page shows are read (a lead's
    informant fields would be decrypted for nothing)."""
    manager = getattr(institution, name, None)
    if manager is None or not hasattr(manager, "all"):
        return None
    qs = manager.all()
    try:
        qs = visible_to(user, qs)
    except TypeError:
        return None
    return list(qs.only("pk", *fields)[:200])
