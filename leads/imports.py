"""Excel import of lead lists: a higher office's referrals, and the lists of other sources (a unit's
部门梳理 list, a community's list) through the 来源 column. Every row validated (what its source
asks, ``services.validate_lead_data``), a Chinese error per row, nothing saved unless all rows pass
(or the user asks for the valid rows only), bulk inserts. Columns are found by their header, so an
older template without the 来源 column still imports (as 上级转办).

The city special office's transfer list (issue 19, ``import_transfers``) is the same machinery
over other columns: 镇街, 市转办文号, 反馈期限 and the fields of the single transfer form
(``services.TRANSFER_FIELDS``). Every row is checked first (each bad row reported with its row
number); as for the lead list, nothing is transferred while a row is bad unless the user asks for
the valid rows only. Each good row is then ``services.lead_transfer`` itself (its checks, its audit
entry, its e-mail to the street office), all in one transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from core import rules
from core.audit import audit_context
from core.exceptions import DomainError
from core.jobs import NO_PROGRESS
from core.models import AuditEntry
from core.uploads import check_workbook

from .choices import CaseKind, Channel, FraudType, LeadSource
from .models import Lead
from .services import TRANSFER_FIELDS, build_lead, lead_transfer, reserve_numbers, validate_lead_data

#: (header, field, required): ``required`` whatever the row's source; what a source asks besides
#: (上级转办文号, 原案件类型, 举报方式) is checked per row.
COLUMNS: list[tuple[Any, str, bool]] = [
    (_("上级转办文号"), "higher_reference", False),
    (_("线索摘要"), "summary", True),
    (_("反映情况"), "description", False),
    (_("诈骗类型"), "fraud_type", True),
    (_("被反映机构或人员"), "subject_name", False),
    (_("统一社会信用代码"), "subject_credit_code", False),
    (_("被反映对象地址"), "subject_address", False),
    (_("被反映对象电话"), "subject_phone", False),
    (_("涉及金额（元）"), "money_lost", False),
    (_("涉及老人人数"), "elderly_affected", False),
    (_("上级反馈期限"), "higher_deadline", False),
    (_("来源"), "source", False),
    (_("举报方式"), "channel", False),
    (_("原案件类型"), "original_case_kind", False),
]
#: Cells read as they are (numbers, dates), the others as text.
RAW_FIELDS = frozenset({"money_lost", "elderly_affected", "higher_deadline"})
#: Without these headers the file is not a lead list.
REQUIRED_HEADERS = ("summary", "fraud_type")
MAX_ROWS = 20000
#: What ``Lead.money_lost`` holds (14 digits, 2 of them decimals).
MONEY_LIMIT = Decimal(10) ** 12
#: What ``Lead.elderly_affected`` holds (a positive integer field).
COUNT_LIMIT = 2**31 - 1


@dataclass
class ImportResult:
    total: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (Excel row number, message)
    duplicates: list[int] = field(default_factory=list)
    created: int = 0
    valid_rows: list[Lead] = field(default_factory=list)
    #: The transfer list's good rows: (Excel row number, street, the data ``lead_transfer`` takes).
    transfers: list[tuple[int, Any, dict[str, Any]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def template_rows() -> list[list[Any]]:
    return [
        [str(h) for h, _f, _r in COLUMNS],
        [
            "市专办〔2026〕12号-1",
            "某公司以养老项目名义集资",
            "",
            "养老项目",
            "某某养老服务有限公司",
            "",
            "新塘街道某路1号",
            "0595-12345678",
            "50000",
            "12",
            "2026-12-31",
            str(LeadSource.HIGHER.label),
            "",
            "",
        ],
    ]


def _date(value: Any) -> datetime.date | None:
    """A cell as a date: a date cell, or text such as 2026-12-31, 2026/12/31, 2026.12.31 or
    2026年12月31日. ValueError otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for sep in ("/", ".", "年", "月"):
        text = text.replace(sep, "-")
    year, month, day = text.removesuffix("日").split("-")
    return datetime.date(int(year), int(month), int(day))


def _sheet(upload):
    """The first sheet's rows (an iterator of tuples) and its header row, stripped."""
    check_workbook(upload)  # a zip bomb or a million rows: refused before openpyxl reads it
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise DomainError(_("无法读取该文件，请使用下载的 .xlsx 模板。"), code="file") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, [])]
    return ws, rows, header


