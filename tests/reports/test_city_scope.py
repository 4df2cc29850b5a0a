"""Issue 19: in a city, the street office starts submissions for its own units only (the form,
the filter and the service); a deployment of one street is as before."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core.exceptions import DomainError
from reports import services
from reports.models import UnitSubmission


def test_the_start_form_lists_the_streets_own_units(campaign, city_world, client_for, org):
    page = client_for(city_world.street).get(reverse("reports:submission_start"))
    choices = set(page.context["form"].fields["unit"].queryset)
    assert org.community_b in choices
    assert not choices & {city_world.x_member, city_world.x_community}


def test_a_submission_for_another_streets_unit_is_refused(campaign, city_world, client_for, org):
    client = client_for(city_world.street)
    response = client.post(reverse("reports:submission_start"), {"month": "2026-11", "unit": city_world.x_member.pk})
    assert response.status_code == 200
    assert "不属于本镇街" in response.context["form"].errors["unit"][0]
    assert not UnitSubmission.objects.exists()
    with pytest.raises(DomainError) as refused:
        services.submission_start(user=city_world.street, unit=city_world.x_member, month=datetime.date(2026, 11, 1))
    assert "不属于本镇街" in refused.value.message and refused.value.field == "unit"
    assert client.post(reverse("reports:submission_start"), {"month": "2026-11", "unit": org.community_b.pk}).url


def test_the_submission_filter_lists_the_streets_units(campaign, city_world, client_for, org):
    page = client_for(city_world.street).get(reverse("reports:submission_list"))
    units = set(page.context["filter"].form.fields["unit"].queryset)
    assert org.community_b in units and city_world.x_member not in units
    city = client_for(city_world.city).get(reverse("reports:submission_list"))
    assert city_world.x_member in set(city.context["filter"].form.fields["unit"].queryset)


def test_a_street_on_its_own_lists_every_unit(campaign, personas, client_for, org):
    from organization.models import Jurisdiction, Unit

    Unit.objects.update(jurisdiction=Jurisdiction.objects.create(name="新塘街道"))
    page = client_for(personas.street).get(reverse("reports:submission_start"))
    assert org.community_b in set(page.context["form"].fields["unit"].queryset)
    assert "本镇街" not in str(page.context["form"].fields["unit"].error_messages["invalid_choice"])
