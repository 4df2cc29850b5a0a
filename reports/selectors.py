"""Reads for the dashboard and reports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from organization.models import Campaign, Phase


@dataclass(frozen=True)
class PhaseBar:
    phase: Phase
    x: float  # percent of the campaign's span
    width: float
    y: int
    is_current: bool
    end: datetime.date


@dataclass(frozen=True)
class PhaseTimeline:
    campaign: Campaign
    start: datetime.date
    end: datetime.date
    bars: list[PhaseBar]
    today: datetime.date
    today_x: float | None  # None when today is outside the campaign
    height: int


def phase_timeline(campaign: Campaign | None, today: datetime.date | None = None) -> PhaseTimeline | None:
    """The campaign's phases as bars on one time axis, with today marked. One query."""
    if campaign is None:
        return None
    today = today or timezone.localdate()
    phases = list(campaign.phases.all().order_by("order", "start_date"))
    ends = [campaign.end_date] if campaign.end_date else []
    ends += [p.end_date for p in phases]
    start = min([campaign.start_date] + [p.start_date for p in phases])
    end = max(ends) if ends else campaign.start_date + datetime.timedelta(days=180)
    span = max((end - start).days, 1)

    def pct(day: datetime.date) -> float:
        return round(100 * (day - start).days / span, 2)

    bars = []
    for index, phase in enumerate(phases):
        phase_end = max(phase.end_date, end) if phase.runs_throughout else phase.end_date
        bars.append(
            PhaseBar(
                phase=phase,
                x=pct(phase.start_date),
                width=max(pct(phase_end) - pct(phase.start_date), 0.5),
                y=10 + index * 34,
                is_current=phase.start_date <= today <= phase_end,
                end=phase_end,
            )
        )
    today_x = pct(today) if start <= today <= end else None
    return PhaseTimeline(campaign, start, end, bars, today, today_x, 20 + len(phases) * 34 + 20)