def _money(value: Any, problems: list[str]) -> Decimal | None:
    try:
        money = Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        problems.append(gettext("涉及金额“%(v)s”不是数字") % {"v": value})
        return None
    if money is not None and not money.is_finite():
        problems.append(gettext("涉及金额“%(v)s”不是数字") % {"v": value})
        return None
    if money is not None and money < 0:
        problems.append(gettext("涉及金额不能为负数"))
    if money is not None and abs(money) >= MONEY_LIMIT:
        problems.append(gettext("涉及金额“%(v)s”过大") % {"v": value})
        return None
    return money.quantize(Decimal("0.01")) if money is not None else None


def _count(value: Any, problems: list[str]) -> int | None:
    try:
        n = int(value) if value not in (None, "") else None
        if n is not None and not 0 <= n <= COUNT_LIMIT:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(gettext("涉及老人人数应为非负整数"))
        return None
    return n


def parse(upload, progress=NO_PROGRESS) -> ImportResult:
    """Validate every row; no writes. Two queries (existing reference numbers). ``progress``
    (``core.jobs.Progress``) counts the rows read."""
    ws, rows, header = _sheet(upload)
    by_header = {str(h): f for h, f, _r in COLUMNS}
    position = {by_header[h]: i for i, h in reversed(list(enumerate(header))) if h in by_header}
    if any(f not in position for f in REQUIRED_HEADERS) or (
        "source" not in position and "higher_reference" not in position
    ):
        raise DomainError(_("表头与模板不一致，请使用下载的模板。"), code="header")
    labels = {
        "fraud_type": (_("诈骗类型"), {str(label): value for value, label in FraudType.choices}),
        "source": (_("来源"), {str(label): value for value, label in LeadSource.choices}),
        "channel": (_("举报方式"), {str(label): value for value, label in Channel.choices}),
        "original_case_kind": (_("原案件类型"), {str(label): value for value, label in CaseKind.choices}),
    }
    today = timezone.localdate()
    progress.begin(max((ws.max_row or 1) - 1, 0), gettext("正在校验……"))
    result = ImportResult()
    seen: dict[str, int] = {}
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=2):
        progress.advance()
        if row is None or all(c in (None, "") for c in row):
            continue
        result.total += 1
        if result.total > MAX_ROWS:
            raise DomainError(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS}, code="too_many")
        values = {f: (row[position[f]] if f in position and position[f] < len(row) else None) for _h, f, _r in COLUMNS}
        problems = []
        for header_text, name, required in COLUMNS:
            v = values[name]
            if isinstance(v, str):
                values[name] = v = v.strip()
            if required and v in (None, ""):
                problems.append(gettext("“%(col)s”不能为空") % {"col": header_text})
        data: dict[str, Any] = {}
        for _h, name, _r in COLUMNS:
            v = values[name]
            if name in RAW_FIELDS:
                data[name] = "" if v is None else (str(v) if not isinstance(v, (int, float, datetime.date)) else v)
            else:
                data[name] = "" if v is None else str(v)
        for name, (header_text, by_label) in labels.items():
            text = str(data[name])
            if not text:
                continue
            if text in by_label:
                data[name] = by_label[text]
            else:
                problems.append(
                    gettext("%(col)s“%(v)s”无效，应为：%(all)s")
                    % {"col": header_text, "v": text, "all": "、".join(by_label)}
                )
        data["source"] = data["source"] or LeadSource.HIGHER  # no 来源: a higher office's list
        data["money_lost"] = _money(values["money_lost"], problems)
        data["elderly_affected"] = _count(values["elderly_affected"], problems)
        try:
            data["higher_deadline"] = _date(values["higher_deadline"])
        except (ValueError, OverflowError):
            problems.append(gettext("上级反馈期限“%(v)s”不是日期（如 2026-12-31）") % {"v": values["higher_deadline"]})
            data["higher_deadline"] = None
        if data["higher_deadline"] is not None and data["higher_deadline"] < today:
            problems.append(gettext("上级反馈期限 %(d)s 已过，请核对日期") % {"d": data["higher_deadline"].isoformat()})
        if data["source"] == LeadSource.HIGHER and not data["higher_reference"]:
            problems.append(gettext("“%(col)s”不能为空") % {"col": _("上级转办文号")})
        if len(str(data["summary"])) > 200:
            problems.append(gettext("线索摘要不能超过 200 字"))
        code = str(data["subject_credit_code"])
        if code and len(code) != 18:
            problems.append(gettext("统一社会信用代码应为 18 位"))
        ref = str(data["higher_reference"])
        if ref:
            if ref in seen:
                problems.append(gettext("与第 %(row)s 行文号重复") % {"row": seen[ref]})
                result.duplicates.append(number)
            else:
                seen[ref] = number
        if not problems:
            try:
                validate_lead_data(data)  # what the row's source asks, as the intake form checks
            except DomainError as exc:
                problems.append(str(exc.message))
        if problems:
            result.errors.append((number, "；".join(problems)))
        else:
            parsed.append((number, data))
    existing: set[str] = set()
    refs = list(seen)
    for i in range(0, len(refs), 500):
        existing.update(
            Lead.objects.filter(source=LeadSource.HIGHER, higher_reference__in=refs[i : i + 500]).values_list(
                "higher_reference", flat=True
            )
        )
    for number, data in parsed:
        if data["higher_reference"] and data["higher_reference"] in existing:
            result.errors.append((number, gettext("文号“%(v)s”已登记过（重复线索）") % {"v": data["higher_reference"]}))
            result.duplicates.append(number)
            continue
        result.valid_rows.append(build_lead(data))
    result.errors.sort()
    return result


