"""The monthly report's recipients are kept by the street office in the app (people and offices,
the city office too), ``REPORTS_RECIPIENTS`` adds to them; the e-mail has an HTML and a text
part; reminders go to a unit's liaisons."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from core.models import AuditEntry, OutboundEmail
from reports import services
from reports.choices import ReportStatus
from reports.models import ReportRecipient

NOV = datetime.date(2026, 11, 1)
SITE = "https://hulao.example.org"


def test_the_street_office_adds_edits_deactivates_and_activates_recipients(personas, client_for, settings):
    settings.REPORTS_RECIPIENTS = ["env@example.invalid"]
    client = client_for(personas.street)
    page = client.get(reverse("reports:recipient_list")).content.decode()
    assert 'data-testid="recipient-add-form"' in page and "env@example.invalid" in page

    response = client.post(
        reverse("reports:recipient_add"), {"email": "city@example.invalid", "name": "区专项办", "note": "每月抄送"}
    )
    assert response.status_code == 302
    city = ReportRecipient.objects.get(email="city@example.invalid")
    assert services.recipients() == ["city@example.invalid", "env@example.invalid"]

    response = client.post(
        reverse("reports:recipient_edit", args=[city.pk]),
        {"email": "city-office@example.invalid", "name": "区专项办", "note": ""},
    )
    assert response.status_code == 302
    assert services.recipients() == ["city-office@example.invalid", "env@example.invalid"]

    assert client.post(reverse("reports:recipient_deactivate", args=[city.pk])).status_code == 302
    assert services.recipients() == ["env@example.invalid"]
    page = client.get(reverse("reports:recipient_list")).content.decode()
    assert "city-office@example.invalid" in page and 'data-testid="recipient-activate"' in page
    assert client.post(reverse("reports:recipient_activate", args=[city.pk])).status_code == 302
    assert "city-office@example.invalid" in services.recipients()
    # every change is in the audit trail
    assert AuditEntry.objects.filter(object_pk=str(city.pk), content_type__model="reportrecipient").count() >= 4


def test_a_second_recipient_with_the_same_address_is_a_form_error(personas, client_for):
    ReportRecipient.objects.create(email="city@example.invalid")
    response = client_for(personas.street).post(reverse("reports:recipient_add"), {"email": "city@example.invalid"})
    assert response.status_code == 200 and ReportRecipient.objects.count() == 1
    assert "已存在" in response.content.decode()


@pytest.mark.parametrize("persona", ["leader", "community_a", "liaison"])
def test_only_the_street_office_keeps_recipients_and_only_it_and_leaders_see_them(personas, client_for, persona):
    city = ReportRecipient.objects.create(email="city@example.invalid", name="区专项办")
    client = client_for(getattr(personas, persona))
    page = client.get(reverse("reports:recipient_list")).content.decode()
    assert 'data-testid="recipient-add-form"' not in page
    assert ("city@example.invalid" in page) == (persona == "leader")
    assert client.post(reverse("reports:recipient_add"), {"email": "x@example.invalid"}).status_code == 403
    edit = client.post(reverse("reports:recipient_edit", args=[city.pk]), {"email": "y@example.invalid"})
    assert edit.status_code == (403 if persona == "leader" else 404)
    assert list(ReportRecipient.objects.values_list("email", flat=True)) == ["city@example.invalid"]


def test_a_report_without_recipients_links_to_the_recipients_page_then_goes_to_them(
    campaign, personas, client_for, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_RECIPIENTS = []
    settings.SITE_URL = SITE
    report = services.report_generate(month=NOV)
    assert report.status == ReportStatus.READY and report.email is None
    client = client_for(personas.street)
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="report-mail-none"' in page
    assert f'href="{reverse("reports:recipient_list")}" data-testid="report-recipients-link"' in page

    client.post(reverse("reports:recipient_add"), {"email": "city@example.invalid", "name": "区专项办"})
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV)
    assert report.email.to == ["city@example.invalid"] and len(django_mail.outbox) == 1
    sent = django_mail.outbox[0]
    link = f"{SITE}/reports/monthly/{report.pk}/"
    assert link in sent.body and "统计期" in sent.body  # the plain-text part
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html and "<table" in html  # figures and a link


def test_reminders_go_to_the_units_liaisons_not_only_its_mailbox(campaign, org, personas):
    from organization.choices import UnitCode

    org.community_a.liaison = personas.community_a
    org.community_a.save()
    assert services.reminders_send(today=datetime.date(2026, 11, 17)) >= 2
    mails = OutboundEmail.objects.filter(template="reports-reminder")
    by_key = {m.key: m.to for m in mails}
    assert by_key[f"submission-reminder:{org.community_a.pk}:2026-11"] == ["community_a@example.invalid"]
    assert by_key[f"submission-reminder:{org.community_b.pk}:2026-11"] == ["community_b@example.invalid"]
    market = org.units[UnitCode.MARKET_REGULATION]
    assert by_key[f"submission-reminder:{market.pk}:2026-11"] == ["liaison@example.invalid"]


def test_the_environments_recipients_are_not_shown_to_units(client_for, personas, settings):
    settings.REPORTS_RECIPIENTS = ["city-office@example.invalid"]
    from django.urls import reverse

    url = reverse("reports:recipient_list")
    assert "city-office@example.invalid" in client_for(personas.street).get(url).content.decode()
    assert "city-office@example.invalid" not in client_for(personas.community_a).get(url).content.decode()
