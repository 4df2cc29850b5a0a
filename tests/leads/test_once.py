"""A write is done once, a secret shown once (issue 16.1, core/once.py).

Reloading the answer of a POST, a double click and "back, submit again" send the same one-time
form token; the server acts on the first and sends the others to its result. A secret (a receipt
code, the informant's identity) is shown on a GET page once; reloaded, the page says it was shown
and how to get a new one, and nothing is done again."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.models import AuditEntry
from leads import services
from leads.models import Lead

pytestmark = pytest.mark.django_db

INTAKE = {
    "source": "public",
    "channel": "phone",
    "summary": "电话举报：保健品",
    "fraud_type": "product",
    "issue_receipt": "on",
    "informant_phone": "13912345678",
}


def token_of(page) -> str:
    match = re.search(r'name="_once" value="([0-9a-f]{32})"', page.content.decode())
    assert match, "the form carries a one-time token"
    return match.group(1)


def test_staff_intake_reloaded_creates_one_lead_and_shows_the_code_once(client_for, personas):
    client = client_for(personas.community_a)
    token = token_of(client.get(reverse("leads:create")))
    response = client.post(reverse("leads:create"), {**INTAKE, "_once": token})
    assert response.status_code == 302 and "/shown/" in response["Location"]
    shown = client.get(response["Location"])
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    code = shown.context["code"]
    lead = Lead.objects.get(summary=INTAKE["summary"])
    assert services.receipt_lookup(code) == lead

    again = client.get(response["Location"])  # F5 on the receipt page
    page = again.content.decode()
    assert code not in page and "已经显示过" in page and "重新发放查询码" in page
    assert again["Cache-Control"] == "no-store"

    resent = client.post(reverse("leads:create"), {**INTAKE, "_once": token})  # F5 on the POST, or a double click
    assert resent.status_code == 302 and resent["Location"] == response["Location"]
    assert Lead.objects.filter(summary=INTAKE["summary"]).count() == 1
    assert services.receipt_lookup(code) == lead  # the code was not re-issued either
    assert "未重复办理" in client.get(resent["Location"]).content.decode()


def test_a_double_post_of_an_action_acts_once(client_for, personas):
    """Two clicks on 登记 of the case's ledger form: one entry (without a token, two)."""
    import datetime

    from cases.models import LedgerEntry
    from tests.cases.factories import CaseFactory

    case = CaseFactory()
    client = client_for(personas.crackdown)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    token = re.search(r'data-testid="ledger-form">.*?name="_once" value="([0-9a-f]{32})"', page.content.decode(), re.S)
    data = {"ledger-kind": "frozen", "ledger-date": datetime.date.today().isoformat(), "ledger-amount": "300"}
    first = client.post(reverse("cases:ledger_add", args=[case.pk]), {**data, "_once": token.group(1)})
    second = client.post(reverse("cases:ledger_add", args=[case.pk]), {**data, "_once": token.group(1)})
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert LedgerEntry.objects.filter(case=case).count() == 1


def test_an_invalid_submission_does_not_use_up_its_token(client_for, personas):
    client = client_for(personas.street)
    token = token_of(client.get(reverse("leads:create")))
    refused = client.post(reverse("leads:create"), {**INTAKE, "summary": "", "_once": token})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert client.post(reverse("leads:create"), {**INTAKE, "_once": token}).status_code == 302
    assert Lead.objects.filter(summary=INTAKE["summary"]).count() == 1


def test_a_post_without_a_token_is_a_first_submission(client_for, personas):
    """Scripts and the permission matrix post without a token: accepted, each time."""
    client = client_for(personas.street)
    data = {k: v for k, v in INTAKE.items() if k != "issue_receipt"}
    assert client.post(reverse("leads:create"), data).status_code == 302
    assert client.post(reverse("leads:create"), data).status_code == 302
    assert Lead.objects.filter(summary=INTAKE["summary"]).count() == 2


def test_a_token_is_one_users_own(client_for, personas):
    token = token_of(client_for(personas.street).get(reverse("leads:create")))
    data = {k: v for k, v in INTAKE.items() if k != "issue_receipt"}
    assert client_for(personas.street).post(reverse("leads:create"), {**data, "_once": token}).status_code == 302
    assert client_for(personas.community_a).post(reverse("leads:create"), {**data, "_once": token}).status_code == 302
    assert Lead.objects.filter(summary=INTAKE["summary"]).count() == 2


def test_the_informant_is_shown_once_and_a_reload_reveals_and_logs_nothing(client_for, personas, lead_in):
    from django.contrib.auth.models import Permission

    personas.street.user_permissions.add(Permission.objects.get(codename="view_informant"))
    lead = lead_in("registered", informant_phone="13900000000")
    client = client_for(personas.street)
    response = client.post(reverse("leads:reveal", args=[lead.pk]), {"reason": "核实举报内容"})
    assert response.status_code == 302
    assert "13900000000" not in response.content.decode()
    logged = AuditEntry.objects.filter(object_id=lead.pk, action=AuditEntry.Action.ACCESS).count()
    shown = client.get(response["Location"])
    assert "13900000000" in shown.content.decode() and shown["Cache-Control"] == "no-store"
    again = client.get(response["Location"])
    assert "13900000000" not in again.content.decode() and "已经显示过" in again.content.decode()
    assert AuditEntry.objects.filter(object_id=lead.pk, action=AuditEntry.Action.ACCESS).count() == logged
    # the session keeps the identity only until it is shown, and never in clear text
    from django.contrib.sessions.models import Session

    assert not any("13900000000" in str(s.get_decoded()) for s in Session.objects.all())


def test_another_user_cannot_open_a_shown_page(client_for, personas):
    client = client_for(personas.community_a)
    response = client.post(reverse("leads:create"), INTAKE)
    assert client_for(personas.community_b).get(response["Location"]).status_code == 404
