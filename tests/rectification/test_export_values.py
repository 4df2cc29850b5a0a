"""Issue 18: the institution exports read the columns' fields only, with the cells the
instance-by-instance export had (the configured grade label, the open problems)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core import xlsx
from core.xlsx import ValueRows, write_rows
from rectification import selectors, services
from rectification.choices import RiskGrade
from rectification.models import Institution
from rectification.views import (
    ControlListView,
    InstitutionListView,
    OverdueInspectionListView,
    PlansMissingListView,
)
from tests.rectification.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def _rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_institution_exports_declare_their_fields():
    for view in (InstitutionListView, PlansMissingListView, ControlListView, OverdueInspectionListView):
        assert xlsx.declared(view.export_columns), view


def test_values_and_instances_give_the_same_cells(client_for, personas):
    InstitutionFactory(name="红色机构", risk_grade=RiskGrade.RED, collapse_risk=True)
    InstitutionFactory(name="绿色机构", risk_grade=RiskGrade.GREEN)
    columns = InstitutionListView.export_columns
    queryset = selectors.institutions_for_list(Institution.objects.order_by("name"))
    from_values, from_instances = io.BytesIO(), io.BytesIO()
    write_rows(from_values, "名录", columns, ValueRows(queryset, columns))
    write_rows(from_instances, "名录", columns, queryset)
    rows = _rows(from_values.getvalue())
    assert rows == _rows(from_instances.getvalue())
    labels = services.grade_settings()
    red = next(r for r in rows if r[0] == "红色机构")
    assert red[10] == labels[RiskGrade.RED].label and red[13] == 0 and red[14] == "是"
    export = client_for(personas.liaison).get(reverse("rectification:index") + "?export=xlsx")
    assert _rows(b"".join(export.streaming_content))[0] == rows[0]
