"""Detail pages at province scale (issue 18): a page costs the same queries whatever the length of
its object's history (the timeline shows the newest ``ScopedDetailView.timeline_limit`` entries
and links to the rest), and every detail page's count is pinned."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.audit import record_action
from core.models import AuditEntry
from core.views import ScopedDetailView
from tests.cases.factories import CaseFactory, LedgerEntryFactory
from tests.factories import CampaignFactory
from tests.publicity.factories import ActivityFactory, MediaReportFactory, OpinionFactory, SurveyFactory
from tests.querycount import assert_constant_queries, count_queries
from tests.rectification.factories import InstitutionFactory, ProblemFactory

pytestmark = pytest.mark.django_db

LIMIT = ScopedDetailView.timeline_limit


def add_history(obj, n: int, actor, changes: dict | None = None) -> None:
    """``n`` more audit entries of ``obj``: accesses and updates (with ``changes``) in turn."""
    ct = ContentType.objects.get_for_model(type(obj))
    for i in range(n):
        if i % 2:
            record_action(obj, actor=actor, action_text=f"下载附件 #{i}")
        else:
            AuditEntry.objects.create(
                content_type=ct,
                object_pk=str(obj.pk),
                object_id=obj.pk,
                object_repr=str(obj)[:200],
                action=AuditEntry.Action.UPDATE,
                changes=changes or {"reason": ["", f"第{i}次"]},
                reason=f"测试记录 {i}",
                actor=actor,
            )


def test_the_timeline_shows_the_newest_entries_and_links_to_all(client_for, personas, org):
    from tests.leads.factories import LeadFactory

    lead = LeadFactory(assigned_unit=org.community_a)
    add_history(lead, LIMIT + 5, personas.street)
    client = client_for(personas.street)
    url = reverse("leads:detail", args=[lead.pk])

    page = client.get(url)
    total = AuditEntry.objects.filter(object_id=lead.pk, content_type__model="lead").count()
    assert len(page.context["timeline"]) == LIMIT < total
    assert page.content.decode().count('data-testid="timeline-entry"') == LIMIT
    assert 'data-testid="timeline-all"' in page.content.decode()
    newest = AuditEntry.objects.filter(object_id=lead.pk, content_type__model="lead").order_by("-timestamp", "-pk")
    assert [e.pk for e in page.context["timeline"]] == [e.pk for e in newest[:LIMIT]]

    everything = client.get(url + "?timeline=all")
    assert len(everything.context["timeline"]) == total
    assert 'data-testid="timeline-all"' not in everything.content.decode()


def test_a_short_history_has_no_show_all_link(client_for, personas, org):
    from tests.leads.factories import LeadFactory

    lead = LeadFactory(assigned_unit=org.community_a)
    add_history(lead, 3, personas.street)
    page = client_for(personas.street).get(reverse("leads:detail", args=[lead.pk]))
    assert 0 < len(page.context["timeline"]) <= LIMIT
    assert 'data-testid="timeline-all"' not in page.content.decode()


def test_the_lead_page_costs_the_same_with_a_long_history_related_and_similar_leads(client_for, personas, org):
    """Timeline entries (with a unit named in their changes), related, merged and similar leads
    (same subject name: the suggestions of the link panel) grow; the page's queries do not."""
    from leads.choices import Outcome
    from tests.leads.factories import LeadFactory

    lead = LeadFactory(assigned_unit=org.community_a, subject_name="福寿康养老服务中心")
    units = [str(org.community_a.pk), str(org.community_b.pk)]

    def add_rows(n):
        for _ in range(n):
            lead.related.add(LeadFactory(assigned_unit=org.community_a))
            LeadFactory(assigned_unit=org.community_a, subject_name=lead.subject_name)
            LeadFactory(merged_into=lead, outcome=Outcome.DUPLICATE, status="closed")
        add_history(lead, n, personas.street, changes={"assigned_unit": units})  # the newest entries

    count = assert_constant_queries(
        client_for(personas.street), reverse("leads:detail", args=[lead.pk]), add_rows, sizes=(5, 60)
    )
    assert count <= 17


def test_the_case_page_costs_the_same_with_a_long_history(client_for, personas):
    case = CaseFactory(institution=InstitutionFactory())

    def add_rows(n):
        add_history(case, n, personas.crackdown)
        for _ in range(n):
            LedgerEntryFactory(case=case)

    assert_constant_queries(
        client_for(personas.crackdown), reverse("cases:detail", args=[case.pk]), add_rows, expected=9, sizes=(5, 60)
    )


def _institution(org):
    return InstitutionFactory(community=org.community_a)


PAGES = [
    # (url name, how to make the object, who reads it, pinned queries)
    ("rectification:institution_detail", _institution, "street", 13),
    ("rectification:problem_detail", lambda org: ProblemFactory(), "street", 7),
    ("publicity:activity_detail", lambda org: ActivityFactory(), "street", 7),
    ("publicity:survey_detail", lambda org: SurveyFactory(), "street", 6),
    ("publicity:media_detail", lambda org: MediaReportFactory(), "street", 6),
    ("publicity:opinion_detail", lambda org: OpinionFactory(), "street", 7),
    ("organization:unit_detail", lambda org: org.community_a, "street", 9),
    ("organization:campaign_detail", lambda org: CampaignFactory(), "street", 8),
]


@pytest.mark.parametrize(("name", "make", "who", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_detail_page_queries_are_pinned_and_do_not_grow_with_the_history(
    client_for, personas, org, name, make, who, expected
):
    obj = make(org)
    actor = getattr(personas, who)
    url = reverse(name, args=[obj.pk])
    assert_constant_queries(
        client_for(actor), url, lambda n: add_history(obj, n, actor), expected=expected, sizes=(5, 60)
    )


def test_the_person_page_costs_the_same_with_a_long_history(client_for, personas):
    person = personas.community_a
    url = reverse("organization:person_detail", args=[person.pk])
    client = client_for(personas.street)
    before, _response = count_queries(client, url)
    add_history(person, 60, personas.street)
    after, response = count_queries(client, url)
    assert before == after == 10  # the sensitive-right check once, not once per action offered
    assert len(response.context["timeline"]) == LIMIT
