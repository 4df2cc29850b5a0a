"""Cheap per-row helpers for list pages: ``display`` and ``row_url``.

``{{ obj|display:"field" }}`` is ``obj.get_field_display()`` without its per-call cost: Django's
version rebuilds a dict of every choice and hashes each (lazy, so translated) label on each call;
this one looks the value up in a dict built once per field (the label stays lazy, so the active
language still applies)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, format_html_join

register = template.Library()

_LABELS: dict = {}


def choice_label(obj, name: str):
    field = obj._meta.get_field(name)
    labels = _LABELS.get(field)
    if labels is None:
        labels = _LABELS[field] = {str(value): label for value, label in field.flatchoices}
    value = getattr(obj, field.attname)
    if value is None or value == "":
        return value
    return labels.get(str(value), value)


@register.filter
def display(obj, name: str):
    return choice_label(obj, name)


_PLACEHOLDER = "2147483647"


@lru_cache(maxsize=256)
def _url_pattern(name: str, prefix: str, urlconf) -> str:
    return reverse(name, args=[int(_PLACEHOLDER)], urlconf=urlconf)


@register.simple_tag
def row_url(name: str, pk) -> str:
    """``{% url name pk %}`` for the rows of a list: the URL is reversed once per name (and
    process) and the row's id put in, instead of resolving the pattern on every row."""
    return _url_pattern(name, get_script_prefix(), get_urlconf()).replace(_PLACEHOLDER, str(int(pk)))


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label, css: str = ""):
    """A sortable column's ``<th>``: a link that sorts the list by ``key`` (ascending, then
    descending on the next click), keeping the other query parameters, with ``aria-sort``. The
    view's ``sortable`` must name ``key`` (``ScopedListView``); the export sorts the same way."""
    request = context["request"]
    current = context.get("current_sort") or ""
    if current == key:
        state, target, arrow = "ascending", f"-{key}", "▲"
    elif current == f"-{key}":
        state, target, arrow = "descending", key, "▼"
    else:
        state, target, arrow = "none", key, ""
    query = request.GET.copy()
    for name in ("page", "sort", "clear"):
        query.pop(name, None)
    query["sort"] = target
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a class="sort-link" href="?{}" data-testid="sort-{}">{}'
        '<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        state,
        format_html(' class="{}"', css) if css else "",
        query.urlencode(),
        key,
        label,
        arrow,
    )


@register.simple_tag
def page_numbers(page_obj):
    """The page numbers to link: the first, the neighbours of the current page and the last,
    with ``None`` for a gap ("…")."""
    paginator = page_obj.paginator
    return [
        None if n == paginator.ELLIPSIS else n
        for n in paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    ]


@register.simple_tag(takes_context=True)
def query_inputs(context, *skip: str):
    """Hidden inputs carrying the request's query parameters (except ``page`` and ``skip``), for a
    small GET form such as the page jump."""
    request = context["request"]
    drop = {"page", "export", "clear", *skip}
    return format_html_join(
        "",
        '<input type="hidden" name="{}" value="{}">',
        ((name, value) for name, values in request.GET.lists() if name not in drop for value in values),
    )
