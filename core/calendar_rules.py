"""Who may do what with the working-day calendar (节假日安排; core/rules.py; docs/permissions.md).

The street office enters a year's State Council holiday arrangement on the calendar page
(``core:calendar_enter``; entering a year again replaces it); leaders read the page; nobody else
sees it. (``core.rules`` is the rule engine and declares nothing itself; loaded by ``core.apps``.)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import rules

rules.register(
    rules.Action(
        "core.calendar_enter",
        _("录入节假日安排"),
        model=None,
        who=rules.street_office,
        needs_reason=True,
        url="core:calendar_enter",
        doc="录入（或重新录入，替换）某年国务院办公厅节假日安排：放假日期与调休上班日；"
        "其后该年内按工作日估算的未到期期限按新安排重新计算。",
    ),
)


@rules.predicate("街道专项办或领导")
def calendar_reader(user, scope, obj) -> bool:
    return scope.sees_all


def may_read_calendar(user) -> bool:
    """The calendar page: the street office (who enters) and leaders (who read)."""
    return bool(calendar_reader(user))


def may_enter_calendar(user) -> bool:
    """The banner asking for a missing year, and the page's entry form: who may enter it."""
    return bool(rules.check(user, "core.calendar_enter"))
