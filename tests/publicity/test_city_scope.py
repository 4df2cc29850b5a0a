"""Issue 19: in a city, a street's publicity forms and filters list its own units only, and the
services refuse another street's unit; a deployment of one street is as before."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core.exceptions import DomainError
from publicity import services
from publicity.models import Activity

from .factories import activity_data


def test_the_activity_form_lists_the_streets_own_units(city_world, client_for, org):
    form = client_for(city_world.street).get(reverse("publicity:activity_create")).context["form"]
    assert org.community_a in set(form.fields["community"].queryset)
    assert city_world.x_community not in set(form.fields["community"].queryset)
    assert not set(form.fields["organiser"].queryset) & {city_world.x_member, city_world.x_community}


def test_an_activity_of_another_streets_community_is_refused(city_world, client_for, org):
    client = client_for(city_world.street)
    data = {**activity_data(org.community_a), "community": city_world.x_community.pk}
    response = client.post(reverse("publicity:activity_create"), data)
    assert response.status_code == 200
    assert "不属于本镇街" in response.context["form"].errors["community"][0]
    assert not Activity.objects.exists()
    assert client.post(reverse("publicity:activity_create"), activity_data(org.community_a)).status_code == 302


def test_the_services_refuse_another_streets_unit(city_world, org):
    fields = {
        "date": datetime.date(2022, 6, 10),
        "title": "讲座",
        "activity_type": "talk",
        "venue": "park",
        "organiser": org.community_a,
        "community": city_world.x_community,
        "people_reached": 10,
        "elderly_reached": 5,
    }
    with pytest.raises(DomainError) as refused:
        services.activity_create(user=city_world.street, **fields)
    assert "不属于本镇街" in refused.value.message and refused.value.field == "community"
    activity = services.activity_create(user=city_world.street, **{**fields, "community": org.community_a})
    with pytest.raises(DomainError) as refused:
        services.activity_update(activity=activity, user=city_world.street, organiser=city_world.x_member, reason="改")
    assert refused.value.field == "organiser"


def test_the_activity_filter_lists_the_streets_communities(city_world, client_for, org):
    page = client_for(city_world.street).get(reverse("publicity:activity_list"))
    communities = set(page.context["filter"].form.fields["community"].queryset)
    assert org.community_a in communities and city_world.x_community not in communities
    city = client_for(city_world.city).get(reverse("publicity:activity_list"))
    assert city_world.x_community in set(city.context["filter"].form.fields["community"].queryset)


def test_a_street_on_its_own_lists_every_community(personas, client_for, org):
    from organization.models import Jurisdiction, Unit

    Unit.objects.update(jurisdiction=Jurisdiction.objects.create(name="新塘街道"))
    form = client_for(personas.street).get(reverse("publicity:activity_create")).context["form"]
    assert set(form.fields["community"].queryset) == set(Unit.objects.communities())


def test_an_opinion_is_escalated_to_its_own_streets_office(city_world, org):
    from core.models import OutboundEmail
    from organization.choices import Role
    from publicity.choices import RiskLevel
    from tests.factories import UserFactory

    ours = org.units["street_office"]
    ours.email = "xintang@example.invalid"
    ours.save()
    liaison = UserFactory(username="x_liaison", unit=city_world.x_member, role=Role.UNIT_LIAISON)
    services.opinion_create(
        user=liaison,
        unit=city_world.x_member,
        date=datetime.date(2022, 6, 20),
        source="weibo",
        summary="网传东石某养老院爆雷",
        risk_level=RiskLevel.MAJOR,
    )
    mail = OutboundEmail.objects.get(template="publicity-opinion-escalated")
    assert "dongshi@example.cn" in mail.to and "xintang@example.invalid" not in mail.to
    assert mail.jurisdiction == city_world.dongshi
