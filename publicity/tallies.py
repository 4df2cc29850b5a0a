"""What the reports count of the publicity activities, kept by the database (``core.tally``): the
whole street's figures and a unit's (an activity counts for its organiser and for the community it
was held in)."""

from __future__ import annotations

from core.tally import Counted, Key, register

from .selectors import ACTIVITY_FIGURES

ACTIVITIES = register(
    Counted(
        subject="activity",
        model="publicity.Activity",
        day="date",
        unit="organiser_id",
        also=["community_id"],
        keys=[
            Key("'activities'"),
            *[Key(f"'{name}'", value=name) for name in ACTIVITY_FIGURES],
            Key("'type:' || activity_type"),
        ],
    )
)
