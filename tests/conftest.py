"""Shared fixtures: the plan's organisation, personas once, and real services.

Personas (one per role, plus a second community) are the users every permission test walks:
``street``, ``leader``, ``crackdown`` (working-group member), ``liaison`` (market regulation),
``community_a`` and ``community_b``.

Real services: ``redis_url``, ``smtp_server`` and ``browser``. Outside CI a missing service skips
the tests that need it; with ``CI=true`` (or ``HULAO_REQUIRE_SERVICES=1``) it fails them.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls there are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = (
    os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("HULAO_REQUIRE_SERVICES") == "1"
)


def missing_service(message: str):
    """Fail in CI, skip elsewhere."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable in CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def org(db):
    """The plan's real structure (init_campaign) and two communities."""
    from organization.choices import UnitKind
    from organization.models import Unit
    from organization.services import init_campaign

    init_campaign()
    units = {u.code: u for u in Unit.objects.exclude(code=None)}
    a = Unit.objects.create(name="新塘社区", kind=UnitKind.COMMUNITY, code="community_a")
    b = Unit.objects.create(name="梧垵社区", kind=UnitKind.COMMUNITY, code="community_b")
    return SimpleNamespace(units=units, community_a=a, community_b=b, **units)


@dataclass
class Personas:
    street: object
    leader: object
    crackdown: object
    rectification: object
    liaison: object
    community_a: object
    community_b: object

    def all(self):
        return dict(self.__dict__)


@pytest.fixture
def personas(org) -> Personas:
    from organization.choices import Role, UnitCode
    from tests.factories import UserFactory

    u = org.units
    return Personas(
        street=UserFactory(username="street", unit=u[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE),
        leader=UserFactory(username="leader", unit=u[UnitCode.STREET_OFFICE], role=Role.LEADER),
        crackdown=UserFactory(username="crackdown", unit=u[UnitCode.GROUP_CRACKDOWN], role=Role.GROUP_MEMBER),
        rectification=UserFactory(
            username="rectification", unit=u[UnitCode.GROUP_RECTIFICATION], role=Role.GROUP_MEMBER
        ),
        liaison=UserFactory(username="liaison", unit=u[UnitCode.MARKET_REGULATION], role=Role.UNIT_LIAISON),
        community_a=UserFactory(username="community_a", unit=org.community_a, role=Role.COMMUNITY_STAFF),
        community_b=UserFactory(username="community_b", unit=org.community_b, role=Role.COMMUNITY_STAFF),
    )


@pytest.fixture
def client_for(client):
    """``client_for(user)`` returns the test client signed in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in English leaves English active in the test's thread (the locale middleware
    activates the user's language for the request and does not restore it), so a later test that
    renders without a request would read English depending on the order the tests ran in."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


# --- real services --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        missing_service("REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        missing_service(f"Redis at {url}: {exc}")
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collector:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 30.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on loopback; Django's SMTP backend is pointed at it."""
    from aiosmtpd.controller import Controller

    collector = _Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    try:
        yield collector
    finally:
        controller.stop()


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def _playwright_browser():
    if not os.path.exists(CHROMIUM):
        missing_service(f"Chromium not found at {CHROMIUM} (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_playwright_browser, live_server):
    """A fresh browser page (its own cookies); ``page.base_url`` is the live server."""
    context = _playwright_browser.new_context(locale="en-US", accept_downloads=True)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg.base_url = live_server.url
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    yield pg
    context.close()


@pytest.fixture
def login(page):
    """``login(username, password)`` signs in through the real login form."""

    def do(username: str, password: str = "pw-for-tests-123"):
        page.goto(page.base_url + "/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.get_by_test_id("login-submit").click()
        return page

    return do


@pytest.fixture
def city_world(org, personas):
    """Issue 19: the plan's street (新塘, with ``personas``) as one of a city's (晋江市), a second
    street (东石镇) with its own office, member unit, working group and community, and the city's
    office. ``x_*`` are 东石镇's."""
    from organization.choices import JurisdictionLevel, Role, UnitCode, UnitKind
    from organization.models import Jurisdiction, Unit
    from tests.factories import UserFactory

    jinjiang = Jurisdiction.objects.create(name="晋江市", level=JurisdictionLevel.CITY)
    xintang = Jurisdiction.objects.create(name="新塘街道", parent=jinjiang)
    dongshi = Jurisdiction.objects.create(name="东石镇", parent=jinjiang)
    Unit.objects.update(jurisdiction=xintang)
    city_office = Unit.objects.create(
        name="晋江市专项办（市级）", kind=UnitKind.CITY_OFFICE, code="city_office", jurisdiction=jinjiang
    )

    def unit(name, kind, code, **extra):
        return Unit.objects.create(name=name, kind=kind, code=code, jurisdiction=dongshi, **extra)

    x_office = unit("东石镇专项办", UnitKind.STREET_OFFICE, UnitCode.STREET_OFFICE, email="dongshi@example.cn")
    x_member = unit("东石镇市场监管所", UnitKind.MEMBER_UNIT, UnitCode.MARKET_REGULATION)
    x_group = unit("东石镇打击组", UnitKind.WORKING_GROUP, UnitCode.GROUP_CRACKDOWN)
    x_community = unit("东石社区", UnitKind.COMMUNITY, "community_a")
    for row in (*org.units.values(), org.community_a, org.community_b):
        row.refresh_from_db()
    for u in personas.all().values():
        u.refresh_from_db()
        u.__dict__.pop("scope", None)
    return SimpleNamespace(
        jinjiang=jinjiang,
        xintang=xintang,
        dongshi=dongshi,
        city=UserFactory(username="city", unit=city_office, role=Role.CITY_OFFICE),
        street=personas.street,
        x_office=x_office,
        x_member=x_member,
        x_group=x_group,
        x_community=x_community,
        street_x=UserFactory(username="street_x", unit=x_office, role=Role.STREET_OFFICE),
        personas=personas,
        org=org,
    )
