"""Outages: the running app survives its PostgreSQL connections dying (as on a server restart)
and its Celery broker being unreachable (what was asked for is kept and done once it is back)."""

import datetime
import email
import logging
import os
import subprocess
import sys
import time
import urllib.request
from email import policy
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from tests.conftest import free_port, missing_service
from tests.leads.test_public import code_in, tip_data
from tests.reports.conftest import campaign, recipients  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_app_serves_again_after_postgresql_drops_its_connections(tmp_path):
    if connection.vendor != "postgresql":
        missing_service("needs PostgreSQL (DATABASE_URL=postgres://...)")
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": url,
        "CONN_MAX_AGE": "600",  # keep the connection between requests, as production does
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "HULAO_VAR_DIR": str(tmp_path),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}/healthz/"

    def get() -> int:
        try:
            with urllib.request.urlopen(base, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert get() == 200
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert get() == 200  # the worker now holds a persistent connection

        # What a restart does to clients: every server process of this database goes away.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1

        assert get() == 200  # CONN_HEALTH_CHECKS: the dead connection is replaced, no restart needed
        assert get() == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused


def _use_broker(app, url: str, *, eager: bool) -> None:
    """Point the Celery app at ``url`` and forget every pooled broker connection. kombu keeps its
    pools in a process-wide registry keyed by URL: closing only the app's pool would leave a
    closed pool there for the next user of the same URL ("Acquire on closed pool")."""
    from kombu import pools

    app.conf.update(broker_url=url, task_always_eager=eager)
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_requests_succeed_and_their_mail_goes_out_once_it_is_back(
    redis_url,
    smtp_server,
    campaign,  # noqa: F811 (the fixture imported above)
    recipients,  # noqa: F811
    org,
    personas,
    client,
    client_for,
    settings,
    tmp_path,
    caplog,
):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from core.choices import MailStatus
    from core.models import OutboundEmail
    from core.tasks import send_pending_mail
    from leads.models import Lead
    from reports import services as reports
    from reports.choices import ReportStatus
    from reports.models import MonthlyReport
    from reports.tasks import generate_pending_reports

    settings.MEDIA_ROOT = tmp_path / "media"
    caplog.set_level(logging.WARNING)
    # The project's own broker settings (connect/socket timeouts, publish retry), only the URL is dead.
    _use_broker(app, DEAD_BROKER, eager=False)
    try:
        # (a) a member of the public sends a tip: saved, the receipt code is shown
        page = client.post(reverse("tip:form"), tip_data(description="停电测试：上门推销保健品"), follow=True)
        assert page.status_code == 200 and code_in(page)
        assert Lead.objects.filter(summary__startswith="停电测试").count() == 1

        # (b) the street office asks for November's report: the request is recorded, the page shows it
        street = client_for(personas.street)
        page = street.post(reverse("reports:report_generate"), {"month": "2026-11"}, follow=True)
        assert page.status_code == 200
        november = MonthlyReport.objects.get(month=datetime.date(2026, 11, 1))
        assert november.status == ReportStatus.PENDING and page.context["object"] == november
        assert "could not be queued" in caplog.text

        # (c) and resends October's report e-mail, which had failed: back in the outbox as pending
        october = reports.report_generate(month=datetime.date(2026, 10, 1), user=personas.street)
        OutboundEmail.objects.filter(pk=october.email_id).update(status=MailStatus.FAILED, attempts=5)
        page = street.post(reverse("reports:report_mail_retry", args=[october.pk]), follow=True)
        assert page.status_code == 200
        assert "broker is unreachable" in caplog.text
        assert OutboundEmail.objects.get(pk=october.email_id).status == MailStatus.PENDING
        assert smtp_server.messages == []
    finally:
        _use_broker(app, redis_url, eager=False)

    # The broker is back and a real worker runs; beat's periodic jobs catch up.
    try:
        assert app.connection_for_write().as_uri().startswith("redis://") and app.conf.broker_url == redis_url
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            generate_pending_reports.delay()
            send_pending_mail.delay()
            messages = smtp_server.wait_for(2, timeout=90)
            time.sleep(1)  # nothing more arrives (each e-mail once)
    finally:
        _use_broker(app, settings.CELERY_BROKER_URL, eager=True)

    subjects = sorted(str(email.message_from_bytes(m.content, policy=policy.default)["subject"]) for m in messages)
    assert len(messages) == 2, subjects
    assert all(sorted(m.rcpt_tos) == sorted(recipients) for m in messages)
    assert any("2026-11" in s for s in subjects) and any("2026-10" in s for s in subjects)
    november.refresh_from_db()
    assert november.status == ReportStatus.READY and november.email.status == MailStatus.SENT
    assert OutboundEmail.objects.get(pk=october.email_id).status == MailStatus.SENT


@pytest.mark.django_db
def test_with_redis_down_the_cache_counts_as_empty_and_pages_work(client, org, personas, client_for, settings, caplog):
    """Production's cache is the same Redis as the broker: when it is down, the public tip form
    (whose rate limit counts in the cache) and the dashboard (cached figures) still work."""
    from core import cache as resilient
    from leads.models import Lead

    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": DEAD_BROKER,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.RATELIMIT_ENABLE = True
    resilient._down_until.clear()
    caplog.set_level(logging.WARNING)
    try:
        page = client.post(reverse("tip:form"), tip_data(description="缓存停机：有人推销保健品"), follow=True)
        assert page.status_code == 200 and code_in(page)
        assert Lead.objects.filter(summary__startswith="缓存停机").count() == 1
        assert "Cache unavailable" in caplog.text

        assert client_for(personas.street).get(reverse("dashboard")).status_code == 200
    finally:
        resilient._down_until.clear()
