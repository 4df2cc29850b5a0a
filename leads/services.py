"""Every write on a lead. Who may do what, and from which status, is declared once in
``leads/rules.py``; each function here asks it (``rules.transition`` moves the lead: lock, check,
set, bump the version, save inside ``audit_context`` with the reason, effects after commit;
``rules.require`` before the other writes)."""

from __future__ import annotations

import datetime
import hmac
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import rules
from core.audit import audit_context, record_action
from core.concurrency import save_versioned
from core.exceptions import DomainError
from core.fields import keyed_hash
from core.mail import queue_mail
from core.services import attachments_add
from core.workdays import WorkCalendar
from organization.choices import UnitKind

from . import rules as lead_rules
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


def can_transition(lead: Lead, user: Any, action: str) -> bool:
    """Deprecated: ask ``core.rules.check(user, "leads.<action>", lead)``. Kept only because
    ``rectification.services.create_judiciary_lead`` looks it up; remove with that call."""
    return bool(rules.check(user, f"leads.{action}", lead))


def _settle_extension(locked: Lead) -> dict[str, Any]:
    """Closing or merging a lead ends a pending extension request: it is refused with the move
    (``_note_settled`` says why in the timeline), so nobody can approve it on a closed lead."""
    if locked.extension_state != ExtensionState.REQUESTED:
        return {}
    return {"extension_state": ExtensionState.REFUSED}


def _note_settled(lead: Lead, user: Any, settled: dict[str, Any], action: str) -> None:
    if settled:
        record_action(
            lead,
            actor=user,
            action_text=gettext("延期申请作废"),
            reason=gettext("线索已%(action)s，待审批的延期申请不再审批。") % {"action": rules.get(action).label},
        )


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
    return counted_deadline(lead, start, default_workdays(lead.source), calendar)[0]


def counted_deadline(
    lead: Lead, start: datetime.date, days: int, calendar: WorkCalendar | None = None
) -> tuple[datetime.date, int | None]:
    """(deadline, working days it was counted with) for a lead referred on ``start``: ``days``
    working days later, or the higher office's deadline when that is earlier (a fixed date: None)."""
    deadline = (calendar or WorkCalendar()).add_workdays(start, days)
    if lead.higher_deadline and lead.higher_deadline < deadline:
        return lead.higher_deadline, None  # the higher office's deadline cannot be missed
    return deadline, days


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


def _receipt_fields() -> tuple[str, dict[str, str]]:
    """A new receipt code (as shown once) and what the lead stores of it."""
    digits = "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))
    return format_receipt(digits), {"receipt_index": receipt_index(digits), "receipt_hash": receipt_hash(digits)}


def _new_receipt(lead: Lead) -> str:
    code, fields = _receipt_fields()
    for name, value in fields.items():
        setattr(lead, name, value)
    return code


def receipt_lookup(code: str) -> Lead | None:
    """The lead a receipt code belongs to, or None. One indexed query plus the hash check."""
    digits = normalise_receipt(code)
    if len(digits) != RECEIPT_DIGITS:
        return None
    for lead in Lead.objects.filter(receipt_index=receipt_index(digits)).exclude(receipt_hash=""):
        if receipt_matches(digits, lead.receipt_hash):
            return lead
    return None


def lead_issue_receipt(*, lead: Lead, user: Any, reason: str = "") -> str:
    """Issue a new receipt code for a public tip that is not final (e.g. the informant lost it);
    the old code stops working. Shown once only."""
    code, fields = _receipt_fields()
    rules.transition(lead, user=user, action="leads.issue_receipt", reason=reason, fields=fields)
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


#: The fields only some sources have (issue 16.5): a higher office's referral carries its
#: document number and deadline, a department's review (部门梳理) the original case kind.
SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "higher_reference": (LeadSource.HIGHER,),
    "higher_deadline": (LeadSource.HIGHER,),
    "original_case_kind": (LeadSource.REVIEW,),
}


