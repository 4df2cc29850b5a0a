"""Outages: the running app survives its PostgreSQL connections dying (as on a server restart)."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import free_port, missing_service

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
