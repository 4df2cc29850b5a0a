"""Issue 16 item 6: an informant's supplement through the receipt code reaches the unit handling
the lead and the street office: a 新补充 badge and list in the app, and the next daily digest.
Never the informant's identity, nor the supplement's text, in the notice."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import OutboundEmail
from leads import services
from leads.models import Lead

pytestmark = pytest.mark.django_db

INFORMANT = "举报人林秘密"
PHONE = "13912345678"


@pytest.fixture
def supplemented(lead_in, org, personas):
    org.community_a.liaison = personas.community_a
    org.community_a.save()
    lead = lead_in("verifying", unit=org.community_a, summary="上门推销保健品", informant_name=INFORMANT)
    quiet = lead_in("verifying", unit=org.community_a, summary="没有补充的线索")
    services.lead_add_public_info(lead=lead, text=f"又来了一次，我是{INFORMANT}，电话{PHONE}")
    return lead, quiet


def test_the_handling_unit_and_the_street_office_see_the_new_supplement(client_for, personas, supplemented):
    lead, quiet = supplemented
    for persona in (personas.community_a, personas.street):
        client = client_for(persona)
        response = client.get(reverse("leads:index") + "?new_supplement=true")
        assert [x.pk for x in response.context["object_list"]] == [lead.pk]
        html = client.get(reverse("leads:index") + "?clear=1", follow=True).content.decode()
        assert 'data-testid="new-supplement"' in html and 'data-testid="nav-new-supplement"' in html
    # another unit sees nothing of it
    response = client_for(personas.community_b).get(reverse("leads:index") + "?new_supplement=true")
    assert list(response.context["object_list"]) == []
    # a week later it is no longer new
    Lead.objects.filter(pk=lead.pk).update(supplemented_at=timezone.now() - datetime.timedelta(days=8))
    response = client_for(personas.street).get(reverse("leads:index") + "?new_supplement=true")
    assert list(response.context["object_list"]) == []


def test_the_next_digest_names_the_lead_to_both_units_without_the_informant(personas, org, supplemented):
    lead, quiet = supplemented
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    services.leads_send_digests(today=tomorrow)
    mails = {m.key: m for m in OutboundEmail.objects.filter(template="leads-digest")}
    street_office = org.units["street_office"]
    for unit in (org.community_a, street_office):
        mail = mails[f"lead-digest:{unit.pk}:{tomorrow.isoformat()}"]
        text = mail.body_text + mail.body_html
        assert lead.number in text and "举报人通过查询码补充了材料" in text
        assert quiet.number not in text
        assert INFORMANT not in text and PHONE not in text and "又来了一次" not in text
    # the day after, nothing new to tell
    OutboundEmail.objects.all().delete()
    services.leads_send_digests(today=tomorrow + datetime.timedelta(days=1))
    assert not any(personas.street.email in m.to for m in OutboundEmail.objects.all())
