"""Demo data: the units' monthly submissions for the campaign's past months (most on time, some
late, a few missing) and a couple of summaries. Called by ``seed_demo``."""

from __future__ import annotations

import datetime

from django.utils import timezone

from organization.choices import UnitKind

from . import selectors
from .choices import SubmissionStatus
from .models import ReportRecipient, UnitSubmission

WORK = [
    "入户走访独居老人，发放防骗宣传册；组织防范养老诈骗讲座一场。",
    "排查辖区养老服务机构和保健品门店，未发现新的涉诈问题。",
    "配合派出所核查线索，反馈核查情况。",
    "在社区公告栏张贴标语，微信群推送典型案例。",
]
PROBLEMS = ["部分老人防范意识仍然薄弱。", "个别门店经营者配合度不高。", ""]
NEXT = ["继续开展点对点提醒，加强对重点机构的巡查。", "跟进整改问题，按期销号。"]


DEMO_RECIPIENTS = [
    ("zhuanban@hulao.invalid", "街道专项办"),
    ("city-office@hulao.invalid", "市专项办"),
]


def submissions(campaign, units, *, today: datetime.date, rng, user_of) -> list[UnitSubmission]:
    """The ``units``' submissions for ``campaign``'s months before ``today``: most on time, some
    late, a few missing. Written in one batch; returns the rows. Also the demo city's streets'."""
    months = selectors.campaign_months(campaign, today - datetime.timedelta(days=1))
    rows = []
    for month in months:
        due = selectors.due_date(campaign, month)
        for unit in units:
            roll = rng.random()
            if roll < 0.08:
                continue  # not submitted at all
            late = roll < 0.2
            day = (
                due + datetime.timedelta(days=rng.randint(1, 4))
                if late
                else due - datetime.timedelta(days=rng.randint(0, 6))
            )
            submitted_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(8, 17))))
            rows.append(
                UnitSubmission(
                    campaign=campaign,
                    unit=unit,
                    month=month,
                    due_date=due,
                    status=SubmissionStatus.SUBMITTED,
                    work_done=rng.choice(WORK),
                    problems=rng.choice(PROBLEMS),
                    next_steps=rng.choice(NEXT),
                    late=late,
                    submitted_at=submitted_at,
                    submitted_by=user_of(unit),
                )
            )
    UnitSubmission.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return rows


def seed(ctx) -> None:
    units = [u for u in (ctx.communities + ctx.member_units) if u.kind in (UnitKind.COMMUNITY, UnitKind.MEMBER_UNIT)]
    rows = submissions(ctx.campaign, units, today=ctx.today, rng=ctx.rng, user_of=ctx.user_of_unit)
    ctx.counts["submissions"] = len(rows)
    # Someone to send the monthly report to, so that under `make run` it reaches the local mail
    # sink and shows in the outbox as sent (the street office keeps the real list in the app).
    for email, name in DEMO_RECIPIENTS:
        ReportRecipient.objects.get_or_create(email=email, defaults={"name": name, "note": "演示数据"})
    ctx.counts["report_recipients"] = len(DEMO_RECIPIENTS)
