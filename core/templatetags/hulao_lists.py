"""Cheap per-row helpers for list pages: ``display`` and ``row_url``.

``{{ obj|display:"field" }}`` is ``obj.get_field_display()`` without its per-call cost: Django's
version rebuilds a dict of every choice and hashes each (lazy, so translated) label on each call;
this one looks the value up in a dict built once per field (the label stays lazy, so the active
language still applies)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

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
