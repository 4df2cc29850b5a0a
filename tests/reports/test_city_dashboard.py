"""The dashboard of a city's office and of a street's (issue 19) reads its figures from the kept
counters of its jurisdiction (``core.tally``), not from the areas' tables, with as many queries
for 19 streets as for 3; the figures equal a recount of the jurisdiction's units."""

import random

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports import selectors
from tests.querycount import count_queries

#: the areas' tables: none of them is read for the figures
AREA_TABLES = ("leads_lead", "rectification_", "publicity_")


def _seed(streets: int):
    from organization.demo_city import seed_city

    seed_city(streets_count=streets)


@pytest.fixture
def demo(db, settings):
    import importlib

    from organization import demo as org_demo

    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 0
    ctx, _new = org_demo.seed(
        rng=random.Random(18), scale={"leads": 60, "institutions": 10, "cases": 3, "activities": 8}
    )
    for app in ["leads", "cases", "rectification", "publicity", "reports"]:
        importlib.import_module(f"{app}.demo").seed(ctx)
    return ctx


def _user(username):
    from organization.models import User

    return User.objects.get(username=username)


def _wanted():
    wanted: dict[str, set[str]] = {}
    for section_key, key in selectors.DASHBOARD_KEYS + selectors.DASHBOARD_CHARTS:
        wanted.setdefault(section_key, set()).add(key)
    return wanted


@pytest.mark.parametrize("username", ["shizhuanban", "dongshi_zhuanban", "zhuanban"])
def test_the_city_and_a_street_read_their_figures_from_the_counters(demo, username):
    """The city office (its streets' units), a new street's office and the plan's street's: no
    query of the leads', rectification's or publicity's tables, and the figures shown are their
    units' recounted."""
    from organization.models import Campaign, Unit

    _seed(3)
    user = _user(username)
    assert user.scope.jurisdiction_ids is not None and user.scope.sees_all
    campaign = Campaign.objects.shown(user=user)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        figures = selectors.dashboard_figures(user, campaign)
    read = [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in AREA_TABLES)]
    assert read == []
    # (the city's one more: whether it is the deployment's root, whose cases are all the cases)
    assert len(captured.captured_queries) <= (6 if user.scope.is_city else 5)
    units = sorted(Unit.objects.filter(jurisdiction_id__in=user.scope.jurisdiction_ids).values_list("pk", flat=True))
    today = timezone.localdate()
    end = min(today, campaign.end_date) if campaign.end_date else today
    recount = selectors.section_figures(start=campaign.start_date, end=end, units=units, today=today, source="recount")
    shown = {card["key"]: card["cumulative"] for card in figures["cards"]}
    expected = {
        f"{section['key']}-{f['key']}": f["cumulative"]
        for section in recount
        if section["available"]
        for f in section["figures"]
        if (section["key"], f["key"]) in selectors.DASHBOARD_KEYS
    }
    if user.scope.is_city:  # the crackdown's figures: every case is the city's
        from cases import selectors as cases

        opened = cases.figures(start=campaign.start_date, end=end, source="recount")["cases"]
        assert shown.pop("cases-cases") == opened > 0
        assert "cases-amount_involved" in shown and "cases-recovery_rate" in shown
        shown = {k: v for k, v in shown.items() if not k.startswith("cases-")}
    else:  # a street's are not counted per unit
        assert not any(k.startswith("cases-") for k in shown)
    assert shown == expected and shown["leads-received"] > 0
    charts = {c["id"]: c["values"] for c in figures["charts"]}
    by_key = {
        f"chart-{s['key']}-{b['key']}": [r["cumulative"] for r in b["rows"]] for s in recount for b in s["breakdowns"]
    }
    assert charts and all(values == by_key[chart] for chart, values in charts.items())


def test_the_city_dashboard_costs_the_same_for_19_streets_as_for_3(demo, client_for):
    """The city office's dashboard page: as many queries with 19 streets as with 3."""
    _seed(3)
    client = client_for(_user("shizhuanban"))
    three, page = count_queries(client, "/", before=cache.clear)
    assert 'data-testid="figures-fresh"' in page.content.decode()
    _seed(19)
    from organization.models import Jurisdiction

    assert Jurisdiction.objects.filter(parent__isnull=False).count() == 19
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert (three, len(captured.captured_queries)) == (PINNED, PINNED)
    # what the page reads of the areas' tables: only 我的待办 — the first rows of the office's own
    # unit's two deadline lists (ordered index scans that stop at them), and its transfers open
    # past its deadline (the first few and their number, of the transferred leads only)
    read = [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in AREA_TABLES)]
    transfers = [sql for sql in read if '"leads_lead"."transferred_by_id" IS NOT NULL' in sql]
    assert len(transfers) == 2 and len(read) == 4
    assert all(
        sql.lstrip("(").startswith('SELECT "leads_lead"') and "LIMIT" in sql for sql in read if sql not in transfers
    )


#: the page's queries: the session and user, the campaign, the figures (counters, with the
#: crackdown's: the city is the deployment's root), 我的待办 (the city's own), the banners
PINNED = 24
