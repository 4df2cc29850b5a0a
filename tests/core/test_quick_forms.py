"""The cheap form pieces of list and detail pages (issue 9): quick selects render what Django's
selects render, and pickers over big tables list a few rows but accept any."""

import pytest
from django import forms
from django.template import Context, Template
from django.test.html import parse_html
from django_filters.widgets import BooleanWidget

from core.forms import (
    QuickBooleanWidget,
    QuickNullBooleanSelect,
    QuickSelect,
    QuickSelectMultiple,
    RecentModelMultipleChoiceField,
    quick_selects,
)
from organization.models import Unit

CHOICES = [("", "---------"), ("a", "甲 <b>"), ("b", "乙 & 丙"), ("c", "丁")]
GROUPED = [("", "---------"), ("组 <1>", [("a", "甲"), ("b", "乙")]), ("c", "丁")]


@pytest.mark.parametrize(
    ("plain", "quick", "value"),
    [
        (forms.Select, QuickSelect, "b"),
        (forms.Select, QuickSelect, None),
        (forms.Select, QuickSelect, "not a choice"),
        (forms.SelectMultiple, QuickSelectMultiple, ["a", "c"]),
        (forms.SelectMultiple, QuickSelectMultiple, None),
    ],
)
@pytest.mark.parametrize("choices", [CHOICES, GROUPED])
def test_a_quick_select_renders_the_same_html(plain, quick, value, choices):
    attrs = {"class": "form-select", "id": "id_x"}
    expected = plain(choices=choices).render("x", value, attrs=attrs)
    assert parse_html(quick(choices=choices).render("x", value, attrs=attrs)) == parse_html(expected)


@pytest.mark.parametrize("value", [True, False, None, "1", "0", "junk"])
def test_a_yes_no_filter_keeps_what_was_chosen(value):
    """django-filter's yes/no select, rendered the quick way: the same HTML, the same choice."""
    attrs = {"class": "form-select", "id": "id_major"}
    expected = BooleanWidget().render("major", value, attrs=attrs)
    assert parse_html(QuickBooleanWidget().render("major", value, attrs=attrs)) == parse_html(expected)


@pytest.mark.parametrize("value", [True, False, None, "true", "false", "unknown", "junk"])
def test_a_null_boolean_select_renders_the_same_html(value):
    """``BooleanFilter``'s field (``NullBooleanSelect``), rendered the quick way (issue 18)."""
    attrs = {"class": "form-select", "id": "id_major"}
    expected = forms.NullBooleanSelect().render("major", value, attrs=attrs)
    assert parse_html(QuickNullBooleanSelect().render("major", value, attrs=attrs)) == parse_html(expected)


def test_quick_selects_switches_only_plain_selects():
    class F(forms.Form):
        kind = forms.ChoiceField(choices=CHOICES)
        flag = forms.NullBooleanField()
        text = forms.CharField()

    form = quick_selects(F())
    assert type(form.fields["kind"].widget) is QuickSelect
    assert type(form.fields["flag"].widget) is QuickNullBooleanSelect  # issue 18: BooleanFilter's field
    assert type(form.fields["text"].widget) is forms.TextInput


def test_quick_field_has_label_bootstrap_class_value_and_errors():
    class F(forms.Form):
        kind = forms.ChoiceField(label="类别", choices=CHOICES)
        day = forms.DateField(label="日期", help_text="选填")

    form = quick_selects(F({"kind": "b", "day": "not a date"}))
    html = Template("{% load hulao_forms %}{{ form.kind|quick_field }}{{ form.day|quick_field }}").render(
        Context({"form": form})
    )
    assert '<label for="id_kind" class="form-label">类别</label>' in html
    assert 'class="quickselect form-select"' in html and '<option value="b" selected>' in html
    assert 'class="dateinput form-control is-invalid"' in html and 'class="invalid-feedback' in html
    assert '<div class="form-text">选填</div>' in html


@pytest.mark.django_db
def test_a_recent_picker_lists_a_few_rows_keeps_the_chosen_and_accepts_any(org):
    units = list(Unit.objects.order_by("pk"))
    oldest, newest = units[0], units[-1]

    class F(forms.Form):
        units = RecentModelMultipleChoiceField(queryset=Unit.objects.order_by("-pk"), limit=3)

    listed = [str(v) for v, _label in F().fields["units"].widget.choices]
    assert len(listed) == 3 and str(newest.pk) in listed and str(oldest.pk) not in listed

    bound = F({"units": [oldest.pk]})
    assert bound.is_valid() and list(bound.cleaned_data["units"]) == [oldest]
    html = str(bound["units"])
    assert f'<option value="{oldest.pk}" selected>' in html  # shown again although not recent
    assert html.count("<option") == 4


def test_row_url_is_the_url_of_the_row():
    from django.urls import reverse

    html = Template("{% load hulao_lists %}{% row_url 'cases:detail' 7 %}|{% row_url 'cases:detail' 12345 %}").render(
        Context()
    )
    assert html == f"{reverse('cases:detail', args=[7])}|{reverse('cases:detail', args=[12345])}"


@pytest.mark.django_db
def test_display_is_the_choice_label(org):
    from django.utils import translation

    unit = org.community_a
    html = Template('{% load hulao_lists %}{{ unit|display:"kind" }}').render(Context({"unit": unit}))
    assert html == str(unit.get_kind_display())
    with translation.override("en"):
        assert Template('{% load hulao_lists %}{{ unit|display:"kind" }}').render(Context({"unit": unit})) == str(
            unit.get_kind_display()
        )


@pytest.mark.django_db
def test_a_model_select_reads_its_choices_with_one_plain_query(org):
    """Django reads a model's choices through ``iterator()``, a server-side cursor on PostgreSQL
    (DECLARE, FETCH, CLOSE); a quick select reads the few dozen rows with one plain SELECT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    class F(forms.Form):
        unit = forms.ModelChoiceField(queryset=Unit.objects.order_by("pk"))

    form = quick_selects(F())
    with CaptureQueriesContext(connection) as captured:
        html = str(form["unit"])
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["SELECT"]
    assert html.count("<option") == Unit.objects.count() + 1


def test_quick_field_draws_plain_widgets_as_django_does():
    """``quick_field`` builds text, date, number inputs, text areas and check boxes without a
    widget template (issue 18: a detail page's forms): the same HTML as ``as_widget``."""

    class F(forms.Form):
        text = forms.CharField(label="文字", max_length=20, widget=forms.TextInput(attrs={"class": "x"}))
        day = forms.DateField(label="日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
        amount = forms.DecimalField(label="金额", min_value=0)
        note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)
        flag = forms.BooleanField(label="是否", required=False)

    for data in (None, {"text": "甲 <b>", "day": "junk", "amount": "-1", "note": "乙 & 丙", "flag": "on"}):
        form = F(data)
        if data:
            form.is_valid()
        for bound in form:
            widget = bound.field.widget
            classes = [widget.attrs.get("class", ""), widget.__class__.__name__.lower(), "form-control"]
            if bound.errors:
                classes.append("is-invalid")
            css = " ".join(c for c in classes if c)
            from core.templatetags.hulao_forms import render_widget

            assert parse_html(render_widget(bound, css=css)) == parse_html(bound.as_widget(attrs={"class": css})), (
                bound.name,
                data,
            )
