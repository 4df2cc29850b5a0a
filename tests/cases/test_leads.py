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


@pytest.mark.parametrize("who", ["crackdown", "tribunal"])
def test_the_case_page_shows_only_the_source_leads_the_reader_may_see(client_for, personas, org, who):
    """A case's source leads are listed with their numbers and summaries only to a reader who may
    open them; the others are counted, not shown (the reader would get 404 on them)."""
    from organization.choices import Role
    from tests.factories import UserFactory

    reader = (
        personas.crackdown
        if who == "crackdown"
        else UserFactory(username="judge", unit=org.units[UnitCode.TRIBUNAL], role=Role.UNIT_LIAISON)
    )
    mine = LeadFactory(assigned_unit=org.units[UnitCode.GROUP_CRACKDOWN], summary="打击组核查的线索")
    hidden = LeadFactory(assigned_unit=org.community_a, summary="社区甲核查的线索")
    case = CaseFactory()
    case.leads.add(mine, hidden)
    client = client_for(reader)
    assert client.get(reverse("leads:detail", args=[hidden.pk])).status_code == 404
    page = client.get(case.get_absolute_url()).content.decode()
    assert hidden.number not in page and "社区甲核查的线索" not in page
    assert reverse("leads:detail", args=[hidden.pk]) not in page
    if who == "crackdown":
        assert mine.number in page and "打击组核查的线索" in page
        assert 'data-testid="case-leads-hidden"' in page and "另有 1 条" in page
    else:
        assert mine.number not in page
        assert "另有 2 条" in page

    # the street office sees them all, and no note about hidden ones
    page = client_for(personas.street).get(case.get_absolute_url()).content.decode()
    assert hidden.number in page and mine.number in page and 'data-testid="case-leads-hidden"' not in page
