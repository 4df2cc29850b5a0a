"""``manage.py check`` warns when the calendar does not know a year it needs soon (core/workdays.py).

A warning, not an error: the app still counts Monday–Friday there and marks those deadlines
"估算". It reads the database, so it is a database check: ``migrate`` runs it (every deploy), and
``manage.py check --database default``; plain ``check`` (and ``check --deploy``) does not. Without
a database, or before the table exists, it says nothing.
"""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.database)
def calendar_years(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from . import workdays

    try:
        missing = workdays.missing_years(fresh=True)
    except DatabaseError:  # no database, no table yet: nothing to say
        return []
    if not missing:
        return []
    years = ", ".join(str(y) for y in missing)
    return [
        checks.Warning(
            f"The working-day calendar does not know {years}: deadlines there are estimated on Monday-Friday.",
            hint=f"The street office enters the State Council's holiday arrangement of {years} on the page "
            "/calendar/enter/ (or: 节假日安排 → 录入). See docs/operations.md, 'Working-day calendar'.",
            id="core.W001",
        )
    ]
