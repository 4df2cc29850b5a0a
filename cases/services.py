"""Every write of the cases app: open, update, advance a case; mark it typical; ledger entries
and reversals; the public-opinion plan; the leads it came from. Each asks ``cases.rules`` first
(``rules.require``, or ``rules.transition``, which locks the row, checks, bumps the version and
saves with the audit entry and its reason), validates, and saves inside a transaction."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import rules
from core.audit import audit_context
from core.exceptions import DomainError
from core.visibility import require_own_street

from .choices import TRANSITIONS, LedgerKind, Step, first_step
from .models import CONTINGENCY_REQUIRED, Case, CaseStep, LedgerEntry, PublicOpinionPlan
from .rules import step_action

#: The fields of a case a user edits (the step and its dates move only through ``case_advance``,
#: the typical-case mark only through ``case_set_typical``).
CASE_FIELDS = (
    "title",
    "number",
    "kind",
    "fraud_type",
    "handling_unit",
    "summary",
    "suspects",
    "detained",
    "victims",
    "elderly_victims",
    "amount_involved",
    "is_gang",
    "is_organised_crime",
    "is_corruption",
    "is_many_victims",
    "is_major",
    "stability_risk",
    "case_plan",
    "contingency_plan",
    "institution",
)


def _check_date(date: datetime.date, *, not_before: datetime.date | None = None) -> None:
    if date > timezone.localdate():
        raise DomainError(_("日期不能晚于今天。"), code="future_date", field="date")
    if not_before and date < not_before:
        raise DomainError(
            _("日期不能早于上一环节的日期（%(date)s）。") % {"date": not_before.isoformat()},
            code="date_order",
            field="date",
        )


def _validate(case: Case) -> None:
    """Model validation (contingency plan, counts) as a DomainError with the first message."""
    if case.needs_contingency_plan and not (case.contingency_plan or "").strip():
        raise DomainError(CONTINGENCY_REQUIRED, code="contingency_plan", field="contingency_plan")
    try:
        case.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid") from exc


def _known_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")


def case_open(
    *,
    user: Any,
    date: datetime.date,
    reason: str = "",
    **fields: Any,
) -> Case:
    """Open a case (立案 for a criminal case, 受理 for the others) on ``date``. ``fields`` are
    the ``CASE_FIELDS``. Raises DomainError (e.g. a contingency plan is missing)."""
    action = rules.require(user, "cases.create")
    _known_fields(fields)
    require_own_street(user, **{k: fields.get(k) for k in ("handling_unit", "institution")})
    _check_date(date)
    kind = fields.get("kind")
    if kind not in TRANSITIONS:
        raise DomainError(_("请选择案件类别。"), code="kind", field="kind")
    step = first_step(kind)
    case = Case(step=step, step_date=date, opened_on=date, created_by=user, **fields)
    _validate(case)
    with transaction.atomic(), audit_context(actor=user, reason=rules.audit_reason(action, reason)):
        case.save()
        CaseStep.objects.create(case=case, step=step, date=date, by=user, note=reason)
    return case


def case_update(*, case: Case, user: Any, reason: str = "", expected_version: int | None = None, **fields: Any) -> Case:
    """Change what a case records (not its step: see ``case_advance``). The kind may change only
    while the case is at its first step (the first step of the new kind replaces it). With
    ``expected_version`` (the version the user's form was loaded with), a save over someone
    else's newer change raises ``ConcurrentEditError`` and nothing is saved."""
    _known_fields(fields)
    require_own_street(user, **{k: fields.get(k) for k in ("handling_unit", "institution")})
    kind_changed = False

    def values(locked: Case) -> dict[str, Any]:
        nonlocal kind_changed
        kind_changed = "kind" in fields and fields["kind"] != locked.kind
        if kind_changed and locked.kind_is_locked:
            raise DomainError(_("案件已进入后续环节，不能再更改案件类别。"), code="kind_locked", field="kind")
        if kind_changed and fields["kind"] not in TRANSITIONS:
            raise DomainError(_("请选择案件类别。"), code="kind", field="kind")
        return {**fields, "step": first_step(fields["kind"])} if kind_changed else dict(fields)

    def save(locked: Case) -> None:
        _validate(locked)
        locked.save()
        if kind_changed:
            CaseStep.objects.filter(case=locked).update(step=locked.step)

    return rules.transition(
        case,
        user=user,
        action="cases.update",
        reason=reason,
        fields=values,
        expected_version=expected_version,
        save=save,
    )


def case_advance(
    *,
    case: Case,
    user: Any,
    to_step: str,
    date: datetime.date,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Move a case to its next step on ``date`` (the step actions of ``cases.rules``, from the
    transition table ``TRANSITIONS``), record the step date (``CaseStep``) and the audit entry
    with the reason. Raises DomainError for an illegal move (code ``state``, or ``illegal_step``
    for a step no action moves to), a date before the current step's or in the future, or a
    major case without a public-opinion plan (code ``guard``)."""
    name = step_action(to_step)
    if name is None:
        raise DomainError(
            _("%(kind)s案件不能从“%(from)s”转到“%(to)s”。")
            % {
                "kind": case.get_kind_display(),
                "from": case.get_step_display(),
                "to": Step(to_step).label if to_step in Step.values else to_step,
            },
            code="illegal_step",
        )

    def values(locked: Case) -> dict[str, Any]:
        _check_date(date, not_before=locked.step_date)
        return {"step_date": date, "closed_on": date if to_step == Step.CLOSED else locked.closed_on}

    def save(locked: Case) -> None:
        locked.save(update_fields=["step", "step_date", "closed_on", "updated_at", "version"])
        CaseStep.objects.create(case=locked, step=to_step, date=date, by=user, note=reason)

    return rules.transition(
        case, user=user, action=name, reason=reason, fields=values, expected_version=expected_version, save=save
    )


def case_set_typical(*, case: Case, user: Any, typical: bool, reason: str = "") -> Case:
    """Mark a case as a typical case (典型案例, listed for publicity) or take the mark off (which
    withdraws its clearance for publicity too)."""
    fields: dict[str, Any] = {"is_typical": typical}
    if not typical:
        fields.update(publicity_cleared=False, publicity_cleared_at=None)
    return rules.transition(
        case,
        user=user,
        action="cases.mark_typical" if typical else "cases.unmark_typical",
        reason=reason,
        fields=fields,
        save=_save_fields(*fields),
    )


def case_clear_publicity(
    *, case: Case, user: Any, title: str, summary: str, show_amount: bool = False, reason: str = ""
) -> Case:
    """Clear a typical case for publicity (同意公开宣传): the title and summary written for the
    public, and whether its amounts may be shown. The publicity group sees only these
    (``selectors.publicity_summaries``). Audited with the reason."""
    title, summary = (title or "").strip(), (summary or "").strip()
    if not title:
        raise DomainError(_("请填写宣传标题。"), code="publicity_title", field="publicity_title")
    if not summary:
        raise DomainError(_("请填写宣传用案情摘要。"), code="publicity_summary", field="publicity_summary")
    fields = {
        "publicity_cleared": True,
        "publicity_title": title,
        "publicity_summary": summary,
        "publicity_show_amount": bool(show_amount),
        "publicity_cleared_at": timezone.now(),
    }
    return rules.transition(
        case, user=user, action="cases.clear_publicity", reason=reason, fields=fields, save=_save_fields(*fields)
    )


def case_withdraw_publicity(*, case: Case, user: Any, reason: str) -> Case:
    """Withdraw a typical case from publicity; activities already linked keep their link."""
    fields = {"publicity_cleared": False, "publicity_cleared_at": None}
    return rules.transition(
        case, user=user, action="cases.withdraw_publicity", reason=reason, fields=fields, save=_save_fields(*fields)
    )


def _save_fields(*names: str) -> Callable[[Case], None]:
    def save(case: Case) -> None:
        case.save(update_fields=[*names, "updated_at", "version"])

    return save


def _ledger_totals_locked(case_id: int) -> dict[str, Decimal]:
    """The case's ledger totals, read with the case row locked (two entries at the same time
    are checked one after the other)."""
    locked = Case.objects.select_for_update().get(pk=case_id)
    return {**locked.ledger_totals(), "involved": locked.amount_involved}


def _check_ledger(totals: dict[str, Decimal], *, confirm_excess: bool, excess_reason: str) -> str:
    """The ledger's sanity (DOMAIN.md §Cases; docs/ARCHITECTURE.md "Asset-recovery ledger"):

    - returned to victims (退赔/清退) never exceeds what was recovered (追缴): money returned by a
      suspect directly to victims is entered as recovered first, then returned — refused;
    - recovered or returned above the amount involved is possible in law (illegal gains and
      interest beyond the loss are confiscated; the amount involved is often an early figure)
      but unusual: accepted only with an explicit confirmation and a reason, which is returned
      for the audit entry.
    Returns the text the audit entry adds ("" when nothing exceeds)."""
    from core.numbers import format_money

    recovered, returned = totals[LedgerKind.RECOVERED], totals[LedgerKind.RETURNED]
    involved = totals["involved"] or Decimal("0")
    if returned > recovered:
        raise DomainError(
            _("退赔/清退累计（%(returned)s）不能超过追缴累计（%(recovered)s）。请先登记追缴，或核对金额。")
            % {"returned": format_money(returned), "recovered": format_money(recovered)},
            code="returned_over_recovered",
            field="amount",
        )
    over = max(recovered, returned)
    if over <= involved:
        return ""
    if not confirm_excess:
        raise DomainError(
            _(
                "登记后追缴或退赔累计（%(total)s）将超过涉案金额（%(involved)s）。"
                "如确有依据（如追缴违法所得、利息，或涉案金额尚未核定），请勾选确认并填写理由。"
            )
            % {"total": format_money(over), "involved": format_money(involved)},
            code="over_involved",
            field="confirm_excess",
        )
    excess_reason = (excess_reason or "").strip()
    if not excess_reason:
        raise DomainError(_("请填写超过涉案金额的理由。"), code="excess_reason", field="excess_reason")
    return _("超过涉案金额（%(involved)s）：%(reason)s") % {"involved": format_money(involved), "reason": excess_reason}


def ledger_add(
    *,
    case: Case,
    user: Any,
    kind: str,
    date: datetime.date,
    amount: Decimal,
    note: str = "",
    reason: str = "",
    confirm_excess: bool = False,
    excess_reason: str = "",
) -> LedgerEntry:
    """Add an entry to a case's asset-recovery ledger. The amount is positive (a correction is a
    reversing entry: ``ledger_reverse``). Returned never exceeds recovered; recovered or returned
    above the amount involved needs ``confirm_excess`` and ``excess_reason`` (``_check_ledger``),
    which the audit entry keeps."""
    action = rules.require(user, "cases.ledger_add", case)
    if kind not in LedgerKind.values:
        raise DomainError(_("请选择类别。"), code="kind", field="kind")
    amount = Decimal(amount)
    if amount <= 0:
        raise DomainError(_("金额必须大于零；更正请登记冲正记录。"), code="amount", field="amount")
    _check_date(date)
    entry = LedgerEntry(case=case, kind=kind, date=date, amount=amount, note=note, created_by=user)
    with transaction.atomic():
        totals = _ledger_totals_locked(case.pk)
        totals[kind] += amount
        excess = _check_ledger(totals, confirm_excess=confirm_excess, excess_reason=excess_reason)
        why = "；".join(part for part in (reason or note, excess) if part)
        with audit_context(actor=user, reason=rules.audit_reason(action, why)):
            entry.save()
    return entry


def ledger_reverse(*, entry: LedgerEntry, user: Any, reason: str, date: datetime.date | None = None) -> LedgerEntry:
    """Reverse (冲正) a wrong ledger entry: a new entry of the same kind and amount that counts
    negative. An entry is reversed at most once; a reversal cannot itself be reversed (enter the
    right amount as a new entry instead): the guards of ``cases.ledger_reverse``, checked on the
    locked entry. Reversing a recovery that would leave more returned than recovered is refused
    (reverse the return first)."""
    action = rules.get("cases.ledger_reverse")
    reason = rules.require_reason(action, reason)
    date = date or timezone.localdate()
    _check_date(date)
    with transaction.atomic():
        totals = _ledger_totals_locked(entry.case_id)
        locked = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        rules.require(user, action.name, locked)
        totals[locked.kind] -= locked.amount
        if totals[LedgerKind.RETURNED] > totals[LedgerKind.RECOVERED]:
            raise DomainError(
                _("冲正后退赔/清退累计将超过追缴累计，请先冲正相应的退赔/清退记录。"),
                code="returned_over_recovered",
                field="reason",
            )
        reversal = LedgerEntry(
            case_id=locked.case_id,
            kind=locked.kind,
            date=date,
            amount=locked.amount,
            note=reason,
            reverses=locked,
            created_by=user,
        )
        with audit_context(actor=user, reason=rules.audit_reason(action, reason)):
            reversal.save()
    return reversal


def opinion_plan_save(
    *, case: Case, user: Any, assessment: str, monitoring: str, response: str, owner: str, reason: str = ""
) -> PublicOpinionPlan:
    """Create or change a case's public-opinion plan (三同步)."""
    action = rules.require(user, "cases.opinion_plan", case)
    values = {"assessment": assessment, "monitoring": monitoring, "response": response, "owner": owner}
    if not all((v or "").strip() for v in values.values()):
        raise DomainError(_("舆情风险评估、舆情监测、应对处置和责任人均须填写。"), code="incomplete")
    with transaction.atomic(), audit_context(actor=user, reason=rules.audit_reason(action, reason)):
        plan, _created = PublicOpinionPlan.objects.update_or_create(case=case, defaults={**values, "updated_by": user})
    return plan


