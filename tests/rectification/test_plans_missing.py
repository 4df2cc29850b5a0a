"""Issue 16 item 13 (first half): red or 爆雷 institutions that still lack a contingency plan in
force, as a list and an export."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rectification.choices import InstitutionStatus, PlanStatus, RiskGrade
from rectification.models import ContingencyPlan
from tests.querycount import assert_constant_queries

from .factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def plan(inst, status):
    return ContingencyPlan.objects.create(
        institution=inst,
        title="预案",
        risk_assessment="x",
        trigger="x",
        response="x",
        lead_unit=inst.supervising_unit,
        responsible_person="甲",
        status=status,
    )


def test_red_and_collapse_risk_without_an_active_plan_are_listed_and_exported(client_for, personas):
    red = InstitutionFactory(name="红色无预案", risk_grade=RiskGrade.RED)
    collapse = InstitutionFactory(name="爆雷有草案", risk_grade=RiskGrade.YELLOW, collapse_risk=True)
    plan(collapse, PlanStatus.DRAFT)
    covered = InstitutionFactory(name="红色有预案", risk_grade=RiskGrade.RED)
    plan(covered, PlanStatus.ACTIVE)
    InstitutionFactory(name="橙色", risk_grade=RiskGrade.ORANGE)
    InstitutionFactory(name="已关闭", risk_grade=RiskGrade.RED, status=InstitutionStatus.CLOSED)
    client = client_for(personas.liaison)  # market regulation supervises all of them
    url = reverse("rectification:plans_missing")
    response = client.get(url)
    names = {i.name for i in response.context["object_list"]}
    assert names == {red.name, collapse.name}
    assert "缺应急预案" in response.content.decode()
    export = client.get(url, {"export": "xlsx"})
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content if export.streaming else [export.content])))
    text = "\n".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row if v is not None)
    assert red.name in text and collapse.name in text and covered.name not in text
    # out of scope: another unit sees none of them
    assert not client_for(personas.community_b).get(url).context["object_list"]


def test_the_list_costs_the_same_queries_with_5_and_50_rows(client_for, personas):
    def add(n):
        for _ in range(n):
            plan(InstitutionFactory(risk_grade=RiskGrade.RED), PlanStatus.DRAFT)

    assert_constant_queries(client_for(personas.liaison), reverse("rectification:plans_missing"), add, expected=10)
