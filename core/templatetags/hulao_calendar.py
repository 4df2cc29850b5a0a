"""Deadlines and the working-day calendar on a page (core/workdays.py).

``{% deadline lead.deadline lead.deadline_workdays %}`` prints a deadline (``Y-m-d``, or
``fmt="m-d"``) and, when it was counted in working days (the second argument is not None) over a
year the calendar does not cover, a "估算" badge (``text=True``: "（估算）", for plain-text
e-mails). A fixed date (typed, approved extension, the higher office's) is printed as it is.
The years covered are read once per request or e-mail (cached), not per row.

``{% calendar_banner %}`` (``base.html``): for who may enter the arrangement (the street
office), the years from today to today + ``CALENDAR_LOOKAHEAD_DAYS`` that nobody covers, with a
link to the calendar page. ``{% may_read_calendar as ok %}``: the calendar page's link.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

from core import calendar_rules, workdays

register = template.Library()

_MEMO = "_hulao_calendar_coverage"


def page_coverage(context: Any) -> workdays.Coverage:
    holder = context.get("request") or context
    found = getattr(holder, _MEMO, None)
    if found is None:
        found = workdays.coverage()
        setattr(holder, _MEMO, found)
    return found


@register.simple_tag(takes_context=True)
def deadline(
    context: Any, value: datetime.date | None, workdays_used: Any = None, fmt: str = "Y-m-d", text: bool = False
):
    if not value:
        return ""
    shown = date_filter(value, fmt)
    if workdays_used is None or not page_coverage(context).estimated(value):
        return shown
    if text:
        return f"{shown}（{gettext('估算')}）"
    return format_html(
        '{} <span class="badge text-bg-light border" title="{}" data-testid="deadline-estimated">{}</span>',
        shown,
        gettext("该年节假日安排尚未录入，期限按周一至周五估算，录入后自动重算。"),
        gettext("估算"),
    )


@register.inclusion_tag("core/_calendar_banner.html", takes_context=True)
def calendar_banner(context: Any) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not calendar_rules.may_enter_calendar(user):
        return {"missing": []}
    today = timezone.localdate()
    missing = page_coverage(context).missing(today, workdays.lookahead_end(today))
    return {"missing": missing, "url": reverse("core:calendar")}


@register.simple_tag(takes_context=True)
def may_read_calendar(context: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and calendar_rules.may_read_calendar(user))