def eligible_leads(user: Any) -> models.QuerySet[Any]:
    """Leads a case may be opened from: visible to the user, and either closed as substantiated
    and referred to the crackdown group (``Outcome.CRACKDOWN``) or still referred to the
    crackdown group (or its host, the police) and not closed otherwise."""
    from django.db.models import Q

    from leads.choices import LeadStatus, Outcome
    from organization.choices import UnitCode
    from organization.models import Unit

    from .selectors import visible_leads

    # a subquery rather than a join on the unit's code: PostgreSQL can then walk the leads in
    # their list order and stop at a page (the case page lists the most recent ones)
    crackdown = Unit.objects.filter(code__in=[UnitCode.GROUP_CRACKDOWN, UnitCode.POLICE]).values("pk")
    return visible_leads(user).filter(
        Q(status=LeadStatus.CLOSED, outcome=Outcome.CRACKDOWN)
        | (Q(assigned_unit__in=crackdown) & ~Q(status=LeadStatus.CLOSED))
    )


def _check_leads(user: Any, leads: list[Any]) -> list[Any]:
    ids = {lead.pk for lead in leads}
    found = set(eligible_leads(user).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - found:
        raise DomainError(_("只能从移送打击组的线索立案。"), code="lead_not_eligible", field="leads")
    return leads


def case_open_from_leads(
    *, leads: Iterable[Any], user: Any, date: datetime.date, reason: str = "", **fields: Any
) -> Case:
    """Open a case from one or more leads referred to the crackdown group and link them (the
    lead page shows ``lead.cases``). Fields not given come from the leads: the title from the
    first lead's summary, its fraud type, the elderly affected and the money lost (summed)."""
    leads = list(leads)
    if not leads:
        raise DomainError(_("请选择来源线索。"), code="no_leads", field="source_leads")
    action = rules.require(user, "cases.create")
    _check_leads(user, leads)
    first = leads[0]
    fields.setdefault("title", first.summary)
    fields.setdefault("fraud_type", first.fraud_type)
    elderly = sum(lead.elderly_affected or 0 for lead in leads)
    if "victims" not in fields and "elderly_victims" not in fields:
        fields["victims"] = fields["elderly_victims"] = elderly
    fields.setdefault("amount_involved", sum((lead.money_lost or Decimal("0") for lead in leads), Decimal("0")))
    fields.setdefault("summary", "\n".join(f"{lead.number} {lead.summary}" for lead in leads))
    with transaction.atomic():
        case = case_open(user=user, date=date, reason=reason, **fields)
        with audit_context(actor=user, reason=rules.audit_reason(action, reason)):
            case.leads.add(*leads)
    return case


def case_link_leads(*, case: Case, leads: Iterable[Any], user: Any, reason: str = "") -> Case:
    """Link more leads (referred to the crackdown group) to an existing case."""
    leads = list(leads)
    action = rules.require(user, "cases.link_leads", case)
    _check_leads(user, leads)
    with transaction.atomic(), audit_context(actor=user, reason=rules.audit_reason(action, reason)):
        case.leads.add(*leads)
    return case
