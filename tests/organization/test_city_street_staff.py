"""The city opens an account for a street office's staff (issue 19): a street the city has just
added, or reactivated, has nobody who could sign in, and only a superuser could give it one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import rules
from core.exceptions import DomainError
from organization.choices import Role
from tests.organization.test_city_streets import _deactivated_street, city  # noqa: F401

pytestmark = pytest.mark.django_db


def _fresh(user):
    from organization.models import User

    return User.objects.get(pk=user.pk)


def test_the_city_opens_the_first_account_of_a_new_street(client, city):  # noqa: F811
    from organization import services_streets as services
    from organization.models import User

    street = services.street_add(user=_fresh(city["city"]), name="东石镇", reason="新设镇街专项办")
    client.force_login(city["city"])
    page = client.get(reverse("organization:street_detail", args=[street.pk])).content.decode()
    url = reverse("organization:street_staff_add", args=[street.pk])
    assert url in page
    # a bad form keeps what was typed and says why in Chinese
    response = client.post(url, {"username": "dongshi", "name": "", "email": "ds@example.invalid", "reason": "开设"})
    assert response.status_code == 200
    assert 'value="dongshi"' in response.content.decode() and not User.objects.filter(username="dongshi").exists()
    response = client.post(
        url,
        {
            "username": "dongshi",
            "name": "东石专办",
            "email": "ds@example.invalid",
            "make_liaison": "on",
            "reason": "新设镇街开设首个账号",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = User.objects.get(username="dongshi")
    assert (person.unit, person.role, person.is_active) == (street.street_office(), Role.STREET_OFFICE, True)
    assert street.street_office().liaison_id == person.pk
    # the password is shown once, after the redirect; a reload shows it no more
    shown = client.get(response["Location"]).content.decode()
    assert "dongshi" in shown
    password = client.get(response["Location"]).content.decode()
    assert password != shown
    # the new account signs in and keeps its own street from there
    person = _fresh(person)
    assert rules.check(person, "organization.person_add")
    assert person.scope.jurisdiction_ids == frozenset({street.pk})


def test_the_citys_account_opening_is_refused_to_streets_and_for_a_deactivated_street(client, city):  # noqa: F811
    from organization import services_streets as services

    street, _member, _closed, _keeper = _deactivated_street(_fresh(city["city"]))
    street.refresh_from_db()
    with pytest.raises(DomainError, match="已停用"):
        services.street_staff_add(
            street=street, user=_fresh(city["city"]), username="ds2", name="某人", reason="开设账号"
        )
    services.street_reactivate(street=street, user=_fresh(city["city"]), reason="恢复设立镇街")
    street.refresh_from_db()
    person, password = services.street_staff_add(
        street=street, user=_fresh(city["city"]), username="ds2", name="某人", reason="恢复后开设账号"
    )
    assert person.check_password(password) and person.unit == street.street_office()
    # a street office keeps its own people, not another street's office
    street_user = _fresh(city["street"])
    assert not rules.check(street_user, "organization.street_staff_add", street)
    client.force_login(street_user)
    url = reverse("organization:street_staff_add", args=[street.pk])
    assert client.post(url, {"username": "x9", "name": "某", "reason": "擅自开设"}).status_code in (403, 404)
    # a username already taken is a field error
    with pytest.raises(Exception) as taken:
        services.street_staff_add(
            street=street, user=_fresh(city["city"]), username="ds2", name="又一人", reason="重复开设"
        )
    assert "用户名" in str(taken.value) or "已存在" in str(taken.value)
