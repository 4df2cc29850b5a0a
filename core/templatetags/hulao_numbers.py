"""Numbers on pages and in e-mails, one way everywhere (``core.numbers``).

``{% load hulao_numbers %}``: ``{{ x|money }}`` (``1,148,695.33 元``), ``{{ x|rate }}`` (a share
0..1 as ``76.3%``, half-up, small rates non-zero), ``{{ x|count }}`` (``42,196``) and
``{{ x|figure:kind }}`` (by a report figure's kind). ``None`` is ``—``.
"""

from django import template

from core import numbers

register = template.Library()


@register.filter
def money(value):
    return numbers.format_money(value)


@register.filter
def money_bare(value):
    """Money without the unit, for a column whose header already says 元."""
    return numbers.format_money(value, unit=False)


@register.filter
def rate(value):
    return numbers.format_rate(value)


@register.filter
def count(value):
    return numbers.format_count(value)


@register.filter
def figure(value, kind="int"):
    return numbers.format_figure(value, kind or "int")
