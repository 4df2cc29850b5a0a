"""Form pieces shared by every app."""

from __future__ import annotations

import html

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

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


def _read_at_once(queryset):
    """The queryset, with ``iterator()`` reading its rows with one plain query. Django's
    ``ModelChoiceIterator`` reads through ``iterator()``, which on PostgreSQL is a server-side
    cursor (DECLARE, FETCH, CLOSE: ~2 ms more per select); a choice list is a few dozen rows."""
    if getattr(queryset, "_read_at_once", False):
        return queryset
    clone = queryset.all()
    clone._read_at_once = True
    clone.iterator = lambda *args, **kwargs: iter(clone)  # evaluates once, into the result cache
    return clone


def _compile_options(choices):
    """``[(value text, escaped label)]`` of a flat choice list, or False for one with groups."""
    options = []
    for option_value, label in choices:
        if isinstance(label, list | tuple):
            return False
        options.append(("" if option_value is None else str(option_value), _escape(label)))
    return options


def render_select(widget, name: str, value, attrs: dict | None = None) -> str:
    """A ``Select``/``SelectMultiple``'s HTML built straight from its choices: the same markup as
    Django's ``select.html`` without a template, an option dict or an attribute copy per option
    (a filter form's selects of units and statuses were a third of a list page's time)."""
    if isinstance(widget.choices, RecentChoiceIterator):
        widget.choices.chosen = value if isinstance(value, list | tuple) else [value]  # type: ignore[attr-defined]
    elif isinstance(widget.choices, ModelChoiceIterator):
        widget.choices.queryset = _read_at_once(widget.choices.queryset)
    final_attrs = widget.build_attrs(widget.attrs, attrs)
    if widget.allow_multiple_selected:
        final_attrs["multiple"] = True
    formatted = widget.format_value(value)
    chosen = {formatted} if isinstance(formatted, str) else set(formatted)
    has_selected = False
    parts: list[str] = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]

    def option(option_value, label) -> str:
        nonlocal has_selected
        text = "" if option_value is None else str(option_value)
        selected = (not has_selected or widget.allow_multiple_selected) and text in chosen
        has_selected = has_selected or selected
        return f'<option value="{_escape(text)}"{" selected" if selected else ""}>{_escape(label)}</option>'

    compiled = getattr(widget, "compiled_options", None)
    if compiled is not None and not isinstance(widget.choices, ModelChoiceIterator):
        # a static choice list (core.filtering): its escaped options built once per language
        language = get_language()
        options = compiled.get(language)
        if options is None:
            options = compiled[language] = _compile_options(widget.choices)
        if options is not False:
            for text, html_label in options:
                selected = (not has_selected or widget.allow_multiple_selected) and text in chosen
                has_selected = has_selected or selected
                parts.append(f'<option value="{_escape(text)}"{" selected" if selected else ""}>{html_label}</option>')
            parts.append("</select>")
            return mark_safe("\n".join(parts))  # tags from format_html, every value and label escaped

    for option_value, label in widget.choices:
        if isinstance(label, list | tuple):
            parts.append(format_html('<optgroup label="{}">', option_value))
            parts.extend(option(sub_value, sub_label) for sub_value, sub_label in label)
            parts.append("</optgroup>")
        else:
            parts.append(option(option_value, label))
    parts.append("</select>")
    return mark_safe("\n".join(parts))  # tags from format_html, every value and label escaped


class QuickOptionsMixin:
    """Renders a select with ``render_select`` instead of one template include per option (the
    same HTML as Django's ``select.html``); a list of a few hundred options costs a fraction of
    a millisecond instead of tens. ``quick_selects(form)`` switches a form's plain selects."""

    def render(self, name, value, attrs=None, renderer=None):
        return render_select(self, name, value, attrs)


class QuickSelect(QuickOptionsMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickOptionsMixin, forms.SelectMultiple):
    pass


class QuickNullBooleanSelect(QuickOptionsMixin, forms.NullBooleanSelect):
    """Django's yes/no/unknown select (``BooleanFilter``'s field), rendered by ``render_select``
    (its ``format_value`` maps the value to ``true``/``false``/``unknown``)."""


