"""Past one machine (issue 18.7): two web processes (gunicorn) and two Celery workers on the same
PostgreSQL and Redis. The monthly report is asked for everywhere at once — the generate button
POSTed on both web processes at the same moment, the scheduled job sent twice and the same message
delivered to both workers (a redelivery) — and still one report is generated, one file written and
one e-mail per recipient arrives at a real SMTP server; the submission reminders, sent twice at
once, reach each unit once.

The processes must see committed rows, so the test runs on ``transactional_db`` (pytest's test
database, no wrapping transaction) and the subprocesses connect to that database by name.
PostgreSQL and Redis are required: skipped elsewhere, failed in CI (``missing_service``)."""

from __future__ import annotations

import contextlib
import email
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from email import policy
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import free_port, missing_service
from tests.reports.conftest import campaign, recipients  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "scale-out-pw-2026"
RECIPIENTS = ["office@example.invalid", "city@example.invalid"]

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class Web:
    """A cookie-keeping client for one web process (CSRF and session like a browser)."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def post(self, path: str, data: dict) -> tuple[int, str]:
        csrf = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        payload = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(self.base + path, data=payload, method="POST")
        request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def login(self, username: str) -> None:
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        status, body = self.get("/ping/")
        assert status == 200 and body == "ok", f"login on {self.base} failed: {status}"


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    auth = f"{user}:{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else user
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _env(redis_url: str, smtp_port: int, var: Path) -> dict[str, str]:
    from django.conf import settings

    return {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL")},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "HULAO_VAR_DIR": str(var),  # one media folder for every process, as a shared volume
        "SECRET_KEY": "scale-out-test-secret-key-shared-by-every-process",
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEYS[0],
        "FIELD_HASH_KEY": "scale-out-test-hash-key",
        "SITE_URL": "http://hulao.example.invalid",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "REPORTS_RECIPIENTS": ",".join(RECIPIENTS),
        "LOG_LEVEL": "WARNING",
    }


def _prepare(personas) -> None:
    """The street office's password as the subprocesses hash it (the tests use MD5, which the
    local settings do not accept). The personas' e-mail addresses make their units reachable."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from organization.models import User

    encoded = PBKDF2PasswordHasher().encode(PASSWORD, "scaleoutsalt", iterations=1000)
    User.objects.filter(pk=personas.street.pk).update(password=encoded)


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _workers_idle(app, names: list[str], redis_url: str) -> bool:
    import redis

    if redis.Redis.from_url(redis_url).llen("celery"):
        return False
    inspect = app.control.inspect(destination=names, timeout=1.0)
    active = inspect.active() or {}
    reserved = inspect.reserved() or {}
    return len(active) == len(names) and not any(active.values()) and not any(reserved.values())


