"""Asking the rules from a template: ``{% may "cases.create" as can_create %}`` (an action on no
object) or ``{% may "rectification.grade" institution as can_grade %}``, and
``{% action_url "rectification.grade" institution %}``. A page never decides who may act itself."""

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
