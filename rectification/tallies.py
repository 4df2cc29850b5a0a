"""What the reports count of the rectification work, kept by the database (``core.tally``): the
whole street's figures (a unit's are those of the institutions it supervises or that are in it,
read directly). Problems closed on time depend on their measures' deadlines: read directly too."""

from __future__ import annotations

from django.db.models import Q

from core.tally import Counted, Key, register

from .choices import InstitutionStatus
from .selectors import control_list_q, open_problems_q

_ACTIVE = ~Q(status=InstitutionStatus.CLOSED)

#: Institutions on the register now, by the day they were entered (a window from the first day
#: is the register today).
INSTITUTIONS = register(
    Counted(
        subject="institution",
        model="rectification.Institution",
        day="LOCAL_DATE(created_at)",
        unit=None,
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
        unit=None,
        keys=[Key("'due'", _ACTIVE)],
    )
)

INSPECTIONS = register(
    Counted(subject="inspection", model="rectification.Inspection", day="date", unit=None, keys=[Key("'inspections'")])
)

#: Problems by the local day they were raised.
PROBLEMS = register(
    Counted(
        subject="problem",
        model="rectification.Problem",
        day="LOCAL_DATE(raised_at)",
        unit=None,
        keys=[Key("'opened'"), Key("'status:' || status")],
    )
)

#: Open problems (尚未销号) by the local day they were raised (a window from the first day: now).
OPEN_PROBLEMS = register(
    Counted(
        subject="problem_open",
        model="rectification.Problem",
        day="LOCAL_DATE(raised_at)",
        unit=None,
        keys=[Key("'open'", open_problems_q())],
    )
)
