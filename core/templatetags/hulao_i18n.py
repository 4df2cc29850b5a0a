"""Django's ``i18n`` template library, with ``{% translate "literal" %}`` looked up once per
language and process (issue 18).

A list page carries eighty-odd ``{% translate %}`` tags (menus, headers, buttons, badges); each
resolves its literal through the lazy-translation machinery and escapes it again on every render.
``TEMPLATES["OPTIONS"]["libraries"]`` maps ``{% load i18n %}`` to this module: every tag and
filter is Django's own, except that ``translate``/``trans`` of a plain literal (no filters, no
``context``, not ``noop``) keeps its rendered value per (literal, language, autoescape). The
catalogues are loaded once per process, as Django itself keeps them; a change of the
translation settings (tests' ``override_settings``) empties the kept values."""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

_KEPT: dict[tuple, str] = {}


class CachedTranslateNode(django_i18n.TranslateNode):
    def render(self, context):
        var = self.filter_expression.var
        literal = getattr(var, "literal", None)
        if self.noop or self.message_context or self.filter_expression.filters or not isinstance(literal, str):
            return super().render(context)
        key = (literal, get_language(), context.autoescape)
        value = _KEPT.get(key)
        if value is None:
            asvar, self.asvar = self.asvar, None  # render the value itself, then store it
            try:
                value = super().render(context)
            finally:
                self.asvar = asvar
            _KEPT[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    node.__class__ = CachedTranslateNode
    return node


def _forget(*, setting, **kwargs):
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        _KEPT.clear()


setting_changed.connect(_forget)
