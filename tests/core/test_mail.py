"""The outbox: recorded first, sent once, retried after a failure, and really sent by a real
Celery worker over Redis to a real SMTP server on loopback."""

import pytest
from django.core import mail as django_mail

from core import mail
from core.choices import MailStatus
from core.models import OutboundEmail


@pytest.fixture
def mail_template(settings, tmp_path):
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "hello-subject.txt").write_text("你好 {{ name }}", encoding="utf-8")
    (folder / "hello-body.txt").write_text("本月 {{ name }} 的提醒。", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    return "hello"


def test_same_key_queues_one_mail(db, mail_template, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = mail.queue_mail(mail_template, to=["a@example.invalid"], context={"name": "新塘"}, key="k:1")
        second = mail.queue_mail(mail_template, to=["a@example.invalid"], context={"name": "新塘"}, key="k:1")
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(django_mail.outbox) == 1
    assert django_mail.outbox[0].subject == "[护老] 你好 新塘"
    assert OutboundEmail.objects.get().status == MailStatus.SENT


def test_a_claimed_mail_is_not_sent_twice(db, mail_template):
    row = mail.queue_mail(mail_template, to=["a@example.invalid"], context={"name": "x"})
    assert mail.deliver(row.pk) is True
    assert mail.deliver(row.pk) is False
    assert len(django_mail.outbox) == 1


def test_failed_send_keeps_the_error_and_is_retried(db, mail_template, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    row = mail.queue_mail(mail_template, to=["a@example.invalid"], context={"name": "x"})
    assert mail.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.status == MailStatus.PENDING and row.attempts == 1 and row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from core.tasks import send_pending_mail

    assert send_pending_mail() == 1
    row.refresh_from_db()
    assert row.status == MailStatus.SENT and row.last_error == ""


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_real_worker_over_redis_sends_to_real_smtp(redis_url, smtp_server, mail_template, settings):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    assert app.connection_for_write().as_uri().startswith("redis://"), "the test settings must use REDIS_URL"
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            row = mail.queue_mail(mail_template, to=["liaison@example.invalid"], context={"name": "梧垵社区"})
            messages = smtp_server.wait_for(1, timeout=30)
    finally:
        app.conf.task_always_eager = True
    assert len(messages) == 1
    assert messages[0].rcpt_tos == ["liaison@example.invalid"]
    assert "梧垵社区" in messages[0].content.decode("utf-8", "replace") or "=E6" in messages[0].content.decode()
    row.refresh_from_db()
    assert row.status == MailStatus.SENT


def _drop_connections(app):
    """Forget pooled broker connections so that the next publish uses the current broker_url.
    kombu's pools live in a process-wide registry keyed by URL: reset it, or a closed pool stays
    there for the next test that uses the same URL ("Acquire on closed pool")."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_mail_is_kept_and_sent_later(mail_template, settings, caplog):
    """Redis down (a dead port): the change that queues an e-mail still succeeds, the e-mail waits
    in the outbox, and the periodic job sends it once the broker and a worker are back."""
    from config.celery import app

    old = app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_retry
    app.conf.update(
        broker_url="redis://127.0.0.1:1/0",
        task_always_eager=False,
        broker_connection_retry=False,
        broker_connection_max_retries=0,
        broker_transport_options={"socket_connect_timeout": 1},
    )
    _drop_connections(app)
    try:
        row = mail.queue_mail(mail_template, to=["a@example.invalid"], context={"name": "停电"})
    finally:
        app.conf.update(broker_url=old[0], task_always_eager=old[1], broker_connection_retry=old[2])
        _drop_connections(app)
    row.refresh_from_db()
    assert row.status == MailStatus.PENDING and len(django_mail.outbox) == 0
    assert "broker is unreachable" in caplog.text

    from core.tasks import send_pending_mail

    assert send_pending_mail.delay().get() == 1  # eager again: the worker is back
    row.refresh_from_db()
    assert row.status == MailStatus.SENT and len(django_mail.outbox) == 1
