"""``{% url %}`` for every template, with the URLs that take no argument reversed once per process.

A page's menus, tabs and buttons name two or three dozen URLs without arguments (``{% url
'leads:index' %}``): Django resolves each pattern again on every render. This ``url`` tag (a
template builtin, ``TEMPLATES["OPTIONS"]["builtins"]``, so it replaces Django's everywhere) is
Django's own tag; only when the name is a literal and there are no arguments, it keeps the result,
keyed by the name, the current application namespace, the script prefix and the URLconf (the
same inputs ``reverse`` reads; this project has no per-language URL prefixes). A URL with
arguments, or a name from a variable, is reversed as before."""

from __future__ import annotations

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

_URLS: dict[tuple, str] = {}


class CachedURLNode(URLNode):
    def render(self, context):
        if self.args or self.kwargs or not isinstance(self.view_name.var, str) or self.view_name.filters:
            return super().render(context)
        name = self.view_name.var  # a literal: FilterExpression keeps the unquoted string
        current_app = None
        request = context.get("request")
        if request is not None:
            current_app = getattr(request, "current_app", None)
            if current_app is None and getattr(request, "resolver_match", None) is not None:
                current_app = request.resolver_match.namespace
        key = (name, current_app, get_script_prefix(), get_urlconf())
        url = _URLS.get(key)
        if url is None:
            try:
                url = reverse(name, current_app=current_app)
            except Exception:
                return super().render(context)  # Django's own error handling (and ``as`` → "")
            _URLS[key] = url
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    node.__class__ = CachedURLNode
    return node
