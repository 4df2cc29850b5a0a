"""Open leads referred before ``deadline_workdays`` existed: when the deadline is exactly what the
source's default working days from the referral day give, it was counted, not typed; record the
count, so that it is marked "估算" over an uncovered year and recomputed when the year is entered.
A deadline that differs (typed, the higher office's, an extension) stays a fixed date."""

import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OPEN = ("referred", "verifying", "returned")


def backfill(apps, schema_editor):
    import chinese_calendar

    Lead = apps.get_model("leads", "Lead")
    SourceDeadline = apps.get_model("leads", "SourceDeadline")
    CalendarDay = apps.get_model("core", "CalendarDay")
    overrides = dict(CalendarDay.objects.values_list("date", "kind"))
    configured = dict(SourceDeadline.objects.values_list("source", "workdays"))
    defaults = settings.LEADS_DEADLINE_WORKDAYS

    def is_workday(day):
        if day in overrides:
            return overrides[day] == "workday"
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def add(start, days):
        current = start
        while days > 0:
            current += datetime.timedelta(days=1)
            if is_workday(current):
                days -= 1
        return current

    leads = Lead.objects.filter(
        status__in=OPEN, deadline__isnull=False, referred_at__isnull=False, deadline_workdays__isnull=True
    ).exclude(extension_state="approved")
    changed = []
    for lead in leads.only("pk", "source", "deadline", "referred_at").iterator(chunk_size=2000):
        days = configured.get(lead.source, defaults.get(lead.source, defaults["default"]))
        if add(timezone.localdate(lead.referred_at), days) == lead.deadline:
            lead.deadline_workdays = days
            changed.append(lead)
    Lead.objects.bulk_update(changed, ["deadline_workdays"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0007_cal_deadline_workdays"),
        ("core", "0004_cal_calendar_year"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
