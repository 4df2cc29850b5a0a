"""Issue 19: the monthly report's recipients per street — in a city each street office keeps its
own street's, the city office its own; a new recipient is its creator's jurisdiction's; a street's
report goes to its own recipients (and the deployment's ``REPORTS_RECIPIENTS``), never to another
street's."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core.models import OutboundEmail
from core.rules import Refused
from reports import services
from reports.models import MonthlyReport, ReportRecipient

NOV = datetime.date(2026, 11, 1)


def _fresh(user):
    from organization.models import User

    return User.objects.get(pk=user.pk)


@pytest.fixture
def kept(city_world):
    """Each office's own recipient, added through the service."""
    w = city_world
    return {
        "xintang": services.recipient_add(user=_fresh(w.street), email="xintang-lead@example.invalid"),
        "dongshi": services.recipient_add(user=_fresh(w.street_x), email="dongshi-lead@example.invalid"),
        "city": services.recipient_add(user=_fresh(w.city), email="city-lead@example.invalid"),
    }


def test_a_new_recipient_is_its_creators_jurisdictions(city_world, kept):
    w = city_world
    assert kept["xintang"].jurisdiction == w.xintang
    assert kept["dongshi"].jurisdiction == w.dongshi
    assert kept["city"].jurisdiction == w.jinjiang  # the city office keeps its own
    # two streets may both send their report to the same address (e.g. the city's mailbox)
    one = services.recipient_add(user=_fresh(w.street), email="jinjiang-office@example.invalid")
    two = services.recipient_add(user=_fresh(w.street_x), email="jinjiang-office@example.invalid")
    assert one.pk != two.pk
    # but one street keeps an address once
    from core.exceptions import DomainError

    with pytest.raises(DomainError):
        services.recipient_add(user=_fresh(w.street), email="jinjiang-office@example.invalid")


def test_each_office_lists_and_changes_only_its_own(city_world, kept, client):
    w = city_world
    for user, own in ((w.street, "xintang"), (w.street_x, "dongshi"), (w.city, "city")):
        client.force_login(user)
        page = client.get(reverse("reports:recipient_list")).content.decode()
        shown = {name for name, r in kept.items() if r.email in page}
        assert shown == {own}, user.username
        assert 'data-testid="recipient-add-form"' in page
        for name, r in kept.items():
            url = reverse("reports:recipient_edit", args=[r.pk])
            data = {"email": r.email, "name": "改名" + user.username, "note": ""}
            status = client.post(url, data).status_code
            assert (status == 302) == (name == own), f"{user.username} {name}: {status}"
    names = dict(ReportRecipient.objects.values_list("email", "name"))
    assert names["dongshi-lead@example.invalid"] == "改名street_x"
    assert names["city-lead@example.invalid"] == "改名city"
    # the city does not change a street's, even through the service
    with pytest.raises(Refused):
        services.recipient_set_active(recipient=kept["xintang"], user=_fresh(w.city), active=False)


def test_a_streets_report_goes_to_its_own_recipients_only(
    campaign, city_world, kept, settings, django_capture_on_commit_callbacks
):
    w = city_world
    settings.REPORTS_RECIPIENTS = ["env@example.invalid"]
    assert services.recipients(w.dongshi.pk) == ["dongshi-lead@example.invalid", "env@example.invalid"]
    assert services.recipients(w.jinjiang.pk) == ["city-lead@example.invalid", "env@example.invalid"]
    # a report of no jurisdiction in a city (none is made any more) reaches no street's recipient
    assert services.recipients(None) == ["env@example.invalid"]
    with django_capture_on_commit_callbacks(execute=True):
        services.report_due(today=datetime.date(2026, 11, 20))
    for report in MonthlyReport.objects.select_related("jurisdiction", "email"):
        assert report.email is not None, report.jurisdiction
        to = set(report.email.to)
        own = {"xintang": w.xintang, "dongshi": w.dongshi, "city": w.jinjiang}
        expected = {r.email for name, r in kept.items() if own[name] == report.jurisdiction} | {"env@example.invalid"}
        assert to == expected, report.jurisdiction
        # the street's office sees its report's e-mail in its outbox (the system generated it)
        assert report.email.jurisdiction_id == report.jurisdiction_id
    assert OutboundEmail.objects.filter(template="reports-monthly").count() == 3


def test_a_street_on_its_own_sends_to_every_kept_recipient(personas, settings):
    settings.REPORTS_RECIPIENTS = []
    services.recipient_add(user=personas.street, email="leader@example.invalid")
    ReportRecipient.objects.create(email="old@example.invalid")  # kept before issue 19: no jurisdiction
    assert services.recipients(None) == ["leader@example.invalid", "old@example.invalid"]
