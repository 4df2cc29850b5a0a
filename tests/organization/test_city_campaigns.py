"""Issue 19: each street of a city runs its own implementation of the city's campaign (its own
dates, phases and report day); each office shapes only its own campaign."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from organization.choices import JurisdictionLevel, PhaseKind, Role, UnitCode, UnitKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(org):
    """新塘 and 东石 under 晋江市, the city's office, and the city's campaign (today within it)."""
    from organization.models import Campaign, Jurisdiction, Phase, Unit

    jinjiang = Jurisdiction.objects.create(name="晋江市", level=JurisdictionLevel.CITY)
    xintang = Jurisdiction.objects.create(name="新塘街道", parent=jinjiang)
    dongshi = Jurisdiction.objects.create(name="东石镇", parent=jinjiang)
    Unit.objects.update(jurisdiction=xintang)
    office = Unit.objects.create(
        name="晋江市专项办（市级）", kind=UnitKind.CITY_OFFICE, code="city_office", jurisdiction=jinjiang
    )
    x_office = Unit.objects.create(
        name="东石镇专项办", kind=UnitKind.STREET_OFFICE, code=UnitCode.STREET_OFFICE, jurisdiction=dongshi
    )
    x_community = Unit.objects.create(
        name="东石社区", kind=UnitKind.COMMUNITY, code="community_a", jurisdiction=dongshi
    )
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="晋江市护老专项行动",
        start_date=today - datetime.timedelta(days=90),
        end_date=today + datetime.timedelta(days=200),
        report_day=20,
        jurisdiction=jinjiang,
    )
    Phase.objects.create(
        campaign=campaign, kind=PhaseKind.MOBILISATION, name="宣传发动", order=1,
        start_date=campaign.start_date, end_date=campaign.start_date + datetime.timedelta(days=30),
    )  # fmt: skip
    return SimpleNamespace(
        jinjiang=jinjiang,
        xintang=xintang,
        dongshi=dongshi,
        campaign=campaign,
        city=UserFactory(username="city", unit=office, role=Role.CITY_OFFICE),
        street=UserFactory(username="street", unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE),
        street_x=UserFactory(username="street_x", unit=x_office, role=Role.STREET_OFFICE),
        community_x=UserFactory(username="community_x", unit=x_community, role=Role.COMMUNITY_STAFF),
    )


def fresh(user):
    from organization.models import User

    return User.objects.get(pk=user.pk)


def _client(client, user):
    client.force_login(user)
    return client


def _edit_data(c, **changes):
    data = {
        "name": c.name,
        "start_date": c.start_date.isoformat(),
        "end_date": c.end_date.isoformat() if c.end_date else "",
        "report_day": str(c.report_day),
        "laggard_score": str(c.laggard_score),
        "description": "",
        "is_active": "on",
        "reason": "按本镇街调整",
        "phase-TOTAL_FORMS": "0",
        "phase-INITIAL_FORMS": "0",
        "phase-MIN_NUM_FORMS": "0",
    }
    return {**data, **changes}


def test_a_street_implements_the_city_campaign_and_reports_on_its_own_report_day(client, city):
    from organization.models import Campaign
    from reports import selectors, services

    street_x = fresh(city.street_x)
    page = _client(client, street_x).get(reverse("organization:campaign_detail", args=[city.campaign.pk]))
    assert reverse("organization:campaign_implement", args=[city.campaign.pk]) in page.content.decode()
    implement = reverse("organization:campaign_implement", args=[city.campaign.pk])
    response = client.post(implement, {"reason": "按市里方案部署"})
    assert response.status_code == 302, response.content.decode()[:2000]
    own = Campaign.objects.get(parent=city.campaign)
    assert own.jurisdiction_id == city.dongshi.pk
    assert list(own.phases.values_list("kind", flat=True)) == [PhaseKind.MOBILISATION]
    # its own report day, edited by its own office
    response = client.post(reverse("organization:campaign_edit", args=[own.pk]), _edit_data(own, report_day="25"))
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    city.campaign.refresh_from_db()
    assert (own.report_day, city.campaign.report_day) == (25, 20)
    # each office's current campaign is its own
    assert Campaign.objects.current(user=fresh(city.street_x)) == own
    assert Campaign.objects.current(user=fresh(city.community_x)) == own
    assert Campaign.objects.current(user=fresh(city.city)) == city.campaign
    # the street's monthly submissions are due on the street's report day
    community_x = fresh(city.community_x)
    month = selectors.report_month_for(own, timezone.localdate())
    submission = services.submission_start(user=community_x, unit=community_x.unit, month=month)
    assert submission.campaign_id == own.pk
    assert submission.due_date == selectors.due_date(own, month) != selectors.due_date(city.campaign, month)
    # once is enough
    assert client.post(implement, {"reason": "再制定一次"}).status_code == 403
    assert Campaign.objects.filter(parent=city.campaign).count() == 1


def test_each_office_edits_only_its_own_campaign(client, city):
    from core import rules
    from organization import services_campaigns as services
    from organization.models import Campaign

    own = services.campaign_implement(campaign=city.campaign, user=fresh(city.street_x), reason="部署")
    # the other street does not even see it, and may not change the city's
    street = fresh(city.street)
    assert not Campaign.objects.visible_to(street).filter(pk=own.pk).exists()
    assert Campaign.objects.visible_to(street).filter(pk=city.campaign.pk).exists()
    assert (
        _client(client, street)
        .post(reverse("organization:campaign_edit", args=[own.pk]), _edit_data(own, report_day="5"))
        .status_code
        == 404
    )
    assert (
        client.post(
            reverse("organization:campaign_edit", args=[city.campaign.pk]), _edit_data(city.campaign, report_day="5")
        ).status_code
        == 403
    )
    # the street's own office may not change the city's campaign; the city may not change the street's
    assert not rules.check(fresh(city.street_x), "organization.campaign_edit", city.campaign)
    assert not rules.check(fresh(city.city), "organization.campaign_edit", own)
    assert (
        _client(client, fresh(city.city))
        .post(reverse("organization:campaign_edit", args=[own.pk]), _edit_data(own, report_day="5"))
        .status_code
        == 403
    )
    response = client.post(
        reverse("organization:campaign_edit", args=[city.campaign.pk]), _edit_data(city.campaign, report_day="15")
    )
    assert response.status_code == 302
    own.refresh_from_db()
    city.campaign.refresh_from_db()
    assert (own.report_day, city.campaign.report_day) == (20, 15)


def test_a_campaign_created_in_a_city_is_the_offices_own(city):
    from organization import services_campaigns as services

    start = timezone.localdate() + datetime.timedelta(days=400)
    made = services.campaign_create(user=fresh(city.city), fields={"name": "市里明年的", "start_date": start})
    assert made.jurisdiction_id == city.jinjiang.pk
    made = services.campaign_create(user=fresh(city.street_x), fields={"name": "东石自己的", "start_date": start})
    assert made.jurisdiction_id == city.dongshi.pk


def test_an_implementation_stays_within_the_city_campaign(city):
    from core.exceptions import DomainError
    from organization import services_campaigns as services

    own = services.campaign_implement(campaign=city.campaign, user=fresh(city.street_x), reason="部署")
    later = (city.campaign.end_date + datetime.timedelta(days=10)).isoformat()
    with pytest.raises(DomainError):
        services.campaign_update(
            campaign=own,
            user=fresh(city.street_x),
            fields={"end_date": datetime.date.fromisoformat(later)},
            reason="延长",
        )


def test_a_street_on_its_own_runs_a_campaign_without_jurisdiction(org):
    """A deployment of one street: as before, the campaign has no jurisdiction and no parent."""
    from organization import services_campaigns as services
    from organization.models import Campaign

    street = UserFactory(username="solo", unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE)
    start = timezone.localdate() - datetime.timedelta(days=5)
    made = services.campaign_create(user=fresh(street), fields={"name": "单街道", "start_date": start})
    assert (made.jurisdiction_id, made.parent_id) == (None, None)
    assert Campaign.objects.current(user=fresh(street)) == made == Campaign.objects.current()
