"""The daily deadline digest goes to each unit's liaisons (its liaison and its people with an
e-mail), not only to the unit's mailbox; a unit nobody can be mailed at is listed on the outbox
page and on the street office's dashboard."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import OutboundEmail
from leads import services
from leads.models import Lead
from organization.choices import Role
from tests.factories import CommunityFactory, UserFactory

SITE = "https://hulao.example.org"


def _section(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}".*?</(div|section)>', html, re.S)
    return match.group(0) if match else ""


@pytest.fixture
def units(org, settings):
    """22 units with an overdue lead each: 4 with a mailbox of their own (one also with a
    liaison), 5 whose liaison has an e-mail, 3 with a person who has one, and 10 that nobody can
    be mailed at (a liaison or a person without an e-mail, a person who left, nobody)."""
    settings.SITE_URL = SITE
    today = timezone.localdate()
    made = [CommunityFactory(name=f"联络测试社区{n:02d}") for n in range(22)]
    for n, unit in enumerate(made):
        Lead.objects.create(
            number=f"D-{n:04d}",
            source="public",
            status="referred",
            summary=f"超期线索{n}",
            received_on=today - datetime.timedelta(days=30),
            assigned_unit=unit,
            deadline=today - datetime.timedelta(days=2),
        )
    expected: dict[int, list[str]] = {}
    for n, unit in enumerate(made[:4]):
        unit.email = f"unit{n}@example.invalid"
        unit.save()
        expected[unit.pk] = [unit.email]
    made[3].liaison = UserFactory(username="liaison-3", unit=made[3], role=Role.UNIT_LIAISON)
    made[3].save()
    expected[made[3].pk] = sorted([made[3].email, "liaison-3@example.invalid"])
    for n, unit in enumerate(made[4:9], start=4):
        unit.liaison = UserFactory(username=f"liaison-{n}", unit=None, role=Role.UNIT_LIAISON)
        unit.save()
        expected[unit.pk] = [f"liaison-{n}@example.invalid"]
    for n, unit in enumerate(made[9:12], start=9):
        UserFactory(username=f"staff-{n}", unit=unit, role=Role.COMMUNITY_STAFF)
        expected[unit.pk] = [f"staff-{n}@example.invalid"]
    for n, unit in enumerate(made[12:15], start=12):
        unit.liaison = UserFactory(username=f"silent-{n}", unit=unit, email="", role=Role.UNIT_LIAISON)
        unit.save()
    for n, unit in enumerate(made[15:17], start=15):
        UserFactory(username=f"nomail-{n}", unit=unit, email="", role=Role.COMMUNITY_STAFF)
    UserFactory(username="left-17", unit=made[17], role=Role.COMMUNITY_STAFF, is_active=False)
    unreachable = made[12:]
    return made, expected, unreachable


def test_every_reachable_unit_gets_a_digest_with_figures_and_a_link(units, django_capture_on_commit_callbacks):
    made, expected, unreachable = units
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.leads_send_digests(today=today)
    assert sent == len(expected) == 12
    mails = {m.key: m for m in OutboundEmail.objects.filter(key__startswith="lead-digest:")}
    for unit in made:
        key = f"lead-digest:{unit.pk}:{today.isoformat()}"
        if unit.pk not in expected:
            assert key not in mails, f"{unit.name} has no address, yet a digest was queued"
            continue
        mail = mails[key]
        assert mail.to == expected[unit.pk], unit.name
        link = f"{SITE}/leads/?assigned_unit={unit.pk}"
        assert link in mail.body_text
        assert f'href="{link}"' in mail.body_html
        assert "超期 <strong>1</strong>" in mail.body_html and f"D-{made.index(unit):04d}" in mail.body_html
    # a second run the same day queues nothing new
    assert services.leads_send_digests(today=today) == 12
    assert OutboundEmail.objects.filter(key__startswith="lead-digest:").count() == 12


def test_the_units_nobody_can_be_mailed_at_are_listed_for_the_street_office(units, personas, client_for):
    made, expected, unreachable = units
    outbox = _section(client_for(personas.street).get(reverse("core:outbox")).content.decode(), "outbox-unreachable")
    dashboard = _section(client_for(personas.street).get("/").content.decode(), "dashboard-unreachable")
    for page in (outbox, dashboard):
        assert page, "the list of unreachable units is missing"
        for unit in unreachable:
            assert unit.name in page
        for unit in made:
            if unit.pk in expected:
                assert unit.name not in page
    # a community's dashboard has no such panel, and it may not read the outbox
    assert 'data-testid="dashboard-unreachable"' not in client_for(personas.community_a).get("/").content.decode()
    assert client_for(personas.community_a).get(reverse("core:outbox")).status_code == 403


def test_a_unit_given_an_address_is_no_longer_listed(units, personas, client_for):
    made, _expected, unreachable = units
    first = unreachable[0]
    first.email = "now@example.invalid"
    first.save()
    page = _section(client_for(personas.street).get(reverse("core:outbox")).content.decode(), "outbox-unreachable")
    assert first.name not in page and unreachable[1].name in page
