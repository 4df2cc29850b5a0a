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
        # issue 18: the panels' selects share one read of each list, related and merged leads are
        # one query, the permissions one query, the calendar read only for an open deadline
        ("street", "registered", True, 13),  # was 17
        ("street", "registered", False, 12),  # an anonymous tip: no permission query (was 15)
        ("street", "fed_back", True, 13),  # was 18
        ("street", "closed", True, 14),  # was 18
        ("community_a", "verifying", True, 11),  # was 14
        ("leader", "referred", True, 12),  # was 14
    ],
)
def test_detail_page_queries_are_pinned(client_for, personas, lead_in, persona, status, named, expected):
    data = {"informant_phone": "13900000000"} if named else {}
    lead = lead_in(status, **data)
    count, response = count_queries(client_for(getattr(personas, persona)), reverse("leads:detail", args=[lead.pk]))
    assert response.context["panels"] is not None
    assert count <= expected, f"{persona} on a {status} lead: {count} queries"
