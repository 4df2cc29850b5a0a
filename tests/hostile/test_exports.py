"""Exports (?export=xlsx) of hostile text: the download never fails, and text that a spreadsheet
would run as a formula (starting with =, +, -, @, a tab or a carriage return) is written as text."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from .strategies import HOSTILE, PAYLOADS

pytestmark = pytest.mark.django_db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.sampled_from(FORMULA_STARTS).flatmap(lambda c: st.text(max_size=20).map(lambda s: c + s)),
    st.text(min_size=1, max_size=30),
).filter(lambda s: "\x00" not in s and s.strip())  # the forms refuse NUL; blank values are not stored


def _cells(response) -> list:
    assert response.status_code == 200, response.status_code
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [c for row in wb.active.iter_rows(min_row=2) for c in row]


@HOSTILE
@given(value=text)
def _never_a_formula(personas, org, value):
    from tests.cases.factories import CaseFactory
    from tests.leads.factories import LeadFactory
    from tests.publicity.factories import ActivityFactory
    from tests.rectification.factories import InstitutionFactory, ProblemFactory

    with transaction.atomic():
        LeadFactory(summary=value[:200], subject_name=value[:200], findings=value)
        CaseFactory(title=value[:200])
        institution = InstitutionFactory(name=value[:200], address=value[:300])
        ProblemFactory(institution=institution, description=value)
        ActivityFactory(community=org.community_a, organiser=org.community_a, title=value[:200])
        client = Client()
        client.force_login(personas.street)
        for name in (
            "leads:index",
            "cases:index",
            "rectification:index",
            "rectification:problem_list",
            "publicity:activity_list",
        ):
            cells = _cells(client.get(reverse(name), {"export": "xlsx"}))
            assert all(c.data_type != "f" for c in cells), name
            texts = [c.value for c in cells if isinstance(c.value, str)]
            assert not [t for t in texts if t.startswith(FORMULA_STARTS)], name
            if value.isprintable():
                shown = ("'" + value if value.startswith(FORMULA_STARTS) else value.strip())[:10]
                assert any(shown in t for t in texts), f"{value!r} missing from {name}"
        transaction.set_rollback(True)


def test_exports_never_write_a_formula(personas, org):
    _never_a_formula(personas, org)
