"""The lead page's queries are pinned per persona: it asks the rules what to offer
(``rules.allowed``), which must cost no query per action (the informant permission is looked up
only for a named informant)."""

import pytest
from django.urls import reverse

from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "persona,status,named,expected",
    [
        ("street", "registered", True, 17),
        ("street", "registered", False, 15),  # an anonymous tip: no permission query
        ("street", "fed_back", True, 18),
        ("street", "closed", True, 18),
        ("community_a", "verifying", True, 14),
        ("leader", "referred", True, 14),
    ],
)
def test_detail_page_queries_are_pinned(client_for, personas, lead_in, persona, status, named, expected):
    data = {"informant_phone": "13900000000"} if named else {}
    lead = lead_in(status, **data)
    count, response = count_queries(client_for(getattr(personas, persona)), reverse("leads:detail", args=[lead.pk]))
    assert response.context["panels"] is not None
    assert count <= expected, f"{persona} on a {status} lead: {count} queries"
