"""The timeline of a record says "（空）" for a value that was empty, not Python's "None"."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_empty_value_before_a_change_reads_as_empty(org, personas, client_for):
    from leads import services

    lead, _ = services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "x", "description": "y"}
    )
    services.lead_refer(lead=lead, user=personas.street, unit=org.community_a)
    page = client_for(personas.street).get(f"/leads/{lead.pk}/").content.decode()
    timeline = page[page.index('data-testid="audit-timeline"') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert "→" in timeline and "None" not in timeline
    assert "（空） → 新塘社区" in timeline
