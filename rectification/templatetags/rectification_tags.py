"""Risk-grade badges with the configured labels (one query per request)."""

from django import template
from django.utils.html import format_html

from rectification.services import grade_settings

register = template.Library()

CSS = {0: "grade-0", 1: "grade-1", 2: "grade-2", 3: "grade-3", 4: "grade-4"}


def _settings(context):
    request = context.get("request")
    cached = getattr(request, "_rectification_grades", None) if request is not None else None
    if cached is None:
        cached = grade_settings()
        if request is not None:
            request._rectification_grades = cached
    return cached


@register.simple_tag(takes_context=True)
def grade_label(context, grade):
    if grade is None or grade == "":
        return ""
    return _settings(context)[int(grade)].label


@register.simple_tag(takes_context=True)
def grade_badge(context, grade):
    if grade is None or grade == "":
        return ""
    grade = int(grade)
    return format_html(
        '<span class="badge grade-badge {}" data-grade="{}">{}</span>',
        CSS[grade],
        grade,
        _settings(context)[grade].label,
    )
