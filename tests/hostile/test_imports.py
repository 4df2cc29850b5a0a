"""The Excel imports with hostile workbooks (hypothesis): wrong types, formulas, huge strings,
dates as text, empty rows, missing or extra headers. Never a server error; the page comes back
with a Chinese report per row (or one Chinese message about the file), or with the rows saved."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.factories import xlsx_upload

from .strategies import CJK, HOSTILE, PAYLOADS

pytestmark = pytest.mark.django_db

HYPOTHESIS = HOSTILE


def _cell_text(s: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", s)


cell = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(PAYLOADS).map(_cell_text),
    st.text(max_size=30).map(_cell_text),
    st.sampled_from(["=cmd|' /C calc'!A0", "=1/0", "=A1", '=HYPERLINK("http://x","y")', "=SUM(1,2)"]),
    st.builds(lambda s, n: s * n, st.sampled_from(["x", "中", "<&>"]), st.integers(200, 33000)),
    st.integers(-(2**63), 2**63),
    st.sampled_from([0, -1, 1.5, 1e20, -1e20, 1e308, 123456789012345678, True, False]),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 12, 31)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1)),
    st.sampled_from(["2026-02-30", "2026/12/31", "31.12.2026", "明天", "2026年12月31日", "45000"]),
    st.decimals(min_value=-(10**20), max_value=10**20, places=2).map(float),
)


def workbook(header: list, rows: list[list]) -> SimpleUploadedFile:
    return xlsx_upload(header, rows, "hostile.xlsx")


def headers(expected: list[str]):
    return st.one_of(
        st.just(expected),
        st.just(expected),
        st.just([*expected, "多余的列", "<script>x</script>"]),
        st.integers(0, len(expected) - 1).map(lambda i: expected[:i] + expected[i + 1 :]),
        st.permutations(expected),
        st.just([]),
    )


def rows_for(valid_row: list, width: int):
    """Rows that mix a valid row with hostile cells, and empty rows."""
    mixed = st.lists(st.tuples(st.booleans(), cell), min_size=width, max_size=width).map(
        lambda pairs: [c if hostile else valid_row[i] for i, (hostile, c) in enumerate(pairs)]
    )
    one_bad = st.tuples(st.integers(0, width - 1), cell).map(
        lambda pair: [pair[1] if i == pair[0] else c for i, c in enumerate(valid_row)]
    )
    return st.lists(
        st.one_of(one_bad, mixed, st.just([]), st.just([None] * width), st.lists(cell, max_size=width + 2)),
        max_size=6,
    )


def _assert_report(response, errors_in_context) -> None:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    form = response.context.get("form")
    if form is not None and form.errors:
        assert all(CJK.search(str(e)) for errs in form.errors.values() for e in errs), form.errors
        return
    job = response.context["job"]  # the import ran as a job (issue 17): its page holds the report
    assert job.finished and (job.state == "done" or CJK.search(job.message)), (job.state, job.message)
    for number, message in errors_in_context:
        assert CJK.search(message), message
        assert re.search(rf"<td>{number}</td>", html), f"row {number} missing from the report"


LEAD_ROW = [
    "上级-{n}",
    "某公司以养老项目名义集资",
    "",
    "养老项目",
    "某公司",
    "",
    "新塘街道某路1号",
    "13800001111",
    1000,
    2,
    "2030-01-31",
    "上级转办",
    "",
    "",
]


def test_leads_import_survives_hostile_workbooks(personas):
    from leads import imports

    expected = [str(h) for h, _f, _r in imports.COLUMNS]

    @HYPOTHESIS
    @given(header=headers(expected), rows=rows_for(LEAD_ROW, len(expected)), valid_only=st.booleans())
    def run(header, rows, valid_only):
        rows = [[c.format(n=i) if isinstance(c, str) and "{n}" in c else c for c in row] for i, row in enumerate(rows)]
        with transaction.atomic():
            client = Client()
            client.force_login(personas.street)
            data = {"file": workbook(header, rows)}
            if valid_only:
                data["valid_only"] = "on"
            response = client.post(reverse("leads:import"), data, follow=True)
            job = response.context.get("job")
            _assert_report(response, job.result.get("errors", []) if job else [])
            transaction.set_rollback(True)

    run()


INSTITUTION_ROW = [
    "康乐养生馆",
    "",
    "保健品/食品店",
    "食品、保健品",
    "新塘路1号",
    "新塘社区",
    "陈某",
    "123",
    "正常经营",
    "",
]


def test_institution_import_survives_hostile_workbooks(personas):
    from rectification import imports

    expected = [str(h) + ("*" if required else "") for _k, h, required, _w in imports.COLUMNS]

    @HYPOTHESIS
    @given(
        header=headers(expected),
        rows=rows_for(INSTITUTION_ROW, len(expected)),
        mode=st.sampled_from(["check", "all", "valid_only"]),
    )
    def run(header, rows, mode):
        with transaction.atomic():
            client = Client()
            client.force_login(personas.street)
            response = client.post(
                reverse("rectification:institution_import"),
                {"file": workbook(header, rows), "mode": mode},
                follow=True,
            )
            job = response.context.get("job")
            report = job.result if job else {}
            errors = [(number, str(e)) for number, _name, errs in report.get("invalid", []) for e in errs]
            assert all(CJK.search(str(e)) for e in report.get("file_errors", [])), report
            if report.get("file_errors"):
                assert all(str(e) in response.content.decode() for e in report["file_errors"])
            _assert_report(response, errors)
            transaction.set_rollback(True)

    run()


def test_city_transfer_import_survives_hostile_workbooks(city_world):
    """Issue 19: the city's transfer list (leads:transfer_import) with hostile workbooks."""
    from leads import imports

    expected = [str(h) for h, _f, _r in imports.TRANSFER_COLUMNS]
    deadline = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    valid = imports.transfer_template_rows(["东石镇"])[1]
    valid[1], valid[2] = "晋市转-{n}", deadline

    @HYPOTHESIS
    @given(header=headers(expected), rows=rows_for(valid, len(expected)), valid_only=st.booleans())
    def run(header, rows, valid_only):
        rows = [[c.format(n=i) if isinstance(c, str) and "{n}" in c else c for c in row] for i, row in enumerate(rows)]
        with transaction.atomic():
            client = Client()
            client.force_login(city_world.city)
            data = {"file": workbook(header, rows)}
            if valid_only:
                data["valid_only"] = "on"
            response = client.post(reverse("leads:transfer_import"), data, follow=True)
            job = response.context.get("job")
            _assert_report(response, job.result.get("errors", []) if job else [])
            transaction.set_rollback(True)

    run()


def test_imports_refuse_files_that_are_not_workbooks(personas):
    client = Client()
    client.force_login(personas.street)
    for url, extra in ((reverse("leads:import"), {}), (reverse("rectification:institution_import"), {"mode": "all"})):
        for name, content in (("x.xlsx", b"PK\x03\x04garbage"), ("x.xlsx", b""), ("x.xlsx", b"\x00" * 100)):
            response = client.post(url, {"file": SimpleUploadedFile(name, content), **extra})
            assert response.status_code == 200
            assert CJK.search(response.content.decode().split("invalid-feedback", 1)[-1][:500]), name