@contextlib.contextmanager
def _processes(env: dict[str, str], log_dir: Path):
    """Two gunicorn processes and two Celery workers; every one is stopped on the way out."""
    procs: list[tuple[str, subprocess.Popen]] = []
    ports = [free_port(), free_port()]
    names = [f"scale-a-{uuid.uuid4().hex[:6]}@localhost", f"scale-b-{uuid.uuid4().hex[:6]}@localhost"]

    def start(label: str, argv: list[str]) -> None:
        log = open(log_dir / f"{label}.log", "wb")  # noqa: SIM115 (closed with the process)
        procs.append((label, subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)))

    try:
        for n, port in enumerate(ports):
            start(
                f"web{n}",
                [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
                + ["--workers", "1", "--threads", "4", "--timeout", "120", "--log-level", "warning"],
            )
        for n, name in enumerate(names):
            start(
                f"worker{n}",
                [str(BIN / "celery"), "-A", "config", "worker", "-n", name, "--pool=solo", "--concurrency=1"]
                + ["--without-gossip", "--without-mingle", "--loglevel=WARNING"],
            )
        yield ports, names, procs
    finally:
        for _label, proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for _label, proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _logs(log_dir: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(log_dir.glob("*.log")))


def test_two_webs_and_two_workers_make_one_report_and_one_mail_each(
    redis_url,
    smtp_server,
    org,
    personas,
    campaign,  # noqa: F811
    tmp_path,
):
    if connection.vendor != "postgresql":
        missing_service("needs PostgreSQL (DATABASE_URL=postgres://...)")
    from config.celery import app
    from core.models import AuditEntry, OutboundEmail
    from reports.models import MonthlyReport
    from reports.tasks import generate_pending_reports, monthly_report_due, submission_reminders

    _prepare(personas)
    var, log_dir = tmp_path / "var", tmp_path / "logs"
    var.mkdir()
    log_dir.mkdir()
    from django.conf import settings

    env = _env(redis_url, int(settings.EMAIL_PORT), var)  # the smtp_server fixture's port

    # The tests' Celery app publishes to the same Redis as the workers (not eagerly).
    assert app.connection_for_write().as_uri().startswith("redis://")
    app.conf.task_always_eager = False
    try:
        app.control.purge()
        with _processes(env, log_dir) as (ports, names, procs):
            try:
                webs = [Web(port) for port in ports]
                for web in webs:
                    _wait(lambda web=web: _up(web), 60, f"gunicorn on {web.base}")
                _wait(lambda: len(app.control.ping(destination=names, timeout=1.0) or []) == 2, 60, "both workers")
                for web in webs:
                    web.login("street")

                # --- the monthly report: asked for everywhere at the same moment -------------------
                # One message delivered to both workers at once (same task id: a redelivery, e.g.
                # after the visibility timeout). Published first, so each idle worker takes one.
                redelivered = f"due-{uuid.uuid4().hex}"
                for _ in range(2):
                    monthly_report_due.apply_async(["2026-11-20"], task_id=redelivered)
                go = threading.Barrier(4)
                answers: list = []

                def press(web: Web) -> None:
                    go.wait()
                    answers.append(web.post("/reports/monthly/generate/", {"month": "2026-11"}))

                def publish() -> None:
                    go.wait()
                    monthly_report_due.delay("2026-11-20")

                # the button on both web processes at the same moment, and the scheduled job sent
                # twice more (say, a second beat started by mistake)
                threads = [threading.Thread(target=press, args=(web,)) for web in webs]
                threads += [threading.Thread(target=publish) for _ in range(2)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(60)
                assert len(answers) == 2 and all(status in (200, 302) for status, _ in answers), answers
                smtp_server.wait_for(1, timeout=60)
                generate_pending_reports.delay()  # beat's sweep, on top
                generate_pending_reports.delay()
                time.sleep(1)
                _wait(lambda: _workers_idle(app, names, redis_url), 60, "the workers to finish")
                time.sleep(1)  # a straggler would have sent by now

                report = MonthlyReport.objects.get()
                assert report.status == "ready", report.error
                assert report.attempts == 1, "generated more than once"
                assert report.email is not None and report.email.status == "sent"
                files = sorted((var / "media" / "reports").rglob("*.xlsx"))
                assert [f.name for f in files] == [Path(report.file.name).name]
                generated = AuditEntry.objects.filter(object_pk=str(report.pk), changes_text__startswith="生成月报（")
                assert generated.count() == 1, list(generated.values_list("changes_text", flat=True))
                assert OutboundEmail.objects.filter(template="reports-monthly").count() == 1
                monthly = [m for m in smtp_server.messages if "2026-11" in _subject(m) and "月报" in _subject(m)]
                assert len(monthly) == 1, [_subject(m) for m in smtp_server.messages]
                assert sorted(monthly[0].rcpt_tos) == sorted(RECIPIENTS)

                # --- the 17th's reminders, sent twice at once, and the outbox sweep on both ---------
                before = len(smtp_server.messages)
                for _ in range(2):
                    submission_reminders.delay("2026-11-17")
                _wait(lambda: _workers_idle(app, names, redis_url), 60, "the reminders")
                from core.tasks import send_pending_mail

                send_pending_mail.delay()
                send_pending_mail.delay()
                time.sleep(1)
                _wait(lambda: _workers_idle(app, names, redis_url), 60, "the outbox sweep")
                rows = OutboundEmail.objects.filter(template="reports-reminder")
                assert rows.count() >= 3  # community A, community B, market regulation (at least)
                assert set(rows.values_list("status", flat=True)) == {"sent"}
                reminders = smtp_server.messages[before:]
                assert len(reminders) == rows.count(), [_subject(m) for m in reminders]
                assert sorted(tuple(sorted(m.rcpt_tos)) for m in reminders) == sorted(
                    tuple(sorted(to)) for to in rows.values_list("to", flat=True)
                )
                for label, proc in procs:
                    assert proc.poll() is None, f"{label} died"
            except BaseException:
                print(_logs(log_dir))
                raise
    finally:
        app.conf.task_always_eager = True


def _up(web: Web) -> bool:
    try:
        return web.get("/healthz/")[0] == 200
    except OSError:
        return False


def _subject(envelope) -> str:
    return str(email.message_from_bytes(envelope.content, policy=policy.default)["subject"])
