"""Every write on a lead. Each transition of the state machine is one function that checks who
may act and from which status (``TRANSITIONS``), saves inside ``audit_context`` (the audit entry is
the history row, with its reason) and queues side effects after commit."""

from __future__ import annotations

import datetime
import hmac
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.audit import audit_context, record_action
from core.concurrency import save_versioned
from core.exceptions import DomainError
from core.fields import keyed_hash
from core.mail import queue_mail
from core.services import attachments_add
from core.workdays import WorkCalendar
from organization.choices import UnitKind

from .choices import (
    OPEN_FOR_RECEIVER,
    ExtensionState,
    LeadSource,
    LeadStatus,
    Outcome,
    ReviewState,
)
from .models import INFORMANT_FIELDS, Lead, LeadCounter, LeadSupplement, SourceDeadline

S = LeadStatus

# --- the state machine -----------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    label: Any
    sources: frozenset[str]
    target: str
    actor: str  # "street" (street office), "receiver" (the assigned unit), "reviewer"


TRANSITIONS: dict[str, Transition] = {
    "refer": Transition(_("分派"), frozenset({S.REGISTERED, S.RETURNED}), S.REFERRED, "street"),
    "acknowledge": Transition(_("签收"), frozenset({S.REFERRED}), S.VERIFYING, "receiver"),
    "feedback": Transition(_("反馈"), frozenset({S.VERIFYING, S.RETURNED}), S.FED_BACK, "receiver"),
    "close": Transition(_("办结"), frozenset({S.REGISTERED, S.FED_BACK}), S.CLOSED, "street"),
    "return": Transition(_("退回"), frozenset({S.FED_BACK}), S.RETURNED, "street"),
    "merge": Transition(
        _("合并"), frozenset({S.REGISTERED, S.REFERRED, S.VERIFYING, S.FED_BACK, S.RETURNED}), S.CLOSED, "street"
    ),
    "reopen": Transition(_("复核重开"), frozenset({S.CLOSED}), S.RETURNED, "reviewer"),
}


def is_street_office(user) -> bool:
    scope = getattr(user, "scope", None)
    return bool(scope and scope.is_street_office and scope.can_write)


def is_receiver(user, lead: Lead) -> bool:
    scope = getattr(user, "scope", None)
    return bool(scope and scope.can_write and lead.assigned_unit_id and lead.assigned_unit_id in scope.unit_ids)


def _may(actor: str, user, lead: Lead) -> bool:
    if actor == "street":
        return is_street_office(user)
    if actor == "receiver":
        return is_receiver(user, lead)
    if actor == "reviewer":
        return (
            is_street_office(user)
            and lead.review_state == ReviewState.PENDING
            and lead.reviewer_id in (None, user.pk)
            and lead.closed_by_id != user.pk  # a second review is by someone else
        )
    return False


def can_transition(lead: Lead, user, action: str) -> bool:
    t = TRANSITIONS[action]
    return lead.status in t.sources and _may(t.actor, user, lead)


def available_actions(lead: Lead, user) -> set[str]:
    """What the user may do with the lead now (the page shows these; services check again)."""
    actions = {name for name in TRANSITIONS if can_transition(lead, user, name)}
    if (
        lead.status in OPEN_FOR_RECEIVER
        and lead.deadline
        and is_receiver(user, lead)
        and lead.extension_state != ExtensionState.REQUESTED
    ):
        actions.add("extension_request")
    if lead.extension_state == ExtensionState.REQUESTED and is_street_office(user):
        actions.add("extension_decide")
    if is_street_office(user):
        actions.update({"supervise", "link"})
        if _may("reviewer", user, lead):
            actions.add("review_confirm")
        if lead.source == LeadSource.HIGHER and lead.is_final and lead.reported_up_at is None:
            actions.add("report_up")
        if lead.source == LeadSource.PUBLIC and not lead.is_final:
            actions.add("issue_receipt")
        if not lead.is_anonymous and user.has_perm("leads.view_informant"):  # no permission query for anonymous tips
            actions.add("reveal")
    return actions


