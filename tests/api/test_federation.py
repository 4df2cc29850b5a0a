"""Two Hulao deployments of different levels, live: a city and a street, each its own gunicorn on
its own PostgreSQL database. The city transfers a lead down (it arrives as a 上级转办 lead with the
reference and the deadline, without the informant, once however often it is delivered); the
street closes it through its services and the closure goes up by itself (the city's lead shows
the outcome and findings, closed by the street's system; both sides audit it).

Each side's steps run in a process of their own against its database (tests/api/federation_side.py,
Celery eager: a delivery is a real HTTP call to the other live server). Outside CI a missing
PostgreSQL skips; with ``CI=true`` it fails (``missing_service``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import free_port, missing_service

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = "厦市护老办〔2026〕7号"


def _admin(db: dict):
    import psycopg2

    conn = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn.cursor()


def _url(db: dict, name: str) -> str:
    auth = db["USER"] or "postgres"
    if db["PASSWORD"]:
        auth += ":" + db["PASSWORD"]
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def two_databases(django_db_setup, django_db_blocker):
    """Two copies of the migrated test database (CREATE DATABASE … TEMPLATE), dropped afterwards.
    The test itself never writes to the test database (no ``db`` fixture, so no flush either)."""
    if connection.vendor != "postgresql":
        missing_service("needs PostgreSQL (DATABASE_URL=postgres://...)")
    db = connection.settings_dict
    with django_db_blocker.unblock():
        template = connection.creation._get_test_db_name()  # the migrated test database
    names = [f"{template}_fed_city", f"{template}_fed_street"]
    with django_db_blocker.unblock():
        connection.close()  # a template must have no other connection
    admin = _admin(db)
    try:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield [_url(db, name) for name in names]
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.connection.close()


def _env(database_url: str, var_dir: Path) -> dict:
    var_dir.mkdir(parents=True, exist_ok=True)
    return {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")},
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",  # Celery eager; the test encryption key
        "HULAO_VAR_DIR": str(var_dir),
    }


def _serve(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
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


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, "the server stopped"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"no answer on port {port}")
        time.sleep(0.2)


def _step(env: dict, step: str, **args) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.api.federation_side", step, json.dumps(args, ensure_ascii=False)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, f"{step}: {done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.services
def test_a_city_transfers_a_lead_to_a_street_and_the_closure_comes_back(two_databases, tmp_path):
    city_db, street_db = two_databases
    city_env, street_env = _env(city_db, tmp_path / "city"), _env(street_db, tmp_path / "street")
    city_port, street_port = free_port(), free_port()
    city_url, street_url = f"http://127.0.0.1:{city_port}", f"http://127.0.0.1:{street_port}"
    servers = [_serve(city_env, city_port), _serve(street_env, street_port)]
    try:
        # each office issues the other a token, then names the other as its peer
        street_token = _step(street_env, "seed", username="street", token_name="市护老系统")
        city_token = _step(city_env, "seed", username="city", token_name="新塘街道护老系统")
        city_peer = _step(
            city_env,
            "link",
            username="city",
            name="新塘街道护老系统",
            base_url=street_url,
            direction="down",
            secret=street_token["secret"],
            token_id=city_token["token_id"],
        )
        _step(
            street_env,
            "link",
            username="street",
            name="市护老系统",
            base_url=city_url,
            direction="up",
            secret=city_token["secret"],
            token_id=street_token["token_id"],
        )
        for port, server in zip((city_port, street_port), servers, strict=True):
            _wait_until_up(port, server)

        # down: the city transfers; delivered at once (eager), and delivered again changes nothing
        sent = _step(city_env, "transfer", username="city", peer_id=city_peer["peer_id"], reference=REFERENCE)
        assert sent["status"] == "referred"
        assert sent["first"]["state"] == "delivered", sent["first"]["error"]
        assert sent["again"] == {"state": "delivered", "remote_id": sent["first"]["remote_id"]}

        # the street: one 上级转办 lead with the reference and deadline, no informant; closing it reports up
        closed = _step(street_env, "close", username="street", reference=REFERENCE)
        assert closed["count"] == 1
        assert closed["source"] == "higher"
        assert closed["higher_deadline"] == sent["deadline"]
        assert closed["summary"] == "某养老服务公司以高息为名向老人集资"
        assert closed["is_anonymous"] is True and closed["informant"] == ["", ""]
        assert closed["status"] == "closed"
        assert closed["report_state"] == "delivered", closed["report_error"]
        assert closed["reported_up_at"] and closed["audited"]

        # up: the city's lead is closed by the street's system, with its outcome and findings
        seen = _step(city_env, "check", username="city", lead_id=sent["lead_id"])
        assert seen["status"] == "closed"
        assert seen["outcome"] == "partly"
        assert seen["findings"] == "经核查，该公司已停止集资并退款。"
        assert seen["closed_by"] == "新塘街道护老系统"
        assert seen["reported_back_at"] and seen["transfer_state"] == "delivered" and seen["remote_number"]
        assert seen["page_shows_closure"] and seen["audited"]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
