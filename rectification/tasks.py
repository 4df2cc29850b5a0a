"""Thin Celery wrappers around the rectification services."""

from celery import shared_task

from . import services


@shared_task(time_limit=15 * 60, soft_time_limit=14 * 60, autoretry_for=(ConnectionError,), max_retries=3)
def daily_digests() -> int:
    """Each unit's reminder of overdue inspections and overdue measures (idempotent per day)."""
    return services.rectification_send_digests()
