"""The dashboard in both languages: cached figures are cached per language (an English visit after a
Chinese one reads English), the phase timeline reads whole in either, and each chart carries its
figures as a table (its text alternative)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</section>", start)]


def test_figures_cached_in_chinese_are_not_shown_in_english(campaign, personas, client_for):
    LeadFactory.create_batch(3)
    cache.clear()
    client = client_for(personas.street)
    chinese = client.get("/").content.decode()
    assert "线索" in _section(chinese, "dashboard-figures")

    english = _section(_english(client).get("/").content.decode(), "dashboard-figures")
    assert "Leads" in english or "leads" in english
    assert not CJK.search(re.sub(r"<[^>]+>", " ", english)), english

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "线索" in _section(client.get("/").content.decode(), "dashboard-figures")


def test_each_chart_has_its_figures_as_a_table(campaign, personas, client_for):
    LeadFactory.create_batch(4, source="public")
    cache.clear()
    page = client_for(personas.street).get("/").content.decode()
    for chart_id in re.findall(r'<canvas data-chart="([^"]+)"', page):
        assert f'aria-describedby="{chart_id}-data"' in page
        table = page[page.index(f'id="{chart_id}-data"') :]
        table = table[: table.index("</table>")]
        assert "<caption>" in table and "<td>" in table
    assert "<td>4</td>" in page  # four public tips, in the by-source table


def test_the_phase_timeline_reads_whole_in_both_languages(campaign, personas, client_for):
    client = client_for(personas.street)
    chinese = client.get("/").content.decode()
    rows = re.findall(r'data-testid="phase-row">(.*?)</li>', chinese, re.S)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]
    assert texts[0].startswith("宣传发动 06-01 ~ 12-31 贯穿始终")
    assert texts[1].startswith("总结提升 12-01 ~ 12-20")

    english = _english(client).get("/").content.decode()
    rows = re.findall(r'data-testid="phase-row">(.*?)</li>', english, re.S)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]
    assert not any(CJK.search(t) for t in texts), texts
    assert texts[1].startswith("Summary")
