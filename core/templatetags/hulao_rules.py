"""Asking the rules from a template: ``{% may "cases.create" as can_create %}`` (an action on no
object) or ``{% may "rectification.grade" institution as can_grade %}``, and
``{% action_url "rectification.grade" institution %}``. A page never decides who may act itself.
Every form that writes has ``{% submit_once "app.verb" %}`` (a one-time token and the rule's
confirmation)."""

from __future__ import annotations

from typing import Any

from django import template

from core import rules

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context: Any, name: str, obj: Any = None) -> bool:
    request = context.get("request")
    return bool(request is not None and rules.check(request.user, name, obj))


@register.simple_tag
def action_url(name: str, obj: Any = None) -> str:
    return rules.get(name).url_for(obj) or ""


def _confirm(rule: rules.Action):
    from django.utils.translation import gettext

    return (rule.confirm, rule.label, gettext("取消"))


@register.simple_tag
def submit_once(name: str = "", when: str = "") -> str:
    """Inside a form that writes, next to ``{% csrf_token %}``: ``{% submit_once "leads.merge" %}``.

    A hidden one-time token (``core.once``: the same form sent twice acts once) and, when the
    declared action has ``confirm``, the confirmation ``static/js/forms.js`` asks before sending
    (``data-confirm`` with what will happen, the action's label for OK, 取消 for cancel). A form
    with several buttons puts ``{% confirm_attrs "app.verb" %}`` on the button that needs it;
    ``when="merge"`` asks only when that checkbox of the form is ticked."""
    from django.utils.html import format_html

    from core import once

    rule = rules.get(name) if name else None
    if rule is None or not rule.confirm:
        return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.new_token())
    return format_html(
        '<input type="hidden" name="{}" value="{}" data-confirm="{}" data-confirm-ok="{}" data-confirm-cancel="{}"'
        ' data-confirm-when="{}">',
        once.FIELD,
        once.new_token(),
        *_confirm(rule),
        when,
    )


@register.simple_tag
def confirm_attrs(name: str) -> str:
    """The confirmation of a declared action as attributes of one submit button (empty when the
    action has none)."""
    from django.utils.html import format_html

    rule = rules.get(name)
    if not rule.confirm:
        return ""
    return format_html('data-confirm="{}" data-confirm-ok="{}" data-confirm-cancel="{}"', *_confirm(rule))
