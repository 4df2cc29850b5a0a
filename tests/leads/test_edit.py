"""The staff edit page of a lead: who may use it, the audit reason, and optimistic locking (two
people editing the same lead, or a transition between opening and saving the form)."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from leads import services
from leads.models import Lead
from organization.choices import Role, UnitCode
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONFLICT = "其他人已修改了这条记录"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(response, **changes) -> dict:
    """What the browser would send back: the form's initial values, the hidden version, changes."""
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {**{k: "" if v is None else v for k, v in data.items()}, **changes}


@pytest.fixture
def second_street(org):
    return UserFactory(username="street2", unit=org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE)


def test_street_office_corrects_a_lead_with_a_reason(personas, lead_in):
    lead = lead_in("referred", summary="某保健品公司会销", money_lost="1000")
    client = signed_in(personas.street)
    detail = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert reverse("leads:update", args=[lead.pk]) in detail

    page = client.get(reverse("leads:update", args=[lead.pk]))
    assert page.status_code == 200
    fields = page.context["form"].fields
    assert "informant_name" not in fields and "status" not in fields and "source" not in fields
    response = client.post(
        reverse("leads:update", args=[lead.pk]),
        form_data(
            page, summary="某保健品公司以会销名义诈骗", money_lost="25000", elderly_affected="12", reason="电话回访更正"
        ),
    )
    assert response.status_code == 302 and response["Location"] == reverse("leads:detail", args=[lead.pk])
    lead.refresh_from_db()
    assert (lead.summary, str(lead.money_lost), lead.elderly_affected) == ("某保健品公司以会销名义诈骗", "25000.00", 12)
    assert lead.status == "referred"  # the status does not change through this page
    entry = AuditEntry.objects.filter(object_pk=str(lead.pk)).order_by("-pk").first()
    assert "电话回访更正" in entry.reason and entry.actor == personas.street


def test_a_reason_is_required(personas, lead_in):
    lead = lead_in("registered", summary="原摘要")
    client = signed_in(personas.street)
    page = client.get(reverse("leads:update", args=[lead.pk]))
    response = client.post(reverse("leads:update", args=[lead.pk]), form_data(page, summary="新摘要", reason=""))
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    lead.refresh_from_db()
    assert lead.summary == "原摘要"


def test_the_later_of_two_concurrent_edits_is_refused_and_keeps_what_was_typed(personas, second_street, lead_in):
    lead = lead_in("registered", summary="原摘要", subject_name="福寿养生馆")
    loaded_version = Lead.objects.get(pk=lead.pk).version
    first, second = signed_in(personas.street), signed_in(second_street)
    url = reverse("leads:update", args=[lead.pk])
    first_page, second_page = first.get(url), second.get(url)  # both open the form

    assert first.post(url, form_data(first_page, summary="第一人的摘要", reason="更正")).status_code == 302

    refused = second.post(
        url, form_data(second_page, summary="第二人的摘要", subject_address="幸福路8号", reason="补充")
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert CONFLICT in html and "第二人的摘要" in html and "幸福路8号" in html
    lead.refresh_from_db()
    assert lead.summary == "第一人的摘要" and lead.subject_address == "" and lead.version == loaded_version + 1

    # Having seen the message, the second person submits again on purpose: it goes through.
    resubmitted = refused.context["form"].data
    assert str(resubmitted["version"]) == str(loaded_version + 1)
    again = second.post(url, dict(resubmitted.items()))
    assert again.status_code == 302
    lead.refresh_from_db()
    assert lead.summary == "第二人的摘要" and lead.subject_address == "幸福路8号"


def test_a_transition_between_opening_and_saving_refuses_the_edit(personas, lead_in, org):
    lead = lead_in("registered", summary="原摘要")
    client = signed_in(personas.street)
    url = reverse("leads:update", args=[lead.pk])
    page = client.get(url)

    other = signed_in(personas.street)
    other.post(reverse("leads:action", args=[lead.pk, "refer"]), {"unit": org.community_a.pk, "reason": "属地"})
    lead.refresh_from_db()
    assert lead.status == "referred"

    refused = client.post(url, form_data(page, summary="改后的摘要", reason="更正"))
    assert refused.status_code == 200 and CONFLICT in refused.content.decode()
    lead.refresh_from_db()
    assert lead.summary == "原摘要" and lead.status == "referred" and lead.assigned_unit == org.community_a


@pytest.mark.parametrize(
    "action",
    [
        lambda lead, p, org: services.lead_supervise(lead=lead, user=p.street, is_major=True, supervisor=p.street),
        lambda lead, p, org: services.lead_acknowledge(lead=lead, user=p.community_a),
    ],
    ids=["supervise", "acknowledge"],
)
def test_every_write_bumps_the_version(personas, lead_in, org, action):
    lead = lead_in("referred")
    before = Lead.objects.get(pk=lead.pk).version
    action(Lead.objects.get(pk=lead.pk), personas, org)
    assert Lead.objects.get(pk=lead.pk).version == before + 1


def test_a_write_does_not_overwrite_a_concurrent_edit(personas, lead_in):
    """An action loaded before an edit saves only its own fields."""
    lead = lead_in("registered", summary="原摘要")
    stale = Lead.objects.get(pk=lead.pk)
    services.lead_update(
        lead=Lead.objects.get(pk=lead.pk),
        user=personas.street,
        reason="更正",
        expected_version=stale.version,
        summary="新摘要",
    )
    services.lead_supervise(lead=stale, user=personas.street, is_major=True, supervisor=personas.street)
    lead.refresh_from_db()
    assert lead.summary == "新摘要" and lead.is_major


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("street", 200),
        ("leader", 403),  # read-only
        ("community_a", 403),  # holds the referral: reports through its feedback, does not edit
        ("community_b", 404),  # cannot see the lead
        ("crackdown", 404),
    ],
)
def test_who_may_edit(personas, lead_in, org, persona, expected):
    lead = lead_in("referred", unit=org.community_a, summary="原摘要")
    client = signed_in(getattr(personas, persona))
    url = reverse("leads:update", args=[lead.pk])
    assert client.get(url).status_code == expected
    response = client.post(url, {"summary": "越权修改", "fraud_type": lead.fraud_type, "reason": "x", "version": 1})
    assert response.status_code == (200 if expected == 200 else expected)
    lead.refresh_from_db()
    if expected != 200:
        assert lead.summary == "原摘要"
    detail = client.get(reverse("leads:detail", args=[lead.pk]))
    if detail.status_code == 200:
        assert (reverse("leads:update", args=[lead.pk]) in detail.content.decode()) == (expected == 200)


def test_anonymous_is_sent_to_login(client, lead_in):
    lead = lead_in("registered")
    response = client.get(reverse("leads:update", args=[lead.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
