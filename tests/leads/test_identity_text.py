"""Issue 16 item 7: free text carries identity. The public form and the staff intake form warn when
the description looks like it holds a phone or ID number (``core.identity``), and the street office
redacts a passage (``leads.redact``): it is gone from the lead, its supplements, its audit trail,
the pages, the exports, the outbox, and (on PostgreSQL) from ``pg_dump`` of the database."""

import io
import os
import subprocess
import zipfile

import pytest
from django.db import connection
from django.urls import reverse

from core.identity import identity_hints
from core.models import AuditEntry, ExportLog, OutboundEmail
from leads import services
from leads.models import Lead, LeadSupplement
from tests.conftest import missing_service

PHONE = "13912345678"
ID_NUMBER = "350582195001011234"


def test_identity_hints_find_phone_and_id_numbers_only():
    assert identity_hints(f"我是张大爷，电话{PHONE}") == ["phone"]
    assert identity_hints("电话 139 1234 5678 和 +86 139-1234-5678") == ["phone"]
    assert identity_hints("对方座机 0595-12345678") == ["phone"]
    assert identity_hints(f"身份证{ID_NUMBER}") == ["id_number"]
    assert identity_hints(f"身份证 35058219500101123X，手机{PHONE}") == ["phone", "id_number"]
    for harmless in ("被骗了 50000 元", "2026-12-01 上午", "信用代码 91350582MA2Y3XXXX1", "共 12 位老人", ""):
        assert identity_hints(harmless) == [], harmless


@pytest.mark.django_db
def test_the_public_form_warns_and_keeps_what_was_typed(client, org):
    form = client.get(reverse("tip:form")).context["form"]
    assert 'name="keep_identity"' in client.get(reverse("tip:form")).content.decode()
    data = {
        "description": f"我是张大爷，电话{PHONE}，被骗了三万",
        "fraud_type": "service",
        "started": form.initial["started"],
    }
    response = client.post(reverse("tip:form"), data)
    assert response.status_code == 200 and not Lead.objects.exists()
    html = response.content.decode()
    assert "这里似乎写有电话号码" in html and "联系方式栏" in html
    assert f"我是张大爷，电话{PHONE}" in html  # what was typed is kept
    assert 'type="checkbox" name="keep_identity"' in html
    response = client.post(reverse("tip:form"), {**data, "keep_identity": "on"})
    assert response.status_code == 302 and Lead.objects.count() == 1


@pytest.mark.django_db
def test_the_intake_form_warns_about_an_id_number(client_for, personas):
    client = client_for(personas.street)
    data = {
        "source": "community",
        "summary": "上门推销",
        "description": f"老人身份证{ID_NUMBER}",
        "fraud_type": "product",
    }
    response = client.post(reverse("leads:create"), data)
    assert response.status_code == 200 and not Lead.objects.exists()
    assert "身份证号" in str(response.context["form"].errors["description"])
    assert client.post(reverse("leads:create"), {**data, "keep_identity": "on"}).status_code == 302


@pytest.mark.django_db
def test_only_the_street_office_redacts_and_with_a_reason(client_for, personas, lead_in):
    lead = lead_in("registered", description=f"电话{PHONE}")
    url = reverse("leads:action", args=[lead.pk, "redact"])
    assert client_for(personas.community_a).post(url, {"passage": PHONE, "reason": "x"}).status_code in (403, 404)
    assert client_for(personas.leader).post(url, {"passage": PHONE, "reason": "x"}).status_code == 403
    response = client_for(personas.street).post(url, {"passage": PHONE, "reason": ""})
    assert response.status_code == 200 and PHONE in Lead.objects.get(pk=lead.pk).description
    response = client_for(personas.street).post(url, {"passage": "不存在的话", "reason": "误填"})
    assert response.status_code == 200 and "没有找到这段文字" in response.content.decode()
    assert PHONE in Lead.objects.get(pk=lead.pk).description


def plant_and_redact(client_for, personas, org):
    """A public tip with the informant's phone in its description (its first line is the summary),
    a supplement repeating it, a feedback, a 催办 e-mail quoting the summary, a search exported;
    then the street office redacts the phone through the lead's page."""
    lead, _code = services.lead_submit_tip(
        data={
            "summary": f"我是张大爷{PHONE}",
            "description": f"我是张大爷{PHONE}\n有人上门推销保健品",
            "fraud_type": "product",
        }
    )
    services.lead_add_public_info(lead=lead, text=f"再补充：有事打{PHONE}")
    lead = services.lead_refer(lead=lead, user=personas.street, unit=org.community_a)
    lead = services.lead_acknowledge(lead=lead, user=personas.community_a)
    services.lead_urge(lead=lead, user=personas.street, reason="请尽快")
    street = client_for(personas.street)
    assert PHONE in street.get(lead.get_absolute_url()).content.decode()
    b"".join(street.get(reverse("leads:index") + f"?q={PHONE}&export=xlsx").streaming_content)
    assert OutboundEmail.objects.filter(body_text__contains=PHONE).exists()
    assert ExportLog.objects.filter(filters__q=[PHONE]).exists()

    response = street.post(
        reverse("leads:action", args=[lead.pk, "redact"]), {"passage": PHONE, "reason": "举报人电话误填在描述里"}
    )
    assert response.status_code == 302
    return Lead.objects.get(pk=lead.pk)


def assert_gone_from_the_app(client_for, personas, lead):
    assert PHONE not in lead.summary + lead.description and "【已删除】" in lead.description
    assert all(PHONE not in s.text for s in LeadSupplement.objects.filter(lead=lead))
    for persona in (personas.street, personas.community_a):
        client = client_for(persona)
        for url in (lead.get_absolute_url(), reverse("leads:index"), reverse("leads:deadlines")):
            html = client.get(url).content.decode()
            assert PHONE not in html, (persona, url)
        export = b"".join(client.get(reverse("leads:index") + "?export=xlsx").streaming_content)
        with zipfile.ZipFile(io.BytesIO(export)) as z:
            assert all(PHONE not in z.read(name).decode() for name in z.namelist())
    for entry in AuditEntry.objects.all():
        text = f"{entry.object_repr}{entry.changes_text}{entry.reason}{entry.changes}{entry.serialized_data}"
        assert PHONE not in text, entry.pk
    for mail in OutboundEmail.objects.all():
        assert PHONE not in mail.subject + mail.body_text + mail.body_html
    assert all(PHONE not in str(log.filters) for log in ExportLog.objects.all())
    # who redacted, when and why, without the text
    entry = AuditEntry.objects.filter(object_pk=str(lead.pk), reason__startswith="删除敏感内容").get()
    assert entry.actor == personas.street and entry.reason == "删除敏感内容：举报人电话误填在描述里"
    assert "删除敏感内容" in client_for(personas.street).get(lead.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_redacted_phone_is_in_no_page_export_or_email(client_for, personas, org):
    lead = plant_and_redact(client_for, personas, org)
    assert_gone_from_the_app(client_for, personas, lead)


@pytest.mark.django_db(transaction=True)
def test_a_redacted_phone_is_not_in_pg_dump(client_for, personas, org):
    if connection.vendor != "postgresql":
        missing_service("pg_dump needs PostgreSQL (DATABASE_URL=postgres://...)")
    lead = plant_and_redact(client_for, personas, org)
    db = connection.settings_dict
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"] or "postgres",
            db["NAME"],
        ],
        env={**os.environ, "PGPASSWORD": db["PASSWORD"] or ""},
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "【已删除】" in dump and lead.number in dump  # the test's rows are committed and dumped
    assert PHONE not in dump
