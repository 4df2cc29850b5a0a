"""Cases opened from leads referred to the crackdown group; the link both ways."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.models import Case
from cases.services import case_link_leads, case_open_from_leads, eligible_leads
from core.exceptions import DomainError
from leads.choices import LeadStatus, Outcome
from leads.services import lead_acknowledge, lead_close, lead_feedback, lead_refer
from organization.choices import UnitCode
from tests.leads.factories import LeadFactory

from .factories import CaseFactory

TODAY = datetime.date.today()


def referred_to_crackdown(personas, org, **kw):
    """A lead taken through the leads app's own services: referred to the crackdown group,
    verified, fed back and closed as 属实，移送打击组."""
    lead = LeadFactory(**kw)
    group = org.units[UnitCode.GROUP_CRACKDOWN]
    lead = lead_refer(lead=lead, user=personas.street, unit=group, reason="移送打击组核查")
    lead = lead_acknowledge(lead=lead, user=personas.crackdown)
    lead = lead_feedback(lead=lead, user=personas.crackdown, findings="核查属实")
    return lead_close(lead=lead, user=personas.street, outcome=Outcome.CRACKDOWN, reason="属实")


def test_a_case_opened_from_leads_links_both_ways(personas, org):
    a = referred_to_crackdown(personas, org, money_lost=Decimal("50000"), elderly_affected=6)
    b = referred_to_crackdown(personas, org, money_lost=Decimal("25000.50"), elderly_affected=4)
    case = case_open_from_leads(
        leads=[a, b], user=personas.crackdown, date=TODAY, kind="criminal", handling_unit=org.units[UnitCode.POLICE]
    )
    assert set(case.leads.all()) == {a, b}
    assert list(a.cases.all()) == [case]
    assert case.title == a.summary and case.fraud_type == a.fraud_type
    assert case.amount_involved == Decimal("75000.50") and case.elderly_victims == 10


def test_only_leads_referred_to_the_crackdown_group(personas, org):
    unfounded = LeadFactory(
        status=LeadStatus.CLOSED, outcome=Outcome.UNFOUNDED, assigned_unit=org.units[UnitCode.GROUP_CRACKDOWN]
    )
    registered = LeadFactory()
    still_verifying = LeadFactory(status=LeadStatus.VERIFYING, assigned_unit=org.units[UnitCode.GROUP_CRACKDOWN])
    closed_ok = LeadFactory(
        status=LeadStatus.CLOSED, outcome=Outcome.CRACKDOWN, assigned_unit=org.units[UnitCode.GROUP_CRACKDOWN]
    )
    assert set(eligible_leads(personas.street)) == {still_verifying, closed_ok}
    for lead in (unfounded, registered):
        with pytest.raises(DomainError) as exc:
            case_open_from_leads(
                leads=[lead], user=personas.street, date=TODAY, kind="civil", handling_unit=org.units[UnitCode.POLICE]
            )
        assert exc.value.code == "lead_not_eligible"
    assert not Case.objects.exists()
    # a lead the user cannot see is refused as well
    hidden = LeadFactory(status=LeadStatus.CLOSED, outcome=Outcome.CRACKDOWN)
    with pytest.raises(DomainError):
        case_link_leads(case=CaseFactory(), leads=[hidden], user=personas.crackdown)


def test_create_page_preselects_leads_and_the_case_page_lists_them(client_for, personas, org):
    lead = referred_to_crackdown(personas, org)
    client = client_for(personas.crackdown)
    response = client.get(reverse("cases:create") + f"?leads={lead.pk}")
    assert response.context["form"].initial["title"] == lead.summary
    data = {
        "source_leads": [lead.pk],
        "title": lead.summary,
        "kind": "criminal",
        "fraud_type": lead.fraud_type,
        "handling_unit": org.units[UnitCode.POLICE].pk,
        "suspects": 1,
        "detained": 0,
        "victims": 2,
        "elderly_victims": 2,
        "amount_involved": "1000",
        "stability_risk": "low",
        "date": TODAY.isoformat(),
    }
    response = client.post(reverse("cases:create"), data)
    case = Case.objects.get()
    assert response.status_code == 302 and list(case.leads.all()) == [lead]
    page = client.get(case.get_absolute_url()).content.decode()
    assert reverse("leads:detail", args=[lead.pk]) in page and lead.number in page
