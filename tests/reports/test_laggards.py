"""Laggards on the supervision scorecard: the units whose score is below the street office's
threshold (default 60 of 100), each with the reason; only the street office changes it."""

import datetime
import importlib
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from organization.models import Campaign
from reports import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from organization import demo as org_demo

    ctx, _new = org_demo.seed(
        rng=random.Random(14), scale={"leads": 120, "institutions": 40, "cases": 10, "activities": 30}
    )
    for app in ["leads", "cases", "rectification", "publicity", "reports"]:
        importlib.import_module(f"{app}.demo").seed(ctx)
    return ctx


def test_default_names_a_minority_on_demo_data(demo):
    campaign = Campaign.objects.current()
    assert campaign.laggard_score == 60
    card = selectors.scorecard(campaign)
    scored = [row for row in card.rows if row.score is not None]
    assert scored
    assert 0 < len(card.laggards) < len(card.rows) / 2
    assert all(row.score < 0.6 for row in card.laggards)


def test_changing_the_threshold_changes_who_is_named(demo, client):
    from organization.choices import Role
    from organization.models import User

    client.force_login(User.objects.filter(role=Role.STREET_OFFICE, is_superuser=False, is_active=True).first())
    campaign = Campaign.objects.current()
    before = {row.unit for row in selectors.scorecard(campaign).laggards}
    response = client.post(reverse("reports:scorecard_threshold", args=[campaign.pk]), {"laggard_score": 90})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.laggard_score == 90
    after = {row.unit for row in selectors.scorecard(campaign).laggards}
    assert before < after
    page = client.get(reverse("reports:scorecard")).content.decode()
    assert "低于 90" in page


def test_the_reason_lists_the_causes(campaign, org):
    from tests.reports.test_views import _sub

    rect = pytest.importorskip("tests.rectification.factories")
    market = org.units["market_regulation"]
    _sub(campaign, market, datetime.date(2026, 6, 1), status="submitted", submitted_at=timezone.now(), late=False)
    for day in (1, 2, 3):
        rect.InstitutionFactory(supervising_unit=market, next_inspection_due=datetime.date(2026, 7, day))
    # submissions: 1 of 2 on time (50), minus 3 overdue inspections (6 points): 44
    row = next(r for r in selectors.scorecard(campaign, today=datetime.date(2026, 7, 25)).rows if r.unit == market)
    assert row.laggard
    assert row.reason == "得分 44.0，低于 60：逾期未检查机构 3 家、未按时报送 1 次"


def test_the_scorecard_page_shows_the_reason(campaign, org, personas, client_for):
    from tests.reports.test_views import _sub

    _sub(campaign, org.community_a, datetime.date(2026, 6, 1), status="submitted", submitted_at=timezone.now())
    page = client_for(personas.leader).get(reverse("reports:scorecard")).content.decode()
    assert "低于 60" in page


@pytest.mark.parametrize("persona", ["leader", "community_a", "crackdown", "liaison"])
def test_others_may_not_change_the_threshold(campaign, personas, client_for, persona):
    client = client_for(getattr(personas, persona))
    response = client.post(reverse("reports:scorecard_threshold", args=[campaign.pk]), {"laggard_score": 10})
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.laggard_score == 60
    assert 'data-testid="threshold-form"' not in client.get(reverse("reports:scorecard")).content.decode()


def test_the_threshold_is_out_of_100(campaign, personas, client_for):
    response = client_for(personas.street).post(
        reverse("reports:scorecard_threshold", args=[campaign.pk]), {"laggard_score": 150}
    )
    assert response.status_code == 200
    assert "100" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.laggard_score == 60


def test_the_reason_shows_the_score_as_the_table_does():
    """59.8 is below a pass mark of 60: the reason must not round it to "60"."""
    from types import SimpleNamespace

    from reports.selectors import _laggard_reasons

    row = SimpleNamespace(
        score=0.598,
        overdue_leads=0,
        overdue_problems=0,
        overdue_inspections=0,
        submissions_missed=0,
        feedback_on_time_rate=None,
        problems_on_time_rate=None,
    )
    assert _laggard_reasons(row, 0.6)[0].startswith("得分 59.8，低于 60")


def test_the_reason_reads_as_english_in_english():
    """The separators are translated with the words: no "：" or "、" in an English page."""
    from types import SimpleNamespace

    from django.utils import translation

    from reports.selectors import _laggard_reasons

    row = SimpleNamespace(
        score=0.44,
        overdue_leads=2,
        overdue_problems=1,
        overdue_inspections=0,
        submissions_missed=0,
        feedback_on_time_rate=None,
        problems_on_time_rate=None,
    )
    with translation.override("en"):
        reason = _laggard_reasons(row, 0.6)[0]
    assert "：" not in reason and "、" not in reason
    assert ": " in reason and ", " in reason