def _audit_created(leads: list[Lead], user) -> None:
    """One "created" entry per imported lead, in bulk (bulk_create sends no signals)."""
    ct = ContentType.objects.get_for_model(Lead)
    reason = gettext("Excel 导入线索")
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                content_type=ct,
                object_pk=str(lead.pk),
                object_id=lead.pk,
                object_repr=str(lead)[:200],
                action=AuditEntry.Action.CREATE,
                changes={},
                changes_text="",
                actor=user,
                actor_email=user.email or None,
                reason=reason,
            )
            for lead in leads
            if lead.pk
        ],
        batch_size=2000,
    )


def import_leads(*, user, upload, valid_only: bool = False, progress=NO_PROGRESS) -> ImportResult:
    """Parse and, if allowed, save in bulk (batches of 2,000). ``leads.import``: the street office."""
    rules.require(user, "leads.import")
    result = parse(upload, progress)
    if result.errors and not valid_only:
        return result
    leads = result.valid_rows
    if not leads:
        return result
    today = timezone.localdate()
    progress.begin(len(leads), gettext("正在保存……"))
    with transaction.atomic(), audit_context(actor=user, reason=gettext("Excel 导入线索")):
        numbers = reserve_numbers(today.year, len(leads))
        for lead, number in zip(leads, numbers, strict=True):
            lead.number = number
            lead.received_on = today
            lead.created_by = user
            lead.filed_by_unit_id = user.unit_id
            lead.jurisdiction_id = user.scope.jurisdiction_id
        for start in range(0, len(leads), 2000):
            Lead.objects.bulk_create(leads[start : start + 2000], batch_size=2000)
            progress.advance(len(leads[start : start + 2000]))
        _audit_created(leads, user)
    result.created = len(leads)
    return result


# --- the city's transfer list (issue 19) -------------------------------------------------------

#: The columns of the single transfer form that the city's list names otherwise.
TRANSFER_HEADERS = {"higher_reference": _("市转办文号"), "higher_deadline": _("反馈期限")}
TRANSFER_REQUIRED = frozenset({"street", "higher_reference", "higher_deadline", "summary", "fraud_type"})
#: (header, field, required): 镇街, then every field of the single transfer form, in its order.
TRANSFER_COLUMNS: list[tuple[Any, str, bool]] = [
    (_("镇街"), "street", True),
    *(
        (
            TRANSFER_HEADERS.get(name, getattr(Lead._meta.get_field(name), "verbose_name", name)),
            name,
            name in TRANSFER_REQUIRED,
        )
        for name in TRANSFER_FIELDS
    ),
]
#: A city's list is tens or hundreds of rows; each row is one ``lead_transfer`` (and one e-mail).
TRANSFER_MAX_ROWS = 2000
YES_NO = {"是": True, "否": False, "": False, "yes": True, "no": False, "y": True, "n": False}


