"""我的待办 (issue 17): what waits for the signed-in user across areas, from each area's selectors.

Items of the user's own unit (and the groups it hosts): leads to sign (签收) and to feed back,
measures due, inspections due, the unit's monthly submission. Reviews are shown to whoever the
declared action's ``who`` allows (``core.rules``): leads to refer and feedback to verify
(``leads.refer`` / ``leads.close``), rectified problems to verify (``rectification.verify``).
Every count is one indexed query; nothing scans every lead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import rules
from core.visibility import scope_of, visible_to
from leads import selectors as leads
from organization.models import Campaign
from rectification import selectors as rectification

from . import rules as reporting_rules
from .choices import SubmissionStatus
from .models import UnitSubmission

#: How far ahead a measure or an inspection counts as due.
DUE_DAYS = 7
#: How many leads an item lists by number.
SHOWN = 5
#: ``core.models.JobState`` values of a finished job.
FINISHED_JOB_STATES = ("done", "failed")


@dataclass
class TodoItem:
    key: str
    label: Any
    count: int
    url: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # leads listed by number
    links: list[tuple[str, str]] = field(default_factory=list)  # other rows: (url, text)


def _may(user: Any, name: str) -> bool:
    """The action's ``who`` allows the user (on no object in particular)."""
    try:
        return bool(rules.get(name).who(user, None))
    except LookupError:
        return False


def _lead_item(key: str, label: Any, qs, url: str, count: Any = None) -> TodoItem | None:
    """``count``: a callable giving the number (when counting ``qs`` would read too many rows);
    ``qs`` a queryset, or a callable giving the rows (``leads.earliest_deadlines``)."""
    rows = qs() if callable(qs) else list(qs.values("pk", "number", "summary", "deadline")[:SHOWN])
    if not rows:
        return None
    return TodoItem(key, label, count() if count is not None else qs.count(), url, rows)


def recent_jobs(user: Any) -> list[Any]:
    """The user's recent background jobs that have finished (done or failed), from
    ``core.jobs.recent_for`` (helper jobs17); nothing where that module is absent."""
    try:
        from core import jobs  # type: ignore[attr-defined]
    except ImportError:
        return []
    recent_for = getattr(jobs, "recent_for", None)
    if recent_for is None:
        return []
    return [job for job in recent_for(user) if getattr(job, "state", "") in FINISHED_JOB_STATES]


def _jobs_url() -> str:
    try:
        return reverse("core:jobs")
    except NoReverseMatch:
        return reverse("dashboard")


def todo_items(user: Any, today: datetime.date | None = None) -> list[TodoItem]:
    """The user's to-do items with a count above zero, in the order the page shows them."""
    scope = scope_of(user)
    if scope is not None and scope.is_city:
        return _city_items(user, today or timezone.localdate())
    if scope is None or not scope.can_write:
        return []
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=DUE_DAYS)
    units = sorted(scope.unit_ids) if scope.unit_id else []
    lead_list = reverse("leads:index")
    items: list[TodoItem | None] = []
    if units:
        # the unit's leads in a status: the first few by deadline (an ordered index scan per status
        # that stops there) and how many from the counters, not a count of every such lead
        for key, label, statuses in [
            ("lead_sign", _("待签收的线索"), ["referred"]),
            ("lead_feedback", _("待反馈的线索"), ["verifying", "returned"]),
        ]:
            items.append(
                _lead_item(
                    key,
                    label,
                    lambda statuses=statuses: leads.earliest_deadlines(
                        units, statuses, ("pk", "number", "summary", "deadline"), SHOWN
                    ),
                    f"{lead_list}?status={statuses[0]}",
                    lambda statuses=statuses: leads.count_awaiting(units, statuses),
                )
            )
        measures = rectification.count_measures_due(units, until)  # the tally
        if measures:
            items.append(
                TodoItem("measures", _("7 天内到期的整改措施"), measures, reverse("rectification:problem_list"))
            )
        inspections = rectification.inspections_due(units, until).count()
        if inspections:
            items.append(TodoItem("inspections", _("7 天内应检查的机构"), inspections, reverse("rectification:index")))
    if _may(user, "leads.refer"):
        to_refer = leads.in_status(["registered"], user)
        items.append(
            _lead_item(
                "lead_refer",
                _("待分派的线索"),
                to_refer,
                f"{lead_list}?status=registered",
                lambda: leads.count_in_status(["registered"], user),  # every lead of the street: the tally
            )
        )
    if _may(user, "leads.close"):
        items.append(
            _lead_item(
                "lead_verify",
                _("待核实的反馈"),
                leads.in_status(["fed_back"], user),
                f"{lead_list}?status=fed_back",
                lambda: leads.count_in_status(["fed_back"], user),
            )
        )
    if _may(user, "rectification.verify"):
        rectified = rectification.problems_in_status(["rectified"], user).count()
        if rectified:
            url = reverse("rectification:problem_list") + "?status=rectified"
            items.append(TodoItem("problem_verify", _("待核查销号的问题"), rectified, url))
    own = reporting_rules.default_reporting_unit(user)
    if own is not None:
        campaign = Campaign.objects.current(user=user)
        if campaign is not None and campaign.start_date <= today:
            from .selectors import report_month_for

            month = report_month_for(campaign, today)
            submitted = UnitSubmission.objects.filter(
                campaign=campaign, unit_id=own.pk, month=month, status=SubmissionStatus.SUBMITTED
            ).exists()
            if not submitted:
                items.append(TodoItem("submission", _("本单位本月报送"), 1, reverse("reports:submission_list")))
    # a street office of a city (issue 19): the city's 通报/约谈 waiting for its rectification
    from .selectors import count_open_supervisions, open_supervisions

    supervisions = open_supervisions(user, limit=SHOWN, today=today)
    if supervisions:
        links = [(s.get_absolute_url(), _supervision_text(s)) for s in supervisions]
        count = count_open_supervisions(user, supervisions, limit=SHOWN)
        items.append(
            TodoItem("supervisions", _("待整改的通报约谈"), count, reverse("reports:supervision_list"), links=links)
        )
    jobs = recent_jobs(user)
    if jobs:
        links = [(job.get_absolute_url(), str(job.title)) for job in jobs]
        items.append(TodoItem("jobs", _("已完成的后台任务"), len(jobs), _jobs_url(), links=links))
    return [item for item in items if item is not None]


