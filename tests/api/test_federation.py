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
import re
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
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")  # the migrated test database
        template = cursor.fetchone()[0]
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


def _close_on_the_street(street_env: dict, city_url: str, city: dict, street_token: dict) -> dict:
    """The street names the city as its higher peer, then closes the transferred lead."""
    up = {"name": "市护老系统", "base_url": city_url, "direction": "up", "secret": city["secret"]}
    link = {**up, "token_id": street_token["token_id"]}
    return _step(street_env, "close", username="street", reference=REFERENCE, link=link)


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
        city = _step(
            city_env,
            "seed",
            username="city",
            token_name="新塘街道护老系统",
            link={
                "name": "新塘街道护老系统",
                "base_url": street_url,
                "direction": "down",
                "secret": street_token["secret"],
            },
        )
        for port, server in zip((city_port, street_port), servers, strict=True):
            _wait_until_up(port, server)

        # down: the city transfers; delivered at once (eager), and delivered again changes nothing
        sent = _step(city_env, "transfer", username="city", peer_id=city["peer_id"], reference=REFERENCE)
        assert sent["status"] == "referred"
        assert sent["first"]["state"] == "delivered", sent["first"]["error"]
        assert sent["again"] == {"state": "delivered", "remote_id": sent["first"]["remote_id"]}

        # the street: one 上级转办 lead with the reference and deadline, no informant; closing it reports up
        closed = _close_on_the_street(street_env, city_url, city, street_token)
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


@pytest.mark.services
def test_a_delivery_that_failed_while_the_peer_was_down_goes_once_it_is_up(two_databases, tmp_path):
    """Each side down in turn: the city's transfer fails while the street's server is not running,
    the street's closure report while the city's is not; each is sent by the hourly job's run
    (called directly, Celery eager: a real HTTP call) once the other is up, and only once."""
    city_db, street_db = two_databases
    city_env, street_env = _env(city_db, tmp_path / "city"), _env(street_db, tmp_path / "street")
    city_port, street_port = free_port(), free_port()
    city_url, street_url = f"http://127.0.0.1:{city_port}", f"http://127.0.0.1:{street_port}"
    servers = []
    try:
        street_token = _step(street_env, "seed", username="street", token_name="市护老系统")
        link = {
            "name": "新塘街道护老系统",
            "base_url": street_url,
            "direction": "down",
            "secret": street_token["secret"],
        }
        city = _step(city_env, "seed", username="city", token_name="新塘街道护老系统", link=link)

        # the street is down: the transfer fails with the reason, to be sent again by the hourly job
        sent = _step(
            city_env, "transfer", username="city", peer_id=city["peer_id"], reference=REFERENCE, peer_down=True
        )
        assert sent["first"]["state"] == "failed" and "URLError" in sent["first"]["error"]
        assert sent["first"]["retry_at"]
        servers.append(_serve(street_env, street_port))
        _wait_until_up(street_port, servers[-1])
        run = _step(city_env, "retry_due")
        assert run["sent"] == 1
        assert run["transfers"] == [
            {"state": "delivered", "attempts": 2, "remote_number": run["transfers"][0]["remote_number"], "error": ""}
        ]
        assert run["transfers"][0]["remote_number"]
        assert _step(city_env, "retry_due")["sent"] == 0  # delivered: never again

        # the city is down now: the street's closure report fails, then goes once the city is up
        closed = _close_on_the_street(street_env, city_url, city, street_token)
        assert closed["count"] == 1 and closed["status"] == "closed"
        assert closed["report_state"] == "failed" and closed["report_retry_at"], closed["report_error"]
        servers.append(_serve(city_env, city_port))
        _wait_until_up(city_port, servers[-1])
        run = _step(street_env, "retry_due")
        assert run["sent"] == 1 and run["reports"][0]["state"] == "delivered" and run["reports"][0]["reported_at"]
        seen = _step(city_env, "check", username="city", lead_id=sent["lead_id"])
        assert (seen["status"], seen["outcome"], seen["closed_by"]) == ("closed", "partly", "新塘街道护老系统")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


# --- in one process (SQLite or PostgreSQL): each side's rules, against a client ----------------


def _token(personas, org, rights=("read", "create_lead", "peer"), name="市护老系统"):
    from api import services
    from organization.choices import UnitCode

    return services.token_issue(
        user=personas.street,
        name=name,
        kind="office",
        unit=org.units[UnitCode.STREET_OFFICE],
        rights=list(rights),
        reason="对接上下级系统",
    )


