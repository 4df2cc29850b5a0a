"""Issue 19: the city office keeps its streets on the organisation pages: adds a street office
(its jurisdiction and office unit at once), edits one, deactivates one with no active people
left (refused with the reason otherwise), and reads each street's units and people."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEntry
from organization.choices import JurisdictionLevel, Role, UnitCode, UnitKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(org):
    from organization.models import Jurisdiction, Unit

    jinjiang = Jurisdiction.objects.create(name="晋江市", level=JurisdictionLevel.CITY)
    xintang = Jurisdiction.objects.create(name="新塘街道", parent=jinjiang)
    Unit.objects.update(jurisdiction=xintang)
    office = Unit.objects.create(
        name="晋江市专项办（市级）", kind=UnitKind.CITY_OFFICE, code="city_office", jurisdiction=jinjiang
    )
    return {
        "jinjiang": jinjiang,
        "xintang": xintang,
        "city": UserFactory(username="city", unit=office, role=Role.CITY_OFFICE),
        "street": UserFactory(username="street", unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE),
    }


def _add(client, **data):
    return client.post(
        reverse("organization:street_add"),
        {"name": "东石镇", "short_name": "东石专项办", "phone": "0595-1234", "reason": "新设镇街专项办", **data},
    )


def test_the_city_adds_a_street_office_with_its_jurisdiction(client, city):
    from organization.models import Jurisdiction, Unit

    client.force_login(city["city"])
    page = client.get(reverse("organization:street_list")).content.decode()
    assert reverse("organization:street_add") in page and "新塘街道" in page
    response = _add(client)
    assert response.status_code == 302, response.content.decode()[:3000]
    street = Jurisdiction.objects.get(name="东石镇")
    assert (street.level, street.parent_id) == (JurisdictionLevel.STREET, city["jinjiang"].pk)
    office = Unit.objects.get(jurisdiction=street)
    assert (office.name, office.kind, office.code, office.short_name, office.phone) == (
        "东石镇专项办",
        UnitKind.STREET_OFFICE,
        UnitCode.STREET_OFFICE,
        "东石专项办",
        "0595-1234",
    )
    assert AuditEntry.objects.filter(object_id=street.pk, content_type__model="jurisdiction").exists()
    # the new street is a street of the city: its office's people are bounded by it
    person = UserFactory(username="dongshi", unit=office, role=Role.STREET_OFFICE)
    assert person.scope.jurisdiction_ids == frozenset({street.pk})
    assert street.pk in UserFactory._meta.model.objects.get(pk=city["city"].pk).scope.jurisdiction_ids


def test_a_street_office_may_not_keep_streets(client, city):
    from organization.models import Jurisdiction

    client.force_login(city["street"])
    assert reverse("organization:street_add") not in client.get(reverse("organization:street_list")).content.decode()
    assert _add(client).status_code == 403
    assert not Jurisdiction.objects.filter(name="东石镇").exists()
    response = client.post(
        reverse("organization:street_edit", args=[city["xintang"].pk]), {"name": "改名", "reason": "擅自改名"}
    )
    assert response.status_code == 403
    city["xintang"].refresh_from_db()
    assert city["xintang"].name == "新塘街道"


def test_the_city_edits_a_street_and_its_office(client, city):
    from organization import services_streets as services
    from organization.models import User

    city_user = User.objects.get(pk=city["city"].pk)
    street = services.street_add(user=city_user, name="东石镇", reason="新设镇街专项办")
    office = street.street_office()
    liaison = UserFactory(username="ds", unit=office, role=Role.STREET_OFFICE)
    client.force_login(city_user)
    response = client.post(
        reverse("organization:street_edit", args=[street.pk]),
        {"name": "东石镇（新）", "office_name": "东石镇打击整治专项办", "liaison": liaison.pk, "reason": "机构更名"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    street.refresh_from_db()
    office.refresh_from_db()
    assert (street.name, office.name, office.liaison_id) == ("东石镇（新）", "东石镇打击整治专项办", liaison.pk)


def test_a_street_with_active_people_is_not_deactivated(client, city):
    from core import rules
    from organization import services_streets as services
    from organization.models import Unit, User

    city_user = User.objects.get(pk=city["city"].pk)
    street = services.street_add(user=city_user, name="东石镇", reason="新设镇街专项办")
    person = UserFactory(username="ds", unit=street.street_office(), role=Role.STREET_OFFICE)
    city_user = User.objects.get(pk=city_user.pk)  # a fresh scope (with the new street), as in a request
    decision = rules.check(city_user, "organization.street_deactivate", street)
    assert not decision and "在用的人员" in decision.reason
    client.force_login(city_user)
    url = reverse("organization:street_deactivate", args=[street.pk])
    assert client.post(url, {"reason": "撤并镇街"}).status_code in (403, 409)
    street.refresh_from_db()
    assert street.is_active
    person.is_active = False
    person.save()
    assert client.post(url, {"reason": "撤并镇街"}).status_code == 302
    street.refresh_from_db()
    assert not street.is_active
    assert not Unit.objects.filter(jurisdiction=street, is_active=True).exists()
    # the city itself is not one of its streets
    assert not rules.check(User.objects.get(pk=city_user.pk), "organization.street_deactivate", city["jinjiang"])


def test_the_city_reads_each_streets_units_and_people(client, city, org):
    page_url = reverse("organization:street_detail", args=[city["xintang"].pk])
    client.force_login(city["city"])
    page = client.get(page_url).content.decode()
    assert org.community_a.name in page and "street" in page
    assert reverse("organization:street_edit", args=[city["xintang"].pk]) in page
    # read-only inside the street: the city is offered no edit of the street's units
    unit_page = client.get(reverse("organization:unit_detail", args=[org.community_a.pk])).content.decode()
    assert reverse("organization:unit_edit", args=[org.community_a.pk]) not in unit_page


def _deactivated_street(city_user):
    """A street of the city with an office, a member unit and a community the street office had
    deactivated on its own, then deactivated as a whole by the city."""
    from organization import services as org_services
    from organization import services_streets as services
    from organization.models import Unit, User

    street = services.street_add(user=city_user, name="东石镇", reason="新设镇街专项办")
    member = Unit.objects.create(
        name="东石镇市场监管所", kind=UnitKind.MEMBER_UNIT, code=UnitCode.MARKET_REGULATION, jurisdiction=street
    )
    closed = Unit.objects.create(name="东石旧社区", kind=UnitKind.COMMUNITY, code="old", jurisdiction=street)
    keeper = UserFactory(username="ds", unit=street.street_office(), role=Role.STREET_OFFICE)
    org_services.unit_set_active(unit=closed, user=User.objects.get(pk=keeper.pk), active=False, reason="社区撤并")
    keeper.is_active = False
    keeper.save()
    city_user = User.objects.get(pk=city_user.pk)
    services.street_deactivate(street=street, user=city_user, reason="撤并镇街")
    return street, member, closed, keeper


def test_the_city_reactivates_a_street_with_the_units_deactivated_with_it(client, city):
    from organization.models import Unit, User

    city_user = User.objects.get(pk=city["city"].pk)
    street, member, closed, keeper = _deactivated_street(city_user)
    page_url = reverse("organization:street_detail", args=[street.pk])
    url = reverse("organization:street_reactivate", args=[street.pk])
    client.force_login(city_user)
    page = client.get(page_url).content.decode()
    assert url in page and reverse("organization:street_deactivate", args=[street.pk]) not in page
    response = client.post(url, {"reason": "恢复设立镇街"})
    assert response.status_code == 302, response.content.decode()[:3000]
    street.refresh_from_db()
    assert street.is_active
    active = dict(Unit.objects.filter(jurisdiction=street).values_list("name", "is_active"))
    # the office and the unit that went with the street come back; the community the street
    # office had closed before, and its people, stay as they were
    assert active == {"东石镇专项办": True, member.name: True, closed.name: False}
    assert not User.objects.get(pk=keeper.pk).is_active
    entry = AuditEntry.objects.filter(object_id=street.pk, content_type__model="jurisdiction").first()
    assert "恢复设立镇街" in entry.reason
    page = client.get(page_url).content.decode()
    assert url not in page and reverse("organization:street_deactivate", args=[street.pk]) in page
    assert client.post(url, {"reason": "再恢复一次"}).status_code in (403, 409)


def test_a_street_user_may_not_reactivate_a_street(client, city):
    from core import rules
    from organization import services_streets as services
    from organization.models import User

    street, _member, _closed, _keeper = _deactivated_street(User.objects.get(pk=city["city"].pk))
    street_user = User.objects.get(pk=city["street"].pk)
    assert not rules.check(street_user, "organization.street_reactivate", street)
    with pytest.raises(rules.Refused):
        services.street_reactivate(street=street, user=street_user, reason="擅自恢复")
    client.force_login(street_user)
    assert client.post(
        reverse("organization:street_reactivate", args=[street.pk]), {"reason": "擅自恢复"}
    ).status_code in (403, 404)
    street.refresh_from_db()
    assert not street.is_active


def test_reactivation_needs_a_reason(city):
    from core.exceptions import DomainError
    from organization import services_streets as services
    from organization.models import User

    city_user = User.objects.get(pk=city["city"].pk)
    street, *_ = _deactivated_street(city_user)
    with pytest.raises(DomainError):
        services.street_reactivate(street=street, user=User.objects.get(pk=city_user.pk), reason="")
    street.refresh_from_db()
    assert not street.is_active


def test_a_new_streets_unit_is_told_which_unit_of_the_plan_it_is(client, city):
    """A street the city adds has only its office: its office adds its units and says which of
    the plan's units each is (the rules and the sector table's defaults find them by it), once."""
    from organization import services_streets as services
    from organization.models import Unit, User

    street = services.street_add(user=User.objects.get(pk=city["city"].pk), name="东石镇", reason="新设镇街专项办")
    keeper = UserFactory(username="ds", unit=street.street_office(), role=Role.STREET_OFFICE)
    client.force_login(keeper)
    data = {"name": "东石镇派出所", "kind": UnitKind.MEMBER_UNIT, "code": UnitCode.POLICE, "sort_order": 100}
    response = client.post(reverse("organization:unit_add"), {**data, "reason": "新设成员单位"})
    assert response.status_code == 302, response.content.decode()[:3000]
    police = Unit.objects.get(name="东石镇派出所")
    assert (police.jurisdiction_id, police.code) == (street.pk, UnitCode.POLICE)
    # a second police station of the street is refused with the reason, the form keeps the name
    response = client.post(
        reverse("organization:unit_add"), {**data, "name": "东石镇第二派出所", "reason": "新设成员单位"}
    )
    assert response.status_code == 200 and "东石镇第二派出所" in response.content.decode()
    assert "代码已被本辖区的其他单位使用" in response.content.decode()
    # set once: the edit form does not offer it, and an edit keeps it
    edit_url = reverse("organization:unit_edit", args=[police.pk])
    assert "code" not in client.get(edit_url).context["form"].fields
    response = client.post(edit_url, {**data, "name": "东石派出所", "code": "", "reason": "更名为东石派出所"})
    assert response.status_code == 302
    police.refresh_from_db()
    assert (police.name, police.code) == ("东石派出所", UnitCode.POLICE)
