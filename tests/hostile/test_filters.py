"""The filter forms of every list page (and its ?export=xlsx) with hostile query strings
(hypothesis): always a page or a download, never a server error; a filter that cannot be read
comes back with a Chinese error."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from hypothesis import given
from hypothesis import strategies as st

from .strategies import CJK, HOSTILE, form_data, hostile_text

pytestmark = pytest.mark.django_db

LISTS = [
    "leads:index",
    "leads:higher",
    "leads:city",  # issue 19: the city's transferred leads (?overdue=1)
    "cases:index",
    "cases:typical",
    "cases:ledger",
    "rectification:index",
    "rectification:control_list",
    "rectification:overdue_list",
    "rectification:inspection_list",
    "rectification:problem_list",
    "rectification:plan_list",
    "publicity:activity_list",
    "publicity:survey_list",
    "publicity:media_list",
    "publicity:opinion_list",
    "organization:unit_list",
    "organization:campaign_list",
    "reports:submission_list",
    "reports:report_list",
    "reports:supervision_list",  # issue 19: by rectification state and 逾期
]


@pytest.mark.parametrize("name", LISTS)
def test_list_filters_survive_hostile_query_strings(name, personas):
    url = reverse(name)
    view = resolve(url).func.view_class
    request = RequestFactory().get(url)
    request.user = personas.street
    filterset = view.filterset_class(data=None, queryset=view.model.objects.none(), request=request)
    extra = {
        "page": st.one_of(st.just("1"), hostile_text),
        "export": st.sampled_from(["xlsx", "xlsx", "csv", "<b>"]),
        "q": hostile_text,
        "sort": hostile_text,
    }

    @HOSTILE
    @given(query=form_data(filterset.form), extra=st.fixed_dictionaries({}, optional=extra))
    def run(query, extra):
        query = {**query, **extra}
        with transaction.atomic():
            client = Client()
            client.force_login(personas.street)
            response = client.get(url, query)
            assert response.status_code in (200, 404), f"{response.status_code} for {query!r}"
            if response.status_code == 200 and response.context and response.context.get("filter") is not None:
                form = response.context["filter"].form
                for errors in form.errors.values():
                    assert all(CJK.search(str(e)) for e in errors), errors
            transaction.set_rollback(True)

    run()
