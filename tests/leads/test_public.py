"""The public tip form and the receipt-code pages (no login)."""

import re
import time

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.services import attachments_of
from leads import services
from leads.forms import TIMESTAMP_SALT
from leads.models import Lead, LeadSupplement

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def tip_data(**extra):
    data = {
        "description": "有人上门推销“养老床位”，收了我妈三万元定金。",
        "fraud_type": "service",
        "subject_name": "福寿康养老服务中心",
        "subject_phone": "0595-88886666",
        "money_lost": "30000",
        "elderly_affected": "3",
        "website": "",
        "started": signing.dumps(time.time() - 60, salt=TIMESTAMP_SALT),
    }
    data.update(extra)
    return data


def code_in(response) -> str:
    return re.search(r"\d{4} \d{4} \d{4} \d{4}", response.content.decode()).group(0)


def test_anonymous_tip_with_attachment_gives_a_receipt_code(client, org):
    page = client.get(reverse("tip:form"))
    assert page.status_code == 200 and b'name="website"' in page.content
    response = client.post(
        reverse("tip:form"), {**tip_data(), "files": SimpleUploadedFile("receipt.png", PNG)}, follow=True
    )
    assert response.status_code == 200
    code = code_in(response)
    lead = Lead.objects.get()
    assert lead.source == "public" and lead.channel == "web" and lead.is_anonymous
    assert lead.summary.startswith("有人上门推销") and lead.money_lost == 30000
    assert attachments_of(lead).count() == 1
    assert services.receipt_lookup(code) == lead
    assert code.replace(" ", "") not in (lead.receipt_hash + lead.receipt_index)
    # the receipt slip: a reload shows the same code (no second lead); later it is gone
    again = client.get(reverse("tip:done"))
    assert code_in(again) == code and Lead.objects.count() == 1
    assert 'data-testid="receipt-print"' in again.content.decode() and again["Cache-Control"] == "no-store"


def test_the_receipt_code_is_not_shown_again_after_a_while(client, org, settings):
    client.post(reverse("tip:form"), tip_data())
    settings.LEADS_RECEIPT_SHOW_SECONDS = -1
    assert client.get(reverse("tip:done")).status_code == 302


def test_honeypot_and_form_token(client, org, settings):
    response = client.post(reverse("tip:form"), tip_data(website="http://spam.example"))
    assert response.status_code == 200 and not Lead.objects.exists()
    # a forged or missing issue token: the form comes back with the text kept, and a fresh token
    response = client.post(reverse("tip:form"), tip_data(started="forged"))
    text = response.content.decode()
    assert "请核对后再点一次" in text and "有人上门推销" in text and not Lead.objects.exists()
    fresh = re.search(r'name="started" value="([^"]+)"', text).group(1)
    assert client.post(reverse("tip:form"), tip_data(started=fresh)).status_code == 302
    assert Lead.objects.count() == 1


def test_a_fast_honest_user_is_not_refused(client, org):
    """A relative pasting a prepared text sends the form a second after it opened."""
    page = client.get(reverse("tip:form")).content.decode()
    started = re.search(r'name="started" value="([^"]+)"', page).group(1)
    hold = re.search(r'name="hold" value="([^"]+)"', page).group(1)
    assert client.post(reverse("tip:form"), tip_data(started=started, hold=hold)).status_code == 302
    assert Lead.objects.count() == 1


def test_a_minimum_fill_time_if_set_asks_again_and_keeps_everything(client, org, settings):
    settings.LEADS_TIP_MIN_SECONDS = 5
    response = client.post(reverse("tip:form"), tip_data(started=signing.dumps(time.time(), salt=TIMESTAMP_SALT)))
    text = response.content.decode()
    assert "再点一次" in text and "有人上门推销" in text and not Lead.objects.exists()


def test_tip_form_is_rate_limited_per_address(client, org, settings):
    settings.LEADS_TIP_RATE = "2/h"
    for _ in range(2):
        assert client.post(reverse("tip:form"), tip_data()).status_code == 302
    assert client.post(reverse("tip:form"), tip_data()).status_code == 429
    assert Lead.objects.count() == 2
    other = client.post(reverse("tip:form"), tip_data(), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_receipt_lookup_is_rate_limited(client, org, settings):
    settings.LEADS_RECEIPT_RATE = "3/h"
    for _ in range(3):
        assert client.post(reverse("tip:receipt"), {"code": "1111 2222 3333 4444"}).status_code == 200
    assert client.post(reverse("tip:receipt"), {"code": "1111 2222 3333 4444"}).status_code == 429


def test_status_page_shows_public_status_only(client, client_for, personas, org):
    lead, code = services.lead_submit_tip(data={"summary": "上门推销", "description": "x", "fraud_type": "other"})
    services.lead_refer(lead=lead, user=personas.street, unit=org.community_a, reason="内部说明：交新塘社区王主任")
    services.lead_acknowledge(lead=lead, user=personas.community_a)
    services.lead_feedback(lead=lead, user=personas.community_a, findings="内部核查记录：对方法人张某")
    anon = client
    anon.logout()
    wrong = anon.post(reverse("tip:receipt"), {"code": "0000 0000 0000 0000"})
    assert "查询码不正确" in wrong.content.decode()
    response = anon.post(reverse("tip:receipt"), {"code": code}, follow=True)
    text = response.content.decode()
    assert "核查中" in text
    for secret in ("王主任", "张某", org.community_a.name, personas.community_a.name, lead.number):
        assert secret not in text
    # add information and a file
    response = anon.post(
        reverse("tip:status"), {"text": "对方又打电话来了", "files": SimpleUploadedFile("a.png", PNG)}, follow=True
    )
    assert LeadSupplement.objects.get().text == "对方又打电话来了"
    assert attachments_of(lead).count() == 1
    services.lead_close(lead=lead, user=personas.street, outcome="partly", reason="内部结论")
    text = anon.get(reverse("tip:status")).content.decode()
    assert "已办结" in text and "内部结论" not in text and "部分属实" not in text


def test_status_page_needs_a_code(client, org):
    assert client.get(reverse("tip:status")).status_code == 302


def test_login_page_links_to_the_tip_form(client, org):
    assert b'href="/tip/" data-testid="tip-link"' in client.get(reverse("login")).content
    assert reverse("tip:form") == "/tip/"
    assert client.get("/tip/").status_code == 200
