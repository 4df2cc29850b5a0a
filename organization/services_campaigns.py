"""Writes of the campaigns: create one with its phases, edit one that has not finished, copy a
campaign's structure to a new start date. Each asks its rule (``organization/rules_campaigns.py``)
and is audited with its reason (``core.audit``)."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import rules
from core.audit import audit_context
from core.exceptions import DomainError

from .choices import PhaseKind
from .models import Campaign, Phase

#: The campaign's own fields a form sets.
CAMPAIGN_FIELDS = ("name", "short_name", "start_date", "end_date", "report_day", "laggard_score", "description")


@dataclass(frozen=True)
class PhaseSpec:
    kind: str
    name: str
    start_date: datetime.date
    end_date: datetime.date
    runs_throughout: bool = False
    description: str = ""


def _phase_specs(phases: Iterable[PhaseSpec | Mapping[str, Any]]) -> list[PhaseSpec]:
    return [p if isinstance(p, PhaseSpec) else PhaseSpec(**p) for p in phases]


def _validate(
    fields: Mapping[str, Any], phases: list[PhaseSpec], *, exclude_pk: int | None = None, within: bool = True
) -> None:
    """Refuse what the campaign cannot hold (``DomainError`` on the field). ``within``: the phases
    lie within the campaign's dates (a copy keeps the structure it copies, as it was)."""
    name = (fields.get("name") or "").strip()
    if not name:
        raise DomainError(_("请填写名称。"), field="name")
    same = Campaign.objects.filter(name=name)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise DomainError(_("已有同名的专项行动。"), field="name")
    start, end = fields["start_date"], fields.get("end_date")
    if end is not None and end < start:
        raise DomainError(_("结束日期不能早于开始日期。"), field="end_date")
    if not 1 <= int(fields.get("report_day") or 0) <= 31:
        raise DomainError(_("月报截止日应在 1 到 31 之间。"), field="report_day")
    if not 0 <= int(fields.get("laggard_score") or 0) <= 100:
        raise DomainError(_("后进线应在 0 到 100 之间。"), field="laggard_score")
    kinds = [p.kind for p in phases]
    if len(set(kinds)) != len(kinds):
        raise DomainError(_("每种工作环节只能有一个。"), field="phases")
    for p in phases:
        if p.kind not in PhaseKind.values:
            raise DomainError(_("工作环节类型不正确。"), field="phases")
        if not p.name.strip():
            raise DomainError(_("请填写工作环节的名称。"), field="phases")
        if p.end_date < p.start_date:
            raise DomainError(_("工作环节“%(name)s”的结束日期早于开始日期。") % {"name": p.name}, field="phases")
        if within and (p.start_date < start or (end is not None and p.end_date > end)):
            raise DomainError(_("工作环节“%(name)s”超出了专项行动的日期范围。") % {"name": p.name}, field="phases")
    parent = fields.get("parent")
    if parent is not None:  # a street's implementation lies within the city's campaign
        if start < parent.start_date:
            raise DomainError(_("实施方案不能早于市里的专项行动开始。"), field="start_date")
        if parent.end_date is not None and (end is None or end > parent.end_date):
            raise DomainError(_("实施方案不能晚于市里的专项行动结束。"), field="end_date")


def _save_phases(campaign: Campaign, phases: list[PhaseSpec]) -> None:
    """The campaign's phases become ``phases`` (one per kind; audited row by row)."""
    campaign.phases.exclude(kind__in=[p.kind for p in phases]).delete()
    for order, p in enumerate(phases, start=1):
        Phase.objects.update_or_create(
            campaign=campaign,
            kind=p.kind,
            defaults={
                "name": p.name.strip(),
                "start_date": p.start_date,
                "end_date": p.end_date,
                "runs_throughout": p.runs_throughout,
                "description": p.description,
                "order": order,
            },
        )


def campaign_create(
    *, user: Any, fields: Mapping[str, Any], phases: Iterable[PhaseSpec | Mapping[str, Any]] = (), reason: str = ""
) -> Campaign:
    """A new campaign with its phases (``organization.campaign_create``). One that starts
    later is 即将开始: it changes nothing until its start date (``CampaignQuerySet.current``)."""
    action = rules.require(user, "organization.campaign_create")
    specs = _phase_specs(phases)
    values = {k: fields[k] for k in CAMPAIGN_FIELDS if k in fields}
    values["name"] = (values.get("name") or "").strip()
    values.setdefault("report_day", 20)
    values.setdefault("laggard_score", 60)
    scope = user.scope
    if scope.jurisdiction_ids is not None:  # a city: the office's own (issue 19)
        values["jurisdiction_id"] = scope.jurisdiction_id
    _validate(values, specs)
    reason = rules.require_reason(action, reason)
    with transaction.atomic(), audit_context(actor=user, reason=rules.audit_reason(action, reason)):
        campaign = Campaign.objects.create(**values)
        _save_phases(campaign, specs)
    return campaign


