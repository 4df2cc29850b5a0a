"""Issue 13's lead defects, each a rule that one place knew and another did not."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from core.audit import timeline_for
from core.exceptions import DomainError
from core.models import AuditEntry
from leads import services
from leads.models import Lead

pytestmark = pytest.mark.django_db


def _with_pending_extension(lead_in, personas):
    lead = lead_in("verifying")
    until = lead.deadline + datetime.timedelta(days=10)
    lead = services.lead_request_extension(lead=lead, user=personas.community_a, until=until, reason="需调取流水")
    assert lead.extension_state == "requested"
    return lead


def test_closing_settles_a_pending_extension_request(lead_in, personas):
    lead = _with_pending_extension(lead_in, personas)
    deadline = lead.deadline
    lead = services.lead_feedback(lead=lead, user=personas.community_a, findings="属实")
    lead = services.lead_close(lead=lead, user=personas.street, outcome="partly")
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.extension_state == "refused" and lead.deadline == deadline
    assert any("延期申请" in e.reason for e in timeline_for(lead))
    with pytest.raises(DomainError):
        services.lead_decide_extension(lead=lead, user=personas.street, approve=True)
    assert Lead.objects.get(pk=lead.pk).deadline == deadline


def test_merging_settles_a_pending_extension_request(lead_in, personas):
    lead = _with_pending_extension(lead_in, personas)
    deadline = lead.deadline
    into = lead_in("registered")
    lead = services.lead_merge(lead=lead, into=into, user=personas.street)
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.status == "closed" and lead.extension_state == "refused" and lead.deadline == deadline
    with pytest.raises(DomainError):
        services.lead_decide_extension(lead=lead, user=personas.street, approve=True)


def test_a_pending_request_on_a_closed_lead_cannot_be_decided(client_for, lead_in, personas):
    """Even a request left pending by older data: the decision is refused on a closed lead."""
    lead = lead_in("closed")
    until = datetime.date.today() + datetime.timedelta(days=30)
    Lead.objects.filter(pk=lead.pk).update(extension_state="requested", extension_until=until)
    lead = Lead.objects.get(pk=lead.pk)
    with pytest.raises(DomainError):
        services.lead_decide_extension(lead=lead, user=personas.street, approve=True)
    client = client_for(personas.street)
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert 'data-testid="action-extension_decide"' not in page
    response = client.post(reverse("leads:action", args=[lead.pk, "extension_decide"]), {"approve": "1"})
    assert response.status_code in (403, 409)
    assert "已办结" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).deadline == lead.deadline


def test_a_receipt_code_is_not_issued_for_a_final_lead(client_for, lead_in, personas):
    lead = lead_in("closed")
    assert lead.source == "public" and lead.is_final
    before = Lead.objects.get(pk=lead.pk).receipt_hash
    client = client_for(personas.street)
    assert (
        'data-testid="action-issue_receipt"' not in client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    )
    response = client.post(reverse("leads:issue_receipt", args=[lead.pk]))
    assert response.status_code == 403
    assert "已办结" in response.content.decode()
    assert "receipt-code" not in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).receipt_hash == before
    with pytest.raises((PermissionDenied, DomainError)):
        services.lead_issue_receipt(lead=lead, user=personas.street)


def test_revealing_the_informant_needs_a_reason(client_for, lead_in, personas):
    personas.street.user_permissions.add(Permission.objects.get(codename="view_informant"))
    lead = lead_in("registered", informant_phone="13912340987")
    logged = AuditEntry.objects.filter(changes_text="查看举报人身份").count()
    response = client_for(personas.street).post(reverse("leads:reveal", args=[lead.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "13912340987" not in response.content.decode()
    assert "须说明原因" in response.content.decode() or "必填" in response.content.decode()
    assert AuditEntry.objects.filter(changes_text="查看举报人身份").count() == logged
    with pytest.raises(DomainError):
        services.lead_reveal_informant(lead=lead, user=personas.street, reason="")