def _client(secret: str):
    from django.test import Client

    return Client(headers={"Authorization": f"Bearer {secret}"})


def _peer(personas, direction, token=None, url="http://127.0.0.1:9", name=None, reason="对接上下级系统"):
    from api import federation

    return federation.peer_add(
        user=personas.street,
        name=name or ("新塘街道护老系统" if direction == "down" else "市护老系统"),
        base_url=url,
        direction=direction,
        secret="hl_their-token",
        inbound_token=token,
        reason=reason,
    )


#: Chinese characters and full-width punctuation: none may be left on a page in English.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def chinese_left(html: str) -> str:
    """The first Chinese left in ``html``, with what stands before it ('' when there is none)."""
    found = CJK.search(html)
    return html[max(0, found.start() - 200) : found.end() + 50] if found else ""


HIGHER = {"source": "higher", "summary": "上级转办：某公司集资", "higher_reference": "市〔2026〕1号"}


@pytest.mark.django_db
def test_the_same_transfer_posted_again_files_one_lead(personas, org):
    from django.urls import reverse

    from leads.models import Lead

    _t, secret = _token(personas, org)
    api = _client(secret)
    first = api.post(reverse("api:leads"), HIGHER, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201
    again = api.post(reverse("api:leads"), HIGHER, content_type="application/json", headers={"Idempotency-Key": "k1"})
    other_key = api.post(
        reverse("api:leads"), HIGHER, content_type="application/json", headers={"Idempotency-Key": "k2"}
    )
    assert again.status_code == other_key.status_code == 200
    assert again.json()["id"] == other_key.json()["id"] == first.json()["id"]
    assert Lead.objects.filter(higher_reference=HIGHER["higher_reference"]).count() == 1
    # a hotline's work order with a key: once too; without a key each call files a lead
    order = {"source": "hotline_12345", "summary": "12345工单"}
    ids = {
        api.post(
            reverse("api:leads"), order, content_type="application/json", headers={"Idempotency-Key": "w1"}
        ).json()["id"]
        for _ in range(2)
    }
    assert len(ids) == 1
    assert api.post(reverse("api:leads"), order, content_type="application/json").json()["id"] not in ids


@pytest.mark.django_db
def test_a_transfer_goes_without_the_informant_and_an_unreachable_peer_fails_with_the_reason(
    personas, org, client_for, django_capture_on_commit_callbacks
):
    import datetime

    from api import federation
    from leads import services as lead_services

    lead, _code = lead_services.lead_create(
        user=personas.street,
        data={"source": "public", "channel": "phone", "summary": "实名举报", "informant_name": "林秘密"},
    )
    peer = _peer(personas, "down")
    deadline = datetime.date.today() + datetime.timedelta(days=10)
    with pytest.raises(federation.DomainError):
        federation.transfer_down(lead=lead, user=personas.street, peer=peer, reference="", deadline=deadline)
    with django_capture_on_commit_callbacks(execute=True):  # the delivery task (eager)
        transfer = federation.transfer_down(
            lead=lead, user=personas.street, peer=peer, reference="R-1", deadline=deadline
        )
    payload = federation.transfer_payload(transfer)
    assert payload["source"] == "higher" and payload["higher_reference"] == "R-1"
    assert "林秘密" not in json.dumps(payload, ensure_ascii=False) and not any(
        k.startswith("informant") for k in payload
    )
    # nothing listens on port 9: the delivery fails with the reason, shown on the lead's page with a retry
    transfer.refresh_from_db()
    assert transfer.state == "failed" and "URLError" in transfer.error and transfer.attempts == 1
    page = client_for(personas.street).get(lead.get_absolute_url()).content.decode()
    assert 'data-testid="transfer-state"' in page and "transfer-retry" in page
    lead.refresh_from_db()
    assert lead.status == "referred" and lead.deadline == deadline and lead.assigned_unit_id is None


@pytest.mark.django_db
def test_a_closure_is_taken_once_and_only_from_the_peer_it_was_transferred_to(personas, org):
    import datetime

    from django.urls import reverse

    from api import federation
    from api.models import Transfer
    from core.models import AuditEntry
    from leads import services as lead_services

    street_token, street_secret = _token(personas, org, name="新塘街道护老系统")
    _other, other_secret = _token(personas, org, name="别的系统")
    _reader, reader_secret = _token(personas, org, rights=("read",), name="只读")
    lead, _code = lead_services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "x"}
    )
    transfer = federation.transfer_down(
        lead=lead,
        user=personas.street,
        peer=_peer(personas, "down", token=street_token),
        reference="市〔2026〕2号",
        deadline=datetime.date.today() + datetime.timedelta(days=5),
    )
    url = reverse("api:transfer_closure", args=[transfer.reference])
    body = {"outcome": "partly", "findings": "部分属实，已整改。", "closed_at": "2026-03-01T10:00:00+08:00"}
    assert _client(reader_secret).post(url, body, content_type="application/json").status_code == 403
    assert _client(other_secret).post(url, body, content_type="application/json").status_code == 404
    bad = _client(street_secret).post(url, {**body, "outcome": "nonsense"}, content_type="application/json")
    assert bad.status_code == 400
    done = _client(street_secret).post(url, body, content_type="application/json")
    assert done.status_code == 200, done.content
    again = _client(street_secret).post(url, body, content_type="application/json")
    assert again.status_code == 200 and again.json()["reported_back_at"] == done.json()["reported_back_at"]
    lead.refresh_from_db()
    assert (lead.status, lead.outcome, lead.findings) == ("closed", "partly", "部分属实，已整改。")
    assert lead.closed_by == street_token.user
    assert Transfer.objects.get(pk=transfer.pk).reported_back_at is not None
    entries = AuditEntry.objects.filter(
        content_type__model="lead", object_pk=str(lead.pk), reason__startswith="下级系统报送办结"
    )
    assert entries.count() == 1


