"""Revealing an informant needs a reason of a few words, and the page of reveals shows who
revealed which lead, when and why, to the grant holders, never the identity (issue 15)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from leads import services
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

NAME, PHONE = "林秀英", "13912340987"


def grant(user, *names):
    for name in names:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@pytest.fixture
def named(personas):
    def make():
        lead, _ = services.lead_create(
            user=personas.street,
            data={
                "source": "public",
                "channel": "phone",
                "summary": "实名举报",
                "informant_name": NAME,
                "informant_phone": PHONE,
            },
        )
        return lead

    return make


def test_a_reveal_needs_a_reason_of_a_few_words_and_keeps_what_was_typed(client_for, personas, named):
    grant(personas.street, "leads.view_informant")
    lead = named()
    response = client_for(personas.street).post(reverse("leads:reveal", args=[lead.pk]), {"reason": "看看"})
    page = response.content.decode()
    assert response.status_code == 200 and "至少 4 个字" in page and "看看" in page and NAME not in page
    with pytest.raises(services.DomainError):
        services.lead_reveal_informant(lead=lead, user=personas.street, reason="看看")


def test_the_reveals_page_shows_who_when_why_and_never_the_identity(client_for, personas, named):
    grant(personas.street, "leads.view_informant")
    lead = named()
    client = client_for(personas.street)
    assert (
        NAME
        in client.post(
            reverse("leads:reveal", args=[lead.pk]), {"reason": "回访举报人核实情况"}, follow=True
        ).content.decode()
    )
    page = client.get(reverse("leads:reveal_log")).content.decode()
    assert "回访举报人核实情况" in page and lead.number in page and str(personas.street) in page
    assert NAME not in page and PHONE not in page
    assert client_for(personas.leader).get(reverse("leads:reveal_log")).status_code == 403


def test_the_grant_holder_reads_the_reveals_and_the_page_costs_the_same_for_more(client_for, personas, named):
    grant(personas.street, "leads.view_informant")
    grant(personas.leader, "organization.manage_grants")  # a leader is read-only: not a grant keeper
    assert client_for(personas.leader).get(reverse("leads:reveal_log")).status_code == 403

    def add_rows(n):
        for _ in range(n):
            services.lead_reveal_informant(lead=named(), user=personas.street, reason="回访举报人核实情况")

    # 7: the reader's permissions (own and groups') are read with one query (User.has_perm)
    assert_constant_queries(client_for(personas.street), reverse("leads:reveal_log"), add_rows, expected=7)
