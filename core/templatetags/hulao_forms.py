"""``{{ field|quick_field }}``: a form field with the markup crispy-forms' Bootstrap 5 pack gives
``as_crispy_field`` (wrapper, label, widget with Bootstrap classes, errors, help text), built in
Python. For filter forms on list pages, where a dozen fields through crispy's nested templates
cost more than the rows of the list."""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


def _widget_class(widget) -> str:
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    return "form-control"


@register.filter
def quick_field(field):
    widget = field.field.widget
    classes = [widget.attrs.get("class", ""), widget.__class__.__name__.lower(), _widget_class(widget)]
    if field.errors:
        classes.append("is-invalid")
    html = mark_safe(field.as_widget(attrs={"class": " ".join(c for c in classes if c)}))
    errors = format_html_join(
        "", '<div class="invalid-feedback d-block"><strong>{}</strong></div>', ((e,) for e in field.errors)
    )
    help_text = format_html('<div class="form-text">{}</div>', field.help_text) if field.help_text else ""
    if isinstance(widget, forms.CheckboxInput):
        label = format_html('<label for="{}" class="form-check-label">{}</label>', field.id_for_label, field.label)
        return format_html(
            '<div id="div_{}" class="mb-3 form-check">{}{}{}{}</div>', field.auto_id, html, label, errors, help_text
        )
    label = ""  # type: ignore[assignment]
    if field.label:
        label = format_html('<label for="{}" class="form-label">{}</label>', field.id_for_label, field.label)
    return format_html('<div id="div_{}" class="mb-3">{}{}{}{}</div>', field.auto_id, label, html, errors, help_text)
