"""Formatting of report figures: rates as percentages, money with two decimals, None as —."""

from django import template

register = template.Library()


@register.filter
def figure(value, kind="int"):
    if value is None or value == "":
        return "—"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "money":
        return f"{float(value):,.2f}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else value


@register.filter
def pct(value):
    return figure(value, "rate")


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