def _chinese_too(pairs: list[tuple[Any, Any]]) -> dict[str, Any]:
    """``{label: value}`` with each label as shown now and in Chinese: the city office's own sheet
    (Chinese headers and labels) imports whatever language the page is in."""
    labels = {str(label): value for label, value in pairs}
    with translation.override(settings.LANGUAGE_CODE):
        return {str(label): value for label, value in pairs} | labels


def transfer_template_rows(streets: list[str]) -> list[list[Any]]:
    """The template: its header, and one example row for the first of ``streets``."""
    deadline = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    example = {
        "street": streets[0] if streets else "新塘街道",
        "higher_reference": "晋市转〔2026〕12号-1",
        "higher_deadline": deadline,
        "summary": "某养生馆以体验为名推销保健品",
        "description": "群众反映该馆以免费体验吸引老人，高价推销保健品。",
        "fraud_type": str(FraudType.PRODUCT.label),
        "subject_name": "某某养生馆",
        "subject_address": "某路1号",
        "subject_phone": "0595-12345678",
        "subject_credit_code": "",
        "subject_person": "",
        "money_lost": "30000",
        "occurred": "2026年11月",
        "elderly_affected": "8",
        "is_major": "否",
    }
    return [[str(h) for h, _f, _r in TRANSFER_COLUMNS], [example[f] for _h, f, _r in TRANSFER_COLUMNS]]


def _text_limits() -> dict[str, int]:
    """The longest text each column's field holds."""
    limits = {name: getattr(Lead._meta.get_field(name), "max_length", None) for name in TRANSFER_FIELDS}
    return {name: n for name, n in limits.items() if isinstance(n, int)}


