"""What the reports count of the leads, kept by the database (``core.tally``): the conditions are
the selectors' own definitions (``closed_q``, ``checked_q``), compiled into the triggers."""

from __future__ import annotations

from django.db.models import Q

from core.tally import Counted, Key, register

from .models import awaiting_feedback_q
from .selectors import checked_q, closed_q

#: Leads by the day they were received (登记日期) and the unit they are referred to.
RECEIVED = register(
    Counted(
        subject="lead",
        model="leads.Lead",
        day="received_on",
        unit="assigned_unit_id",
        keys=[
            Key("'received'"),
            Key("'major'", Q(is_major=True)),
            Key("'closed'", closed_q()),
            Key("'checked'", checked_q()),
            Key("'source:' || source"),
            Key("'fraud_type:' || fraud_type"),
            Key("'status:' || status"),
        ],
    )
)

#: Feedback with a deadline, by its local day; on time when given by the deadline.
FED_BACK = register(
    Counted(
        subject="lead_fed",
        model="leads.Lead",
        day="LOCAL_DATE(fed_back_at)",
        unit="assigned_unit_id",
        keys=[
            Key("'fed_back'", Q(deadline__isnull=False)),
            Key("'fed_on_time'", "deadline IS NOT NULL AND LOCAL_DATE(fed_back_at) <= deadline"),
        ],
    )
)

#: Leads by the day they were last reminded (催办).
REMINDED = register(
    Counted(
        subject="lead_reminded",
        model="leads.Lead",
        day="last_reminded_on",
        unit="assigned_unit_id",
        keys=[Key("'reminded'")],
    )
)

#: Leads awaiting feedback (``awaiting_feedback_q``) by their deadline: those overdue today are
#: the ones with a deadline before today (``overdue_q``), a window of this tally.
AWAITING = register(
    Counted(
        subject="lead_awaiting",
        model="leads.Lead",
        day="deadline",
        unit="assigned_unit_id",
        keys=[Key("'awaiting'", awaiting_feedback_q())],
    )
)

#: Leads named in a circular (列入通报) and not closed, by the day they were received.
NAMED = register(
    Counted(
        subject="lead_named",
        model="leads.Lead",
        day="received_on",
        unit="assigned_unit_id",
        keys=[Key("'named'", Q(publicly_named=True) & ~closed_q())],
    )
)
