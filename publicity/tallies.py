"""What the reports count of the publicity activities, kept by the database (``core.tally``): the
whole street's figures (a unit's are those it organised or that were held in it, read directly)."""

from __future__ import annotations

from core.tally import Counted, Key, register

from .selectors import ACTIVITY_FIGURES

ACTIVITIES = register(
    Counted(
        subject="activity",
        model="publicity.Activity",
        day="date",
        unit=None,
        keys=[
            Key("'activities'"),
            *[Key(f"'{name}'", value=name) for name in ACTIVITY_FIGURES],
            Key("'type:' || activity_type"),
        ],
    )
)
