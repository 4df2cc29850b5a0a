"""Issue 17 (lists you can work in, 我的待办, global search): sortable headers sort the list and
its export alike, remembered filters, page numbers, 全部; the to-do section and the search."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from leads.models import Lead
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _numbers_in_export(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheet = book.active
    header = None
    numbers = []
    for row in sheet.iter_rows(values_only=True):
        if header is None:
            if "编号" in row:
                header = row.index("编号")
            continue
        if row[header]:
            numbers.append(row[header])
    return numbers


def test_header_sort_orders_list_and_export_alike(client_for, personas, lead_in, org):
    leads = [lead_in("referred", unit=org.community_a) for _ in range(3)]
    for lead, day in zip(leads, ["2030-03-01", "2030-01-01", "2030-02-01"], strict=True):
        Lead.objects.filter(pk=lead.pk).update(deadline=day)
    client = client_for(personas.street)
    page = client.get(reverse("leads:index") + "?sort=deadline")
    shown = [x.number for x in page.context["object_list"]]
    assert shown == [leads[1].number, leads[2].number, leads[0].number]
    html = page.content.decode()
    assert 'aria-sort="ascending"' in html and "sort=-deadline" in html  # the next click descends
    export = client.get(reverse("leads:index") + "?sort=deadline&export=xlsx")
    assert _numbers_in_export(export) == shown
    descending = client.get(reverse("leads:index") + "?sort=-deadline")
    assert [x.number for x in descending.context["object_list"]] == shown[::-1]


def test_unknown_sort_key_is_ignored(client_for, personas, lead_in):
    lead_in()
    response = client_for(personas.street).get(reverse("leads:index") + "?sort=informant_name")
    assert response.status_code == 200 and 'aria-sort="ascending"' not in response.content.decode()


def test_filter_is_remembered_and_cleared(client_for, personas, lead_in):
    lead_in()
    client = client_for(personas.street)
    client.get(reverse("leads:index") + "?status=registered&sort=number")
    back = client.get(reverse("leads:index"))
    assert back.status_code == 302 and "status=registered" in back["Location"] and "sort=number" in back["Location"]
    page = client.get(back["Location"])
    assert "清除筛选" in page.content.decode()
    cleared = client.get(reverse("leads:index") + "?clear=1")
    assert cleared.status_code == 302 and cleared["Location"] == reverse("leads:index")
    assert client.get(reverse("leads:index")).status_code == 200  # nothing remembered now


def test_filters_are_remembered_per_list(client_for, personas, lead_in):
    client = client_for(personas.street)
    client.get(reverse("leads:index") + "?status=registered")
    assert client.get(reverse("cases:index")).status_code == 200


def test_empty_choices_read_all_and_yes_no_defaults_to_all(client_for, personas):
    html = client_for(personas.street).get(reverse("leads:index")).content.decode()
    assert "---------" not in html and "未知" not in html
    assert '<option value="" selected>全部</option>' in html


def test_page_numbers_with_a_jump(client_for, personas, lead_in, settings):
    for _ in range(4):
        lead_in()
    from leads.views import LeadListView

    LeadListView.paginate_by, saved = 1, LeadListView.paginate_by
    try:
        html = client_for(personas.street).get(reverse("leads:index") + "?page=2").content.decode()
    finally:
        LeadListView.paginate_by = saved
    assert 'data-testid="page-4"' in html and 'data-testid="page-1"' in html
    assert 'data-testid="page-jump"' in html and 'name="page"' in html


def test_todo_shows_a_lead_referred_to_my_unit_until_fed_back(client_for, personas, lead_in, org):
    from leads import services

    lead = lead_in("referred", unit=org.community_a)
    client = client_for(personas.community_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert lead.number in page and 'data-testid="todo-lead_sign"' in page
    assert client.get(reverse("reports:todo_count")).json()["count"] >= 1
    lead = services.lead_acknowledge(lead=lead, user=personas.community_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="todo-lead_feedback"' in page and lead.number in page
    services.lead_feedback(lead=lead, user=personas.community_a, findings="经核查，情况属实。")
    page = client.get(reverse("dashboard")).content.decode()
    assert lead.number not in page.split('data-testid="todo"')[1].split("</section>")[0]
    # the street office now has the feedback to verify
    street = client_for(personas.street).get(reverse("dashboard")).content.decode()
    assert 'data-testid="todo-lead_verify"' in street


def test_todo_count_costs_constant_queries(client_for, personas, lead_in, org):
    client = client_for(personas.community_a)

    def make(n):
        for _ in range(n):
            lead_in("referred", unit=org.community_a)

    # session, user, scope; two leads items (rows, count); measures; inspections; campaign; submission
    assert_constant_queries(client, reverse("reports:todo_count"), make, expected=11, sizes=(2, 7))


def test_search_finds_lead_by_number_and_not_outside_scope(client_for, personas, lead_in, org):
    lead = lead_in("referred", unit=org.community_a)
    mine = client_for(personas.community_a).get(reverse("reports:search"), {"q": lead.number}).content.decode()
    assert f'data-testid="result-lead">{lead.number}<' in mine
    other = client_for(personas.community_b).get(reverse("reports:search"), {"q": lead.number}).content.decode()
    assert 'data-testid="result-lead"' not in other


def test_search_never_matches_informant_data(client_for, personas, lead_in):
    lead_in(informant_name="王秘密举报人")
    html = client_for(personas.street).get(reverse("reports:search"), {"q": "王秘密"}).content.decode()
    assert "王秘密" not in html.replace('value="王秘密"', "")


def test_finished_jobs_show_in_todo(client_for, personas, monkeypatch):
    """The hook reads ``core.jobs.recent_for`` (helper jobs17) and shows only finished jobs."""
    import sys
    import types

    from reports import todo

    class FakeJob:
        def __init__(self, pk, state, title):
            self.pk, self.state, self.title = pk, state, title

        def get_absolute_url(self):
            return f"/jobs/{self.pk}/"

    fake = types.ModuleType("core.jobs")
    fake.recent_for = lambda user: [FakeJob(1, "done", "导出线索清单"), FakeJob(2, "running", "导入机构")]
    import core

    monkeypatch.setitem(sys.modules, "core.jobs", fake)
    monkeypatch.setattr(core, "jobs", fake, raising=False)
    items = {item.key: item for item in todo.todo_items(personas.street)}
    assert items["jobs"].count == 1 and items["jobs"].links == [("/jobs/1/", "导出线索清单")]
