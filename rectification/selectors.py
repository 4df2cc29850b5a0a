"""Reads of the rectification area: list querysets and the institution page."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from core.models import Attachment
from core.visibility import visible_to

from .choices import PROBLEM_ACTIVE_STATUSES, PlanStatus
from .models import ContingencyPlan, GradeChange, Inspection, Institution, Measure, Problem


def institutions_for_list(qs: QuerySet[Institution]) -> QuerySet[Institution]:
    return qs.select_related("supervising_unit", "community").annotate(
        open_problems=Count("problems", filter=Q(problems__status__in=PROBLEM_ACTIVE_STATUSES), distinct=True),
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
        "related_leads": _related(institution, "leads", user),
        "related_cases": _related(institution, "cases", user),
    }


def _related(institution: Institution, name: str, user: Any) -> list | None:
    """The leads or cases naming the institution that the user may see; None when that app has
    no relation to institutions (yet)."""
    manager = getattr(institution, name, None)
    if manager is None or not hasattr(manager, "all"):
        return None
    qs = manager.all()
    try:
        qs = visible_to(user, qs)
    except TypeError:
        return None
    return list(qs[:200])
