"""Walk every URL pattern of the project as every persona, over demo data spread across units.

For each pattern: GET (and, for detail-like patterns, both an object the persona may see and one
it may not). Nothing may answer 500; an object outside the persona's scope must never answer
200; anonymous users are sent to the login page except on the public pages.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from core.visibility import visible_to

PUBLIC_PREFIXES = ("/tip", "/accounts/login", "/i18n/", "/healthz", "/admin/login")
SKIP_PREFIXES = ("/admin/",)  # Django's admin has its own, well-tested permission checks


def walk(patterns=None, prefix="", namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def model_of(pattern: URLPattern):
    view = getattr(pattern.callback, "view_class", None)
    return getattr(view, "model", None)


def concrete(route: str, pk=None) -> str | None:
    """A path for a route: '<int:pk>' filled with pk; other converters make the route skipped."""
    import re

    path = route.replace("^", "").replace("$", "")
    params = re.findall(r"<(?:(\w+):)?(\w+)>", path)
    if not params:
        return "/" + path
    if pk is None or [p[1] for p in params] != ["pk"]:
        return None
    return "/" + re.sub(r"<(?:\w+:)?pk>", str(pk), path)


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--leads", "40", "--institutions", "20", "--cases", "10", "--activities", "20")
    from organization.models import User

    return {u.username: u for u in User.objects.all()}


def test_every_page_for_every_persona_leaks_nothing_and_never_fails(client, demo):
    checked = 0
    for route, pattern in walk():
        path = concrete(route)
        if (path and path.startswith(SKIP_PREFIXES)) or route.startswith("admin/"):
            continue
        model = model_of(pattern)
        for username in ("zhuanban", "lingdao", "daji", "zhengzhi", "xuanjiao", "shichang", "shequ1", "shequ2"):
            user = demo[username]
            client.force_login(user)
            targets = []
            if path:
                targets.append((path, None))
            elif model is not None and hasattr(model.objects, "visible_to"):
                visible = visible_to(user, model)
                inside = visible.order_by("pk").values_list("pk", flat=True).first()
                outside = (
                    model.objects.exclude(pk__in=visible.values("pk"))
                    .order_by("pk")
                    .values_list("pk", flat=True)
                    .first()
                )
                if inside is not None:
                    targets.append((concrete(route, inside), True))
                if outside is not None:
                    targets.append((concrete(route, outside), False))
            for url, may_see in targets:
                if url is None:
                    continue
                response = client.get(url)
                checked += 1
                assert response.status_code != 500, f"{username} GET {url} -> 500"
                if may_see is False:
                    # 401: the API (/api/v1/) answers a session without a token
                    assert response.status_code in (302, 401, 403, 404), f"{username} reached {url} outside its scope"
            client.logout()
    assert checked > 20


def test_anonymous_users_reach_only_public_pages(client, demo):
    for route, _pattern in walk():
        path = concrete(route, pk=1)
        if not path or path.startswith(("/admin/",)):
            continue
        response = client.get(path)
        assert response.status_code != 500, path
        if not path.startswith(PUBLIC_PREFIXES):
            assert response.status_code in (302, 401, 403, 404, 405), (
                f"anonymous reached {path}: {response.status_code}"
            )
