"""Forms rendered in Python, for the pages where crispy-forms' nested templates cost more than the
page itself (a list's filter, the action panels of a detail page; issue 9):

- ``{{ field|quick_field }}``: one field with the markup crispy-forms' Bootstrap 5 pack gives
  ``as_crispy_field`` (wrapper, label, widget with Bootstrap classes, errors, help text);
- ``{{ form|quick_form }}``: a whole compact form (small controls), non-field errors first.

Both draw widgets with ``render_widget``: plain inputs, text areas, checkboxes and selects are
built without a template (selects through ``core.forms.render_select``); other widgets as usual.
Full form pages use crispy-forms (``{{ form|crispy }}``)."""

from __future__ import annotations

from django import forms, template
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.forms import QuickBooleanWidget, QuickOptionsMixin, render_select

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
    html = mark_safe(render_widget(field, css=" ".join(c for c in classes if c)))  # no widget template
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


def _css(widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select form-select-sm"
    return "form-control form-control-sm"


def render_widget(field, css: str | None = None) -> str:
    """The widget's HTML: the same markup as Django's widget templates for plain inputs, text
    areas, checkboxes and single selects, built without a template; other widgets as usual.
    ``css``: the class attribute as given (``quick_field``'s), instead of the compact one."""
    widget = field.field.widget
    if css is not None:
        attrs = {"class": css}
    else:
        attrs = {"class": f"{widget.attrs.get('class', '')} {_css(widget)}".strip()}
        if field.errors:
            attrs["class"] += " is-invalid"
    plain = isinstance(widget, Input | forms.Textarea | forms.CheckboxInput | forms.Select) and not isinstance(
        widget, forms.FileInput | forms.SelectMultiple | forms.RadioSelect
    )
    if not plain:
        return field.as_widget(attrs=attrs)
    if isinstance(widget, forms.Select):
        quick = isinstance(widget, QuickOptionsMixin | QuickBooleanWidget)
        if not (quick or type(widget) is forms.Select):
            return field.as_widget(attrs=attrs)  # a select with its own render()
        select_attrs = field.build_widget_attrs({**attrs})
        if field.auto_id and "id" not in widget.attrs:
            select_attrs.setdefault("id", field.auto_id)
        if field.errors:
            select_attrs["aria-invalid"] = "true"
        if quick:  # the quick widgets render with render_select, after their own value mapping
            return widget.render(field.html_name, field.value(), select_attrs)
        return render_select(widget, field.html_name, field.value(), select_attrs)
    ctx = widget.get_context(field.html_name, field.value(), field.build_widget_attrs({**attrs}))["widget"]
    if field.auto_id and "id" not in ctx["attrs"]:
        ctx["attrs"]["id"] = field.auto_id
    if field.errors:
        ctx["attrs"]["aria-invalid"] = "true"
    html_attrs = mark_safe(flatatt(ctx["attrs"]))
    if isinstance(widget, forms.Textarea):
        return format_html('<textarea name="{}"{}>\n{}</textarea>', ctx["name"], html_attrs, ctx["value"] or "")
    if ctx["value"] is None:
        return format_html('<input type="{}" name="{}"{}>', ctx["type"], ctx["name"], html_attrs)
    return format_html('<input type="{}" name="{}" value="{}"{}>', ctx["type"], ctx["name"], ctx["value"], html_attrs)


@register.filter
def quick_form(form, wrapper_class: str = "mb-2"):
    """``{{ form|quick_form }}`` (``{{ form|quick_form:"col-6 mb-2" }}``): every field of a compact
    form (a list's filter, an action panel of a detail page) as labelled Bootstrap fields with
    errors and help text, the non-field errors on top."""
    parts = []
    for field in form:
        widget_html = render_widget(field)
        if field.is_hidden:
            parts.append(widget_html)
            continue
        errors = format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in field.errors))
        help_text = format_html('<div class="form-text">{}</div>', field.help_text) if field.help_text else ""
        if isinstance(field.field.widget, forms.CheckboxInput):
            body = format_html(
                '<div class="form-check">{} <label class="form-check-label" for="{}">{}</label></div>',
                widget_html,
                field.id_for_label,
                field.label,
            )
        else:
            required = mark_safe('<span class="text-danger">*</span>') if field.field.required else ""
            body = format_html(
                '<label class="form-label small mb-1" for="{}">{}{}</label>{}',
                field.id_for_label,
                field.label,
                required,
                widget_html,
            )
        parts.append(format_html('<div class="{}">{}{}{}</div>', wrapper_class, body, help_text, errors))
    for error in form.non_field_errors():
        parts.insert(0, format_html('<div class="alert alert-danger py-1 small">{}</div>', error))
    return mark_safe("\n".join(str(p) for p in parts))
