"""Issue 19: in a city, a street's case forms list its own units only, and the services refuse
another street's unit; a deployment of one street is as before."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError
from organization.choices import UnitCode

TODAY = timezone.localdate()


def case_data(unit, **extra):
    return {
        "title": "某养生馆诈骗案",
        "kind": "criminal",
        "fraud_type": "product",
        "handling_unit": unit.pk,
        "suspects": 1,
        "detained": 0,
        "victims": 2,
        "elderly_victims": 2,
        "amount_involved": "1000",
        "stability_risk": "low",
        "date": TODAY.isoformat(),
        **extra,
    }


def test_the_case_form_lists_the_streets_own_units(city_world, client_for, org):
    page = client_for(city_world.street).get(reverse("cases:create"))
    choices = list(page.context["form"].fields["handling_unit"].queryset)
    assert org.units[UnitCode.POLICE] in choices
    assert city_world.x_group not in choices and city_world.x_member not in choices


def test_a_case_for_another_streets_unit_is_refused(city_world, client_for):
    from cases.models import Case

    response = client_for(city_world.street).post(reverse("cases:create"), case_data(city_world.x_group))
    assert response.status_code == 200
    assert "不属于本镇街" in response.context["form"].errors["handling_unit"][0]
    assert not Case.objects.exists()


def test_the_service_refuses_another_streets_unit(city_world, org):
    from cases import services

    fields = {k: v for k, v in case_data(city_world.x_group).items() if k not in ("date", "handling_unit")}
    fields["amount_involved"] = 1000
    with pytest.raises(DomainError) as refused:
        services.case_open(user=city_world.street, date=TODAY, handling_unit=city_world.x_group, **fields)
    assert "不属于本镇街" in refused.value.message and refused.value.field == "handling_unit"
    case = services.case_open(user=city_world.street, date=TODAY, handling_unit=org.units[UnitCode.POLICE], **fields)
    with pytest.raises(DomainError):
        services.case_update(case=case, user=city_world.street, handling_unit=city_world.x_group)


def test_the_case_filter_lists_the_streets_units_and_the_city_all(city_world, client_for, org):
    from cases import services

    fields = {k: v for k, v in case_data(city_world.x_group).items() if k not in ("date", "handling_unit")}
    fields["amount_involved"] = 1000
    services.case_open(user=city_world.street, date=TODAY, handling_unit=org.units[UnitCode.POLICE], **fields)
    services.case_open(user=city_world.street_x, date=TODAY, handling_unit=city_world.x_group, **fields)
    street = client_for(city_world.street).get(reverse("cases:index"))
    assert list(street.context["filter"].form.fields["handling_unit"].queryset) == [org.units[UnitCode.POLICE]]
    city = client_for(city_world.city).get(reverse("cases:index"))
    assert set(city.context["filter"].form.fields["handling_unit"].queryset) == {
        org.units[UnitCode.POLICE],
        city_world.x_group,
    }


def test_a_street_on_its_own_lists_every_unit(personas, client_for, org):
    from organization.models import Jurisdiction, Unit

    Unit.objects.update(jurisdiction=Jurisdiction.objects.create(name="新塘街道"))
    page = client_for(personas.street).get(reverse("cases:create"))
    field = page.context["form"].fields["handling_unit"]
    assert "本镇街" not in str(field.error_messages["invalid_choice"])
    assert set(field.queryset) == set(Unit.objects.filter(kind__in=["working_group", "member_unit"], is_active=True))
