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


@shared_task(name="core.tasks.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(pk: int) -> bool:
    """An import or a big export (``core.jobs``)."""
    from . import jobs

    return jobs.run(pk)


@shared_task(name="core.tasks.run_pending_jobs", time_limit=600, soft_time_limit=580)
def run_pending_jobs() -> int:
    """Periodic: run the jobs the broker never delivered, or whose worker died."""
    from . import jobs

    return sum(1 for pk in jobs.pending_ids() if jobs.run(pk))
