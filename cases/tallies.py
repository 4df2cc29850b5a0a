"""What the reports count of the cases, kept by the database (``core.tally``). Amounts in cents."""

from __future__ import annotations

from django.db.models import Q

from core.tally import Counted, Key, register

from .selectors import COUNT_FIELDS, FLAGS

#: Cases by the day they were opened (立案/受理), for the whole street (not per unit).
OPENED = register(
    Counted(
        subject="case",
        model="cases.Case",
        day="opened_on",
        unit=None,
        keys=[
            Key("'cases'"),
            Key("'amount_involved'", value="CAST(ROUND(amount_involved * 100) AS BIGINT)"),
            *[Key(f"'{name}'", value=name) for name in COUNT_FIELDS],
            *[Key(f"'flag:{name}'", Q(**{name: True})) for name in FLAGS],
            Key("'kind_step:' || kind || ':' || step"),
        ],
    )
)

CLOSED = register(
    Counted(subject="case_closed", model="cases.Case", day="closed_on", unit=None, keys=[Key("'closed'")])
)

#: Ledger entries by their date, per kind, reversals negative, in cents.
LEDGER = register(
    Counted(
        subject="case_ledger",
        model="cases.LedgerEntry",
        day="date",
        unit=None,
        keys=[
            Key(
                "kind",
                value="CAST(ROUND((CASE WHEN reverses_id IS NULL THEN amount ELSE -amount END) * 100) AS BIGINT)",
            )
        ],
    )
)
