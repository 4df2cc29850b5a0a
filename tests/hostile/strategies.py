"""Hostile input for property-based tests: text a careless or malicious user might type, and
values of the right type that are out of range, drawn per form field."""

from __future__ import annotations

import datetime
import os
import re
from decimal import Decimal

from django import forms
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: How every hostile-input test runs Hypothesis: HOSTILE_EXAMPLES examples each (default 5, so
#: CI stays short; raise it for a deeper run), derandomized so that a failure repeats.
HOSTILE = settings(
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "5")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

CJK = re.compile(r"[\u4e00-\u9fff]")

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><svg onload=window.__xss=1>',
    '<img src=x onerror="window.__xss=1">',
    "'; DROP TABLE leads_lead; --",
    "' OR '1'='1",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "{{ 7*7 }}{% debug %}",
    "%s%s%n%x",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\u202e\u200b\ufeff",
    "𠀀😀𝔘",
    "\r\n\r\n",
    "   ",
    "null",
    "../../etc/passwd",
    "9" * 40,
    "-1",
    "1e309",
    "NaN",
    "2024-02-30",
    "30/02/2024",
    "99999-01-01",
    "0000-00-00",
]

hostile_text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x40), max_size=20),  # control characters and ASCII punctuation
    st.builds(lambda s, n: s * n, st.sampled_from(["x", "中", "<&>", "\x00"]), st.integers(300, 6000)),
)

numbers = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str),
    st.sampled_from(["1e309", "-0", "0x1F", "１２３", "1,000", "¥100"]),
)
dates = st.one_of(
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.isoformat()),
    st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2035, 12, 31)).map(str),
    st.sampled_from(["2024-02-30", "2024-13-01", "0000-00-00", "99999-12-31", "2024/06/01", "昨天", "2024-06"]),
)


def valid_value(field: forms.Field):
    """A value of the field's type (not necessarily in range)."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:20]]
        return st.lists(st.sampled_from(pks) if pks else st.just("1"), max_size=3)
    if isinstance(field, forms.ModelChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:50]]
        return st.sampled_from(pks) if pks else st.just("1")
    if isinstance(field, forms.ChoiceField):
        keys = [str(k) for k, _v in field.choices if k not in ("", None) and not isinstance(_v, (list, tuple))]
        return st.sampled_from(keys) if keys else st.just("")
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "1", ""])
    if isinstance(field, forms.DateField):
        return dates
    if isinstance(field, forms.DecimalField):
        return st.one_of(st.decimals(min_value=Decimal("-1e16"), max_value=Decimal("1e16"), places=2).map(str), numbers)
    if isinstance(field, (forms.IntegerField, forms.FloatField)):
        return st.one_of(st.integers(-10, 10**6).map(str), numbers)
    if isinstance(field, forms.URLField):
        return st.sampled_from(["https://example.cn/a", "javascript:alert(1)", "http://[::1", "http://" + "a" * 600])
    return st.text(alphabet="养老诈骗线索核查情况社区机构 ", min_size=1, max_size=30)


def field_value(field: forms.Field):
    return st.one_of(valid_value(field), hostile_text, st.just(""))


def form_data(form: forms.BaseForm, fixed: dict | None = None):
    """Every field of ``form`` optional (missing fields), each valid-ish or hostile; ``fixed``
    values (strategies) replace the field's own."""
    fixed = fixed or {}
    optional = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField) or name in fixed:
            continue
        optional[form.add_prefix(name)] = field_value(field)
    return st.fixed_dictionaries(fixed, optional=optional)