def validate_lead_data(data: dict[str, Any]) -> None:
    """What each source asks, checked for the staff form, the public form and the import alike:
    上级转办 needs its document number, 部门梳理 the original case kind, 群众举报 how the tip came
    in (举报方式); a field of another source is refused rather than kept silently."""
    source = data.get("source")
    if source == LeadSource.HIGHER and not data.get("higher_reference"):
        raise DomainError(_("上级转办线索须填写上级转办文号。"), code="higher_reference", field="higher_reference")
    if source == LeadSource.REVIEW and not data.get("original_case_kind"):
        raise DomainError(
            _("部门梳理线索须填写原案件类型（民事、行政、刑事）。"), code="case_kind", field="original_case_kind"
        )
    if source == LeadSource.PUBLIC and not data.get("channel"):
        raise DomainError(_("群众举报须填写举报方式。"), code="channel", field="channel")
    for name, sources in SOURCE_FIELDS.items():
        if data.get(name) and source not in sources:
            raise DomainError(
                _("“%(field)s”只用于%(sources)s线索。")
                % {
                    "field": getattr(Lead._meta.get_field(name), "verbose_name", name),
                    "sources": "、".join(str(LeadSource(x).label) for x in sources),
                },
                code="source_field",
                field=name,
            )
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
        lead.jurisdiction_id = user.scope.jurisdiction_id
        if lead.community_id is None and user.scope.is_community:
            lead.community_id = user.unit_id
    return lead


def lead_create(
    *,
    user,
    data: dict[str, Any],
    files: Iterable[Any] = (),
    issue_receipt: bool = False,
    reason: str = "",
    institution: Any = None,
) -> tuple[Lead, str | None]:
    """Staff intake (community, member unit, working group, street office). Returns the lead and
    its receipt code when one was asked for (a tip taken by phone or at the counter).
    ``institution``: the registered institution the lead is about (rectification's "send to the
    judiciary" files a lead on the institution it found). A 重大线索 tick is kept whoever files
    the lead (a community's view of its own tip counts); the street office names the supervisor
    (``lead_supervise``)."""
    rules.require(user, "leads.create")
    sources = lead_rules.intake_sources(user)
    if sources is not None and data.get("source") not in sources:
        raise DomainError(_("社区登记的线索来源只能是“社区移送”或“群众举报”。"), code="source", field="source")
    lead = build_lead(data, user=user)
    lead.institution = institution
    code = _new_receipt(lead) if issue_receipt else None
    with transaction.atomic(), audit_context(actor=user, reason=reason or gettext("登记线索")):
        lead.number = reserve_numbers(lead.received_on.year, 1)[0]
        lead.save()
        files = list(files)
        if files:
            attachments_add(obj=lead, files=files, user=user)
    return lead, code


TRANSFER_FIELDS = [
    "higher_reference",
    "higher_deadline",
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
    "is_major",
]


def lead_transfer(*, user: Any, street: Any, data: dict[str, Any], reason: str = "") -> Lead:
    """The city special office transfers a lead to one of its streets (上级转办, issue 19): a lead of
    the street from a higher office, with the city's reference number and deadline, which the
    street refers on as any other. Its closure is reported up by itself (``lead_close``)."""
    rules.require(user, "leads.transfer")
    scope = user.scope
    if street is None or street.parent_id != scope.jurisdiction_id:
        raise DomainError(_("请选择本市的镇街。"), code="street", field="street")
    reference = (data.get("higher_reference") or "").strip()
    if not reference:
        raise DomainError(_("请填写转办文号。"), code="higher_reference", field="higher_reference")
    if not data.get("higher_deadline"):
        raise DomainError(_("请填写反馈期限。"), code="higher_deadline", field="higher_deadline")
    if data["higher_deadline"] < timezone.localdate():
        raise DomainError(_("反馈期限不能早于今天。"), code="higher_deadline", field="higher_deadline")
    if Lead.objects.filter(jurisdiction=street, source=LeadSource.HIGHER, higher_reference=reference).exists():
        raise DomainError(
            _("文号“%(v)s”已转办给该镇街。") % {"v": reference}, code="higher_reference", field="higher_reference"
        )
    fields = {k: v for k, v in data.items() if k in TRANSFER_FIELDS}
    lead = build_lead({**fields, "higher_reference": reference, "source": LeadSource.HIGHER})
    lead.created_by = user
    lead.filed_by_unit_id = user.unit_id
    lead.transferred_by_id = user.unit_id
    lead.jurisdiction = street
    with transaction.atomic(), audit_context(actor=user, reason=reason or gettext("市专项办转办线索")):
        lead.number = reserve_numbers(lead.received_on.year, 1)[0]
        lead.save()
        _mail_transfer(lead, street)
    return lead


