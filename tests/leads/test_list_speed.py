"""The lead list at scale (issue 9): the same number of queries with 5 and 50 rows on the plain,
filtered and text-search pages; a text search counts its matches only up to a cap; a row shows
what it showed before the per-row work moved out of the template."""

import pytest
from django.urls import reverse

from leads.views import SearchPaginator
from tests.leads.factories import LeadFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_rows(org, personas):
    def add(n):
        for i in range(n):
            LeadFactory(
                summary=f"养老公寓集资{i}",
                assigned_unit=org.community_a,
                community=org.community_b,
                filed_by_unit=org.community_b,
                supervisor=personas.street,
                is_major=i % 2 == 0,
                status="verifying",
                deadline="2020-01-01",
                informant_name="举报人",
            )

    return add


@pytest.mark.parametrize(
    "query",
    ["", "?status=verifying", "?status=verifying&page=2", "?q=%E5%85%BB%E8%80%81", "?status=verifying&sort=-deadline"],
)
def test_list_queries_do_not_grow_with_rows(client_for, personas, add_rows, query):
    client = client_for(personas.street)
    if "page=2" in query:
        add_rows(25)  # page 2 then shows 5 rows, then 25
    # 10: with the filter's list of campaigns (organization.filters_campaigns)
    assert_constant_queries(client, reverse("leads:index") + query, add_rows, expected=10)


def test_a_row_shows_its_labels_link_and_deadline(client_for, personas, add_rows, org):
    add_rows(1)
    lead = org.community_a.leads_assigned.get()
    html = client_for(personas.street).get(reverse("leads:index")).content.decode()
    assert f'href="{reverse("leads:detail", args=[lead.pk])}"' in html
    for text in ("核查中", "群众举报", "超期", "重大", org.community_a.name, org.community_b.name, lead.summary):
        assert text in html, text


def test_text_search_counts_up_to_a_cap(client_for, personas, add_rows, monkeypatch):
    monkeypatch.setattr(SearchPaginator, "cap", 30)
    add_rows(40)
    client = client_for(personas.street)
    response = client.get(reverse("leads:index") + "?q=%E5%85%BB%E8%80%81")
    paginator = response.context["paginator"]
    assert paginator.capped and paginator.count == 31
    assert len(response.context["object_list"]) == 25
    html = response.content.decode()
    assert "超过 30 条" in html and "共 31 条" not in html
    assert len(client.get(reverse("leads:index") + "?q=%E5%85%BB%E8%80%81&page=2").context["object_list"]) == 6
    # without a text search the count is exact
    response = client.get(reverse("leads:index") + "?status=verifying")
    assert response.context["paginator"].count == 40 and "共 40 条" in response.content.decode()
    # a narrow search is exact too
    response = client.get(reverse("leads:index") + "?q=%E9%9B%86%E8%B5%8439")
    assert response.context["paginator"].count == 1 and not response.context["paginator"].capped


def test_the_higher_office_report_queries_do_not_grow_with_rows(client_for, personas, org):
    def add(n):
        for i in range(n):
            LeadFactory(
                source="higher",
                higher_reference=f"市专办〔2022〕{i}号",
                status="closed",
                outcome="rectification",
                assigned_unit=org.community_a,
                community=org.community_b,
            )

    assert_constant_queries(client_for(personas.street), reverse("leads:higher"), add, expected=10)
