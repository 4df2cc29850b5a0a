"""Thin Celery wrappers around ``core.mail``."""

from celery import shared_task

from . import mail


@shared_task(name="core.tasks.send_mail_task", time_limit=120, soft_time_limit=100)
def send_mail_task(pk: int) -> bool:
    return mail.deliver(pk)


@shared_task(name="core.tasks.send_pending_mail", time_limit=600, soft_time_limit=580)
def send_pending_mail() -> int:
    """Periodic: send whatever the outbox still holds (broker or SMTP was down)."""
    return sum(1 for pk in mail.pending_ids() if mail.deliver(pk))