TRANSFER_TEXT = {
    "subject": _("市专项办转办线索"),
    "intro": _("市专项办向本镇街转办以下线索，请在反馈期限前核查办结："),
    "reference": _("转办文号"),
    "deadline": _("反馈期限"),
    "closing": _("请登录护老系统办理。"),
}


def _mail_transfer(lead: Lead, street: Any) -> None:
    """A lead the city transferred: an e-mail (through the outbox, with the transfer) to the
    street office's liaisons and mailbox, with the lead's number and the city's deadline; never
    the informant (a transferred lead has none of the city's)."""
    from core.mail import absolute_url, queue_mail
    from organization import contacts
    from organization.models import Unit

    offices = Unit.objects.filter(kind=UnitKind.STREET_OFFICE, is_active=True, jurisdiction=street)
    office = contacts.with_addresses(offices).first()
    if office is None:
        return
    queue_mail(
        "leads-transferred",
        to=contacts.unit_addresses(office),
        context={"unit": office, "lead": lead, "t": TRANSFER_TEXT, "url": absolute_url(lead.get_absolute_url())},
        key=f"lead-transferred:{lead.pk}",
        jurisdiction_id=street.pk,
    )


def tip_streets() -> list[Any]:
    """The streets the public tip form offers (issue 19): each street of the deployment that has
    an active street office, when there are several (a city); none in a deployment of one street
    (the tip goes to its office, as before). One query."""
    from organization.models import Jurisdiction

    streets = list(
        Jurisdiction.objects.filter(
            parent__isnull=False, units__kind=UnitKind.STREET_OFFICE, units__is_active=True
        ).distinct()
    )
    return streets if len(streets) > 1 else []


def lead_submit_tip(*, data: dict[str, Any], files: Iterable[Any] = (), street: Any = None) -> tuple[Lead, str]:
    """A tip from the public web form (no login). Returns the lead and its receipt code. In a
    city, ``street`` (one of ``tip_streets``) is the street the informant chose: the lead is that
    street's, filed by its office; without it, the first street office's (a deployment of one
    street)."""
    from organization.models import Unit

    data = {**data, "source": LeadSource.PUBLIC, "channel": "web", "is_major": False}
    lead = build_lead(data)
    offices = Unit.objects.filter(kind=UnitKind.STREET_OFFICE, is_active=True)
    if street is not None:
        if street.parent_id is None:
            raise DomainError(_("请选择事发镇街。"), code="street", field="street")
        offices = offices.filter(jurisdiction_id=street.pk)
    lead.filed_by_unit = offices.first()
    if street is not None and lead.filed_by_unit is None:
        raise DomainError(_("请选择事发镇街。"), code="street", field="street")
    lead.jurisdiction_id = lead.filed_by_unit.jurisdiction_id if lead.filed_by_unit else None
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
        # The 新补充 badge and list of the handling unit and the street office, and their digest.
        Lead.objects.filter(pk=lead.pk).update(supplemented_at=timezone.now())
    return supplement


