"""Risk grades in their own colours: the badges on rectification pages use the one mapping
(``RISK_GRADE_COLOURS``): red, orange, yellow, green, and grey for not graded."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from rectification.choices import RISK_GRADE_COLOURS, RiskGrade, risk_grade_colours

from .factories import InstitutionFactory


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def test_each_grade_has_the_colour_its_name_says():
    red, orange, yellow, green, grey = (
        _hex(RISK_GRADE_COLOURS[g])
        for g in (RiskGrade.RED, RiskGrade.ORANGE, RiskGrade.YELLOW, RiskGrade.GREEN, RiskGrade.UNGRADED)
    )
    assert RISK_GRADE_COLOURS[RiskGrade.RED].lower() == "#d9342b"
    assert red[0] > 200 and red[1] < 80 and red[2] < 80
    assert orange[0] > 200 and 90 < orange[1] < 170 and orange[2] < 80
    assert yellow[0] > 200 and yellow[1] > 180 and yellow[2] < 80
    assert green[1] > green[0] + 60 and green[1] > green[2] + 60
    assert max(grey) - min(grey) < 16  # grey: no hue


def test_the_badges_css_is_the_mapping():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "hulao.css").read_text()
    found = {
        int(g): c.lower()
        for g, c in re.findall(r"\.grade-badge\.grade-(\d)\s*\{\s*background:\s*(#[0-9a-fA-F]{6})", css)
    }
    assert found == {int(g): c.lower() for g, c in RISK_GRADE_COLOURS.items()}


def test_grade_badges_on_the_pages_carry_the_grade(client_for, personas):
    inst = InstitutionFactory(risk_grade=RiskGrade.RED)
    page = client_for(personas.street).get(reverse("rectification:institution_detail", args=[inst.pk])).content.decode()
    assert 'class="badge grade-badge grade-4" data-grade="4"' in page


def test_chart_colours_only_for_charts_of_grades():
    labels = [str(label) for _value, label in RiskGrade.choices]
    assert risk_grade_colours(labels) == [RISK_GRADE_COLOURS[g] for g in RiskGrade]
    assert risk_grade_colours(["红", "绿"]) == [RISK_GRADE_COLOURS[RiskGrade.RED], RISK_GRADE_COLOURS[RiskGrade.GREEN]]
    assert risk_grade_colours(["群众举报", "红"]) is None
    assert risk_grade_colours([]) is None
