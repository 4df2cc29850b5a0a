"""A report whose claiming task is gone (its worker was killed) is recovered by the
pending-reports job once its heartbeat is a few beats old, not after an 11-minute wait; a live
generation keeps its claim fresh and is never taken over: still exactly once."""

import datetime
import threading
import time

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from core.exceptions import DomainError
from core.models import OutboundEmail
from reports import services
from reports.choices import ReportStatus
from reports.models import MonthlyReport
from reports.tasks import generate_pending_reports

NOV = datetime.date(2026, 11, 1)


def _claimed_by_a_dead_task(report, seconds_ago: float) -> None:
    """What a worker killed just after its claim leaves: generating, a task id no worker runs,
    and a heartbeat ``seconds_ago`` old."""
    MonthlyReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.GENERATING,
        claim_token="dead-task-0000",
        claimed_at=timezone.now() - datetime.timedelta(seconds=seconds_ago),
        attempts=1,
    )


def test_the_default_limit_is_a_few_heartbeats_and_the_job_runs_every_minute(settings):
    assert settings.REPORTS_STALE_SECONDS <= 3 * settings.REPORTS_HEARTBEAT_SECONDS <= 180
    assert settings.CELERY_BEAT_SCHEDULE["reports-pending"]["schedule"] <= 60


@pytest.mark.django_db
def test_a_dead_claim_is_recovered_by_the_pending_job_once(
    campaign, personas, recipients, settings, django_capture_on_commit_callbacks
):
    report = services.report_prepare(month=NOV, user=personas.street)
    _claimed_by_a_dead_task(report, seconds_ago=settings.REPORTS_STALE_SECONDS - 10)

    with django_capture_on_commit_callbacks(execute=True):
        assert generate_pending_reports.delay().get() == 0  # the heartbeat is still recent
    report.refresh_from_db()
    assert report.status == ReportStatus.GENERATING and report.claim_token == "dead-task-0000"
    with pytest.raises(DomainError, match="正在生成"):
        services.report_prepare(month=NOV, regenerate=True)  # manage.py monthly_report --regenerate

    _claimed_by_a_dead_task(report, seconds_ago=settings.REPORTS_STALE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert generate_pending_reports.delay().get() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.attempts == 2 and report.version == 1
    assert len(django_mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):  # the dead task's message, redelivered
        services.report_generate(month=NOV, token="dead-task-0000")
        assert generate_pending_reports.delay().get() == 0
    assert OutboundEmail.objects.count() == 1 and len(django_mail.outbox) == 1


@pytest.mark.django_db
def test_the_command_takes_over_a_dead_claim(campaign, personas, recipients, settings):
    report = services.report_prepare(month=NOV, user=personas.street)
    _claimed_by_a_dead_task(report, seconds_ago=settings.REPORTS_STALE_SECONDS + 1)
    result = services.report_generate(month=NOV, regenerate=True)  # manage.py monthly_report --regenerate
    assert result.status == ReportStatus.READY and result.version == 1 and result.attempts == 2


def _wait_for(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def fast_heartbeat(settings):
    settings.REPORTS_HEARTBEAT_SECONDS = 0.3
    settings.REPORTS_STALE_SECONDS = 1.5


@pytest.fixture
def worker(redis_url):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    assert app.connection_for_write().as_uri().startswith("redis://")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            yield app
    finally:
        app.conf.task_always_eager = True


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recovers_a_report_whose_task_died(campaign, personas, recipients, fast_heartbeat, worker):
    report = services.report_prepare(month=NOV, user=personas.street)
    _claimed_by_a_dead_task(report, seconds_ago=0)

    generate_pending_reports.delay()  # too early: the dead task's heartbeat is fresh
    time.sleep(0.5)
    assert MonthlyReport.objects.get(pk=report.pk).claim_token == "dead-task-0000"

    time.sleep(1.5)  # no heartbeat for longer than REPORTS_STALE_SECONDS
    generate_pending_reports.delay()
    assert _wait_for(lambda: MonthlyReport.objects.get(pk=report.pk).status == ReportStatus.READY)
    assert _wait_for(lambda: OutboundEmail.objects.filter(status="sent").exists())
    report.refresh_from_db()
    assert report.attempts == 2 and report.claim_token != "dead-task-0000"
    assert OutboundEmail.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_live_slow_generation_is_not_taken_over(campaign, personas, recipients, fast_heartbeat, worker, monkeypatch):
    from reports.tasks import generate_monthly_report

    building, release = threading.Event(), threading.Event()

    def slow(report):  # the worker is alive but slow: longer than REPORTS_STALE_SECONDS
        building.set()
        release.wait(30)

    monkeypatch.setattr(services, "_after_build_hook", slow)
    report = services.report_prepare(month=NOV, user=personas.street)
    generate_monthly_report.delay("2026-11", personas.street.pk, campaign.pk)
    assert building.wait(60)
    token = MonthlyReport.objects.get(pk=report.pk).claim_token
    try:
        for _ in range(4):  # the pending job runs while the generation's heartbeat goes on
            time.sleep(1)
            assert services.reports_generate_pending() == 0
            row = MonthlyReport.objects.get(pk=report.pk)
            assert row.status == ReportStatus.GENERATING and row.claim_token == token
            assert row.claimed_at > timezone.now() - datetime.timedelta(seconds=1.5)
    finally:
        release.set()
    assert _wait_for(lambda: MonthlyReport.objects.get(pk=report.pk).status == ReportStatus.READY)
    report.refresh_from_db()
    assert report.attempts == 1 and report.claim_token == token
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_a_live_generation_keeps_its_report_even_from_its_own_redelivered_message(
    campaign, personas, recipients, django_capture_on_commit_callbacks
):
    """The same message delivered to a second worker while the first is still generating (same
    task id, so the same claim token; a fresh or stale-looking heartbeat alike): the first
    worker's database session holds the report's lock (``core.locks``), so the second does
    nothing. Once that session is gone (the worker died), the redelivery takes over at once."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the lock is PostgreSQL's session advisory lock (elsewhere one process runs)")
    import psycopg2

    from core.locks import _namespace

    report = services.report_prepare(month=NOV, user=personas.street)
    _claimed_by_a_dead_task(report, seconds_ago=3600)  # looks stale, too
    db = connection.settings_dict
    other = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres", dbname=db["NAME"]
    )
    try:
        with other.cursor() as cur:  # the first worker, alive and generating
            cur.execute("SELECT pg_advisory_lock(%s, %s)", [_namespace("reports.monthly_report"), report.pk])
        for token in ("dead-task-0000", "another-task"):
            with django_capture_on_commit_callbacks(execute=True):
                again = services.report_generate(month=NOV, token=token)
            assert again.status == ReportStatus.GENERATING and again.attempts == 1
            assert generate_pending_reports.delay().get() == 0
    finally:
        other.close()  # the first worker dies: PostgreSQL releases its lock
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV, token="dead-task-0000")
    assert report.status == ReportStatus.READY and report.attempts == 2
    assert OutboundEmail.objects.count() == 1 and len(django_mail.outbox) == 1