def new_supplement_since(now: datetime.datetime | None = None) -> datetime.datetime:
    """Since when an informant's supplement counts as new (新补充): ``LEADS_NEW_SUPPLEMENT_DAYS``."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.LEADS_NEW_SUPPLEMENT_DAYS)


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


def lead_update(*, lead: Lead, user: Any, reason: str, expected_version: int | None, **fields: Any) -> Lead:
    """Correct what a lead records (``leads.edit``: the street office; the unit holding the
    referral reports what it found through its feedback instead). ``expected_version`` is the
    version the user's form was loaded with: if anyone changed the lead since (an edit, a
    referral, any action), nothing is saved and ``ConcurrentEditError`` is raised. Only the given
    fields are written."""
    rules.require(user, "leads.edit", lead)
    unknown = set(fields) - set(EDIT_FIELDS)
    if unknown:
        raise TypeError(f"not editable lead fields: {sorted(unknown)}")
    if not reason.strip():
        raise DomainError(_("修改须说明原因。"), code="reason")
    current = {name: getattr(lead, name) for name in ("source", "channel", *SOURCE_FIELDS)}
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


def lead_refer(*, lead: Lead, user: Any, unit: Any, deadline: datetime.date | None = None, reason: str = "") -> Lead:
    """Street office refers the lead to a working group, member unit or community."""
    if unit is None or unit.kind not in (UnitKind.WORKING_GROUP, UnitKind.MEMBER_UNIT, UnitKind.COMMUNITY):
        raise DomainError(_("只能分派给工作组、成员单位或社区。"), code="unit", field="unit")
    if lead.jurisdiction_id is not None and unit.jurisdiction_id != lead.jurisdiction_id:
        raise DomainError(_("只能分派给本镇街的单位。"), code="unit", field="unit")
    today = timezone.localdate()
    if deadline is not None and deadline < today:
        raise DomainError(_("反馈期限不能早于今天。"), code="deadline", field="deadline")

    def fields(locked: Lead) -> dict[str, Any]:
        due, counted = (
            (deadline, None) if deadline else counted_deadline(locked, today, default_workdays(locked.source))
        )
        values: dict[str, Any] = {
            "assigned_unit": unit,
            "deadline": due,
            "deadline_workdays": counted,
            "referred_at": timezone.now(),
            "acknowledged_at": None,
            "extension_state": ExtensionState.NONE,
            "extension_until": None,
            "reminder_count": 0,
            "last_reminded_on": None,
            "publicly_named": False,
        }
        if unit.kind == UnitKind.COMMUNITY and locked.community_id is None:
            values["community"] = unit
        return values

    return rules.transition(lead, user=user, action="leads.refer", reason=reason, fields=fields)


def lead_acknowledge(*, lead: Lead, user: Any, reason: str = "") -> Lead:
    return rules.transition(
        lead, user=user, action="leads.acknowledge", reason=reason, fields={"acknowledged_at": timezone.now()}
    )


def lead_feedback(*, lead: Lead, user: Any, findings: str, files: Iterable[Any] = (), reason: str = "") -> Lead:
    if not findings.strip():
        raise DomainError(_("请填写核查情况。"), code="findings", field="findings")
    with transaction.atomic():
        lead = rules.transition(
            lead,
            user=user,
            action="leads.feedback",
            reason=reason,
            fields={"findings": findings.strip(), "fed_back_at": timezone.now()},
        )
        files = list(files)
        if files:
            attachments_add(obj=lead, files=files, user=user, note=gettext("核查反馈"))
    return lead


def lead_return(*, lead: Lead, user: Any, reason: str) -> Lead:
    return rules.transition(lead, user=user, action="leads.return", reason=reason)


def needs_second_review(lead: Lead, outcome: str) -> bool:
    if outcome != Outcome.UNFOUNDED:
        return False
    if lead.is_major:
        return True
    return secrets.SystemRandom().random() < settings.LEADS_SECOND_REVIEW_SHARE


def lead_close(
    *,
    lead: Lead,
    user: Any,
    outcome: str,
    reason: str = "",
    institution_name: str = "",
    institution_credit_code: str = "",
    transferred_to: str = "",
    reviewer: Any = None,
    institution: Any = None,
) -> Lead:
    """Street office closes with an outcome. An unfounded (查否) closure of a major lead, and of a
    random share of others, is not final until a second reviewer confirms it. A pending extension
    request is refused with the closure."""
    if outcome not in Outcome.values or outcome == Outcome.DUPLICATE:
        raise DomainError(_("请选择办结结果（重复线索请用“合并”）。"), code="outcome", field="outcome")
    if institution is not None:
        institution_name = institution_name or institution.name
        institution_credit_code = institution_credit_code or (institution.credit_code or "")
    if outcome == Outcome.RECTIFICATION and not (institution_name.strip() or institution_credit_code.strip()):
        raise DomainError(_("整治处理须填写机构名称或统一社会信用代码。"), code="institution")
    if outcome == Outcome.TRANSFERRED and not transferred_to.strip():
        raise DomainError(_("请填写移交的主管部门。"), code="transferred_to", field="transferred_to")
    if outcome == Outcome.RECTIFICATION and institution is None and institution_credit_code.strip():
        institution = _institution_by_code(institution_credit_code)
    settled: dict[str, Any] = {}

    def fields(locked: Lead) -> dict[str, Any]:
        review = ReviewState.PENDING if needs_second_review(locked, outcome) else ReviewState.NONE
        if review and reviewer is not None and reviewer.pk == user.pk:
            raise DomainError(_("二次核查须由办结人以外的人员进行。"), code="reviewer", field="reviewer")
        settled.update(_settle_extension(locked))
        # A lead the city transferred in the system: the final closure is reported up by itself.
        auto_report = {"reported_up_at": timezone.now()} if locked.transferred_by_id and not review else {}
        return {
            **auto_report,
            "outcome": outcome,
            "closed_at": timezone.now(),
            "closed_by": user,
            "review_state": review,
            "reviewer": reviewer if review else None,
            "institution_name": institution_name.strip(),
            "institution_credit_code": institution_credit_code.strip().upper(),
            "transferred_to": transferred_to.strip(),
            "institution": institution if outcome == Outcome.RECTIFICATION else None,
            **settled,
        }

    with transaction.atomic():
        lead = rules.transition(
            lead, user=user, action="leads.close", reason=reason, fields=fields, effects=[announce_if_final]
        )
        _note_settled(lead, user, settled, "leads.close")
    return lead


def announce_if_final(lead: Lead) -> None:
    """After commit: tell the layers above that the lead is finally closed (``lead_finally_closed``)."""
    from .signals import lead_finally_closed

    if lead.is_final:
        lead_finally_closed.send(sender=Lead, lead=lead)


def _institution_by_code(code: str) -> Any:
    """The registered institution with this credit code (rectification app), or None. One query."""
    from rectification.selectors import institution_by_code

    return institution_by_code(code)


def lead_review_confirm(*, lead: Lead, user: Any, reason: str = "") -> Lead:
    """The second reviewer confirms an unfounded closure: it becomes final."""
    return rules.transition(
        lead,
        user=user,
        action="leads.review_confirm",
        reason=reason,
        fields=lambda locked: {
            "review_state": ReviewState.CONFIRMED,
            "reviewer": user,
            # a lead the city transferred in the system: its final closure is reported up by itself
            **({"reported_up_at": timezone.now()} if locked.transferred_by_id else {}),
        },
        effects=[announce_if_final],
    )


def lead_reopen(*, lead: Lead, user: Any, reason: str) -> Lead:
    """The second reviewer reopens an unfounded closure: back to the receiver (or to 待受理)."""
    return rules.transition(
        lead,
        user=user,
        action="leads.reopen",
        reason=reason,
        fields=lambda locked: {
            "status": S.RETURNED if locked.assigned_unit_id else S.REGISTERED,
            "review_state": ReviewState.REOPENED,
            "reviewer": user,
            "outcome": "",
            "closed_at": None,
            "closed_by": None,
        },
    )


def lead_merge(*, lead: Lead, into: Lead, user: Any, reason: str = "") -> Lead:
    """Close ``lead`` as a duplicate of ``into``: it keeps everything (files, history) and links.
    A pending extension request is refused with it. The merged lead is final: a lead the city
    transferred is reported up by itself (``reported_up_at``, as ``lead_close`` does; the city's
    list shows 合并至 <into>), and ``lead_finally_closed`` is sent after commit, so a higher
    deployment's transfer goes up too (``Lead.reported_findings`` names ``into``)."""
    if into.pk == lead.pk:
        raise DomainError(_("不能合并到自身。"), code="self", field="other")
    if into.merged_into_id:
        target = into.merged_into.number if into.merged_into else ""
        raise DomainError(_("目标线索本身已被合并，请合并到 %(n)s。") % {"n": target}, code="chain", field="other")
    settled: dict[str, Any] = {}

    def fields(locked: Lead) -> dict[str, Any]:
        settled.update(_settle_extension(locked))
        # A lead the city transferred in the system: merged, it is reported up by itself.
        auto_report = {"reported_up_at": timezone.now()} if locked.transferred_by_id else {}
        return {
            **auto_report,
            "outcome": Outcome.DUPLICATE,
            "merged_into": into,
            "closed_at": timezone.now(),
            "closed_by": user,
            "review_state": ReviewState.NONE,
            **settled,
        }

    with transaction.atomic():
        lead = rules.transition(
            lead,
            user=user,
            action="leads.merge",
            reason=reason or gettext("重复线索，合并至 %(n)s") % {"n": into.number},
            fields=fields,
            effects=[announce_if_final],
        )
        _note_settled(lead, user, settled, "leads.merge")
        with audit_context(actor=user, reason=gettext("合并重复线索")):
            lead.related.add(into)
    return lead