def _check(lead: Lead, user, action: str) -> Transition:
    t = TRANSITIONS[action]
    if not _may(t.actor, user, lead):
        raise PermissionDenied(gettext("您无权对该线索执行“%(action)s”。") % {"action": t.label})
    if lead.status not in t.sources:
        raise DomainError(
            _("线索当前状态为“%(status)s”，不能%(action)s。")
            % {"status": lead.get_status_display(), "action": t.label},
            code="bad_transition",
        )
    return t


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update().get(pk=lead.pk)


def _move(lead: Lead, user, action: str, reason: str, **fields: Any) -> Lead:
    """Check, then move the lead to the transition's target (or ``status`` in fields) and save
    once: the audit entry (with the reason) is the history row."""
    t = _check(lead, user, action)
    fields.setdefault("status", t.target)
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.version += 1  # the row is locked (``_locked``): a stale edit form is now refused
    with audit_context(actor=user, reason=f"{t.label}：{reason}" if reason else str(t.label)):
        lead.save()
    return lead


def _save(lead: Lead, *fields: str) -> None:
    """Save only ``fields`` and bump the version: the write neither overwrites a concurrent edit
    of other fields nor lets an edit form loaded before it go through unnoticed."""
    save_versioned(lead, expected_version=None, update_fields=[*fields, "updated_at"])


# --- numbers, deadlines, receipt codes -------------------------------------------------------


def reserve_numbers(year: int, count: int) -> list[str]:
    """``count`` new lead numbers for ``year`` (XS2026000123), reserved in one block by one
    statement (an upsert returning the new last number): concurrent tips queue on the counter row
    for one round trip instead of three."""
    table = connection.ops.quote_name(LeadCounter._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, %s) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + EXCLUDED.last RETURNING last",
            [year, count],
        )
        last = cursor.fetchone()[0]
    return [f"XS{year}{n:06d}" for n in range(last - count + 1, last + 1)]


def default_workdays(source: str) -> int:
    """One query: the admin's setting for the source, else ``LEADS_DEADLINE_WORKDAYS``."""
    configured = SourceDeadline.objects.filter(source=source).values_list("workdays", flat=True).first()
    if configured is not None:
        return configured
    return settings.LEADS_DEADLINE_WORKDAYS.get(source, settings.LEADS_DEADLINE_WORKDAYS["default"])


def default_deadline(lead: Lead, start: datetime.date, calendar: WorkCalendar | None = None) -> datetime.date:
    deadline = (calendar or WorkCalendar()).add_workdays(start, default_workdays(lead.source))
    if lead.higher_deadline and lead.higher_deadline < deadline:
        deadline = lead.higher_deadline  # the higher office's deadline cannot be missed
    return deadline


def due_soon_horizon(today: datetime.date, calendar: WorkCalendar | None = None) -> datetime.date:
    return (calendar or WorkCalendar()).add_workdays(today, settings.LEADS_DUE_SOON_WORKDAYS)


def subtract_workdays(calendar: WorkCalendar, end: datetime.date, days: int) -> datetime.date:
    current = end
    while days > 0:
        current -= datetime.timedelta(days=1)
        if calendar.is_workday(current):
            days -= 1
    return current


RECEIPT_DIGITS = 16


def normalise_receipt(code: str) -> str:
    return re.sub(r"\D", "", code or "")


