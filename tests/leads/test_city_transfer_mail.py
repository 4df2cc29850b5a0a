"""Issue 19: a lead the city transfers to a street e-mails that street office's liaison through
the outbox, with the lead's number and the city's deadline, never the informant."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.models import OutboundEmail
from leads import services
from organization.choices import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_street_office_is_told_of_a_transferred_lead(city_world, django_capture_on_commit_callbacks):
    liaison = UserFactory(
        username="dongshi_liaison", unit=city_world.x_office, role=Role.STREET_OFFICE, email="liaison@dongshi.cn"
    )
    city_world.x_office.liaison = liaison
    city_world.x_office.save()
    deadline = timezone.localdate() + datetime.timedelta(days=15)
    data = {
        "higher_reference": "晋专办〔2026〕9号",
        "higher_deadline": deadline,
        "summary": "某养生馆以体验为名推销保健品",
        "fraud_type": "product",
        "informant_name": "王秀英",  # not a field of a transfer: never stored, never mailed
        "informant_phone": "13905951234",
    }
    with django_capture_on_commit_callbacks():
        lead = services.lead_transfer(user=city_world.city, street=city_world.dongshi, data=data)
    mail = OutboundEmail.objects.get(key=f"lead-transferred:{lead.pk}")
    assert "liaison@dongshi.cn" in mail.to and mail.jurisdiction == city_world.dongshi
    assert lead.number in mail.subject and lead.number in mail.body_text
    assert deadline.isoformat() in mail.body_text and "晋专办〔2026〕9号" in mail.body_text
    assert "王秀英" not in mail.body_text + mail.subject and "13905951234" not in mail.body_text
    assert not lead.informant_name and not lead.informant_phone
    assert OutboundEmail.objects.visible_to(city_world.street_x).filter(pk=mail.pk).exists()
    assert not OutboundEmail.objects.visible_to(city_world.street).filter(pk=mail.pk).exists()


def test_a_supplement_reaches_the_office_of_the_leads_own_street(city_world, lead_in, org):
    from leads.models import Lead

    lead = lead_in("verifying", unit=org.community_a, summary="东石镇的线索")
    Lead.objects.filter(pk=lead.pk).update(jurisdiction=city_world.dongshi, assigned_unit=city_world.x_community)
    lead.refresh_from_db()
    services.lead_add_public_info(lead=lead, text="又来了一次")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    services.leads_send_digests(today=tomorrow)
    mails = {m.key: m for m in OutboundEmail.objects.filter(template="leads-digest")}
    office = mails[f"lead-digest:{city_world.x_office.pk}:{tomorrow.isoformat()}"]
    assert lead.number in office.body_text and office.jurisdiction == city_world.dongshi
    ours = f"lead-digest:{org.units['street_office'].pk}:{tomorrow.isoformat()}"
    assert ours not in mails or lead.number not in mails[ours].body_text
