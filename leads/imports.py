"""Excel import of lead lists: a higher office's referrals, and the lists of other sources (a unit's
部门梳理 list, a community's list) through the 来源 column. Every row validated (what its source
asks, ``services.validate_lead_data``), a Chinese error per row, nothing saved unless all rows pass
(or the user asks for the valid rows only), bulk inserts. Columns are found by their header, so an
older template without the 来源 column still imports (as 上级转办)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
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
from .services import build_lead, reserve_numbers, validate_lead_data

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


@dataclass
class ImportResult:
    total: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (Excel row number, message)
    duplicates: list[int] = field(default_factory=list)
    created: int = 0
    valid_rows: list[Lead] = field(default_factory=list)

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
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value).strip().replace("/", "-"))


def parse(upload, progress=NO_PROGRESS) -> ImportResult:
    """Validate every row; no writes. Two queries (existing reference numbers). ``progress``
    (``core.jobs.Progress``) counts the rows read."""
    check_workbook(upload)  # a zip bomb or a million rows: refused before openpyxl reads it
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise DomainError(_("无法读取该文件，请使用下载的 .xlsx 模板。"), code="file") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, [])]
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
        try:
            data["money_lost"] = Decimal(str(values["money_lost"])) if values["money_lost"] not in (None, "") else None
            if data["money_lost"] is not None and data["money_lost"] < 0:
                problems.append(gettext("涉及金额不能为负数"))
        except InvalidOperation:
            problems.append(gettext("涉及金额“%(v)s”不是数字") % {"v": values["money_lost"]})
            data["money_lost"] = None
        try:
            n = values["elderly_affected"]
            data["elderly_affected"] = int(n) if n not in (None, "") else None
            if data["elderly_affected"] is not None and data["elderly_affected"] < 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(gettext("涉及老人人数应为非负整数"))
            data["elderly_affected"] = None
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
    existing = set()
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