def lead_link(*, lead: Lead, other: Lead, user: Any, reason: str = "", merge: bool = False) -> Lead:
    """Link two related leads (the street office, or a unit both are referred to); with
    ``merge``, close ``lead`` as a duplicate of ``other`` instead (``lead_merge``)."""
    if merge:
        return lead_merge(lead=lead, into=other, user=user, reason=reason)
    rules.require(user, "leads.link", lead)
    rules.require(user, "leads.link", other)  # a receiver links only leads referred to it
    if other.pk == lead.pk:
        raise DomainError(_("不能关联自身。"), code="self", field="other")
    with audit_context(actor=user, reason=rules.audit_reason(rules.get("leads.link"), reason)):
        lead.related.add(other)
    return lead


# --- deadlines, extension, supervision --------------------------------------------------------


def deadlines_recompute(*, years: frozenset[int], user: Any, reason: str) -> int:
    """The street office entered the holiday arrangement of ``years`` (``core.services.calendar_enter``
    calls this through ``core.workdays.on_arrangement_entered``): every lead still owing feedback
    whose deadline was counted in working days (``deadline_workdays``) over a day of those years is
    counted again from its referral day with the calendar as it is now, so a deadline estimated on
    Monday–Friday moves off the holidays. Each moved lead: version bumped, audited (who, why, the
    old and new date). Returns how many moved."""
    calendar = WorkCalendar()
    first, last = min(years), max(years)
    candidates = (
        Lead.objects.awaiting_receiver()
        .filter(deadline_workdays__isnull=False, referred_at__isnull=False, deadline__year__gte=first)
        .select_for_update()
        .order_by("pk")
    )
    moved = 0
    audit_reason = gettext("节假日安排录入后重新计算反馈期限：%(r)s") % {"r": reason}
    with transaction.atomic(), audit_context(actor=user, reason=audit_reason):
        for lead in candidates:
            start = timezone.localdate(lead.referred_at)
            if start.year > last or not any(start.year <= year <= lead.deadline.year for year in years):
                continue
            due, counted = counted_deadline(lead, start, lead.deadline_workdays, calendar)
            if due == lead.deadline and counted == lead.deadline_workdays:
                continue
            lead.deadline, lead.deadline_workdays = due, counted
            lead.version += 1
            lead.save(update_fields=["deadline", "deadline_workdays", "version", "updated_at"])
            moved += 1
    return moved


