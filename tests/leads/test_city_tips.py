"""Issue 19: in a city the public tip form asks which street it happened in and the tip goes to
that street's office; a deployment of one street shows no such choice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.models import Lead
from organization.choices import UnitCode

from .test_public import tip_data

pytestmark = pytest.mark.django_db


def test_a_city_tip_goes_to_the_street_chosen(client, city_world, org):
    form = client.get(reverse("tip:form")).context["form"]
    assert set(form.fields["street"].queryset) == {city_world.xintang, city_world.dongshi}  # not the city
    assert list(form.fields)[0] == "street"
    assert "东石镇" in client.get(reverse("tip:form")).content.decode()
    response = client.post(reverse("tip:form"), tip_data())  # the street is required
    assert response.status_code == 200 and "street" in response.context["form"].errors
    assert not Lead.objects.exists()
    assert client.post(reverse("tip:form"), tip_data(street=city_world.dongshi.pk)).status_code == 302
    lead = Lead.objects.get()
    assert lead.jurisdiction == city_world.dongshi and lead.filed_by_unit == city_world.x_office
    assert Lead.objects.visible_to(city_world.street_x).filter(pk=lead.pk).exists()
    assert not Lead.objects.visible_to(city_world.street).filter(pk=lead.pk).exists()


def test_the_city_itself_is_not_a_street_to_choose(client, city_world):
    response = client.post(reverse("tip:form"), tip_data(street=city_world.jinjiang.pk))
    assert response.status_code == 200 and "street" in response.context["form"].errors


def test_a_street_on_its_own_has_no_street_choice(client, org):
    from organization.models import Jurisdiction, Unit

    Unit.objects.update(jurisdiction=Jurisdiction.objects.create(name="新塘街道"))
    form = client.get(reverse("tip:form")).context["form"]
    assert "street" not in form.fields
    assert client.post(reverse("tip:form"), tip_data()).status_code == 302
    assert Lead.objects.get().filed_by_unit == org.units[UnitCode.STREET_OFFICE]
