"""Form pieces shared by every app."""

from __future__ import annotations

import html

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .uploads import validate_upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, each checked by ``core.uploads.validate_upload`` (size and
    content type). ``images_only`` restricts to pictures (e.g. inspection photos)."""

    widget = MultipleFileInput

    def __init__(self, *args, images_only: bool = False, **kwargs):
        self.images_only = images_only
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("附件"))
        super().__init__(*args, **kwargs)
        if images_only:
            self.widget.attrs.setdefault("accept", "image/*")

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        errors = []
        for upload in files:
            try:
                validate_upload(upload, images_only=self.images_only)
            except forms.ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise forms.ValidationError(errors)
        return files


def _escape(text) -> str:
    """``conditional_escape`` without its lazy-string wrapper (called once per option)."""
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


class QuickOptionsMixin:
    """Renders a select's options in Python instead of one template include per option (the
    same HTML as Django's ``select.html``); a list of a few hundred options costs a fraction of
    a millisecond instead of tens. ``quick_selects(form)`` switches a form's plain selects."""

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(self.choices, RecentChoiceIterator):
            self.choices.chosen = value if isinstance(value, list | tuple) else [value]
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in options:
                value, label = _escape(option["value"]), _escape(option["label"])
                selected = " selected" if option["selected"] else ""
                parts.append(f'<option value="{value}"{selected}>{label}</option>')
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # built from format_html and escaped values


class QuickSelect(QuickOptionsMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickOptionsMixin, forms.SelectMultiple):
    pass


QUICK_WIDGETS = {forms.Select: QuickSelect, forms.SelectMultiple: QuickSelectMultiple}


def quick_selects(form):
    """Switch the form's plain ``Select``/``SelectMultiple`` widgets to the quick ones (same
    attributes, choices and HTML). Returns the form."""
    for field in form.fields.values():
        quick = QUICK_WIDGETS.get(type(field.widget))
        if quick is not None:
            field.widget.__class__ = quick
    return form


class RecentChoiceIterator(ModelChoiceIterator):
    """The first ``field.limit`` rows of the field's queryset (order it most relevant first), plus
    the rows already chosen (``chosen``, set by the quick widget when it renders): a table of
    100,000 rows renders as a short list. Validation is not affected: any row of the queryset is
    accepted."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = list(self.queryset[: self.field.limit])
        shown = {str(row.pk) for row in rows}
        # only ids that can be rows: a re-rendered form may carry whatever was posted
        chosen = getattr(self, "chosen", ())
        missing = [pk for pk in chosen if str(pk) not in shown and str(pk).isdecimal()]
        if missing:
            rows = list(self.queryset.filter(pk__in=missing)) + rows
        for row in rows:
            yield self.choice(row)

    def __len__(self):
        return sum(1 for _ in self)


class RecentChoicesMixin:
    """For choice fields over big tables: lists at most ``limit`` rows (see
    ``RecentChoiceIterator``), plus the chosen ones, which the quick widget passes on."""

    iterator = RecentChoiceIterator

    def __init__(self, *args, limit: int = 100, **kwargs):
        self.limit = limit
        super().__init__(*args, **kwargs)


class RecentModelChoiceField(RecentChoicesMixin, forms.ModelChoiceField):
    widget = QuickSelect


class RecentModelMultipleChoiceField(RecentChoicesMixin, forms.ModelMultipleChoiceField):
    widget = QuickSelectMultiple
