"""Issue 19: a city special office over street offices — leads down, results up."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from organization.choices import JurisdictionLevel, Role, UnitCode, UnitKind
from tests.factories import UserFactory


@pytest.fixture
def city(org):
    """The plan's street (新塘) as one of a city's, a second street (东石) and the city's office."""
    from organization.models import Jurisdiction, Unit

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
    org.community_a.refresh_from_db()
    return SimpleNamespace(
        jinjiang=jinjiang,
        xintang=xintang,
        dongshi=dongshi,
        city=UserFactory(username="city", unit=office, role=Role.CITY_OFFICE),
        street=UserFactory(username="street", unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE),
        community=UserFactory(username="community", unit=org.community_a, role=Role.COMMUNITY_STAFF),
        street_x=UserFactory(username="street_x", unit=x_office, role=Role.STREET_OFFICE),
        community_x=UserFactory(username="community_x", unit=x_community, role=Role.COMMUNITY_STAFF),
        org=org,
    )


def fresh(user):
    from organization.models import User

    return User.objects.get(pk=user.pk)


def test_scopes_carry_the_jurisdictions(city, personas, django_assert_num_queries):
    assert personas.street.scope.jurisdiction_ids == frozenset({city.xintang.pk})
    city_scope = fresh(city.city).scope
    assert city_scope.is_city and city_scope.sees_all and not city_scope.can_write
    assert city_scope.jurisdiction_ids == {city.jinjiang.pk, city.xintang.pk, city.dongshi.pk}
    assert not city_scope.is_street_office
    street = fresh(city.street)
    with django_assert_num_queries(2):  # the unit, and its hosted groups and jurisdiction: as before
        assert street.scope.jurisdiction_ids == {city.xintang.pk}


def test_a_street_on_its_own_is_not_bounded(personas):
    """A deployment of one street (no city above it) behaves as before."""
    from organization.models import Jurisdiction, Unit

    street = Jurisdiction.objects.create(name="新塘街道")
    Unit.objects.update(jurisdiction=street)
    assert fresh(personas.street).scope.jurisdiction_ids is None


def transfer(city, **extra):
    from leads import services

    data = {
        "higher_reference": "晋专办〔2026〕7号",
        "higher_deadline": timezone.localdate() + datetime.timedelta(days=15),
        "summary": "某养生馆以体验为名推销保健品",
        "fraud_type": "product",
        **extra,
    }
    return services.lead_transfer(user=city.city, street=city.xintang, data=data)


def test_leads_down_and_results_up(city, client):
    """The city transfers; the street refers, the unit feeds back, the street closes; the city sees
    it closed with its outcome and findings, reported up without anyone exporting a sheet."""
    from leads import services
    from leads.selectors import city_transfers

    lead = transfer(city)
    assert lead.source == "higher" and lead.jurisdiction == city.xintang and lead.status == "registered"
    assert lead.filed_by_unit == city.city.unit
    street = fresh(city.street)
    lead = services.lead_refer(lead=lead, user=street, unit=city.org.community_a)
    assert lead.deadline <= lead.higher_deadline
    lead = services.lead_acknowledge(lead=lead, user=fresh(city.community))
    lead = services.lead_feedback(lead=lead, user=fresh(city.community), findings="经核查，该馆已停业整顿")
    assert lead.reported_up_at is None
    lead = services.lead_close(lead=lead, user=street, outcome="rectification", institution_name="某养生馆")
    assert lead.is_final and lead.reported_up_at is not None  # reported up by itself

    assert list(city_transfers(fresh(city.city))) == [lead]
    assert list(city_transfers(fresh(city.street_x))) == []
    client.force_login(city.city)
    page = client.get(reverse("leads:city")).content.decode()
    assert "经核查，该馆已停业整顿" in page and "新塘街道" in page and lead.number in page
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 200
    client.force_login(city.street_x)
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 404
    assert lead.number not in client.get(reverse("leads:city")).content.decode()


def test_a_street_refers_only_to_its_own_units(city):
    from core.exceptions import DomainError
    from leads import services
    from organization.models import Unit

    lead = transfer(city)
    with pytest.raises(DomainError):
        services.lead_refer(lead=lead, user=fresh(city.street), unit=Unit.objects.get(name="东石社区"))


def test_the_city_list_shows_what_is_overdue_against_its_deadline(city, client):
    from leads.models import Lead
    from leads.selectors import city_transfers

    late = transfer(city, higher_reference="晋专办〔2026〕8号")
    Lead.objects.filter(pk=late.pk).update(higher_deadline=timezone.localdate() - datetime.timedelta(days=1))
    on_time = transfer(city, higher_reference="晋专办〔2026〕9号")
    assert list(city_transfers(fresh(city.city), overdue=True)) == [late]
    client.force_login(city.city)
    page = client.get(reverse("leads:city") + "?overdue=1").content.decode()
    assert late.number in page and on_time.number not in page
    assert "逾期未办结" in page


def test_the_same_reference_is_transferred_to_a_street_once(city):
    from core.exceptions import DomainError

    transfer(city)
    with pytest.raises(DomainError):
        transfer(city)


def test_only_the_city_office_transfers(city):
    from core.rules import Refused
    from leads import services

    for user in (city.street, city.street_x, city.community):
        with pytest.raises(Refused):
            services.lead_transfer(user=fresh(user), street=city.xintang, data={"higher_reference": "x"})


def test_the_city_browses_each_streets_units(city, client):
    client.force_login(city.city)
    page = client.get(reverse("organization:unit_list"), {"jurisdiction": city.dongshi.pk}).content.decode()
    assert "东石社区" in page and city.org.community_a.name not in page
    client.force_login(city.street_x)
    page = client.get(reverse("organization:unit_list")).content.decode()
    assert "东石社区" in page and city.org.community_a.name not in page
    assert 'name="jurisdiction"' in page  # a street of a city sees the filter (its own street only)


def test_a_street_on_its_own_has_no_jurisdiction_filter(personas, client):
    client.force_login(personas.street)
    assert 'name="jurisdiction"' not in client.get(reverse("organization:unit_list")).content.decode()
