"""Cheap per-row helpers for list pages.

``{{ obj|display:"field" }}`` is ``obj.get_field_display()`` without its per-call cost: Django's
version rebuilds a dict of every choice and hashes each (lazy, so translated) label on each call;
this one looks the value up in a dict built once per field (the label stays lazy, so the active
language still applies)."""

from __future__ import annotations

from django import template

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
