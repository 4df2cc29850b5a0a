"""Issue 16 item 9: the ledger refuses what cannot be (more returned than recovered), asks for an
explicit confirmation with a reason where the law allows it (recovered or returned beyond the
amount involved: illegal gains, interest, an amount involved not yet established), and shows
the recovery rate with enough digits."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.choices import LedgerKind
from cases.models import LedgerEntry
from cases.services import ledger_add, ledger_reverse
from core.audit import timeline_for
from core.exceptions import DomainError

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today().isoformat()


def post(client, case, kind, amount, **extra):
    data = {"ledger-kind": kind, "ledger-date": TODAY, "ledger-amount": amount, "ledger-note": "台账"}
    data.update({f"ledger-{k}": v for k, v in extra.items()})
    return client.post(reverse("cases:ledger_add", args=[case.pk]), data)


def test_returned_beyond_recovered_is_refused_on_the_field_keeping_the_input(client_for, personas):
    case = CaseFactory(amount_involved=Decimal("5800000"))
    client = client_for(personas.crackdown)
    response = post(client, case, LedgerKind.RETURNED, "9000000")
    assert response.status_code == 200
    form = response.context["form"]
    assert "不能超过追缴累计" in form.errors["amount"][0]
    assert form["amount"].value() == "9000000" and form["note"].value() == "台账"
    assert not LedgerEntry.objects.exists()


def test_recovered_beyond_the_amount_involved_needs_a_confirmation_and_a_reason(client_for, personas):
    case = CaseFactory(amount_involved=Decimal("5800000"))
    client = client_for(personas.crackdown)
    response = post(client, case, LedgerKind.RECOVERED, "6000000")
    assert response.status_code == 200
    assert "超过涉案金额" in response.context["form"].errors["confirm_excess"][0]
    response = post(client, case, LedgerKind.RECOVERED, "6000000", confirm_excess="on")
    assert response.status_code == 200 and response.context["form"].errors["excess_reason"]
    assert not LedgerEntry.objects.exists()
    response = post(client, case, LedgerKind.RECOVERED, "6000000", confirm_excess="on", excess_reason="含违法所得利息")
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert any("含违法所得利息" in e.reason and "超过涉案金额" in e.reason for e in timeline_for(entry))


def test_within_the_amounts_nothing_is_asked(personas):
    case = CaseFactory(amount_involved=Decimal("100"))
    ledger_add(case=case, user=personas.crackdown, kind=LedgerKind.RECOVERED, date=datetime.date.today(), amount=100)
    ledger_add(case=case, user=personas.crackdown, kind=LedgerKind.RETURNED, date=datetime.date.today(), amount=100)
    assert case.recovery_rate() == Decimal("1")


def test_reversing_a_recovery_under_what_was_returned_is_refused(personas):
    case = CaseFactory(amount_involved=Decimal("100"))
    today = datetime.date.today()
    recovered = ledger_add(case=case, user=personas.crackdown, kind=LedgerKind.RECOVERED, date=today, amount=80)
    returned = ledger_add(case=case, user=personas.crackdown, kind=LedgerKind.RETURNED, date=today, amount=50)
    with pytest.raises(DomainError) as exc:
        ledger_reverse(entry=recovered, user=personas.crackdown, reason="录错")
    assert "请先冲正" in str(exc.value)
    ledger_reverse(entry=returned, user=personas.crackdown, reason="录错")
    ledger_reverse(entry=recovered, user=personas.crackdown, reason="录错")
    assert case.ledger_totals()[LedgerKind.RECOVERED] == 0


def test_the_rate_shows_enough_digits(client_for, personas):
    case = CaseFactory(amount_involved=Decimal("5800000"))
    today = datetime.date.today()
    ledger_add(case=case, user=personas.crackdown, kind=LedgerKind.RECOVERED, date=today, amount=Decimal("1"))
    ledger_add(case=case, user=personas.crackdown, kind=LedgerKind.RETURNED, date=today, amount=Decimal("1"))
    page = client_for(personas.crackdown).get(case.get_absolute_url()).content.decode()
    assert 'data-testid="recovery-rate">0.00002%<' in page  # 1 of 5,800,000 is not "0.0%"
    case2 = CaseFactory(amount_involved=Decimal("3"))
    ledger_add(case=case2, user=personas.crackdown, kind=LedgerKind.RECOVERED, date=today, amount=Decimal("1"))
    ledger_add(case=case2, user=personas.crackdown, kind=LedgerKind.RETURNED, date=today, amount=Decimal("1"))
    assert (
        'data-testid="recovery-rate">33.3%<'
        in client_for(personas.crackdown).get(case2.get_absolute_url()).content.decode()
    )
