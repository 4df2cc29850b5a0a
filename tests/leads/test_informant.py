"""Informant protection: encrypted at rest, revealed only by a logged POST with the permission,
and absent from lists, exports, e-mails, admin pages and the audit trail."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from core import rules
from core.models import AuditEntry, OutboundEmail
from leads import services
from leads.models import Lead

pytestmark = pytest.mark.django_db

PHONE = "13912340987"
NAME = "林秀英"
ID_NUMBER = "350582195001011234"


@pytest.fixture
def planted(personas, org):
    lead, _ = services.lead_create(
        user=personas.street,
        data={
            "source": "public",
            "channel": "phone",
            "summary": "实名举报",
            "informant_name": NAME,
            "informant_phone": PHONE,
            "informant_id_number": ID_NUMBER,
            "informant_address": "新塘街道某路8号",
        },
    )
    lead = services.lead_refer(lead=lead, user=personas.street, unit=org.community_a)
    Lead.objects.filter(pk=lead.pk).update(deadline=datetime.date(2020, 1, 1))
    return lead


def secrets_in(text: str) -> list[str]:
    return [s for s in (PHONE, NAME, ID_NUMBER, "某路8号") if s in text]


def test_raw_sql_holds_no_plaintext(planted):
    with connection.cursor() as cursor:
        cursor.execute("SELECT informant_name, informant_phone, informant_id_number, informant_address FROM leads_lead")
        row = cursor.fetchone()
    assert not secrets_in(" ".join(row))
    assert Lead.objects.get().informant_phone == PHONE


def test_reveal_needs_street_office_and_permission_and_is_logged(client_for, personas, planted):
    url = reverse("leads:reveal", args=[planted.pk])
    street = client_for(personas.street)
    assert street.post(url, {"reason": "核实"}).status_code == 403
    assert "reveal" not in rules.allowed(personas.street, planted)
    personas.street.user_permissions.add(Permission.objects.get(codename="view_informant"))
    from organization.models import User

    street_user = User.objects.get(pk=personas.street.pk)
    form_page = street.get(url)  # the form asking for the reason; revealing is a deliberate POST
    assert form_page.status_code == 200 and not secrets_in(form_page.content.decode())
    assert not AuditEntry.objects.filter(changes_text="查看举报人身份").exists()
    detail = street.get(reverse("leads:detail", args=[planted.pk])).content.decode()
    assert not secrets_in(detail) and 'data-testid="action-reveal"' in detail
    response = street.post(url, {"reason": "需联系举报人补充材料"})
    assert response.status_code == 302 and PHONE not in response.content.decode()  # shown on a GET page, once
    response = street.get(response["Location"])
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(changes_text="查看举报人身份")
    assert entry.actor == street_user and entry.object_id == planted.pk and entry.reason == "需联系举报人补充材料"
    # a community user with the permission still may not
    personas.community_a.user_permissions.add(Permission.objects.get(codename="view_informant"))
    assert client_for(personas.community_a).post(url).status_code == 403


def test_no_informant_data_in_lists_exports_emails_admin_or_audit(client_for, personas, planted, org):
    org.community_a.liaison = personas.community_a
    org.community_a.save()
    higher, _ = services.lead_create(
        user=personas.street,
        data={"source": "higher", "summary": "上级转办实名", "higher_reference": "R-9", "informant_phone": PHONE},
    )
    services.lead_close(lead=higher, user=personas.street, outcome="partly")
    services.leads_escalate()
    services.leads_send_digests()
    assert OutboundEmail.objects.filter(key__startswith="lead-digest:").count() == 1
    for mail in OutboundEmail.objects.all():
        assert not secrets_in(mail.subject + mail.body_text + mail.body_html)
    for entry in AuditEntry.objects.all():
        assert not secrets_in(str(entry.changes) + entry.changes_text + entry.reason + entry.object_repr)
    personas.street.is_staff = True
    personas.street.is_superuser = True
    personas.street.save()
    client = client_for(personas.street)
    pages = [
        reverse("leads:index"),
        reverse("leads:detail", args=[planted.pk]),
        reverse("leads:deadlines"),
        reverse("admin:leads_lead_changelist"),
        reverse("admin:leads_lead_change", args=[planted.pk]),
    ]
    for url in pages:
        assert not secrets_in(client.get(url).content.decode()), url
    assert not secrets_in(client.get(reverse("leads:related") + "?subject_name=x").content.decode())
    exports = [reverse("leads:index") + q for q in ("", "?deadline_state=overdue", "?source=public")]
    exports.append(reverse("leads:higher"))
    assert higher in client.get(reverse("leads:higher")).context["object_list"]
    for query in exports:
        data = b"".join(client.get(query + ("&" if "?" in query else "?") + "export=xlsx").streaming_content)
        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        cells = " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
        assert not secrets_in(cells)
    # the admin search cannot find a lead by the informant's phone
    response = client.get(reverse("admin:leads_lead_changelist") + f"?q={PHONE}")
    assert planted.number not in response.content.decode()
