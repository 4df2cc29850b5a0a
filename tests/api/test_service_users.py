"""Issue 19: an API token's service user is no person (``User.is_service``). It is left out of the
people list, its export, the people counts, the search and every choice of a person (a lead's
supervisor and second reviewer, a unit's liaison, the grants), and the token still works."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from api import services
from organization.choices import UnitCode

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(personas, org):
    """A street-office token (its service user has the street office's role and unit)."""
    token, secret = services.token_issue(
        user=personas.street,
        name="区12345热线",
        kind="system",
        unit=org.units[UnitCode.STREET_OFFICE],
        rights=["read", "create_lead"],
        reason="对接系统",
    )
    return token, secret


def test_the_service_user_is_marked_and_still_acts_for_the_token(token):
    from organization.models import User

    token, secret = token
    assert token.user.is_service and token.user.is_active
    assert not User.objects.filter(pk=token.user_id).exists()  # no person
    c = Client(headers={"Authorization": f"Bearer {secret}"})
    assert c.get(reverse("api:leads")).status_code == 200
    response = c.post(reverse("api:leads"), {"source": "grid", "summary": "网格上报"}, content_type="application/json")
    assert response.status_code == 201, response.content
    from leads.models import Lead

    assert Lead.objects.get(pk=response.json()["id"]).created_by_id == token.user_id


def test_the_service_user_is_not_in_the_people_list_nor_its_export(client_for, personas, token):
    token, _secret = token
    client = client_for(personas.street)
    page = client.get(reverse("organization:person_list"))
    assert page.status_code == 200
    usernames = {p.username for p in page.context["object_list"]}
    assert personas.street.username in usernames and token.user.username not in usernames
    assert token.user.username not in page.content.decode()
    export = client.get(reverse("organization:person_list") + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    exported = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert personas.street.username in exported and token.user.username not in exported
    assert client.get(reverse("organization:person_detail", args=[token.user_id])).status_code == 404
    # nor counted among the unit's people, nor found by the search
    units = client.get(reverse("organization:unit_list"))
    office = next(u for u in units.context["object_list"] if u.pk == token.unit_id)
    assert office.people_count == type(personas.street).objects.filter(unit=office, is_active=True).count()
    assert client.get(reverse("reports:search"), {"q": token.user.username}).context["results"]["people"] == []
    assert client.get(reverse("reports:search"), {"q": "区12345"}).context["results"]["people"] == []


def test_the_service_user_is_not_among_the_people_to_choose(personas, org, token):
    from leads.forms import CloseForm, SuperviseForm
    from organization.forms import UnitForm

    token, _secret = token
    office = org.units[UnitCode.STREET_OFFICE]
    for queryset in (
        SuperviseForm(user=personas.street).fields["supervisor"].queryset,  # 督办人
        CloseForm(user=personas.street).fields["reviewer"].queryset,  # 二次核查人
        UnitForm(instance=office).fields["liaison"].queryset,  # 联络员
    ):
        assert personas.street in queryset and token.user not in queryset
    # the lead page's shared select lists (one read of the staff) leave it out too
    supervise = SuperviseForm(user=personas.street)
    assert token.user_id not in {pk for pk, _label in supervise.fields["supervisor"].choices if pk}
    assert token.user.pk not in {p.pk for p in office.people.all()}
    from organization.contacts import unit_addresses  # e-mail to the unit: its people only

    token.user.email = "api@example.cn"
    token.user.save(update_fields=["email"])
    assert "api@example.cn" not in unit_addresses(office)


def test_a_reveal_token_is_named_on_the_grants_page_but_not_as_a_person(client_for, personas, org, settings):
    from django.contrib.auth.models import Permission

    from organization.models import User

    head = personas.street
    head.user_permissions.add(Permission.objects.get(codename="manage_grants"))
    head = User.objects.get(pk=head.pk)
    token, _secret = services.token_issue(
        user=head,
        name="区平台",
        kind="office",
        unit=org.units[UnitCode.STREET_OFFICE],
        rights=["read", "reveal"],
        reason="对接系统",
    )
    page = client_for(head).get(reverse("organization:grant_list"))
    assert token.user not in list(page.context["people"])
    assert [u.pk for u in page.context["service_holders"]] == [token.user_id]
    assert f'data-testid="grant-row-{token.user.username}"' not in page.content.decode()


def test_a_token_of_a_deactivated_unit_stops_working(personas, org):
    """A service user is no active person, so deactivating its unit (or its whole street) is not
    refused on its account: the token must then stop acting for the unit."""
    from organization import services as org_services

    token, secret = services.token_issue(
        user=personas.street,
        name="社区网格系统",
        kind="system",
        unit=org.community_a,
        rights=["read"],
        reason="对接网格",
    )
    c = Client(headers={"Authorization": f"Bearer {secret}"})
    assert c.get(reverse("api:leads")).status_code == 200
    for person in org.community_a.people.filter(is_active=True):
        person.is_active = False
        person.save(update_fields=["is_active"])
    org_services.unit_set_active(unit=org.community_a, user=personas.street, active=False, reason="社区撤并")
    response = c.get(reverse("api:leads"))
    assert response.status_code == 401
    assert "单位已停用" in response.json()["detail"]
