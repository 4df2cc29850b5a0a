"""Issue 19: in a city, a street's rectification forms and filters list its own units only,
and the services refuse another street's unit; a deployment of one street is as before."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError
from organization.choices import UnitCode
from rectification import services
from rectification.choices import Horizon, MeasureKind, ProblemCategory
from rectification.models import Problem

from .factories import InstitutionFactory

LATER = timezone.localdate() + datetime.timedelta(days=10)


@pytest.fixture
def inst(city_world, org):
    return InstitutionFactory(supervising_unit=org.units[UnitCode.MARKET_REGULATION])


def problem_data(unit, **extra):
    return {
        "description": "消防通道堵塞",
        "category": ProblemCategory.values[0],
        "horizon": Horizon.IMMEDIATE,
        "owner_unit": unit.pk,
        "owner_person": "李四",
        "measure_kind": MeasureKind.values[0],
        "measure_deadline": LATER.isoformat(),
        "measure_detail": "",
        **extra,
    }


def test_the_problem_form_lists_the_streets_own_units(city_world, client_for, org, inst):
    page = client_for(city_world.street).get(reverse("rectification:problem_create", args=[inst.pk]))
    choices = set(page.context["form"].fields["owner_unit"].queryset)
    assert org.units[UnitCode.MARKET_REGULATION] in choices
    assert not choices & {city_world.x_member, city_world.x_group, city_world.x_community}


def test_a_problem_for_another_streets_unit_is_refused(city_world, client_for, org, inst):
    client = client_for(city_world.street)
    url = reverse("rectification:problem_create", args=[inst.pk])
    response = client.post(url, problem_data(city_world.x_member))
    assert response.status_code == 200
    assert "不属于本镇街" in response.context["form"].errors["owner_unit"][0]
    assert not Problem.objects.exists()
    assert client.post(url, problem_data(org.units[UnitCode.MARKET_REGULATION])).status_code == 302


def test_the_services_refuse_another_streets_unit(city_world, org, inst):
    spec = services.MeasureSpec(kind=MeasureKind.values[0], deadline=LATER)
    calls = {
        "owner_unit": lambda: services.problem_raise(
            institution=inst,
            user=city_world.street,
            description="问题",
            category=ProblemCategory.values[0],
            owner_unit=city_world.x_member,
            owner_person="李四",
            horizon=Horizon.IMMEDIATE,
            measures=[spec],
        ),
        "unit": lambda: services.inspection_record(
            institution=inst,
            user=city_world.street,
            date=timezone.localdate(),
            unit=city_world.x_member,
            inspectors="王五",
            findings="正常",
        ),
        "supervising_unit": lambda: services.institution_update(
            institution=inst, user=city_world.street, supervising_unit=city_world.x_member
        ),
    }
    for field, call in calls.items():
        with pytest.raises(DomainError) as refused:
            call()
        assert "不属于本镇街" in refused.value.message and refused.value.field == field


def test_the_institution_filter_lists_the_streets_units(city_world, client_for, org, inst):
    page = client_for(city_world.street).get(reverse("rectification:index"))
    fields = page.context["filter"].form.fields
    assert org.units[UnitCode.MARKET_REGULATION] in set(fields["supervising_unit"].queryset)
    assert city_world.x_member not in set(fields["supervising_unit"].queryset)
    assert city_world.x_community not in set(fields["community"].queryset)
    city = client_for(city_world.city).get(reverse("rectification:index"))
    assert city_world.x_member in set(city.context["filter"].form.fields["supervising_unit"].queryset)


def test_a_street_on_its_own_lists_every_unit(personas, client_for, org):
    from organization.models import Jurisdiction, Unit

    Unit.objects.update(jurisdiction=Jurisdiction.objects.create(name="新塘街道"))
    inst = InstitutionFactory(supervising_unit=org.units[UnitCode.MARKET_REGULATION])
    page = client_for(personas.street).get(reverse("rectification:problem_create", args=[inst.pk]))
    assert set(page.context["form"].fields["owner_unit"].queryset) == set(Unit.objects.receivers())
