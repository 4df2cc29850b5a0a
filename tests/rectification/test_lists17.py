"""Issue 17 on the institution registry: header sort (list and export alike), 全部 in the filters,
the global search by credit code within visibility, and inspections due in 我的待办."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.rectification.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

CODE = "91350582MA2XY01234"


def test_institutions_sort_by_name_in_list_and_export(client_for, personas):
    for name in ("丙养老院", "甲养老院", "乙养老院"):
        InstitutionFactory(name=name)
    client = client_for(personas.street)
    page = client.get(reverse("rectification:index") + "?sort=-name")
    shown = [i.name for i in page.context["object_list"]]
    assert shown == sorted(shown, reverse=True)
    export = client.get(reverse("rectification:index") + "?sort=-name&export=xlsx")
    body = b"".join(export.streaming_content) if export.streaming else export.content
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    names = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell in set(shown)]
    assert names == shown


def test_institution_filters_read_all(client_for, personas):
    html = client_for(personas.street).get(reverse("rectification:index")).content.decode()
    assert "---------" not in html and "全部" in html


def test_search_finds_institution_by_credit_code_only_in_scope(client_for, personas, org):
    institution = InstitutionFactory(credit_code=CODE, community=org.community_a)
    found = client_for(personas.street).get(reverse("reports:search"), {"q": CODE}).content.decode()
    assert institution.name in found
    outside = client_for(personas.community_b).get(reverse("reports:search"), {"q": CODE}).content.decode()
    assert 'data-testid="result-institution"' not in outside


def test_inspections_due_show_in_my_todo(client_for, personas):
    InstitutionFactory(next_inspection_due=datetime.date.today())  # supervised by market regulation
    html = client_for(personas.liaison).get(reverse("dashboard")).content.decode()
    assert 'data-testid="todo-inspections"' in html