def lead_request_extension(*, lead: Lead, user: Any, until: datetime.date, reason: str) -> Lead:
    def fields(locked: Lead) -> dict[str, Any]:
        if locked.deadline is None or until <= locked.deadline:
            raise DomainError(_("延期日期须晚于现反馈期限。"), code="until", field="until")
        return {"extension_state": ExtensionState.REQUESTED, "extension_until": until}

    return rules.transition(lead, user=user, action="leads.extension_request", reason=reason, fields=fields)


def lead_decide_extension(*, lead: Lead, user: Any, approve: bool, reason: str = "") -> Lead:
    """Approve (the deadline moves to the requested date) or refuse a pending extension request.
    Refused on a closed lead (``leads.extension_decide``'s guard)."""

    def fields(locked: Lead) -> dict[str, Any]:
        if not approve:
            return {"extension_state": ExtensionState.REFUSED}
        return {
            "deadline": locked.extension_until,
            "deadline_workdays": None,  # the approved date is fixed
            "extension_state": ExtensionState.APPROVED,
            "publicly_named": False,
        }

    decision = gettext("同意") if approve else gettext("不同意")
    return rules.transition(
        lead,
        user=user,
        action="leads.extension_decide",
        reason=f"{decision}：{reason}" if reason else decision,
        fields=fields,
    )


def lead_supervise(*, lead: Lead, user: Any, is_major: bool, supervisor: Any = None, reason: str = "") -> Lead:
    """Mark a lead major (重大线索) under formal supervision (挂牌督办) with a named supervisor."""
    if is_major and supervisor is None:
        raise DomainError(_("挂牌督办须指定督办人。"), code="supervisor", field="supervisor")
    return rules.transition(
        lead,
        user=user,
        action="leads.supervise",
        reason=reason or ("" if is_major else gettext("取消督办")),
        fields={"is_major": is_major, "supervisor": supervisor if is_major else None},
    )


#: The wording of the 催办 e-mail (the templates hold no strings of their own).
URGE_TEXT = {
    "subject": _("催办线索"),
    "intro": _("街道专项办催办以下线索，请尽快核查并反馈："),
    "deadline": _("反馈期限"),
    "overdue": _("已超期"),
    "note": _("说明"),
    "count": _("催办次数"),
    "closing": _("请登录护老系统办理。"),
}