def parse_transfers(upload, *, user, progress=NO_PROGRESS) -> ImportResult:
    """Check every row of the city's transfer list; no writes. A row is bad (its Chinese message,
    with its row number) when its street is not one of the city's, its reference is missing or
    repeats an earlier row's for the same street or was already transferred to that street, its
    deadline is missing, not a date or past, or a lead field is wrong as in the lead list. Two
    queries (the city's streets; the references already transferred to them, 500 at a time).
    """
    from organization.models import Jurisdiction

    ws, rows, header = _sheet(upload)
    by_header = _chinese_too([(h, f) for h, f, _r in TRANSFER_COLUMNS])
    position = {by_header[h]: i for i, h in reversed(list(enumerate(header))) if h in by_header}
    if any(f not in position for f in TRANSFER_REQUIRED):
        raise DomainError(_("表头与模板不一致，请使用下载的转办清单模板。"), code="header")
    streets = {
        j.name: j
        for j in Jurisdiction.objects.filter(parent_id=user.scope.jurisdiction_id, is_active=True).order_by(
            "sort_order", "name"
        )
    }
    fraud_types = _chinese_too([(label, value) for value, label in FraudType.choices])
    shown_types = "、".join(str(label) for _v, label in FraudType.choices)
    limits = _text_limits()
    today = timezone.localdate()
    progress.begin(max((ws.max_row or 1) - 1, 0), gettext("正在校验……"))
    result = ImportResult()
    seen: dict[tuple[int, str], int] = {}
    checked: list[tuple[int, Any, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=2):
        progress.advance()
        if row is None or all(c in (None, "") for c in row):
            continue
        result.total += 1
        if result.total > TRANSFER_MAX_ROWS:
            raise DomainError(_("一次最多导入 %(n)s 行。") % {"n": TRANSFER_MAX_ROWS}, code="too_many")
        values: dict[str, Any] = {}
        for _h, name, _r in TRANSFER_COLUMNS:
            v = row[position[name]] if name in position and position[name] < len(row) else None
            values[name] = v.strip() if isinstance(v, str) else v
        problems: list[str] = []
        for header_text, name, required in TRANSFER_COLUMNS:
            if required and values[name] in (None, ""):
                problems.append(gettext("“%(col)s”不能为空") % {"col": header_text})
        text = {name: "" if v is None else str(v).strip() for name, v in values.items()}
        street = streets.get(text["street"])
        if text["street"] and street is None:
            problems.append(
                gettext("镇街“%(v)s”不是本市的镇街，应为：%(all)s") % {"v": text["street"], "all": "、".join(streets)}
            )
        deadline = None
        try:
            deadline = _date(values["higher_deadline"])
        except (ValueError, OverflowError, TypeError):
            problems.append(gettext("反馈期限“%(v)s”不是日期（如 2026-12-31）") % {"v": text["higher_deadline"]})
        if deadline is not None and deadline < today:
            problems.append(gettext("反馈期限 %(d)s 已过，请核对日期") % {"d": deadline.isoformat()})
        fraud_type = fraud_types.get(text["fraud_type"])
        if text["fraud_type"] and fraud_type is None:
            problems.append(
                gettext("%(col)s“%(v)s”无效，应为：%(all)s")
                % {"col": _("诈骗类型"), "v": text["fraud_type"], "all": shown_types}
            )
        is_major = YES_NO.get(text["is_major"].lower())
        if is_major is None:
            problems.append(gettext("“重大线索”应填“是”或“否”"))
        for header_text, name, _r in TRANSFER_COLUMNS:
            if name in limits and len(text[name]) > limits[name]:
                problems.append(gettext("“%(col)s”不能超过 %(n)s 字") % {"col": header_text, "n": limits[name]})
        if text["subject_credit_code"] and len(text["subject_credit_code"]) != 18:
            problems.append(gettext("统一社会信用代码应为 18 位"))
        data: dict[str, Any] = {
            **{name: text[name] for name in TRANSFER_FIELDS},
            "higher_deadline": deadline,
            "fraud_type": fraud_type,
            "money_lost": _money(values["money_lost"], problems),
            "elderly_affected": _count(values["elderly_affected"], problems),
            "is_major": bool(is_major),
        }
        if street is not None and text["higher_reference"]:
            key = (street.pk, text["higher_reference"])
            if key in seen:
                problems.append(gettext("与第 %(row)s 行的镇街和市转办文号重复") % {"row": seen[key]})
                result.duplicates.append(number)
            else:
                seen[key] = number
        if problems:
            result.errors.append((number, "；".join(problems)))
        else:
            checked.append((number, street, {k: v for k, v in data.items() if v is not None}))
    transferred: dict[tuple[int, str], str] = {}
    refs = sorted({ref for _street, ref in seen})
    for i in range(0, len(refs), 500):
        for street_id, ref, lead_number in Lead.objects.filter(
            source=LeadSource.HIGHER,
            jurisdiction_id__in=[j.pk for j in streets.values()],
            higher_reference__in=refs[i : i + 500],
        ).values_list("jurisdiction_id", "higher_reference", "number"):
            transferred[(street_id, ref)] = lead_number
    for number, street, data in checked:
        earlier = transferred.get((street.pk, data["higher_reference"]))
        if earlier:
            result.errors.append(
                (
                    number,
                    gettext("市转办文号“%(v)s”已转办给%(street)s（线索 %(n)s），不能重复转办")
                    % {"v": data["higher_reference"], "street": street.name, "n": earlier},
                )
            )
            result.duplicates.append(number)
            continue
        result.transfers.append((number, street, data))
    result.errors.sort()
    return result


class _Undo(Exception):
    """Rolls back the transfers already made when a row fails while saving (not ``valid_only``)."""


def import_transfers(*, user, upload, valid_only: bool = False, progress=NO_PROGRESS) -> ImportResult:
    """The city special office's transfer list (``leads.transfer_import``): every good row is
    ``services.lead_transfer`` (its checks, audit entry and e-mail to the street office), in one
    transaction. With a bad row nothing is transferred unless ``valid_only``, as for the lead
    list; a row that fails while saving (its reference transferred meanwhile) is reported too."""
    rules.require(user, "leads.transfer_import")
    result = parse_transfers(upload, user=user, progress=progress)
    if (result.errors and not valid_only) or not result.transfers:
        return result
    progress.begin(len(result.transfers), gettext("正在转办……"))
    try:
        with transaction.atomic():
            for number, street, data in result.transfers:
                try:
                    with transaction.atomic():
                        lead_transfer(
                            user=user,
                            street=street,
                            data=data,
                            reason=gettext("市专项办转办线索（Excel 导入第 %(row)s 行）") % {"row": number},
                        )
                except DomainError as exc:
                    result.errors.append((number, str(exc.message)))
                    if not valid_only:
                        raise _Undo from exc
                else:
                    result.created += 1
                progress.advance()
    except _Undo:
        result.created = 0
    result.errors.sort()
    return result
