"""A report asked for on the web page while the broker was down stays pending; the periodic job
generates it, once, and its e-mail goes out once."""

import datetime

import pytest
from django.core import mail as django_mail

from core.models import OutboundEmail
from reports import services
from reports.choices import ReportStatus
from reports.tasks import generate_pending_reports

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)


def test_the_periodic_job_generates_pending_reports_once(
    campaign, personas, recipients, django_capture_on_commit_callbacks
):
    report = services.report_prepare(month=NOV, user=personas.street)  # what the page records first
    assert report.status == ReportStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        assert generate_pending_reports.delay().get() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.READY and report.requested_by == personas.street
    assert len(django_mail.outbox) == 1 and sorted(django_mail.outbox[0].to) == sorted(recipients)

    with django_capture_on_commit_callbacks(execute=True):
        assert generate_pending_reports.delay().get() == 0  # nothing pending any more
        services.report_generate(month=NOV, user=personas.street)  # the late original task: a no-op
    assert OutboundEmail.objects.count() == 1 and len(django_mail.outbox) == 1
