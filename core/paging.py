"""The paginator of every list (issue 18): a count that stops at a cap.

``COUNT(*)`` over a visible, filtered table reads every matching row: at a million leads that
is tens of milliseconds, more than the rest of the page. ``CappedPaginator`` counts up to ``cap``
+ 1 rows only (``SELECT count(*) FROM (… LIMIT cap + 1)``, which an index stops early); beyond
the cap the page says "超过 N 条" instead of the exact figure, and the pages stop after the cap
(``num_pages`` is that of cap + 1 rows), so no page reads more than ``cap`` + ``per_page`` rows
through ``OFFSET``. Exact figures are the dashboard's and the reports' business, not a list's."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    #: Count at most this many rows (the list then reads "超过 1000 条").
    cap = 1000

    def __init__(self, *args, cap: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "query") and hasattr(rows, "order_by"):
            # unordered, only the key (no per-row annotation is computed): stops at cap + 1 rows
            return rows.order_by().values("pk")[: self.cap + 1].count()
        return super().count

    @property
    def capped(self) -> bool:
        """More rows than ``cap`` match: ``count`` is ``cap + 1``, not the number of rows."""
        return self.count > self.cap
