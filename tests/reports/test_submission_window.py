"""Submissions: only for the open period and the previous one (late); a stale save is refused
with a message, and what was typed is kept on the page."""

import datetime

import pytest
from django.urls import reverse

from core.exceptions import DomainError
from reports import services
from reports.choices import SubmissionStatus
from reports.models import UnitSubmission

D = datetime.date


@pytest.mark.parametrize("month", [D(2026, 12, 1), D(2026, 11, 1)])
def test_the_open_period_and_the_previous_one_may_be_reported(campaign, org, personas, freeze, month):
    freeze("2026-12-01 10:00")
    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=month)
    assert sub.month == month


@pytest.mark.parametrize("month", ["2026-10", "2025-01", "2027-03", "2027-01"])
def test_other_months_are_refused(campaign, org, personas, client_for, freeze, month):
    freeze("2026-12-01 10:00")
    with pytest.raises(DomainError, match="只能报送"):
        services.submission_start(
            user=personas.community_a, unit=org.community_a, month=datetime.datetime.strptime(month, "%Y-%m").date()
        )
    page = client_for(personas.community_a).post(reverse("reports:submission_start"), {"month": month})
    assert "只能报送" in page.content.decode()
    assert not UnitSubmission.objects.exists()


def test_after_the_report_day_the_next_month_is_open(campaign, org, personas, freeze):
    freeze("2026-12-21 10:00")
    assert services.submission_start(user=personas.community_a, unit=org.community_a, month=D(2027, 1, 1))
    with pytest.raises(DomainError):
        services.submission_start(user=personas.community_a, unit=org.community_a, month=D(2026, 11, 1))


def test_saving_in_a_second_tab_after_submitting_keeps_the_text_and_says_why(campaign, org, personas, client_for):
    client = client_for(personas.community_a)
    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=D(2026, 11, 1))
    stale = client.get(reverse("reports:submission_detail", args=[sub.pk])).context["form"]["seen"].value()
    services.submission_submit(submission=sub, user=personas.community_a, work_done="已报送的内容")
    page = client.post(
        reverse("reports:submission_action", args=[sub.pk, "submission_edit"]),
        {"work_done": "第二个标签页里打的字", "problems": "", "next_steps": "", "seen": stale},
    )
    html = page.content.decode()
    assert page.status_code == 409
    assert "第二个标签页里打的字" in html and "未保存" in html
    sub.refresh_from_db()
    assert sub.work_done == "已报送的内容" and sub.status == SubmissionStatus.SUBMITTED


def test_a_stale_draft_save_is_refused(campaign, org, personas, client_for):
    client = client_for(personas.community_a)
    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=D(2026, 11, 1))
    stale = client.get(reverse("reports:submission_detail", args=[sub.pk])).context["form"]["seen"].value()
    url = reverse("reports:submission_action", args=[sub.pk, "submission_edit"])
    first = client.post(url, {"work_done": "甲标签页", "problems": "", "next_steps": "", "seen": stale})
    assert first.status_code == 302
    second = client.post(url, {"work_done": "乙标签页", "problems": "", "next_steps": "", "seen": stale})
    html = second.content.decode()
    assert second.status_code in (200, 409) and "乙标签页" in html and "已在别处修改" in html
    sub.refresh_from_db()
    assert sub.work_done == "甲标签页"
