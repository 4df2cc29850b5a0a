"""The daily job: reminders (催办), public naming (通报) and each unit's digest e-mail."""

import datetime

import pytest

from core.audit import timeline_for
from core.models import OutboundEmail
from core.workdays import WorkCalendar
from leads import services, tasks
from leads.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(lead_in, org, personas):
    org.community_a.liaison = personas.community_a
    org.community_a.save()
    personas.community_b.email = ""  # nobody in B can be mailed: B gets no digest
    personas.community_b.save()
    today = datetime.date.today()
    cal = WorkCalendar()
    overdue = lead_in("referred", unit=org.community_a, summary="超期线索")
    long_overdue = lead_in("verifying", unit=org.community_a, summary="久拖线索")
    soon = lead_in("referred", unit=org.community_a, summary="将到期线索")
    later = lead_in("referred", unit=org.community_a, summary="期限尚远")
    other = lead_in("referred", unit=org.community_b, summary="B社区超期")  # no liaison e-mail in B
    Lead.objects.filter(pk=overdue.pk).update(deadline=today - datetime.timedelta(days=1))
    Lead.objects.filter(pk=long_overdue.pk).update(deadline=services.subtract_workdays(cal, today, 10))
    Lead.objects.filter(pk=soon.pk).update(deadline=cal.add_workdays(today, 1))
    Lead.objects.filter(pk=later.pk).update(deadline=cal.add_workdays(today, 20))
    Lead.objects.filter(pk=other.pk).update(deadline=today - datetime.timedelta(days=3))
    return {"overdue": overdue, "long": long_overdue, "soon": soon, "later": later, "other": other}


def test_daily_job_reminds_names_and_mails_once(board, org):
    result = tasks.daily_deadlines.delay().get()
    assert result == {"reminded": 3, "named": 1, "digests": 1}
    mail = OutboundEmail.objects.get()
    assert mail.key == f"lead-digest:{org.community_a.pk}:{datetime.date.today().isoformat()}"
    assert mail.to == ["community_a@example.invalid"]
    assert "超期线索" in mail.body_text and "久拖线索" in mail.body_text and "将到期线索" in mail.body_text
    assert "期限尚远" not in mail.body_text and "B社区超期" not in mail.body_text
    lead = Lead.objects.get(pk=board["overdue"].pk)
    assert lead.reminder_count == 1 and not lead.publicly_named
    assert any(e.changes_text == "超期催办" for e in timeline_for(lead))
    assert Lead.objects.get(pk=board["long"].pk).publicly_named
    # a second run the same day changes nothing
    assert tasks.daily_deadlines.delay().get() == {"reminded": 0, "named": 0, "digests": 1}
    assert OutboundEmail.objects.count() == 1
    assert Lead.objects.get(pk=board["overdue"].pk).reminder_count == 1


def test_extension_resets_reminders(board, personas):
    services.leads_escalate()
    lead = Lead.objects.get(pk=board["overdue"].pk)
    lead = services.lead_request_extension(
        lead=lead, user=personas.community_a, until=datetime.date.today() + datetime.timedelta(days=5), reason="x"
    )
    services.lead_decide_extension(lead=lead, user=personas.street, approve=True)
    assert services.leads_escalate()["reminded"] == 0
    # the extended deadline passes too: a new reminder
    later = datetime.date.today() + datetime.timedelta(days=10)
    assert services.leads_escalate(today=later)["reminded"] >= 1
    assert Lead.objects.get(pk=lead.pk).reminder_count == 2


def test_beat_schedule_has_the_daily_job(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["leads-daily-deadlines"]
    assert entry["task"] == "leads.tasks.daily_deadlines"


def test_major_overdue_leads_are_reminded_every_working_day(board, personas):
    lead = services.lead_supervise(
        lead=Lead.objects.get(pk=board["overdue"].pk), user=personas.street, is_major=True, supervisor=personas.street
    )
    cal = WorkCalendar()
    today = datetime.date.today()
    while not cal.is_workday(today):
        today += datetime.timedelta(days=1)
    services.leads_escalate(today=today)
    services.leads_escalate(today=today)  # same day: nothing more
    next_day = cal.add_workdays(today, 1)
    services.leads_escalate(today=next_day)
    assert Lead.objects.get(pk=lead.pk).reminder_count == 2
    assert Lead.objects.get(pk=board["long"].pk).reminder_count == 1
