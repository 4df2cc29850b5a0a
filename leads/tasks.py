"""Thin Celery wrappers around the leads services."""

from celery import shared_task

from . import services


@shared_task(time_limit=15 * 60, soft_time_limit=14 * 60, autoretry_for=(ConnectionError,), max_retries=3)
def daily_deadlines() -> dict:
    """Reminders, public naming, then each unit's digest of due-soon and overdue leads."""
    result = services.leads_escalate()
    result["digests"] = services.leads_send_digests()
    return result


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def public_cleanup() -> dict:
    """Files held for public tip forms that were never sent, and old bookkeeping rows (hourly)."""
    from . import public

    return public.cleanup()