class QuickBooleanWidget(BooleanWidget):
    """django-filter's yes/no select (``BooleanFilter``), rendered by ``render_select``."""

    def render(self, name, value, attrs=None, renderer=None):
        value = {True: "true", False: "false", "1": "true", "0": "false"}.get(value, "")
        return render_select(self, name, value, attrs)


QUICK_WIDGETS: dict[type, type] = {
    forms.Select: QuickSelect,
    forms.SelectMultiple: QuickSelectMultiple,
    BooleanWidget: QuickBooleanWidget,
    forms.NullBooleanSelect: QuickNullBooleanSelect,
}


def quick_selects(form):
    """Switch the form's plain ``Select``/``SelectMultiple`` widgets to the quick ones (same
    attributes, choices and HTML). Returns the form."""
    for field in form.fields.values():
        quick = QUICK_WIDGETS.get(type(field.widget))
        if quick is not None:
            field.widget.__class__ = quick
    return form


def filter_labels(form):
    """A filter form's empty choices read "全部" (not "---------"), and a yes/no filter offers
    全部 / 是 / 否 (not 未知). Returns the form."""
    everything = _("全部")
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, BooleanWidget):
            widget.choices = [("", everything), ("true", _("是")), ("false", _("否"))]
        elif isinstance(widget, forms.NullBooleanSelect):
            widget.choices = [("unknown", everything), ("true", _("是")), ("false", _("否"))]
        elif getattr(field, "empty_label", None) is not None:
            field.empty_label = everything  # the field's choice iterator reads it as it runs
            if not isinstance(field, forms.ModelChoiceField):
                widget.choices = field.choices  # the widget's copy may read the class's field
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            choices = list(field.choices)  # type: ignore[arg-type]
            if choices and choices[0][0] == "":
                field.choices = [("", everything), *choices[1:]]
    return form


class RecentChoiceIterator(ModelChoiceIterator):
    """The first ``field.limit`` rows of the field's queryset (order it most relevant first), plus
    the rows already chosen (``chosen``, set by the quick widget when it renders): a table of
    100,000 rows renders as a short list. Validation is not affected: any row of the queryset is
    accepted."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = list(self.queryset[: getattr(self.field, "limit", 100)])
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


class RecentModelChoiceField(RecentChoicesMixin, forms.ModelChoiceField):  # type: ignore[misc]
    widget = QuickSelect


class RecentModelMultipleChoiceField(RecentChoicesMixin, forms.ModelMultipleChoiceField):  # type: ignore[misc]
    widget = QuickSelectMultiple


class MoneyField(forms.DecimalField):
    """An amount in 元 as people write it: "20000", "20,000", "20000元", "2万", "2.5万元",
    "￥3,000" (issue 16). Parsed on the server, from a plain text input."""

    widget = forms.TextInput

    default_error_messages = {
        "invalid": _("请填写金额，例如 20000、2万 或 2.5万元。"),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget):
        # a text keyboard, not the numeric pad: "万" must be typeable on a phone
        return {**super().widget_attrs(widget), "placeholder": _("例如 20000 或 2万")}

    @staticmethod
    def normalise(value) -> str:
        text = "".join(str(value).split())
        for sign in ("人民币", "RMB", "rmb", "￥", "¥"):
            text = text.replace(sign, "")
        text = text.replace(",", "").replace("，", "").replace("．", ".")
        if text.endswith("元"):
            text = text[:-1]
        multiplier = 1
        if text.endswith("万"):
            text, multiplier = text[:-1], 10_000
        if multiplier != 1 and text:
            from decimal import Decimal, InvalidOperation

            try:
                number = Decimal(text)
            except InvalidOperation:
                return text + "万"  # left invalid: the field's Chinese error
            if not number.is_finite():
                return text
            return format((number * multiplier).normalize(), "f")
        return text

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = self.normalise(value)
        if not text or "e" in str(value).lower():  # "1e5" is no way to write an amount
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)
