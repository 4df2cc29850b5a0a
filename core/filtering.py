"""A list's FilterSet built once per process, bound per request (issue 18).

django-filter deep-copies every filter of a FilterSet on each request (querysets, choice lists,
extra kwargs: hundreds of ``deepcopy`` calls), builds a new form class from them, and Django then
deep-copies that form's fields again. ``fast_filterset(FilterSetClass)`` returns a subclass that

- copies each filter shallowly per request (its own ``parent``, ``model`` and method binding, the
  declared options shared, as they are never changed after the class is built);
- builds the form class once per FilterSet class and language (labels django-filter derives
  from a model's ``verbose_name`` are plain text in the language they were made in), with the
  list's quick widgets (``core.forms.quick_selects``) and "全部" labels (``filter_labels``)
  already applied;
- gives each form its own shallow copies of those fields (own widget and attributes, own model
  choice ``queryset``), never the prototype's.

What depends on the request is still resolved per request: a model choice filter's queryset
(a callable ``queryset(request)``, e.g. the units the user may see, is called for every form;
a plain queryset is cloned, so its rows are read again), the bound data, validation and the
filtered queryset. Nothing read from the database is kept: a unit added, renamed or deactivated
shows in the next request's filter. The cache holds only classes and field prototypes; it is
rebuilt when the process starts (code changes mean a restart).
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.utils.translation import get_language
from django_filters.filters import QuerySetRequestMixin

from .forms import filter_labels, quick_selects

_FAST: dict[type, type] = {}


class _Fields:
    """Lets ``quick_selects``/``filter_labels`` work on a form class's ``base_fields``."""

    def __init__(self, fields):
        self.fields = fields


class _SharedFilters(dict):
    """``base_filters`` whose ``deepcopy`` (django-filter's ``__init__``) is a shallow copy of each
    filter: the filter's own options stay shared, its ``parent``/``model`` become its own."""

    def __deepcopy__(self, memo):
        return {name: _bound_copy(f) for name, f in self.items()}


def _bound_copy(original):
    f = copy.copy(original)
    f.__dict__.pop("_field", None)  # the form's fields come from the class's prototypes
    f.extra = dict(original.extra)  # QuerySetRequestMixin.field writes into it
    if original.method is not None:
        f.method = original.method  # a FilterMethod bound to this copy (and its parent)
    return f


def _copy_field(field: forms.Field) -> forms.Field:
    new = copy.copy(field)
    new.widget = copy.copy(field.widget)
    new.widget.attrs = dict(field.widget.attrs)
    new.validators = list(field.validators)
    if isinstance(field, forms.ModelChoiceField):
        new.queryset = field.queryset  # type: ignore[attr-defined]  # the setter clones it and gives the widget its own choices
    return new


class FastFormMixin:
    """The filter form's fields are shallow copies of the class's prototypes, not deep copies."""

    base_fields: dict

    def __init__(self, *args, **kwargs):
        prototypes = type(self).base_fields
        self.base_fields = {}  # BaseForm.__init__ deep-copies base_fields: give it nothing
        super().__init__(*args, **kwargs)
        del self.base_fields
        self.fields = {name: _copy_field(field) for name, field in prototypes.items()}


class FastFilterSetMixin:
    """See the module's docstring. Only ``fast_filterset`` makes these classes."""

    _form_classes: dict
    base_filters: Any
    _meta: Any
    request: Any

    @classmethod
    def _build_form_class(cls):
        model = cls._meta.model
        fields = {}
        for name, original in cls._prototype_filters.items():  # type: ignore[attr-defined]
            proto = copy.deepcopy(original)
            proto.model = model
            if isinstance(proto, QuerySetRequestMixin) and callable(proto.queryset):
                proto.queryset = None  # resolved for each request (FastFilterSetMixin.form)
                proto.extra["queryset"] = None
            fields[name] = proto.field
        form_class: Any = type(f"{cls.__name__}Form", (FastFormMixin, cls._meta.form), fields)
        quick_selects(_Fields(form_class.base_fields))  # a filter's choice list costs no template work
        filter_labels(_Fields(form_class.base_fields))  # "全部" for an empty choice
        for field in form_class.base_fields.values():
            if not isinstance(field, forms.ModelChoiceField) and isinstance(field.widget, forms.Select):
                # core.forms.render_select keeps the escaped options here, per language; the
                # per-request copies of the widget share this dict (the choices never change)
                field.widget.compiled_options = {}  # type: ignore[attr-defined]
        return form_class

    def get_form_class(self):
        key = get_language()
        form_class = self._form_classes.get(key)
        if form_class is None:
            form_class = self._form_classes[key] = type(self)._build_form_class()
        return form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form_class = self.get_form_class()
            if self.is_bound:  # type: ignore[attr-defined]
                form = form_class(self.data, prefix=self.form_prefix)  # type: ignore[attr-defined]
            else:
                form = form_class(prefix=self.form_prefix)  # type: ignore[attr-defined]
            for name in [n for n in form.fields if n not in self.filters]:  # type: ignore[attr-defined]
                del form.fields[name]  # a filter this FilterSet's __init__ dropped for this request
            for name, f in self.filters.items():  # type: ignore[attr-defined]
                if isinstance(f, QuerySetRequestMixin) and callable(f.queryset):
                    form.fields[name].queryset = f.get_queryset(self.request)
            self._form = form
        return self._form


def fast_filterset(filterset_class: type) -> type:
    """The process-wide fast subclass of ``filterset_class`` (made on first use)."""
    fast = _FAST.get(filterset_class)
    if fast is None:
        fast = type(
            filterset_class.__name__,
            (FastFilterSetMixin, filterset_class),
            {"__module__": filterset_class.__module__, "__qualname__": filterset_class.__qualname__},
        )
        fast._prototype_filters = dict(fast.base_filters)  # type: ignore[attr-defined]
        fast.base_filters = _SharedFilters(fast.base_filters)  # type: ignore[attr-defined]
        fast._form_classes = {}  # type: ignore[attr-defined]
        _FAST[filterset_class] = fast
    return fast


def is_fast(filterset) -> bool:
    return isinstance(filterset, FastFilterSetMixin)
