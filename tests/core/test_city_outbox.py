"""Issue 19: in a city every e-mail is queued with the street it concerns, and each street's
office sees its own rows of the outbox only (the city all of its streets')."""

from __future__ import annotations

import datetime

from django.urls import reverse

from core.models import OutboundEmail
from reports import services
from tests.reports.conftest import campaign  # noqa: F401  # the fixture


def test_each_street_office_sees_its_own_outbox_rows(campaign, city_world, client_for, org):  # noqa: F811
    org.community_b.email = "b@example.invalid"
    org.community_b.save()
    city_world.x_community.email = "x@example.invalid"
    city_world.x_community.save()
    assert services.reminders_send(today=datetime.date(2026, 11, 17), campaign=campaign) >= 2
    ours = OutboundEmail.objects.get(key=f"submission-reminder:{org.community_b.pk}:2026-11")
    theirs = OutboundEmail.objects.get(key=f"submission-reminder:{city_world.x_community.pk}:2026-11")
    assert ours.jurisdiction == city_world.xintang and theirs.jurisdiction == city_world.dongshi
    assert not OutboundEmail.objects.filter(jurisdiction=None).exists()  # every row has its street
    street = client_for(city_world.street).get(reverse("core:outbox"))
    rows = set(street.context["object_list"])
    assert ours in rows and theirs not in rows
    street_x = client_for(city_world.street_x).get(reverse("core:outbox"))
    rows = set(street_x.context["object_list"])
    assert theirs in rows and ours not in rows
    assert client_for(city_world.street_x).get(reverse("core:outbox_detail", args=[ours.pk])).status_code == 404
