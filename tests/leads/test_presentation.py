"""Money on lead pages and in the lead export: separators and 元 on the page, a number with a
money format in Excel."""

import io
from decimal import Decimal

import openpyxl
from django.urls import reverse

from .factories import LeadFactory


def _sheet(response):
    data = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_lead_page_and_export_show_money_the_same_way(client_for, personas):
    lead = LeadFactory(money_lost=Decimal("42196"))
    client = client_for(personas.street)
    assert "42,196.00 元" in client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    ws = _sheet(client.get(reverse("leads:index") + "?export=xlsx"))
    header = [c.value for c in ws[1]]
    cell = ws.cell(2, header.index("涉及金额（元）") + 1)
    assert cell.value == 42196 and cell.number_format == "#,##0.00"
