"""Formatting of report figures (``core.numbers``): rates half-up with one decimal, money with
thousands separators and 元, None as —; the risk grades' chart colours."""

from django import template

from core import numbers
from rectification.choices import risk_grade_colours

register = template.Library()


@register.filter
def figure(value, kind="int"):
    return numbers.format_figure(value, kind or "int")


@register.filter
def pct(value):
    return numbers.format_rate(value)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def chart_colours(charts):
    """The Chart.js specs with ``colors`` per category where the categories are risk grades (their
    own colours, ``rectification.choices.RISK_GRADE_COLOURS``); other charts keep the palette."""
    out = []
    for spec in charts or []:
        colours = risk_grade_colours(spec.get("labels", []))
        out.append({**spec, "colors": colours} if colours else spec)
    return out