def campaign_update(
    *,
    campaign: Campaign,
    user: Any,
    fields: Mapping[str, Any],
    phases: Iterable[PhaseSpec | Mapping[str, Any]] | None = None,
    reason: str = "",
) -> Campaign:
    """Edit a campaign that has not finished (``organization.campaign_edit``, with a reason):
    its fields, ``is_active`` (withdraw it) and, when given, its phases."""
    specs = _phase_specs(phases) if phases is not None else None
    values = {k: fields[k] for k in (*CAMPAIGN_FIELDS, "is_active") if k in fields}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()

    def checked(locked: Campaign) -> dict[str, Any]:
        merged = {k: getattr(locked, k) for k in CAMPAIGN_FIELDS} | {"parent": locked.parent} | values
        current = (
            specs
            if specs is not None
            else [
                PhaseSpec(p.kind, p.name, p.start_date, p.end_date, p.runs_throughout, p.description)
                for p in locked.phases.all()
            ]
        )
        _validate(merged, current, exclude_pk=locked.pk)
        return values

    def save(locked: Campaign) -> None:
        locked.save()
        if specs is not None:
            _save_phases(locked, specs)

    return rules.transition(
        campaign, user=user, action="organization.campaign_edit", reason=reason, fields=checked, save=save
    )


def shift_date(day: datetime.date, days: int) -> datetime.date:
    return day + datetime.timedelta(days=days)


def _shift_years(day: datetime.date, years: int) -> datetime.date:
    last = calendar.monthrange(day.year + years, day.month)[1]
    return day.replace(year=day.year + years, day=min(day.day, last))


def copy_defaults(campaign: Campaign) -> dict[str, Any]:
    """What the copy form proposes: the same dates a year on (or the day after the campaign's
    end when that is later), and the name with its year moved on where it has one."""
    start = _shift_years(campaign.start_date, 1)
    if campaign.end_date is not None and start <= campaign.end_date:
        start = campaign.end_date + datetime.timedelta(days=1)
    name = campaign.name
    year = str(campaign.start_date.year)
    name = name.replace(year, str(start.year)) if year in name else f"{name}（{start.year}）"
    return {"name": name, "short_name": "", "start_date": start}


def campaign_copy(
    *, campaign: Campaign, user: Any, name: str, start_date: datetime.date, short_name: str = "", reason: str = ""
) -> Campaign:
    """A new campaign with ``campaign``'s structure (``organization.campaign_copy``): its phases
    shifted by as many days as the start moves, its length (or no end, for a standing one), report
    day, laggard threshold and description."""
    action = rules.require(user, "organization.campaign_copy", campaign)
    days = (start_date - campaign.start_date).days
    fields = {
        "name": (name or "").strip(),
        "short_name": short_name,
        "start_date": start_date,
        "end_date": shift_date(campaign.end_date, days) if campaign.end_date else None,
        "report_day": campaign.report_day,
        "laggard_score": campaign.laggard_score,
        "description": campaign.description,
        "jurisdiction_id": campaign.jurisdiction_id,  # the office's own; a copy implements nothing
    }
    specs = [
        PhaseSpec(
            p.kind,
            p.name,
            shift_date(p.start_date, days),
            shift_date(p.end_date, days),
            p.runs_throughout,
            p.description,
        )
        for p in campaign.phases.order_by("order", "start_date")
    ]
    _validate(fields, specs, within=False)
    reason = rules.require_reason(action, reason)
    text = _("复制自“%(name)s”") % {"name": campaign.name}
    audit = rules.audit_reason(action, f"{text}；{reason}" if reason else text)
    with transaction.atomic(), audit_context(actor=user, reason=audit):
        new = Campaign.objects.create(**fields)
        _save_phases(new, specs)
    return new


def campaign_implement(*, campaign: Campaign, user: Any, reason: str = "") -> Campaign:
    """A street's implementation of the city's ``campaign`` (``organization.campaign_implement``,
    issue 19): the street's own campaign under the city's (``parent``), starting with its dates,
    phases, report day and laggard threshold, which the street office then edits as its own."""
    action = rules.require(user, "organization.campaign_implement", campaign)
    street = user.unit.jurisdiction
    fields = {
        "name": _("%(campaign)s（%(street)s实施方案）") % {"campaign": campaign.name, "street": street.name},
        "short_name": campaign.short_name,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "report_day": campaign.report_day,
        "laggard_score": campaign.laggard_score,
        "description": campaign.description,
        "parent": campaign,
        "jurisdiction": street,
    }
    specs = [
        PhaseSpec(p.kind, p.name, p.start_date, p.end_date, p.runs_throughout, p.description)
        for p in campaign.phases.order_by("order", "start_date")
    ]
    _validate(fields, specs, within=False)
    reason = rules.require_reason(action, reason)
    text = _("按“%(name)s”制定实施方案") % {"name": campaign.name}
    audit = rules.audit_reason(action, f"{text}；{reason}" if reason else text)
    with transaction.atomic(), audit_context(actor=user, reason=audit):
        new = Campaign.objects.create(**fields)
        _save_phases(new, specs)
    return new