def lead_urge(*, lead: Lead, user: Any, reason: str = "") -> Lead:
    """A manual reminder (催办) by the street office to the unit handling a referred lead, at
    most once a day per lead (``leads.urge``). It counts with the daily job's reminders
    (``reminder_count``, ``last_reminded_on``: the unit's list shows the 催办 badge) and e-mails
    the unit's liaisons (``organization.contacts``); the e-mail names the lead, never the
    informant."""
    from core.mail import absolute_url
    from organization import contacts

    today = timezone.localdate()
    with transaction.atomic():
        lead = rules.transition(
            lead,
            user=user,
            action="leads.urge",
            reason=reason,
            fields=lambda locked: {"reminder_count": locked.reminder_count + 1, "last_reminded_on": today},
        )
        unit = lead.assigned_unit
        to = contacts.unit_addresses(unit) if unit is not None else []
        if to:
            queue_mail(
                "leads-urge",
                to=to,
                context={
                    "unit": unit,
                    "lead": lead,
                    "overdue": lead.deadline is not None and lead.deadline < today,
                    "note": reason.strip(),
                    "t": URGE_TEXT,
                    "url": absolute_url(lead.get_absolute_url()),
                },
                key=f"lead-urge:{lead.pk}:{today.isoformat()}",
                jurisdiction_id=lead.jurisdiction_id,
            )
    return lead


def lead_report_up(*, lead: Lead, user: Any, reason: str = "") -> Lead:
    """Record that the closure of a lead from a higher office was reported up."""
    return rules.transition(
        lead, user=user, action="leads.report_up", reason=reason, fields={"reported_up_at": timezone.now()}
    )


def leads_report_up_many(*, leads: Iterable[Lead], user: Any, reason: str = "") -> int:
    """Record that the closures of these leads were reported up (e.g. after sending the .xlsx of
    the unreported ones). Leads already reported, or not finally closed, are skipped."""
    rules.require(user, "leads.report_up_many")
    count = 0
    with transaction.atomic():
        for lead in leads:
            if rules.check(user, "leads.report_up", lead):
                lead_report_up(lead=lead, user=user, reason=reason)
                count += 1
    return count


#: The free text of a lead a redaction looks in (not the status, numbers, codes or dates).
REDACT_FIELDS = (
    "summary",
    "description",
    "findings",
    "occurred",
    "subject_name",
    "subject_address",
    "subject_person",
    "subject_phone",
    "transferred_to",
    "institution_name",
)
REDACT_MIN_LENGTH = 4


def lead_redact(*, lead: Lead, user: Any, passage: str, reason: str) -> Lead:
    """Remove a passage that identifies someone (an informant's phone number typed into the
    description…) from the lead's text, its supplements and every audit entry of both, and from
    the outbox (``core.services.redact_records``): each becomes 【已删除】. The audit trail keeps
    who redacted, when, why, and which fields, never the text; nothing can bring it back."""
    from core.services import REDACTED, redact_records

    passage = (passage or "").strip()
    if len(passage) < REDACT_MIN_LENGTH:
        raise DomainError(
            _("请粘贴要删除的原文（至少 %(n)s 个字符）。") % {"n": REDACT_MIN_LENGTH}, code="passage", field="passage"
        )
    supplements = list(lead.supplements.filter(text__contains=passage).only("pk", "text"))

    def fields(locked: Lead) -> dict[str, Any]:
        changed = {
            name: getattr(locked, name).replace(passage, REDACTED)
            for name in REDACT_FIELDS
            if passage in (getattr(locked, name) or "")
        }
        if not changed and not supplements:
            raise DomainError(_("线索中没有找到这段文字，请照原样粘贴。"), code="passage", field="passage")
        if "subject_phone" in changed:
            changed["subject_phone_hash"] = phone_hash(changed["subject_phone"])
        return changed

    with transaction.atomic():
        lead = rules.transition(lead, user=user, action="leads.redact", reason=reason, fields=fields)
        for supplement in supplements:
            LeadSupplement.objects.filter(pk=supplement.pk).update(text=supplement.text.replace(passage, REDACTED))
        # The transition's own entry quoted the old text: the redaction of the trail comes after it.
        redact_records(objects=[lead, *lead.supplements.all()], passage=passage)
    return lead


