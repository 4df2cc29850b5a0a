"""Presentation of the dashboard, the report and its workbook: risk grades in their own colours
(``rectification.choices.RISK_GRADE_COLOURS``) in every chart, figures formatted one way."""

import io
import json
import re

from django.core.cache import cache
from django.template.loader import render_to_string
from openpyxl import load_workbook

from rectification.choices import RISK_GRADE_COLOURS, RiskGrade
from reports.workbook import monthly_workbook
from tests.rectification.factories import InstitutionFactory

GRADES = [str(label) for _value, label in RiskGrade.choices]  # 未定级 绿 黄 橙 红
COLOURS = [RISK_GRADE_COLOURS[g] for g in RiskGrade]


def _charts(page: str) -> list[dict]:
    found = re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', page, re.S)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


def test_the_dashboard_draws_each_grade_in_its_own_colour(campaign, personas, client_for):
    for grade in RiskGrade:
        InstitutionFactory(risk_grade=grade)
    cache.clear()
    charts = {c["id"]: c for c in _charts(client_for(personas.street).get("/").content.decode())}
    grades = charts["chart-rectification-by_grade"]
    colour_of = dict(zip(grades["labels"], grades["colors"], strict=True))
    assert colour_of == {str(g.label): RISK_GRADE_COLOURS[g] for g in RiskGrade}
    assert colour_of["红"].lower() == "#d9342b"
    # charts of something else keep the palette (no per-grade colours)
    assert all("colors" not in c for key, c in charts.items() if key != "chart-rectification-by_grade")


def _data(figures=None, grade_counts=(1, 2, 3, 4, 5)):
    return {
        "campaign": "2026护老专项行动",
        "month": "2026-11",
        "period_start": "2026-10-21",
        "period_end": "2026-11-20",
        "cumulative_start": "2026-06-01",
        "sections": [
            {
                "key": "rectification",
                "title": "隐患整治",
                "available": True,
                "note": "",
                "figures": figures or [],
                "breakdowns": [
                    {
                        "key": "by_grade",
                        "title": "风险等级",
                        "chart": chart,
                        "rows": [
                            {"label": label, "period": n, "cumulative": n}
                            for label, n in zip(GRADES, grade_counts, strict=True)
                        ],
                    }
                    for chart in ("pie", "bar")
                ],
            }
        ],
        "submissions": {
            "labels": {"on_time": "按时", "late": "逾期", "missing": "未报送", "not_due": "未到期"},
            "counts": {"on_time": 1},
            "rows": [],
        },
        "scorecard": {"rows": [], "laggards": []},
    }


def _series_colours(series) -> list[str]:
    points = sorted(series.dPt, key=lambda p: p.idx)
    colours = [p.graphicalProperties.solidFill.srgbClr for p in points]
    return ["#" + str(getattr(c, "val", c)).lower() for c in colours]


def test_the_workbook_charts_draw_each_grade_in_its_own_colour():
    wb = load_workbook(io.BytesIO(monthly_workbook(_data())))
    charts = wb["隐患整治"]._charts
    assert len(charts) == 2  # a pie and a bar chart of the grades
    for chart in charts:
        for series in chart.series:
            assert _series_colours(series) == [c.lower() for c in COLOURS]


def test_the_workbook_keeps_money_and_rates_as_numbers_with_formats():
    figures = [
        {"key": "amount", "label": "涉案金额", "kind": "money", "period": 1148695.33, "cumulative": 39743042.05},
        {"key": "rate", "label": "挽损率", "kind": "rate", "period": 0.7625, "cumulative": 0.0052},
    ]
    ws = load_workbook(io.BytesIO(monthly_workbook(_data(figures))))["隐患整治"]
    rows = {row[0].value: row for row in ws.iter_rows() if row[0].value in ("涉案金额", "挽损率")}
    money, rate = rows["涉案金额"], rows["挽损率"]
    assert money[1].value == 1148695.33 and money[1].number_format == "#,##0.00"
    assert rate[1].value == 0.7625 and rate[1].number_format == "0.0%"


def test_the_monthly_email_prints_figures_one_way():
    figures = [
        {"key": "amount", "label": "涉案金额", "kind": "money", "period": 1148695.33, "cumulative": 39743042.05},
        {"key": "rate", "label": "挽损率", "kind": "rate", "period": 0.7625, "cumulative": 0.0052},
        {"key": "n", "label": "线索数", "kind": "int", "period": 42196, "cumulative": None},
    ]
    context = {"campaign": "2026护老专项行动", "month": "2026-11", "version": 1, "data": _data(figures)}
    for name in ("emails/reports-monthly-body.txt", "emails/reports-monthly-body.html"):
        body = render_to_string(name, context)
        assert "1,148,695.33 元" in body and "39,743,042.05 元" in body
        assert "76.3%" in body and "0.5%" in body
        assert "42,196" in body and "—" in body
