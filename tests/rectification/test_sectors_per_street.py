"""Issue 19: each street of a city keeps its own sector → supervising unit table
(``SectorSupervisor.jurisdiction``): defaults from the street's own units by code (also for a
street the city adds, and ``seed_demo --city``), an institution routed by its street's rows, the
sectors page showing and editing a street's own rows (the city reads each street's, read-only),
and existing rows taking their unit's jurisdiction."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organization.choices import Role, UnitCode, UnitKind
from rectification import services
from rectification.choices import Sector
from rectification.models import SectorSupervisor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_each_street_has_its_own_defaults_from_its_units(city_world):
    w = city_world
    xintang = services.sector_units(w.xintang.pk)
    dongshi = services.sector_units(w.dongshi.pk)
    assert xintang[Sector.FOOD_HEALTH] == [w.org.units[UnitCode.MARKET_REGULATION]]
    assert dongshi[Sector.FOOD_HEALTH] == [w.x_member]  # 东石镇's own market regulation office
    assert dongshi[Sector.UNLICENSED_MEDICAL] == []  # no health office in 东石镇 yet: no row, nobody else's
    assert set(SectorSupervisor.objects.filter(unit=w.x_member).values_list("jurisdiction_id", flat=True)) == {
        w.dongshi.pk
    }
    # a unit of that code added later in the street starts its sector, once
    health = w.x_member.__class__.objects.create(
        name="东石镇卫健办", kind=UnitKind.MEMBER_UNIT, code=UnitCode.HEALTH_OFFICE, jurisdiction=w.dongshi
    )
    assert services.sector_units(w.dongshi.pk)[Sector.UNLICENSED_MEDICAL] == [health]
    assert services.sector_units(w.xintang.pk)[Sector.UNLICENSED_MEDICAL] == [w.org.units[UnitCode.HEALTH_OFFICE]]
    assert services.sectors_seed_defaults() == 0  # idempotent


def test_a_street_added_by_the_city_gets_its_defaults_with_its_units(city_world):
    from organization import services_streets
    from organization.models import Unit

    w = city_world
    street = services_streets.street_add(user=fresh(w.city), name="安海镇", reason="新设镇街专项办")
    assert not SectorSupervisor.objects.filter(jurisdiction=street).exists()  # only its office so far
    office = fresh(UserFactory(username="anhai", unit=street.street_office(), role=Role.STREET_OFFICE))
    from organization import services as org_services

    # told on the unit form which of the plan's units it is
    from organization.forms import UnitForm

    form = UnitForm(
        {
            "name": "安海镇社会事务办",
            "kind": UnitKind.MEMBER_UNIT,
            "code": UnitCode.SOCIAL_AFFAIRS,
            "sort_order": 100,
            "reason": "新设成员单位",
        }
    )
    assert form.is_valid(), form.errors
    fields = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
    unit = org_services.unit_add(user=office, reason="新设成员单位", **fields)
    assert unit.code == UnitCode.SOCIAL_AFFAIRS
    assert Unit.objects.get(pk=unit.pk).jurisdiction_id == street.pk
    assert services.sector_units(street.pk)[Sector.ELDERLY_SERVICE] == [unit]
    assert services.sector_units(w.xintang.pk)[Sector.ELDERLY_SERVICE] == [w.org.units[UnitCode.SOCIAL_AFFAIRS]]


def test_street_as_mapping_does_not_route_street_bs_institution(city_world):
    w = city_world
    health = w.org.units[UnitCode.HEALTH_OFFICE]
    # 新塘 makes its health office the lead of food and health products
    services.sectors_save(user=w.street, mapping={Sector.FOOD_HEALTH: (health, [])}, reason="卫健办牵头保健品监管")
    assert services.sector_units(w.xintang.pk)[Sector.FOOD_HEALTH] == [health]
    assert services.sector_units(w.dongshi.pk)[Sector.FOOD_HEALTH] == [w.x_member]  # 东石镇's untouched
    # a new institution of 东石镇 goes to 东石镇's lead unit, one of 新塘 to 新塘's
    ours = services.institution_create(
        user=fresh(w.street_x), name="东石养生馆", sector=Sector.FOOD_HEALTH, address="东石路1号"
    )
    assert ours.supervising_unit == w.x_member
    theirs = services.institution_create(
        user=fresh(w.street), name="新塘养生馆", sector=Sector.FOOD_HEALTH, address="新塘路1号"
    )
    assert theirs.supervising_unit == health
    # 新塘's unit is no supervisor of 东石镇's sector, and the other way round
    from core.exceptions import DomainError

    with pytest.raises(DomainError):
        services.institution_set_supervisor(institution=ours, user=fresh(w.street_x), unit=health, reason="试试")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.institution_update(
            institution=theirs, user=fresh(w.street), supervising_unit=w.org.units[UnitCode.MARKET_REGULATION]
        )
    # 东石镇 saving its table leaves 新塘's alone
    services.sectors_save(
        user=fresh(w.street_x), mapping={Sector.FOOD_HEALTH: (w.x_member, [])}, reason="维持市场监管所牵头"
    )
    assert services.sector_units(w.xintang.pk)[Sector.FOOD_HEALTH] == [health]


def test_the_sectors_page_shows_and_edits_the_users_street_only(city_world, client_for):
    w = city_world
    client = client_for(w.street_x)
    page = client.get(reverse("rectification:sectors"))
    rows = {value: units for value, _label, units in page.context["rows"]}
    assert rows[Sector.FOOD_HEALTH] == [w.x_member]
    assert w.org.units[UnitCode.MARKET_REGULATION].display_name not in page.content.decode()
    form = client.get(reverse("rectification:sectors_edit")).context["form"]
    from tests.test_permission_matrix import form_data

    data = form_data(form, reason="东石镇补齐对应表")
    for sector in Sector.values:  # 东石镇 has only its market regulation office so far
        data[f"lead_{sector}"] = data.get(f"lead_{sector}") or w.x_member.pk
    response = client.post(reverse("rectification:sectors_edit"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert services.sector_units(w.xintang.pk)[Sector.FOOD_HEALTH] == [w.org.units[UnitCode.MARKET_REGULATION]]
    assert services.sector_units(w.dongshi.pk)[Sector.FOOD_HEALTH] == [w.x_member]
    # another street's unit is refused in the table
    data[f"lead_{Sector.FOOD_HEALTH}"] = w.org.units[UnitCode.MARKET_REGULATION].pk
    assert client.post(reverse("rectification:sectors_edit"), data).status_code == 200
    assert services.sector_units(w.dongshi.pk)[Sector.FOOD_HEALTH] == [w.x_member]
    # the timeline of a street's table names its own changes only
    services.sectors_save(
        user=w.street, mapping={Sector.ART: (w.org.units[UnitCode.HEALTH_OFFICE], [])}, reason="新塘的调整"
    )
    assert "新塘的调整" not in client.get(reverse("rectification:sectors")).content.decode()
    assert "新塘的调整" in client_for(w.street).get(reverse("rectification:sectors")).content.decode()


def test_the_city_reads_each_streets_table_read_only(city_world, client_for):
    w = city_world
    client = client_for(w.city)
    page = client.get(reverse("rectification:sectors"), {"street": w.dongshi.pk})
    assert page.status_code == 200
    assert {value: units for value, _l, units in page.context["rows"]}[Sector.FOOD_HEALTH] == [w.x_member]
    assert {s.pk for s in page.context["streets"]} == {w.xintang.pk, w.dongshi.pk}
    assert 'data-testid="sectors-edit"' not in page.content.decode()
    page = client.get(reverse("rectification:sectors"), {"street": w.xintang.pk})
    assert {value: units for value, _l, units in page.context["rows"]}[Sector.FOOD_HEALTH] == [
        w.org.units[UnitCode.MARKET_REGULATION]
    ]
    assert client.post(reverse("rectification:sectors_edit"), {"reason": "市里改"}).status_code == 403


def test_existing_rows_take_their_units_jurisdiction_and_other_streets_get_defaults(city_world):
    import importlib

    from django.apps import apps

    w = city_world
    # before: one table for the deployment (the plan's street's units), no jurisdiction
    SectorSupervisor.objects.filter(jurisdiction=w.dongshi).delete()
    SectorSupervisor.objects.update(jurisdiction=None)
    migration = importlib.import_module("rectification.migrations.0015_sector_supervisor_per_street_data")
    migration.forwards(apps, None)
    assert not SectorSupervisor.objects.filter(jurisdiction=None).exists()
    assert set(SectorSupervisor.objects.filter(unit=w.x_member).values_list("jurisdiction_id", flat=True)) == {
        w.dongshi.pk
    }
    assert services.sector_units(w.dongshi.pk)[Sector.FOOD_HEALTH] == [w.x_member]
    assert services.sector_units(w.xintang.pk)[Sector.FOOD_HEALTH] == [w.org.units[UnitCode.MARKET_REGULATION]]
