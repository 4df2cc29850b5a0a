"""Money and rates on case and ledger pages and in their exports: thousands separators and
元 on the page, rates half-up with one decimal, numbers with a number format in Excel."""

import io
from decimal import Decimal

import openpyxl
from django.urls import reverse

from cases.choices import LedgerKind

from .factories import CaseFactory, LedgerEntryFactory


def _sheet(response):
    data = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(data)).active


def _case():
    case = CaseFactory(title="养老公寓集资案", amount_involved=Decimal("1148695.33"))
    LedgerEntryFactory(case=case, kind=LedgerKind.RETURNED, amount=Decimal("5973.22"))  # 0.52 %
    return case


def test_case_pages_show_money_with_separators_and_yuan(client_for, personas):
    case = _case()
    client = client_for(personas.crackdown)
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "1,148,695.33 元" in detail
    assert "5,973.22 元" in detail
    assert 'data-testid="recovery-rate">0.5%<' in detail  # not "1%"
    listing = client.get(reverse("cases:index")).content.decode()
    assert "1,148,695.33 元" in listing and "0.5%" in listing
    ledger = client.get(reverse("cases:ledger")).content.decode()
    assert "5,973.22 元" in ledger


def test_case_export_keeps_numbers_with_money_and_rate_formats(client_for, personas):
    _case()
    ws = _sheet(client_for(personas.crackdown).get(reverse("cases:index") + "?export=xlsx"))
    header = [c.value for c in ws[1]]
    amount = ws.cell(2, header.index("涉案金额（元）") + 1)
    rate = ws.cell(2, header.index("挽损率") + 1)
    returned = ws.cell(2, header.index("退赔/清退") + 1)
    assert amount.value == 1148695.33 and amount.number_format == "#,##0.00"
    assert returned.value == 5973.22 and returned.number_format == "#,##0.00"
    assert rate.value == 0.0052 and rate.number_format == "0.0%"


def test_ledger_export_keeps_numbers_with_a_money_format(client_for, personas):
    _case()
    ws = _sheet(client_for(personas.crackdown).get(reverse("cases:ledger") + "?export=xlsx"))
    header = [c.value for c in ws[1]]
    cell = ws.cell(2, header.index("金额（元）") + 1)
    assert cell.value == 5973.22 and cell.number_format == "#,##0.00"