def format_receipt(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def receipt_index(digits: str) -> str:
    """A keyed, non-reversible index of the code (lookup without scanning slow hashes)."""
    return keyed_hash("lead-receipt:" + digits)[:16]


#: Prefix of a receipt hash stored as a keyed HMAC (older ones are Django password hashes).
RECEIPT_HMAC_PREFIX = "hmac$"


def receipt_hash(digits: str) -> str:
    """How a receipt code is stored: HMAC-SHA256 keyed with ``FIELD_HASH_KEY``. A random 16-digit
    code has ~53 bits of entropy, so a slow password hash (PBKDF2, ~0.5 s of CPU per tip) adds
    nothing against guessing, which the rate limit on the receipt page stops, and without the key
    a stolen database does not let anyone test codes offline."""
    return RECEIPT_HMAC_PREFIX + keyed_hash("lead-receipt-check:" + digits)


def receipt_matches(digits: str, stored: str) -> bool:
    """Whether ``digits`` is the code of ``stored``: the keyed HMAC, or a Django password hash of
    a code issued before the HMAC (still valid)."""
    if not stored:
        return False
    if stored.startswith(RECEIPT_HMAC_PREFIX):
        return hmac.compare_digest(stored, receipt_hash(digits))
    return check_password(digits, stored)


def _new_receipt(lead: Lead) -> str:
    digits = "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))
    lead.receipt_index = receipt_index(digits)
    lead.receipt_hash = receipt_hash(digits)
    return format_receipt(digits)


def receipt_lookup(code: str) -> Lead | None:
    """The lead a receipt code belongs to, or None. One indexed query plus the hash check."""
    digits = normalise_receipt(code)
    if len(digits) != RECEIPT_DIGITS:
        return None
    for lead in Lead.objects.filter(receipt_index=receipt_index(digits)).exclude(receipt_hash=""):
        if receipt_matches(digits, lead.receipt_hash):
            return lead
    return None


def lead_issue_receipt(*, lead: Lead, user) -> str:
    """Issue (or re-issue) a receipt code, e.g. for a tip taken by phone; shown once only."""
    if not (is_street_office(user) or (lead.filed_by_unit_id and lead.filed_by_unit_id in user.scope.unit_ids)):
        raise PermissionDenied
    code = _new_receipt(lead)
    with audit_context(actor=user, reason=gettext("发放查询码")):
        _save(lead, "receipt_index", "receipt_hash")
    return code


# --- intake -----------------------------------------------------------------------------------

INTAKE_FIELDS = [
    "source",
    "channel",
    "higher_reference",
    "higher_deadline",
    "original_case_kind",
    "summary",
    "description",
    "fraud_type",
    "subject_name",
    "subject_address",
    "subject_phone",
    "subject_credit_code",
    "subject_person",
    "money_lost",
    "occurred",
    "elderly_affected",
    "community",
    "is_major",
    *INFORMANT_FIELDS,
]


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def phone_hash(phone: str) -> str:
    return keyed_hash(normalise_phone(phone))


def validate_lead_data(data: dict[str, Any]) -> None:
    source = data.get("source")
    if source == LeadSource.HIGHER and not data.get("higher_reference"):
        raise DomainError(_("上级转办线索须填写上级转办文号。"), code="higher_reference")
    if source == LeadSource.REVIEW and not data.get("original_case_kind"):
        raise DomainError(_("部门梳理线索须填写原案件类型（民事、行政、刑事）。"), code="case_kind")
    if data.get("money_lost") is not None and Decimal(data["money_lost"]) < 0:
        raise DomainError(_("涉及金额不能为负数。"), code="money")


def build_lead(data: dict[str, Any], *, user=None, today: datetime.date | None = None) -> Lead:
    """An unsaved lead from intake data (shared by the forms, the import and the public tip)."""
    validate_lead_data(data)
    lead = Lead(**{k: v for k, v in data.items() if k in INTAKE_FIELDS and v is not None})
    lead.received_on = today or timezone.localdate()
    lead.is_anonymous = not any(data.get(f) for f in INFORMANT_FIELDS)
    lead.subject_phone_hash = phone_hash(lead.subject_phone)
    lead.subject_credit_code = (lead.subject_credit_code or "").strip().upper()
    if user is not None and getattr(user, "is_authenticated", False):
        lead.created_by = user
        lead.filed_by_unit_id = user.unit_id
        if lead.community_id is None and user.scope.is_community:
            lead.community_id = user.unit_id
    return lead


def lead_create(
    *, user, data: dict[str, Any], files: Iterable[Any] = (), issue_receipt: bool = False, reason: str = ""
) -> tuple[Lead, str | None]:
    """Staff intake (community, member unit, working group, street office). Returns the lead and
    its receipt code when one was asked for (a tip taken by phone or at the counter)."""
    scope = user.scope
    if not scope.can_write:
        raise PermissionDenied
    if scope.unit_kind == UnitKind.COMMUNITY and data.get("source") not in (LeadSource.COMMUNITY, LeadSource.PUBLIC):
        raise DomainError(_("社区登记的线索来源只能是“社区移送”或“群众举报”。"), code="source")
    if data.get("is_major") and not scope.is_street_office:
        data = {**data, "is_major": False}
    lead = build_lead(data, user=user)
    code = _new_receipt(lead) if issue_receipt else None
    with transaction.atomic(), audit_context(actor=user, reason=reason or gettext("登记线索")):
        lead.number = reserve_numbers(lead.received_on.year, 1)[0]
        lead.save()
        files = list(files)
        if files:
            attachments_add(obj=lead, files=files, user=user)
    return lead, code


def lead_submit_tip(*, data: dict[str, Any], files: Iterable[Any] = ()) -> tuple[Lead, str]:
    """A tip from the public web form (no login). Returns the lead and its receipt code."""
    from organization.models import Unit

    data = {**data, "source": LeadSource.PUBLIC, "channel": "web", "is_major": False}
    lead = build_lead(data)
    lead.filed_by_unit = Unit.objects.street_office()
    code = _new_receipt(lead)
    with transaction.atomic(), audit_context(reason=gettext("群众网上举报")):
        lead.number = reserve_numbers(lead.received_on.year, 1)[0]
        lead.save()
        files = list(files)
        if files:
            attachments_add(obj=lead, files=files, note=gettext("举报人提交"))
    return lead, code


def lead_add_public_info(*, lead: Lead, text: str, files: Iterable[Any] = ()) -> LeadSupplement | None:
    """The informant adds information or files with the receipt code."""
    files = list(files)
    if not text.strip() and not files:
        raise DomainError(_("请填写补充内容或上传文件。"), code="empty")
    if lead.is_final:
        raise DomainError(_("该线索已办结，如有新情况请重新举报。"), code="closed")
    supplement = None
    with transaction.atomic(), audit_context(reason=gettext("举报人补充材料")):
        if text.strip():
            supplement = LeadSupplement.objects.create(lead=lead, text=text.strip(), from_public=True)
        if files:
            attachments_add(obj=lead, files=files, note=gettext("举报人补充"))
        record_action(lead, actor=None, action_text=gettext("举报人通过查询码补充材料"))
    return supplement


# --- staff corrections after intake ---------------------------------------------------------

#: What staff may correct after intake (``lead_update``). Not the status (transitions only), not
#: the source (it decides the deadline rules), not the informant's identity, not what a
#: transition or the supervision action sets.
EDIT_FIELDS = [
    "summary",
    "description",
    "fraud_type",
    "channel",
    "higher_reference",
    "original_case_kind",
    "subject_name",
    "subject_address",
    "subject_phone",
    "subject_credit_code",
    "subject_person",
    "money_lost",
    "occurred",
    "elderly_affected",
    "community",
]


def can_edit(user, lead: Lead) -> bool:
    """Street-office staff correct a lead's facts; the unit holding the referral reports what it
    found through its feedback instead (docs/permissions.md). Leaders never."""
    return is_street_office(user)


def lead_update(*, lead: Lead, user, reason: str, expected_version: int | None, **fields: Any) -> Lead:
    """Correct what a lead records. ``expected_version`` is the version the user's form was loaded
    with: if anyone changed the lead since (an edit, a referral, any action), nothing is saved and
    ``ConcurrentEditError`` is raised. Only the given fields are written."""
    if not can_edit(user, lead):
        raise PermissionDenied(gettext("您无权修改该线索。"))
    unknown = set(fields) - set(EDIT_FIELDS)
    if unknown:
        raise TypeError(f"not editable lead fields: {sorted(unknown)}")
    if not reason.strip():
        raise DomainError(_("修改须说明原因。"), code="reason")
    current = {name: getattr(lead, name) for name in ("source", "higher_reference", "original_case_kind")}
    validate_lead_data({**current, **fields})
    if not (fields.get("summary", lead.summary) or "").strip():
        raise DomainError(_("请填写线索摘要。"), code="summary")
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.subject_phone_hash = phone_hash(lead.subject_phone)
    lead.subject_credit_code = (lead.subject_credit_code or "").strip().upper()
    changed = [*fields, "subject_phone_hash", "subject_credit_code", "updated_at"]
    with transaction.atomic(), audit_context(actor=user, reason=gettext("修改线索：%(r)s") % {"r": reason.strip()}):
        save_versioned(lead, expected_version=expected_version, update_fields=changed)
    return lead


# --- referral and verification ---------------------------------------------------------------


def lead_refer(*, lead: Lead, user, unit, deadline: datetime.date | None = None, reason: str = "") -> Lead:
    """Street office refers the lead to a working group, member unit or community."""
    if unit is None or unit.kind not in (UnitKind.WORKING_GROUP, UnitKind.MEMBER_UNIT, UnitKind.COMMUNITY):
        raise DomainError(_("只能分派给工作组、成员单位或社区。"), code="unit")
    with transaction.atomic():
        lead = _locked(lead)
        today = timezone.localdate()
        deadline = deadline or default_deadline(lead, today)
        if deadline < today:
            raise DomainError(_("反馈期限不能早于今天。"), code="deadline")
        fields: dict[str, Any] = {
            "assigned_unit": unit,
            "deadline": deadline,
            "referred_at": timezone.now(),
            "acknowledged_at": None,
            "extension_state": ExtensionState.NONE,
            "extension_until": None,
            "reminder_count": 0,
            "last_reminded_on": None,
            "publicly_named": False,
        }
        if unit.kind == UnitKind.COMMUNITY and lead.community_id is None:
            fields["community"] = unit
        return _move(lead, user, "refer", reason, **fields)


def lead_acknowledge(*, lead: Lead, user, reason: str = "") -> Lead:
    with transaction.atomic():
        return _move(_locked(lead), user, "acknowledge", reason, acknowledged_at=timezone.now())


def lead_feedback(*, lead: Lead, user, findings: str, files: Iterable[Any] = (), reason: str = "") -> Lead:
    if not findings.strip():
        raise DomainError(_("请填写核查情况。"), code="findings")
    with transaction.atomic():
        lead = _move(_locked(lead), user, "feedback", reason, findings=findings.strip(), fed_back_at=timezone.now())
        files = list(files)
        if files:
            attachments_add(obj=lead, files=files, user=user, note=gettext("核查反馈"))
    return lead


def lead_return(*, lead: Lead, user, reason: str) -> Lead:
    if not reason.strip():
        raise DomainError(_("退回须说明原因。"), code="reason")
    with transaction.atomic():
        return _move(_locked(lead), user, "return", reason)


def needs_second_review(lead: Lead, outcome: str) -> bool:
    if outcome != Outcome.UNFOUNDED:
        return False
    if lead.is_major:
        return True
    return secrets.SystemRandom().random() < settings.LEADS_SECOND_REVIEW_SHARE


def lead_close(
    *,
    lead: Lead,
    user,
    outcome: str,
    reason: str = "",
    institution_name: str = "",
    institution_credit_code: str = "",
    transferred_to: str = "",
    reviewer=None,
    institution=None,
) -> Lead:
    """Street office closes with an outcome. An unfounded (查否) closure of a major lead, and of a
    random share of others, is not final until a second reviewer confirms it."""
    if outcome not in Outcome.values or outcome == Outcome.DUPLICATE:
        raise DomainError(_("请选择办结结果（重复线索请用“合并”）。"), code="outcome")
    if institution is not None:
        institution_name = institution_name or institution.name
        institution_credit_code = institution_credit_code or (institution.credit_code or "")
    if outcome == Outcome.RECTIFICATION and not (institution_name.strip() or institution_credit_code.strip()):
        raise DomainError(_("整治处理须填写机构名称或统一社会信用代码。"), code="institution")
    if outcome == Outcome.TRANSFERRED and not transferred_to.strip():
        raise DomainError(_("请填写移交的主管部门。"), code="transferred_to")
    with transaction.atomic():
        lead = _locked(lead)
        review = ReviewState.PENDING if needs_second_review(lead, outcome) else ReviewState.NONE
        if review and reviewer is not None and reviewer.pk == user.pk:
            raise DomainError(_("二次核查须由办结人以外的人员进行。"), code="reviewer")
        if outcome == Outcome.RECTIFICATION and institution is None and institution_credit_code.strip():
            institution = _institution_by_code(institution_credit_code)
        return _move(
            lead,
            user,
            "close",
            reason,
            outcome=outcome,
            closed_at=timezone.now(),
            closed_by=user,
            review_state=review,
            reviewer=reviewer if review else None,
            institution_name=institution_name.strip(),
            institution_credit_code=institution_credit_code.strip().upper(),
            transferred_to=transferred_to.strip(),
            institution=institution if outcome == Outcome.RECTIFICATION else None,
        )


def _institution_by_code(code: str):
    """The registered institution with this credit code (rectification app), or None. One query."""
    from rectification.models import Institution

    return Institution.objects.filter(credit_code=code.strip().upper()).first()


def lead_review_confirm(*, lead: Lead, user, reason: str = "") -> Lead:
    with transaction.atomic():
        lead = _locked(lead)
        if not _may("reviewer", user, lead) or lead.status != S.CLOSED:
            raise PermissionDenied
        lead.review_state = ReviewState.CONFIRMED
        lead.reviewer = user
        lead.version += 1  # locked above
        with audit_context(
            actor=user,
            reason=gettext("二次核查确认查否：%(r)s") % {"r": reason} if reason else gettext("二次核查确认查否"),
        ):
            lead.save()
    return lead


def lead_reopen(*, lead: Lead, user, reason: str) -> Lead:
    """The second reviewer reopens an unfounded closure: back to the receiver (or to 待受理)."""
    if not reason.strip():
        raise DomainError(_("重开须说明原因。"), code="reason")
    with transaction.atomic():
        lead = _locked(lead)
        target = S.RETURNED if lead.assigned_unit_id else S.REGISTERED
        return _move(
            lead,
            user,
            "reopen",
            reason,
            status=target,
            review_state=ReviewState.REOPENED,
            reviewer=user,
            outcome="",
            closed_at=None,
            closed_by=None,
        )


def lead_merge(*, lead: Lead, into: Lead, user, reason: str = "") -> Lead:
    """Close ``lead`` as a duplicate of ``into``: it keeps everything (files, history) and links."""
    if into.pk == lead.pk:
        raise DomainError(_("不能合并到自身。"), code="self")
    if into.merged_into_id:
        raise DomainError(_("目标线索本身已被合并，请合并到 %(n)s。") % {"n": into.merged_into.number}, code="chain")
    with transaction.atomic():
        lead = _move(
            _locked(lead),
            user,
            "merge",
            reason or gettext("重复线索，合并至 %(n)s") % {"n": into.number},
            outcome=Outcome.DUPLICATE,
            merged_into=into,
            closed_at=timezone.now(),
            closed_by=user,
            review_state=ReviewState.NONE,
        )
        with audit_context(actor=user, reason=gettext("合并重复线索")):
            lead.related.add(into)
    return lead


def lead_link(*, lead: Lead, other: Lead, user, reason: str = "") -> None:
    if not is_street_office(user) and not (is_receiver(user, lead) and is_receiver(user, other)):
        raise PermissionDenied
    if other.pk == lead.pk:
        raise DomainError(_("不能关联自身。"), code="self")
    with audit_context(actor=user, reason=reason or gettext("关联线索")):
        lead.related.add(other)


# --- deadlines, extension, supervision --------------------------------------------------------


def lead_request_extension(*, lead: Lead, user, until: datetime.date, reason: str) -> Lead:
    if not is_receiver(user, lead):
        raise PermissionDenied
    if lead.status not in OPEN_FOR_RECEIVER or not lead.deadline:
        raise DomainError(_("该线索当前不能申请延期。"), code="state")
    if lead.extension_state == ExtensionState.REQUESTED:
        raise DomainError(_("已有待审批的延期申请。"), code="pending")
    if until <= lead.deadline:
        raise DomainError(_("延期日期须晚于现反馈期限。"), code="until")
    if not reason.strip():
        raise DomainError(_("申请延期须说明原因。"), code="reason")
    lead.extension_state = ExtensionState.REQUESTED
    lead.extension_until = until
    with audit_context(actor=user, reason=gettext("申请延期：%(r)s") % {"r": reason}):
        _save(lead, "extension_state", "extension_until")
    return lead


def lead_decide_extension(*, lead: Lead, user, approve: bool, reason: str = "") -> Lead:
    if not is_street_office(user):
        raise PermissionDenied
    if lead.extension_state != ExtensionState.REQUESTED:
        raise DomainError(_("没有待审批的延期申请。"), code="none")
    if approve:
        lead.deadline = lead.extension_until
        lead.extension_state = ExtensionState.APPROVED
        lead.publicly_named = False
    else:
        lead.extension_state = ExtensionState.REFUSED
    label = gettext("同意延期") if approve else gettext("不同意延期")
    with audit_context(actor=user, reason=f"{label}：{reason}" if reason else label):
        _save(lead, "deadline", "extension_state", "publicly_named")
    return lead


def lead_supervise(*, lead: Lead, user, is_major: bool, supervisor=None, reason: str = "") -> Lead:
    """Mark a lead major (重大线索) under formal supervision (挂牌督办) with a named supervisor."""
    if not is_street_office(user):
        raise PermissionDenied
    if is_major and supervisor is None:
        raise DomainError(_("挂牌督办须指定督办人。"), code="supervisor")
    lead.is_major = is_major
    lead.supervisor = supervisor if is_major else None
    with audit_context(actor=user, reason=reason or (gettext("挂牌督办") if is_major else gettext("取消督办"))):
        _save(lead, "is_major", "supervisor")
    return lead


def lead_report_up(*, lead: Lead, user, reason: str = "") -> Lead:
    """Record that the closure of a lead from a higher office was reported up."""
    if not is_street_office(user):
        raise PermissionDenied
    if lead.source != LeadSource.HIGHER or not lead.is_final:
        raise DomainError(_("只有已办结的上级转办线索才能报送办结情况。"), code="state")
    if lead.reported_up_at:
        raise DomainError(_("该线索的办结情况已报送。"), code="done")
    lead.reported_up_at = timezone.now()
    with audit_context(actor=user, reason=reason or gettext("向上级报送办结情况")):
        _save(lead, "reported_up_at")
    return lead


def leads_report_up_many(*, leads: Iterable[Lead], user, reason: str = "") -> int:
    """Record that the closures of these leads were reported up (e.g. after sending the .xlsx of
    the unreported ones). Leads already reported, or not finally closed, are skipped."""
    count = 0
    with transaction.atomic():
        for lead in leads:
            if lead.source == LeadSource.HIGHER and lead.is_final and lead.reported_up_at is None:
                lead_report_up(lead=lead, user=user, reason=reason)
                count += 1
    return count


def lead_reveal_informant(*, lead: Lead, user, reason: str = "") -> dict[str, str]:
    """A deliberate, logged look at the informant's identity (street office + permission)."""
    if not (is_street_office(user) and user.has_perm("leads.view_informant")):
        raise PermissionDenied
    record_action(lead, actor=user, action_text=gettext("查看举报人身份"), reason=reason)
    return {name: getattr(lead, name) for name in INFORMANT_FIELDS}


# --- the daily job: reminders, public naming, digest -------------------------------------------


def leads_escalate(*, today: datetime.date | None = None) -> dict[str, int]:
    """Reminder (催办) on each overdue lead once per missed deadline, and on a major lead under
    supervision every working day it stays overdue (tighter reminders); public naming (通报) of
    those still overdue ``LEADS_NAMING_AFTER_WORKDAYS`` working days later. Idempotent:
    conditional UPDATEs claim each lead, and only a lead actually changed gets its timeline entry."""
    today = today or timezone.localdate()
    calendar = WorkCalendar()
    overdue = Lead.objects.overdue(today)
    # not yet reminded for this deadline, or (major) not yet reminded today on a working day
    due = Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lte=F("deadline"))
    if calendar.is_workday(today):
        due |= Q(is_major=True, last_reminded_on__lt=today)
    reminded = 0
    for pk in overdue.filter(due).values_list("pk", flat=True):
        claimed = Lead.objects.filter(due, pk=pk, status__in=OPEN_FOR_RECEIVER).update(
            last_reminded_on=today, reminder_count=F("reminder_count") + 1
        )
        if claimed:
            lead = Lead.objects.get(pk=pk)
            record_action(
                lead,
                actor=None,
                action_text=gettext("超期催办"),
                reason=gettext("反馈期限 %(d)s 已过") % {"d": lead.deadline},
            )
            reminded += 1
    cutoff = subtract_workdays(calendar, today, settings.LEADS_NAMING_AFTER_WORKDAYS)
    named = 0
    for pk in overdue.filter(deadline__lt=cutoff, publicly_named=False).values_list("pk", flat=True):
        if Lead.objects.filter(pk=pk, publicly_named=False).update(publicly_named=True):
            lead = Lead.objects.get(pk=pk)
            record_action(lead, actor=None, action_text=gettext("列入通报"), reason=gettext("超期未反馈"))
            named += 1
    return {"reminded": reminded, "named": named}


