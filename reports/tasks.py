"""Thin Celery wrappers: the monthly report (exactly once, see ``services.report_generate``) and
the submission reminders. ``acks_late``: a worker killed mid-job leaves the message on the
broker, it is delivered again with the same task id, which takes the generation over."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings

from . import services
from .selectors import parse_month

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "time_limit": settings.REPORTS_TASK_TIME_LIMIT,
    "soft_time_limit": settings.REPORTS_TASK_TIME_LIMIT - 20,
}


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


@shared_task(bind=True, name="reports.tasks.generate_monthly_report", **RETRY)
def generate_monthly_report(self, month: str, user_id: int | None = None, campaign_id: int | None = None) -> int:
    """On demand (web page): generate one month's report. Returns the report's id."""
    from organization.models import Campaign, User

    user = User.objects.filter(pk=user_id).first() if user_id else None
    campaign = Campaign.objects.filter(pk=campaign_id).first() if campaign_id else None
    report = services.report_generate(
        month=parse_month(month), user=user, campaign=campaign, token=self.request.id or ""
    )
    return report.pk


@shared_task(bind=True, name="reports.tasks.monthly_report_due", **RETRY)
def monthly_report_due(self, today: str | None = None) -> int | None:
    """Daily at ``REPORTS_SEND_HOUR``: on the campaign's report day (the 20th) compile and e-mail
    the month's report. ``today`` (ISO date) is for tests and manual runs."""
    report = services.report_due(today=_date(today), token=self.request.id or "")
    return report.pk if report else None


@shared_task(name="reports.tasks.generate_pending_reports", **RETRY)
def generate_pending_reports() -> int:
    """Every few minutes: the reports asked for while the broker was down (still pending)."""
    return services.reports_generate_pending()


@shared_task(name="reports.tasks.submission_reminders", time_limit=600, soft_time_limit=580)
def submission_reminders(today: str | None = None) -> int:
    """On ``REPORTS_REMINDER_DAY`` (the 17th): remind the units that have not submitted."""
    return services.reminders_send(today=_date(today))