#: The least a reveal's reason says (characters): "核实线索" is four.
REVEAL_REASON_MIN = 4
#: What the audit entry of a reveal carries in ``changes`` (never the identity): the reveals page
#: (``selectors.reveal_entries``) finds them by it.
REVEAL_MARK = {"action": "leads.reveal"}


def reveal_reason_error() -> str:
    return gettext("请写明查看举报人身份的原因（至少 %(n)d 个字）。") % {"n": REVEAL_REASON_MIN}


def lead_reveal_informant(*, lead: Lead, user: Any, reason: str) -> dict[str, str]:
    """A deliberate, logged look at the informant's identity (street office + permission), with
    the reason for it (a few words at least)."""
    action = rules.require(user, "leads.reveal", lead)
    reason = rules.require_reason(action, reason)
    if len(reason) < REVEAL_REASON_MIN:
        raise DomainError(reveal_reason_error(), code="reason", field="reason")
    record_action(lead, actor=user, action_text=gettext("查看举报人身份"), reason=reason, changes=REVEAL_MARK)
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
    "number": _("编号"),
    "summary": _("摘要"),
    "open_list": _("在系统中查看本单位的线索"),
    "supplemented_intro": _("举报人通过查询码补充了材料（请登录查看）："),
    "supplemented": _("新补充"),
}


def _supplemented_on(day: datetime.date) -> Q:
    """Leads an informant added to on ``day`` (local time): the digest of the next day lists them."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return Q(supplemented_at__gte=start, supplemented_at__lt=start + datetime.timedelta(days=1))


def leads_send_digests(*, today: datetime.date | None = None) -> int:
    """One e-mail per unit with due-soon or overdue leads, to its liaisons (the unit's liaison
    and its people with an e-mail, ``organization.contacts``) and its mailbox; a unit with no
    address at all gets none and is listed as unreachable on the outbox page and the dashboard.
    It also lists the leads an informant added to yesterday (receipt code), to the unit handling
    each and to the street office: their numbers and summaries, never the supplement or the
    informant. The outbox key makes a second run the same day a no-op."""
    from django.urls import reverse

    from core.mail import absolute_url
    from organization import contacts
    from organization.models import Unit

    today = today or timezone.localdate()
    horizon = due_soon_horizon(today)
    rows = (
        Lead.objects.awaiting_receiver()
        .filter(deadline__lte=horizon)
        .only("pk", "number", "summary", "deadline", "deadline_workdays", "status", "is_major", "assigned_unit_id")
        .order_by("deadline", "pk")
    )
    by_unit: dict[int, dict[str, list[Lead]]] = defaultdict(lambda: {"overdue": [], "due_soon": [], "supplemented": []})
    for lead in rows:
        by_unit[lead.assigned_unit_id]["overdue" if lead.deadline < today else "due_soon"].append(lead)
    supplemented = list(
        Lead.objects.filter(_supplemented_on(today - datetime.timedelta(days=1)))
        .only("pk", "number", "summary", "assigned_unit_id", "jurisdiction_id")
        .order_by("number")
    )
    # the street office of the lead's own street (a city, issue 19), else the first one
    offices: dict[int | None, int] = {}
    if supplemented:
        for office_id, street_id in Unit.objects.filter(kind=UnitKind.STREET_OFFICE, is_active=True).values_list(
            "pk", "jurisdiction_id"
        ):
            offices.setdefault(street_id, office_id)
            offices.setdefault(None, office_id)
    for lead in supplemented:
        for unit_id in {lead.assigned_unit_id, offices.get(lead.jurisdiction_id, offices.get(None))}:
            if unit_id is not None:
                by_unit[unit_id]["supplemented"].append(lead)
    sent = 0
    for unit in contacts.with_addresses(Unit.objects.filter(pk__in=by_unit)):
        to = contacts.unit_addresses(unit)
        if not to:
            continue
        mail = queue_mail(
            "leads-digest",
            to=to,
            context={
                "unit": unit,
                "today": today,
                **by_unit[unit.pk],
                "t": DIGEST_TEXT,
                "list_url": absolute_url(f"{reverse('leads:index')}?assigned_unit={unit.pk}"),
            },
            key=f"lead-digest:{unit.pk}:{today.isoformat()}",
            jurisdiction_id=unit.jurisdiction_id,
        )
        if mail is not None:
            sent += 1
    return sent