def _city_items(user: Any, today: datetime.date) -> list[TodoItem]:
    """The city office's (issue 19; read-only on its streets' work, so none of the items above):
    the rectifications its streets reported on its 通报/约谈, waiting for it to confirm or return
    them; its transferred leads not closed by its deadline; its finished jobs (a transfer list's
    import). Bounded queries: the first few and a count of each."""
    from .choices import SupervisionStatus
    from .models import Supervision

    items: list[TodoItem] = []
    reported = visible_to(user, Supervision).filter(status=SupervisionStatus.REPORTED)
    shown = list(reported.select_related("jurisdiction").order_by("rectified_on", "pk")[:SHOWN])
    if shown:
        links = [(s.get_absolute_url(), f"{s.jurisdiction} · {_supervision_text(s)}") for s in shown]
        count = len(shown) if len(shown) < SHOWN else reported.count()
        url = reverse("reports:supervision_list") + "?status=" + SupervisionStatus.REPORTED
        items.append(TodoItem("supervisions_reported", _("待确认的整改情况"), count, url, links=links))
    overdue = leads.city_transfers(user, overdue=True).exclude(leads.city_final_q())
    first = overdue.order_by("higher_deadline", "pk").values("pk", "number", "summary", "higher_deadline")

    def rows() -> list[dict[str, Any]]:  # by the city's deadline
        return [{**r, "deadline": r.pop("higher_deadline")} for r in first[:SHOWN]]

    item = _lead_item(
        "city_overdue",
        _("超过市级期限未办结的转办线索"),
        rows,
        reverse("leads:city") + "?overdue=1",
        count=lambda: overdue.count(),
    )
    if item is not None:
        items.append(item)
    jobs = recent_jobs(user)
    if jobs:
        links = [(job.get_absolute_url(), str(job.title)) for job in jobs]
        items.append(TodoItem("jobs", _("已完成的后台任务"), len(jobs), _jobs_url(), links=links))
    return items


def _supervision_text(supervision: Any) -> str:
    """ "通报 2026-11-03 · 整改期限 2026-12-03", and "· 逾期" past the deadline."""
    from django.utils.translation import gettext

    text = gettext("%(kind)s %(date)s · 整改期限 %(deadline)s") % {
        "kind": supervision.get_kind_display(),
        "date": f"{supervision.date:%Y-%m-%d}",
        "deadline": f"{supervision.rectify_by:%Y-%m-%d}",
    }
    if getattr(supervision, "overdue", False):
        text += " · " + gettext("逾期")
    return text


def todo_count(user: Any) -> int:
    return sum(item.count for item in todo_items(user))
