"""One mail helper. Every e-mail is rendered from ``templates/emails/<name>-subject.txt``,
``-body.txt`` and (optionally) ``-body.html``, recorded in the outbox (``OutboundEmail``) and sent
by a Celery task after the surrounding transaction commits. Wording changes are template-only.

Never pass informant identities in ``context``: e-mails must not contain them.

Links are absolute: every template gets ``site_url`` (``settings.SITE_URL``, no trailing slash)
and writes ``{{ site_url }}{% url '…' %}``; ``absolute_url(path)`` builds one in Python.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.exceptions import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override

from .choices import MailStatus
from .models import OutboundEmail

log = logging.getLogger(__name__)

#: A row left in 'sending' longer than this (a worker died mid-send) is picked up again.
STALE_SENDING = datetime.timedelta(minutes=10)


def site_url() -> str:
    """The address users reach the app at (``SITE_URL``), without a trailing slash."""
    return str(settings.SITE_URL).rstrip("/")


def absolute_url(path: str) -> str:
    """``/leads/?x=1`` → ``https://hulao.example.org/leads/?x=1``: links in e-mails are absolute."""
    return site_url() + "/" + path.lstrip("/")


def render_mail(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    context = {"site_url": site_url(), **context}
    with override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}-subject.txt", context).strip().replace("\n", " ")
        text = render_to_string(f"emails/{name}-body.txt", context)
        html: str
        try:
            html = render_to_string(f"emails/{name}-body.html", context)
        except TemplateDoesNotExist:
            html = ""
    return settings.EMAIL_SUBJECT_PREFIX + subject, text, html


def queue_mail(
    name: str,
    *,
    to: Iterable[str],
    context: dict[str, Any],
    key: str | None = None,
    attachment: tuple[str, bytes, str] | None = None,
    jurisdiction_id: int | None = None,
) -> OutboundEmail | None:
    """Record an e-mail in the outbox and send it after commit. With ``key``, the same e-mail is
    queued once only: a second call with the same key returns the existing row. ``jurisdiction_id``:
    the street whose e-mail it is, in a city (its office sees it in the outbox)."""
    recipients = sorted({addr for addr in to if addr})
    if not recipients:
        return None
    if key:
        existing = OutboundEmail.objects.filter(key=key).first()
        if existing:
            return existing
    subject, text, html = render_mail(name, context)
    fields: dict[str, Any] = {
        "key": key,
        "template": name,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "to": recipients,
        "jurisdiction_id": jurisdiction_id,
    }
    if attachment:
        fields.update(attachment_name=attachment[0], attachment=attachment[1], attachment_mimetype=attachment[2])
    try:
        with transaction.atomic():
            mail = OutboundEmail.objects.create(**fields)
    except IntegrityError:
        return OutboundEmail.objects.get(key=key)
    transaction.on_commit(lambda: _enqueue(mail.pk))
    return mail


def _enqueue(pk: int) -> None:
    from .tasks import send_mail_task

    try:
        send_mail_task.delay(pk)
    except Exception:  # broker down: the periodic job sends it later
        log.warning("Mail %s queued in the outbox; the broker is unreachable, it will be retried.", pk)


def claim(pk: int) -> bool:
    """Claim one e-mail for sending with a conditional UPDATE; True only for the one caller that
    moved it from pending (or from a stale 'sending') to 'sending'."""
    now = timezone.now()
    return bool(
        OutboundEmail.objects.filter(pk=pk)
        .filter(Q(status=MailStatus.PENDING) | Q(status=MailStatus.SENDING, claimed_at__lt=now - STALE_SENDING))
        .update(status=MailStatus.SENDING, claimed_at=now)
    )


def deliver(pk: int) -> bool:
    """Send one claimed e-mail. Returns True when sent. On an SMTP error the row goes back to
    pending (or to failed after ``MAIL_MAX_ATTEMPTS``) with the error kept for the UI."""
    if not claim(pk):
        return False
    mail = OutboundEmail.objects.get(pk=pk)
    message = EmailMultiAlternatives(
        subject=mail.subject, body=mail.body_text, from_email=settings.DEFAULT_FROM_EMAIL, to=mail.to
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    if mail.attachment_name and mail.attachment is not None:
        message.attach(mail.attachment_name, bytes(mail.attachment), mail.attachment_mimetype)
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        attempts = mail.attempts + 1
        status = MailStatus.FAILED if attempts >= settings.MAIL_MAX_ATTEMPTS else MailStatus.PENDING
        OutboundEmail.objects.filter(pk=pk).update(
            status=status, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        log.warning("Sending mail %s failed (attempt %s): %s", pk, attempts, type(exc).__name__)
        return False
    OutboundEmail.objects.filter(pk=pk).update(
        status=MailStatus.SENT, attempts=mail.attempts + 1, sent_at=timezone.now(), last_error=""
    )
    return True


def pending_ids(limit: int = 100) -> list[int]:
    now = timezone.now()
    return list(
        OutboundEmail.objects.filter(
            Q(status=MailStatus.PENDING) | Q(status=MailStatus.SENDING, claimed_at__lt=now - STALE_SENDING)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def retry(pk: int) -> None:
    """A user asked to send a failed e-mail again."""
    OutboundEmail.objects.filter(pk=pk, status=MailStatus.FAILED).update(status=MailStatus.PENDING, attempts=0)
    transaction.on_commit(lambda: _enqueue(pk))


def send_again(mail: OutboundEmail, *, user: Any) -> OutboundEmail:
    """The outbox's "send again" (``core.mail_retry``): a failed or pending e-mail goes back to
    pending with its attempts reset and is handed to the worker after commit; who asked is in
    the audit trail. A sent (or being sent) e-mail is refused by the rule."""
    from . import rules
    from .audit import record_action

    def requeue(row: OutboundEmail) -> None:
        _enqueue(row.pk)

    with transaction.atomic():
        row = rules.transition(mail, user=user, action="core.mail_retry", fields={"attempts": 0}, effects=(requeue,))
        record_action(row, actor=user, action_text=str(rules.get("core.mail_retry").label))
    return row
