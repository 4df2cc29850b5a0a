"""Excel import of lead lists from a higher office: every row validated, a Chinese error per row,
nothing saved unless all rows pass (or the user asks for the valid rows only), bulk inserts."""

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

from .choices import FraudType, LeadSource
from .models import Lead
from .services import build_lead, reserve_numbers

#: (header, field, required)
COLUMNS: list[tuple[Any, str, bool]] = [
    (_("上级转办文号"), "higher_reference", True),
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
]
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
    expected = [str(h) for h, _f, _r in COLUMNS]
    if header[: len(expected)] != expected:
        raise DomainError(_("表头与模板不一致，请使用下载的模板。"), code="header")
    fraud_by_label = {str(label): value for value, label in FraudType.choices}
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
        values = {f: (row[i] if i < len(row) else None) for i, (_h, f, _r) in enumerate(COLUMNS)}
        problems = []
        for header_text, name, required in COLUMNS:
            v = values[name]
            if isinstance(v, str):
                values[name] = v = v.strip()
            if required and v in (None, ""):
                problems.append(gettext("“%(col)s”不能为空") % {"col": header_text})
        data: dict[str, Any] = {"source": LeadSource.HIGHER}
        for _h, name, _r in COLUMNS:
            v = values[name]
            data[name] = "" if v is None else (str(v) if not isinstance(v, (int, float, datetime.date)) else v)
        fraud = str(values["fraud_type"] or "")
        if fraud:
            if fraud in fraud_by_label:
                data["fraud_type"] = fraud_by_label[fraud]
            else:
                problems.append(
                    gettext("诈骗类型“%(v)s”无效，应为：%(all)s") % {"v": fraud, "all": "、".join(fraud_by_label)}
                )
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
        except ValueError:
            problems.append(gettext("上级反馈期限“%(v)s”不是日期（如 2026-12-31）") % {"v": values["higher_deadline"]})
            data["higher_deadline"] = None
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
        if data["higher_reference"] in existing:
            result.errors.append((number, gettext("文号“%(v)s”已登记过（重复线索）") % {"v": data["higher_reference"]}))
            result.duplicates.append(number)
            continue
        result.valid_rows.append(build_lead(data))
    result.errors.sort()
    return result


def _audit_created(leads: list[Lead], user) -> None:
    """One "created" entry per imported lead, in bulk (bulk_create sends no signals)."""
    ct = ContentType.objects.get_for_model(Lead)
    reason = gettext("Excel 导入上级转办线索")
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
    with transaction.atomic(), audit_context(actor=user, reason=gettext("Excel 导入上级转办线索")):
        numbers = reserve_numbers(today.year, len(leads))
        for lead, number in zip(leads, numbers, strict=True):
            lead.number = number
            lead.received_on = today
            lead.created_by = user
            lead.filed_by_unit_id = user.unit_id
        for start in range(0, len(leads), 2000):
            Lead.objects.bulk_create(leads[start : start + 2000], batch_size=2000)
            progress.advance(len(leads[start : start + 2000]))
        _audit_created(leads, user)
    result.created = len(leads)
    return result