@pytest.mark.django_db
def test_a_final_closure_of_a_transferred_lead_is_queued_up_and_a_failure_kept(
    personas, org, client_for, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from api import federation
    from api.models import Arrival
    from leads import services as lead_services
    from leads.models import Lead

    token, secret = _token(personas, org)
    _peer(personas, "up", token=token)  # nothing listens there: the report fails and is kept
    lead_id = _client(secret).post(reverse("api:leads"), HIGHER, content_type="application/json").json()["id"]
    lead = Lead.objects.get(pk=lead_id)
    with django_capture_on_commit_callbacks(execute=True):  # the signal, then the report task (eager)
        lead_services.lead_close(lead=lead, user=personas.street, outcome="partly")
    arrival = Arrival.objects.get(lead_id=lead_id)
    assert arrival.report_state == "failed" and arrival.report_error and arrival.reported_at is None
    assert Lead.objects.get(pk=lead_id).reported_up_at is None
    page = client_for(personas.street).get(lead.get_absolute_url()).content.decode()
    assert 'data-testid="arrival-report"' in page and reverse("api:closure_retry", args=[arrival.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):  # sent again: still unreachable, failed again
        federation.closure_retry(arrival=arrival, user=personas.street)
    arrival.refresh_from_db()
    assert arrival.report_state == "failed" and arrival.report_attempts == 2


@pytest.mark.django_db
def test_the_peer_pages_and_a_transfer_in_english_show_no_chinese(client_for, personas, org, settings):
    import datetime

    from django.urls import reverse

    from api import federation
    from leads import services as lead_services

    peer = _peer(personas, "down", name="Street system", reason="Link the street")
    lead, _code = lead_services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "Lead"}
    )
    other, _code = lead_services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "Lead"}
    )
    federation.transfer_down(
        lead=other, user=personas.street, peer=peer, reference="R-7", deadline=datetime.date.today()
    )
    street = client_for(personas.street)
    street.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (
        reverse("api:peer_list"),
        reverse("api:peer_add"),
        reverse("api:peer_deactivate", args=[peer.pk]),
        reverse("api:transfer_down", args=[lead.pk]),
    ):
        html = street.get(url).content.decode()
        main = html.split("<main", 1)[-1].split("</main>", 1)[0]
        main = re.sub(r"<option[^>]*>[^<]*</option>|<label[^>]*for=\"id_[a-z_]+_\d+\"[^>]*>.*?</label>", "", main)
        assert not chinese_left(main), (url, chinese_left(main))
    panel = street.get(other.get_absolute_url()).content.decode()
    panel = panel.split('data-testid="lead-federation"', 1)[1].split("</div></div>", 1)[0]
    assert "Transferred to a lower system" in panel and not chinese_left(panel), panel
