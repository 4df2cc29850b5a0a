"""Who may act is decided in one place: the rules (``<area>/rules.py`` over ``core.rules``), the
models and the services. Views, forms, templates and template tags ask the rules (``actions``,
``{% may %}``, ``ActionView``); they never look at roles, units, write access or permissions
themselves. This test reads the source so that a check slipped into a view or template fails."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("core", "organization", "leads", "cases", "rectification", "publicity", "reports")

#: What deciding who may act looks like outside the rules.
PATTERNS = re.compile(
    r"is_street_office|can_write|sees_all|unit_ids|is_community|\.role\b|Role\.|has_perm|perms\.|is_superuser"
    r"|can_handle|can_edit|_require_|WriteAccessMixin|scope_of|\.scope\b|StreetOfficeMixin|available_actions"
)

#: Where such a test is the mechanism itself, not a decision: the base template's admin link
#: (the admin site has its own permission checks) and the shared view machinery.
ALLOWED = {
    "core/views.py",  # ActionView: asks core.rules; the list/detail mixins read visibility
    "core/context_processors.py",
}


def sources():
    for area in AREAS:
        base = ROOT / area
        yield from [*base.glob("views*.py"), *base.glob("forms.py"), *base.glob("templatetags/*.py")]
        yield from base.glob("templates/**/*.html")
    yield from (ROOT / "templates").glob("**/*.html")


def test_no_view_form_or_template_decides_who_may_act():
    found = []
    for path in sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PATTERNS.search(line):
                found.append(f"{rel}:{number}: {line.strip()}")
    assert not found, "ask core.rules instead:\n" + "\n".join(found)
