"""Every write of the cases app: open, update, advance a case; ledger entries and reversals; the
public-opinion plan. Each checks the user may handle cases, validates, saves inside
``audit_context`` (the audit entry is the history row, with the reason) and a transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_context
from core.concurrency import save_versioned
from core.exceptions import DomainError
from core.visibility import scope_of

from .choices import TRANSITIONS, LedgerKind, Step, first_step
from .models import CONTINGENCY_REQUIRED, Case, CaseStep, LedgerEntry, PublicOpinionPlan

#: The fields of a case a user edits (the step and its dates move only through ``case_advance``).
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
    "is_typical",
    "stability_risk",
    "case_plan",
    "contingency_plan",
    "institution",
)


def can_handle_cases(user: Any) -> bool:
    """Street-office staff, and members of the crackdown group, the police and the tribunal, may
    change cases (leaders are read-only). One query for non-street-office users."""
    scope = scope_of(user)
    if scope is None or not scope.can_write:
        return False
    if scope.sees_all:
        return True
    from organization.models import Unit

    from .choices import CASE_UNIT_CODES

    return Unit.objects.filter(pk__in=scope.unit_ids, code__in=CASE_UNIT_CODES).exists()


def _check_user(user: Any) -> None:
    if not can_handle_cases(user):
        raise PermissionDenied(_("只有打击组、派出所、青阳法庭和街道专项办可以办理案件。"))


def _check_date(date: datetime.date, *, not_before: datetime.date | None = None) -> None:
    if date > timezone.localdate():
        raise DomainError(_("日期不能晚于今天。"), code="future_date")
    if not_before and date < not_before:
        raise DomainError(
            _("日期不能早于上一环节的日期（%(date)s）。") % {"date": not_before.isoformat()}, code="date_order"
        )


def _validate(case: Case) -> None:
    """Model validation (contingency plan, counts) as a DomainError with the first message."""
    if case.needs_contingency_plan and not (case.contingency_plan or "").strip():
        raise DomainError(CONTINGENCY_REQUIRED, code="contingency_plan")
    try:
        case.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid") from exc


def case_open(
    *,
    user: Any,
    date: datetime.date,
    reason: str = "",
    **fields: Any,
) -> Case:
    """Open a case (立案 for a criminal case, 受理 for the others) on ``date``. ``fields`` are
    the ``CASE_FIELDS``. Raises DomainError (e.g. a contingency plan is missing)."""
    _check_user(user)
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    _check_date(date)
    kind = fields.get("kind")
    if kind not in TRANSITIONS:
        raise DomainError(_("请选择案件类别。"), code="kind")
    step = first_step(kind)
    case = Case(step=step, step_date=date, opened_on=date, created_by=user, **fields)
    _validate(case)
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        case.save()
        CaseStep.objects.create(case=case, step=step, date=date, by=user, note=reason)
    return case


def case_update(*, case: Case, user: Any, reason: str = "", expected_version: int | None = None, **fields: Any) -> Case:
    """Change what a case records (not its step: see ``case_advance``). The kind may change only
    while the case is at its first step (the first step of the new kind replaces it). With
    ``expected_version`` (the version the user's form was loaded with), a save over someone
    else's newer change raises ``ConcurrentEditError`` and nothing is saved."""
    _check_user(user)
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    kind_changed = "kind" in fields and fields["kind"] != case.kind
    if kind_changed and case.step != first_step(case.kind):
        raise DomainError(_("案件已进入后续环节，不能再更改案件类别。"), code="kind_locked")
    for name, value in fields.items():
        setattr(case, name, value)
    if kind_changed:
        case.step = first_step(case.kind)
    _validate(case)
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        save_versioned(case, expected_version=expected_version)
        if kind_changed:
            CaseStep.objects.filter(case=case).update(step=case.step)
    return case


def case_advance(*, case: Case, user: Any, to_step: str, date: datetime.date, reason: str = "") -> Case:
    """Move a case to its next step on ``date`` (the transition table ``TRANSITIONS``), record
    the step date (``CaseStep``) and the audit entry with the reason. Raises DomainError for an
    illegal move, a date before the current step's or in the future, or a major case without a
    public-opinion plan."""
    _check_user(user)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        allowed = TRANSITIONS.get(case.kind, {}).get(case.step, ())
        if to_step not in allowed:
            if case.step == Step.CLOSED:
                raise DomainError(_("案件已结案，不能再变更环节。"), code="closed")
            raise DomainError(
                _("%(kind)s案件不能从“%(from)s”转到“%(to)s”。")
                % {
                    "kind": case.get_kind_display(),
                    "from": case.get_step_display(),
                    "to": Step(to_step).label if to_step in Step.values else to_step,
                },
                code="illegal_step",
            )
        _check_date(date, not_before=case.step_date)
        if case.is_major and not PublicOpinionPlan.objects.filter(case=case).exists():
            raise DomainError(_("重大敏感案件须先制定舆情应对方案（三同步），才能推进办理环节。"), code="opinion_plan")
        if case.needs_contingency_plan and not case.contingency_plan.strip():
            raise DomainError(CONTINGENCY_REQUIRED, code="contingency_plan")
        with audit_context(actor=user, reason=reason):
            case.step = to_step
            case.step_date = date
            if to_step == Step.CLOSED:
                case.closed_on = date
            case.save(update_fields=["step", "step_date", "closed_on", "updated_at"])
            CaseStep.objects.create(case=case, step=to_step, date=date, by=user, note=reason)
    return case


def ledger_add(
    *, case: Case, user: Any, kind: str, date: datetime.date, amount: Decimal, note: str = "", reason: str = ""
) -> LedgerEntry:
    """Add an entry to a case's asset-recovery ledger. The amount is positive (a correction is a
    reversing entry: ``ledger_reverse``)."""
    _check_user(user)
    if kind not in LedgerKind.values:
        raise DomainError(_("请选择类别。"), code="kind")
    amount = Decimal(amount)
    if amount <= 0:
        raise DomainError(_("金额必须大于零；更正请登记冲正记录。"), code="amount")
    _check_date(date)
    entry = LedgerEntry(case=case, kind=kind, date=date, amount=amount, note=note, created_by=user)
    with transaction.atomic(), audit_context(actor=user, reason=reason or note):
        entry.save()
    return entry


def ledger_reverse(*, entry: LedgerEntry, user: Any, reason: str, date: datetime.date | None = None) -> LedgerEntry:
    """Reverse (冲正) a wrong ledger entry: a new entry of the same kind and amount that counts
    negative. An entry is reversed at most once; a reversal cannot itself be reversed (enter the
    right amount as a new entry instead)."""
    _check_user(user)
    if not (reason or "").strip():
        raise DomainError(_("请填写冲正原因。"), code="reason")
    if entry.is_reversal:
        raise DomainError(_("冲正记录不能再冲正，请登记一条新的记录。"), code="reversal_of_reversal")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise DomainError(_("该记录已冲正。"), code="already_reversed")
    date = date or timezone.localdate()
    _check_date(date)
    reversal = LedgerEntry(
        case_id=entry.case_id,
        kind=entry.kind,
        date=date,
        amount=entry.amount,
        note=reason,
        reverses=entry,
        created_by=user,
    )
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        reversal.save()
    return reversal


def opinion_plan_save(
    *, case: Case, user: Any, assessment: str, monitoring: str, response: str, owner: str, reason: str = ""
) -> PublicOpinionPlan:
    """Create or change a case's public-opinion plan (三同步)."""
    _check_user(user)
    values = {"assessment": assessment, "monitoring": monitoring, "response": response, "owner": owner}
    if not all((v or "").strip() for v in values.values()):
        raise DomainError(_("舆情风险评估、舆情监测、应对处置和责任人均须填写。"), code="incomplete")
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        plan, _created = PublicOpinionPlan.objects.update_or_create(case=case, defaults={**values, "updated_by": user})
    return plan


def eligible_leads(user: Any):
    """Leads a case may be opened from: visible to the user, and either closed as substantiated
    and referred to the crackdown group (``Outcome.CRACKDOWN``) or still referred to the
    crackdown group (or its host, the police) and not closed otherwise."""
    from django.db.models import Q

    from core.visibility import visible_to
    from leads.choices import LeadStatus, Outcome
    from leads.models import Lead
    from organization.choices import UnitCode
    from organization.models import Unit

    # a subquery rather than a join on the unit's code: PostgreSQL can then walk the leads in
    # their list order and stop at a page (the case page lists the most recent ones)
    crackdown = Unit.objects.filter(code__in=[UnitCode.GROUP_CRACKDOWN, UnitCode.POLICE]).values("pk")
    return visible_to(user, Lead).filter(
        Q(status=LeadStatus.CLOSED, outcome=Outcome.CRACKDOWN)
        | (Q(assigned_unit__in=crackdown) & ~Q(status=LeadStatus.CLOSED))
    )


def _check_leads(user: Any, leads: list[Any]) -> list[Any]:
    ids = {lead.pk for lead in leads}
    found = set(eligible_leads(user).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - found:
        raise DomainError(_("只能从移送打击组的线索立案。"), code="lead_not_eligible")
    return leads


def case_open_from_leads(
    *, leads: Iterable[Any], user: Any, date: datetime.date, reason: str = "", **fields: Any
) -> Case:
    """Open a case from one or more leads referred to the crackdown group and link them (the
    lead page shows ``lead.cases``). Fields not given come from the leads: the title from the
    first lead's summary, its fraud type, the elderly affected and the money lost (summed)."""
    leads = list(leads)
    if not leads:
        raise DomainError(_("请选择来源线索。"), code="no_leads")
    _check_user(user)
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
        with audit_context(actor=user, reason=reason):
            case.leads.add(*leads)
    return case


def case_link_leads(*, case: Case, leads: Iterable[Any], user: Any, reason: str = "") -> Case:
    """Link more leads (referred to the crackdown group) to an existing case."""
    leads = list(leads)
    _check_user(user)
    _check_leads(user, leads)
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        case.leads.add(*leads)
    return case
