"""Excel import of an existing institution list, with a per-row error report.

Every row is validated first. Nothing is saved unless every row passes, or the user chose to
import the valid rows only. Rows are saved through ``services.institution_create``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from core.exceptions import DomainError
from core.jobs import NO_PROGRESS, Progress
from core.uploads import check_workbook
from organization.models import Unit, User

from . import services
from .choices import InstitutionStatus, InstitutionType, Sector
from .forms import supervising_units
from .models import Institution
from .validators import match_key, normalize_credit_code, validate_credit_code

MAX_ROWS = 20000

#: Old names of units that lists still use (the plan writes 卫计办 once for 卫健办, §(六)).
UNIT_ALIASES = {"卫计办": "health_office"}

# (key, header, required, width)
COLUMNS: list[tuple[str, Any, bool, int]] = [
    ("name", gettext_lazy("机构名称"), True, 30),
    ("credit_code", gettext_lazy("统一社会信用代码"), False, 22),
    ("type", gettext_lazy("类型"), False, 16),
    ("sector", gettext_lazy("整治领域"), True, 22),
    ("address", gettext_lazy("地址"), False, 30),
    ("community", gettext_lazy("所属社区"), False, 14),
    ("legal_representative", gettext_lazy("法定代表人/负责人"), False, 16),
    ("contact_phone", gettext_lazy("联系电话"), False, 16),
    ("status", gettext_lazy("经营状态"), False, 12),
    ("supervising_unit", gettext_lazy("监管单位"), False, 18),
]


@dataclass
class RowResult:
    number: int  # the spreadsheet row number (the header is row 1)
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    saved: int = 0

    @property
    def valid(self) -> list[RowResult]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]


def template_workbook() -> bytes:
    """The import template: the header row, one example row, and the allowed values."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("机构名单")
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for index, (_key, header, required, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=str(header) + ("*" if required else ""))
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[cell.column_letter].width = width
    ws.append(
        [
            "示例：某某健康养生馆",
            "91350100M000100Y43",
            str(InstitutionType.HEALTH_SHOP.label),
            str(Sector.FOOD_HEALTH.label),
            "新塘街道某某路1号",
            "",
            "张三",
            "0595-88888888",
            str(InstitutionStatus.OPERATING.label),
            "",
        ]
    )
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet(_("填写说明"))
    help_ws.append([_("带*的列必填；第2行是示例，导入前请删除。监管单位留空则按整治领域确定。")])
    help_ws.append([])
    for title, choices in (
        (_("类型"), InstitutionType.choices),
        (_("整治领域"), Sector.choices),
        (_("经营状态"), InstitutionStatus.choices),
    ):
        help_ws.append([title] + [str(label) for _value, label in choices])
    help_ws.append([_("所属社区")] + list(Unit.objects.communities().values_list("name", flat=True)))
    help_ws.append([_("监管单位")] + list(supervising_units().values_list("name", flat=True)))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices:
        lookup[str(value).lower()] = value
        lookup[str(label).lower()] = value
    return lookup


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse(upload: Any, progress: Progress = NO_PROGRESS, user: Any = None) -> ImportReport:
    """Read and validate every row; saves nothing. ``progress`` (``core.jobs``) counts the rows;
    the sector table is the importing ``user``'s street's (issue 19)."""
    report = ImportReport()
    try:
        check_workbook(upload)  # a zip bomb or a million rows: refused before openpyxl reads it
    except DomainError as exc:
        report.file_errors.append(exc.message)
        return report
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        report.file_errors.append(_("无法读取文件，请使用下载的模板（.xlsx）。"))
        return report
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [(_text(h).rstrip("*")) for h in next(rows, ())]
    expected = {str(h): key for key, h, _r, _w in COLUMNS}
    positions = {expected[h]: i for i, h in enumerate(header) if h in expected}
    missing = [str(h) for key, h, required, _w in COLUMNS if required and key not in positions]
    if missing:
        report.file_errors.append(_("缺少必填列：%(columns)s。请使用下载的模板。") % {"columns": "、".join(missing)})
        return report

    types = _choice_lookup(InstitutionType.choices)
    sectors = _choice_lookup(Sector.choices)
    statuses = _choice_lookup(InstitutionStatus.choices)
    communities: dict[str, Unit] = {}
    for unit in Unit.objects.communities():
        communities[unit.name] = unit
        if unit.short_name:
            communities[unit.short_name] = unit
    units: dict[str, Unit] = {}
    for unit in supervising_units():
        units[unit.name] = unit
        if unit.short_name:
            units.setdefault(unit.short_name, unit)
    for old, code in UNIT_ALIASES.items():  # names a list may still use
        unit = next((u for u in units.values() if u.code == code), None)
        if unit is not None:
            units.setdefault(old, unit)
    by_sector = services.sector_units(services.user_street(user))
    sector_units = {sector: (found[0] if found else None) for sector, found in by_sector.items()}

    seen_codes: dict[str, int] = {}
    raw_rows = []
    progress.begin(max((ws.max_row or 1) - 1, 0), _("正在校验……"))
    for number, raw in enumerate(rows, start=2):
        progress.advance()
        cells = {key: _text(raw[i]) if i < len(raw) else "" for key, i in positions.items()}
        if not any(cells.values()):
            continue
        if cells.get("name", "").startswith("示例："):
            continue
        raw_rows.append((number, cells))
        if len(raw_rows) > MAX_ROWS:
            report.file_errors.append(_("一次最多导入 %(max)s 行。") % {"max": MAX_ROWS})
            return report
    codes = [normalize_credit_code(c.get("credit_code")) for _n, c in raw_rows]
    existing = dict(
        Institution.objects.filter(credit_code__in=[c for c in codes if c]).values_list("credit_code", "name")
    )
    # duplicates without a credit code: the same normalised name and address (one query)
    keys = {number: match_key(c.get("name"), c.get("address")) for number, c in raw_rows}
    registered: dict[str, tuple[int, str, bool]] = {}
    for pk, name, key, code in Institution.objects.filter(match_key__in=set(keys.values())).values_list(
        "pk", "name", "match_key", "credit_code"
    ):
        registered.setdefault(key, (pk, name, bool(code)))
    seen_keys: dict[str, tuple[int, bool]] = {}

    for number, cells in raw_rows:
        row = RowResult(number=number, name=cells.get("name", ""))
        values: dict[str, Any] = {}
        if not row.name:
            row.errors.append(_("机构名称必填。"))
        values["name"] = row.name[:200]
        code = normalize_credit_code(cells.get("credit_code"))
        if code:
            try:
                validate_credit_code(code)
            except ValidationError as exc:
                row.errors.extend(exc.messages)
            else:
                if code in existing:
                    row.errors.append(_("统一社会信用代码已被“%(name)s”登记。") % {"name": existing[code]})
                elif code in seen_codes:
                    row.errors.append(_("统一社会信用代码与第%(row)s行重复。") % {"row": seen_codes[code]})
                else:
                    seen_codes[code] = number
        values["credit_code"] = code
        dup = keys[number]
        if row.name and dup in registered and not (code and registered[dup][2]):
            pk, name, _has_code = registered[dup]
            row.errors.append(
                _(
                    "与已登记的“%(name)s”（#%(pk)s）名称和地址相同，疑似重复登记；如确为另一家机构，请在“登记机构”页面逐个登记并确认。"
                )
                % {"name": name, "pk": pk}
            )
        elif row.name and dup in seen_keys and not (code and seen_keys[dup][1]):
            row.errors.append(_("与第%(row)s行名称和地址相同，疑似重复。") % {"row": seen_keys[dup][0]})
        elif row.name:
            seen_keys.setdefault(dup, (number, bool(code)))
        for key, lookup, default, label in (
            ("type", types, InstitutionType.OTHER, _("类型")),
            ("sector", sectors, None, _("整治领域")),
            ("status", statuses, InstitutionStatus.OPERATING, _("经营状态")),
        ):
            text = cells.get(key, "")
            if not text:
                if default is None:
                    row.errors.append(_("%(field)s必填。") % {"field": label})
                values[key] = default
            elif text.lower() in lookup:
                values[key] = lookup[text.lower()]
            else:
                row.errors.append(_("%(field)s“%(value)s”无效。") % {"field": label, "value": text})
        community = cells.get("community", "")
        if community:
            if community in communities:
                values["community"] = communities[community]
            else:
                row.errors.append(_("所属社区“%(value)s”不存在。") % {"value": community})
        unit = cells.get("supervising_unit", "")
        if unit:
            if unit not in units:
                row.errors.append(_("监管单位“%(value)s”不存在。") % {"value": unit})
            elif values.get("sector") and units[unit] not in by_sector.get(values["sector"], []):
                row.errors.append(
                    _("监管单位“%(unit)s”不监管“%(sector)s”领域，可选：%(units)s。")
                    % {
                        "unit": unit,
                        "sector": Sector(values["sector"]).label,
                        "units": "、".join(u.display_name for u in by_sector.get(values["sector"], [])),
                    }
                )
            else:
                values["supervising_unit"] = units[unit]
        elif values.get("sector") and sector_units.get(values["sector"]) is None:
            row.errors.append(_("无法按整治领域确定监管单位，请填写监管单位。"))
        else:
            values["supervising_unit"] = sector_units.get(values.get("sector"))
        for key, limit in (("address", 300), ("legal_representative", 50), ("contact_phone", 40)):
            text = cells.get(key, "")
            if len(text) > limit:
                row.errors.append(_("%(field)s过长。") % {"field": {k: h for k, h, _r, _w in COLUMNS}[key]})
            values[key] = text
        row.values = values
        report.rows.append(row)
    if not report.rows:
        report.file_errors.append(_("文件中没有数据行。"))
    return report


def save(report: ImportReport, *, user: User, valid_only: bool, progress: Progress = NO_PROGRESS) -> ImportReport:
    """Save the rows: all of them (only when every row passed) or the valid ones."""
    if report.file_errors or (report.invalid and not valid_only):
        return report
    reason = _("Excel 批量导入")
    progress.begin(len(report.valid), _("正在保存……"))
    try:
        with transaction.atomic():
            for row in report.valid:
                try:
                    with transaction.atomic():
                        services.institution_create(user=user, reason=reason, **row.values)
                except (ValidationError, DomainError, PermissionDenied) as exc:
                    row.errors.extend(exc.messages if isinstance(exc, ValidationError) else [str(exc)])
                    if not valid_only:
                        raise _RollBack from exc
                else:
                    report.saved += 1
                progress.advance()
    except _RollBack:
        report.saved = 0
    return report


class _RollBack(Exception):
    """A row failed while saving in all-or-nothing mode: undo every row."""
