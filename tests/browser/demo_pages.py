"""The pages of the demo a browser test walks: every list and page without parameters, every detail
page and every action form (each declared action's URL on an object some demo persona may act on),
built from the URL conf and the rules registry over a small ``seed_demo`` world, so a new page or
action is walked without editing a list. Used by the accessibility and the language walks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command

#: Demo personas, the street office first: a page is walked as the first one it answers 200 to.
PERSONAS = ("zhuanban", "shequ1", "shichang", "daji", "zhengzhi", "xuanjiao", "lingdao")
#: Not pages of the app's own (Django's admin, redirects, files, JSON, the public tip flow which the
#: tests drive through its forms).
SKIP = ("/admin/", "/accounts/logout/", "/i18n/", "/ping/", "/healthz/", "/files/", "/tip/", "/outbox/")
#: The API's Swagger UI (/api/v1/docs/) is a third-party page showing the schema's (Chinese) texts.
SKIP += ("/api/v1/",)
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class DemoPage:
    username: str
    url: str
    kind: str  # "page" (list, board, form without object), "detail", "action"


def seed_small_demo() -> None:
    call_command("seed_demo", "--leads", "40", "--institutions", "20", "--cases", "10", "--activities", "20")


def _is_html(response) -> bool:
    return response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")


def demo_pages(client, *, actions_per_model: int = 40) -> list[DemoPage]:
    """Walk the URL conf and the rules registry with the Django test client; return what answers."""
    from core import rules
    from core.visibility import visible_to
    from organization.models import User
    from tests.test_url_walk import concrete, model_of, walk

    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    pages: list[DemoPage] = []
    seen: set[str] = set()

    def try_get(username: str, url: str | None, kind: str) -> bool:
        if not url or url in seen or url.startswith(SKIP):
            return False
        client.force_login(users[username])
        if _is_html(client.get(url)):
            seen.add(url)
            pages.append(DemoPage(username, url, kind))
            return True
        return False

    for route, pattern in walk():
        if route.startswith("admin/"):
            continue
        path = concrete(route)
        model = model_of(pattern)
        for username in PERSONAS:
            if path:
                url, kind = path, "page"
            elif model is not None and hasattr(model.objects, "visible_to") and re.search(r"<int:pk>/$", route):
                pk = visible_to(users[username], model).order_by("pk").values_list("pk", flat=True).first()
                url, kind = (concrete(route, pk) if pk else None), "detail"
            else:
                break
            if try_get(username, url, kind):
                break

    for action in rules.registry().values():
        if action.model is None or not action.url:
            continue
        objects = list(action.model._default_manager.order_by("pk")[:actions_per_model])
        done = False
        for obj in objects:
            for username in PERSONAS:
                if rules.check(users[username], action.name, obj):
                    url = action.url_for(obj)
                    done = try_get(username, url, "action") or url in seen
                    break
            if done:
                break
    client.logout()
    return pages


def inject_axe(page) -> None:
    """axe-core into the page (evaluated by the driver, so the page's CSP does not block it)."""
    if not AXE.exists():
        from tests.conftest import missing_service

        missing_service(f"axe-core not installed at {AXE} (npm ci, scripts/setup.sh test)")
    page.evaluate(AXE.read_text(encoding="utf-8"))


def axe_violations(page, impacts=("critical", "serious")) -> list[str]:
    inject_axe(page)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for v in result["violations"]:
        if v["impact"] in impacts:
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
            summary = v["nodes"][0].get("failureSummary", "").replace("\n", " ")[:200]
            found.append(f"{v['impact']} {v['id']} ({len(v['nodes'])}x): {targets} — {summary}")
    return found