#: The digest's wording (the e-mail templates hold no strings of their own, so the catalogue is the app's).
DIGEST_TEXT = {
    "subject": _("线索期限提醒"),
    "overdue": _("超期"),
    "due_soon": _("即将到期"),
    "overdue_intro": _("已超期（请立即反馈，超期将催办并通报）："),
    "due_soon_intro": _("即将到期："),
    "deadline": _("期限"),
    "major": _("重大线索"),
    "closing": _("请登录护老系统办理。"),
}


def leads_send_digests(*, today: datetime.date | None = None) -> int:
    """One e-mail per unit with due-soon or overdue leads, to its liaison (and unit mailbox).
    The outbox key makes a second run the same day a no-op. Never holds informant data."""
    from organization.models import Unit

    today = today or timezone.localdate()
    horizon = due_soon_horizon(today)
    rows = (
        Lead.objects.awaiting_receiver()
        .filter(deadline__lte=horizon)
        .only("pk", "number", "summary", "deadline", "status", "is_major", "assigned_unit_id")
        .order_by("deadline", "pk")
    )
    by_unit: dict[int, dict[str, list[Lead]]] = defaultdict(lambda: {"overdue": [], "due_soon": []})
    for lead in rows:
        by_unit[lead.assigned_unit_id]["overdue" if lead.deadline < today else "due_soon"].append(lead)
    sent = 0
    units = Unit.objects.filter(pk__in=by_unit).select_related("liaison")
    for unit in units:
        to = [unit.liaison.email if unit.liaison else "", unit.email]
        mail = queue_mail(
            "leads-digest",
            to=to,
            context={
                "unit": unit,
                "today": today,
                **by_unit[unit.pk],
                "site_url": settings.LEADS_SITE_URL,
                "t": DIGEST_TEXT,
            },
            key=f"lead-digest:{unit.pk}:{today.isoformat()}",
        )
        if mail is not None:
            sent += 1
    return sent
