"""What the reports count of the rectification work, kept by the database (``core.tally``): the
whole street's figures and a unit's (an institution counts for its supervising unit and for its
community; an inspection or a problem for its own unit and for its institution's two, which the
counters follow when the institution changes unit). Problems closed on time depend on their
measures' deadlines: read directly."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.tally import Counted, Key, register

from .choices import PROBLEM_ACTIVE_STATUSES, InstitutionStatus
from .selectors import control_list_q, open_problems_q

_ACTIVE = ~Q(status=InstitutionStatus.CLOSED)

#: Institutions on the register now, by the day they were entered (a window from the first day
#: is the register today).
INSTITUTIONS = register(
    Counted(
        subject="institution",
        model="rectification.Institution",
        day="LOCAL_DATE(created_at)",
        unit="supervising_unit_id",
        also=["community_id"],
        keys=[
            Key("'active'", _ACTIVE),
            Key("'control'", _ACTIVE & control_list_q()),
            Key("'grade:' || risk_grade", _ACTIVE),
        ],
    )
)

#: Institutions on the register by their next inspection's day: before today is overdue.
INSPECTION_DUE = register(
    Counted(
        subject="institution_due",
        model="rectification.Institution",
        day="next_inspection_due",
        unit="supervising_unit_id",
        also=["community_id"],
        keys=[Key("'due'", _ACTIVE)],
    )
)

#: At the row's institution (``inst``), whose units it also counts for (``report_inspections``,
#: ``report_problems``): the columns of the row are named ``r.``.
_AT_INSTITUTION: dict[str, Any] = {
    "join": "LEFT JOIN rectification_institution inst ON inst.id = r.institution_id",
    "also": ["inst.supervising_unit_id", "inst.community_id"],
    "follows": ("rectification.Institution", "institution_id", "inst"),
}

#: The same by the supervising unit alone: what the scorecard holds a unit to.
INSPECTION_DUE_SUPERVISED = register(
    Counted(
        subject="institution_due_sup",
        model="rectification.Institution",
        day="next_inspection_due",
        unit="supervising_unit_id",
        keys=[Key("'due'", _ACTIVE)],
    )
)

INSPECTIONS = register(
    Counted(
        subject="inspection",
        model="rectification.Inspection",
        day="r.date",
        unit="r.unit_id",
        keys=[Key("'inspections'")],
        **_AT_INSTITUTION,
    )
)

#: Problems by the local day they were raised.
PROBLEMS = register(
    Counted(
        subject="problem",
        model="rectification.Problem",
        day="LOCAL_DATE(r.raised_at)",
        unit="r.owner_unit_id",
        keys=[Key("'opened'"), Key("'status:' || r.status")],
        **_AT_INSTITUTION,
    )
)

#: Open problems (尚未销号) by the local day they were raised (a window from the first day: now).
OPEN_PROBLEMS = register(
    Counted(
        subject="problem_open",
        model="rectification.Problem",
        day="LOCAL_DATE(r.raised_at)",
        unit="r.owner_unit_id",
        **_AT_INSTITUTION,
        keys=[Key("'open'", open_problems_q())],
    )
)

#: Measures not done of open problems, by their deadline and the problem's owner: those due by a
#: day are a window from the first day (``measures_due``); kept when the problem changes.
MEASURES_DUE = register(
    Counted(
        subject="measure_due",
        model="rectification.Measure",
        day="r.deadline",
        unit="prob.owner_unit_id",
        join="JOIN rectification_problem prob ON prob.id = r.problem_id",
        follows=("rectification.Problem", "problem_id", "prob"),
        keys=[
            Key(
                "'due'",
                "r.done_at IS NULL AND prob.status IN ("
                + ", ".join(f"'{str(status)}'" for status in PROBLEM_ACTIVE_STATUSES)
                + ")",
            )
        ],
    )
)
