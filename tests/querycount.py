"""Queries per page must not grow with the rows (issue 9; CONVENTIONS "a test pins the list's query
count with 5 and with 50 rows"). One helper for every list page and the dashboard:

    assert_constant_queries(client, reverse("cases:index"), add_rows, expected=8)

``add_rows(n)`` adds ``n`` more rows; the page is requested once to warm the session, then its
queries are counted with 5 rows and again with 50. The count must be the same, and ``expected``
when given (so that an extra query per page shows up in review too). When the page has an
``object_list``, it must show more rows the second time: a page that lists nothing proves nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

SIZES = (5, 50)


def count_queries(client, url: str, before: Callable[[], None] | None = None):
    """(number of queries, response) of one GET of ``url`` after a warm-up request.

    ``before`` runs just before the counted request (e.g. ``cache.clear`` for cached pages)."""
    client.get(url)  # warm the session and the user's scope
    if before is not None:
        before()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries), response


def _shown(response) -> int | None:
    context = getattr(response, "context", None)
    if context is None:
        return None
    try:
        rows = context["object_list"]
    except KeyError:
        return None
    return len(rows)


def counts_for_rows(client, url: str, add_rows: Callable[[int], object], sizes=SIZES, before=None):
    """The query counts of ``url`` with each number of rows in ``sizes`` (and the rows shown)."""
    made, counts, shown = 0, [], []
    for size in sizes:
        add_rows(size - made)
        made = size
        count, response = count_queries(client, url, before=before)
        counts.append(count)
        shown.append(_shown(response))
    return counts, shown


def assert_constant_queries(
    client, url: str, add_rows: Callable[[int], object], expected: int | None = None, sizes=SIZES, before=None
) -> int:
    """Fail unless ``url`` costs the same number of queries with 5 and with 50 rows."""
    counts, shown = counts_for_rows(client, url, add_rows, sizes=sizes, before=before)
    assert len(set(counts)) == 1, f"{url}: {counts} queries with {list(sizes)} rows (N+1?)"
    if expected is not None:
        assert counts[0] == expected, f"{url}: {counts[0]} queries, pinned at {expected}"
    if shown[0] is not None:
        assert 0 < shown[0] < shown[-1], f"{url}: rows shown {shown} with {list(sizes)} rows"
    return counts[0]
