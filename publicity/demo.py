"""Demo data of the publicity area: activities in bulk, a survey per community and month across
the campaign (awareness rising), media reports and public-opinion entries (with their status,
follow-ups, and the 高/重大 ones escalated to the street office)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from organization.demo import DemoContext, bulk_insert

from .choices import ESCALATED_RISK_LEVELS, ActivityType, MediaLevel, OpinionSource, OpinionStatus, RiskLevel, Venue
from .models import Activity, AwarenessSurvey, MediaReport, OpinionEntry, OpinionFollowUp

BATCH = 2000

TITLES = {
    ActivityType.BROCHURE: "发放防范养老诈骗宣传册",
    ActivityType.SLOGAN: "张贴“守护养老钱”宣传标语",
    ActivityType.BILLBOARD: "设置打击整治养老诈骗宣传展板",
    ActivityType.GROUP_SMS: "群发养老诈骗风险提示短信",
    ActivityType.WECHAT: "微信公众号推送防骗知识",
    ActivityType.TALK: "防范养老诈骗专题讲座",
    ActivityType.POINT_TO_POINT: "入户点对点提醒独居老人",
    ActivityType.MEDIA_REPORT: "配合媒体报道专项行动",
    ActivityType.TYPICAL_CASE: "曝光养老诈骗典型案例",
    ActivityType.OTHER: "反诈文艺演出进社区",
}

OUTLETS = [
    ("人民网", MediaLevel.NATIONAL),
    ("东南网", MediaLevel.PROVINCIAL),
    ("福建日报", MediaLevel.PROVINCIAL),
    ("泉州晚报", MediaLevel.CITY),
    ("晋江经济报", MediaLevel.LOCAL),
    ("晋江电视台", MediaLevel.LOCAL),
]

OPINIONS = [
    "网传某养生馆以“免费体检”为名向老人推销高价保健品",
    "短视频平台出现某“以房养老”理财项目宣传",
    "群众反映某旅行社组织低价“养老旅游”后强制购物",
    "微信群流传“代办养老保险”可提高待遇的消息",
    "论坛帖子质疑某养老机构收取预付费后经营异常",
]


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _activities(ctx: DemoContext, start: datetime.date, days: int):
    rng = ctx.rng
    organisers = ctx.communities + ctx.member_units
    recorders = {unit.pk: getattr(ctx.user_of_unit(unit), "pk", None) for unit in organisers}
    typical_cases = list(Case.objects.typical().values_list("pk", flat=True))  # seeded before publicity
    types = list(ActivityType)
    venues = list(Venue)
    for _ in range(ctx.scale.get("activities", 150)):
        organiser = rng.choice(organisers)
        community = organiser if organiser in ctx.communities else rng.choice([*ctx.communities, None])
        kind = rng.choice(types)
        online = kind in (ActivityType.GROUP_SMS, ActivityType.WECHAT)
        people = rng.randrange(0, 20) if kind == ActivityType.POINT_TO_POINT else rng.randrange(20, 600)
        yield Activity(
            date=start + datetime.timedelta(days=rng.randrange(days)),
            title=TITLES[kind],
            activity_type=kind,
            venue=Venue.ONLINE if online else rng.choice(venues[:-1]),
            organiser_id=organiser.pk,
            community_id=community.pk if community else None,
            people_reached=people,
            elderly_reached=rng.randrange(0, people + 1),
            materials=0 if online else rng.randrange(0, 300),
            messages=rng.randrange(100, 3000) if online else 0,
            created_by_id=recorders[organiser.pk],
            typical_case_id=rng.choice(typical_cases) if typical_cases and kind == ActivityType.TYPICAL_CASE else None,
        )


@transaction.atomic
def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    start = ctx.campaign.start_date
    end = min(ctx.today, ctx.campaign.end_date or ctx.today)
    days = max((end - start).days, 1)

    batch: list[Activity] = []
    count = 0
    for activity in _activities(ctx, start, days):
        batch.append(activity)
        if len(batch) >= BATCH:
            count += len(bulk_insert(Activity, batch))
            batch = []
    count += len(bulk_insert(Activity, batch))
    ctx.counts["activities"] = count

    surveys = []
    months = _months(start, end)
    existing = set(AwarenessSurvey.objects.values_list("community_id", "month"))
    for community in ctx.communities:
        level = rng.uniform(0.45, 0.6)
        for month in months:
            level = min(0.98, level + rng.uniform(0.02, 0.08))  # awareness rises as the campaign goes on
            if (community.pk, month) in existing:
                continue
            households, residents, elderly = rng.randrange(80, 200), rng.randrange(150, 400), rng.randrange(60, 180)
            surveys.append(
                AwarenessSurvey(
                    community=community,
                    month=month,
                    households_surveyed=households,
                    households_aware=round(households * min(1, level + rng.uniform(-0.03, 0.03))),
                    residents_surveyed=residents,
                    residents_aware=round(residents * min(1, level + rng.uniform(-0.05, 0.02))),
                    elderly_surveyed=elderly,
                    elderly_aware=round(elderly * min(1, level + rng.uniform(-0.08, 0.0))),
                    created_by=ctx.user_of_unit(community),
                )
            )
    ctx.counts["awareness_surveys"] = len(AwarenessSurvey.objects.bulk_create(surveys, batch_size=BATCH))

    publicity_unit = ctx.units.get("group_publicity") or ctx.communities[0]
    reports = []
    for index in range(max(6, len(months) * 3)):
        outlet, level = OUTLETS[index % len(OUTLETS)]
        reports.append(
            MediaReport(
                date=start + datetime.timedelta(days=rng.randrange(days)),
                outlet=outlet,
                level=level,
                title=f"新塘街道扎实推进打击整治养老诈骗专项行动（{index + 1}）",
                url=f"https://news.example.cn/xintang/{index + 1}.html",
                unit=publicity_unit,
                created_by=ctx.user_of_unit(publicity_unit),
            )
        )
    ctx.counts["media_reports"] = len(MediaReport.objects.bulk_create(reports, batch_size=BATCH))

    major_cases = list(Case.objects.filter(is_major=True).values_list("pk", flat=True))
    entries = []
    for index in range(max(5, len(months) * 2)):
        risk = rng.choice(list(RiskLevel))
        status = list(OpinionStatus)[index % 3]  # not drawn: the other apps' demo data stays the same
        day = start + datetime.timedelta(days=rng.randrange(days))
        escalated = risk in ESCALATED_RISK_LEVELS
        entries.append(
            OpinionEntry(
                status=status,
                escalated_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
                if escalated
                else None,
                escalated_by=ctx.user_of_unit(publicity_unit) if escalated else None,
                date=day,
                source=rng.choice(list(OpinionSource)),
                summary=OPINIONS[index % len(OPINIONS)],
                risk_level=risk,
                response="已核实情况，发布权威信息并跟进处置" if risk != RiskLevel.LOW else "持续监测",
                case_id=major_cases[index % len(major_cases)] if major_cases and index % 2 else None,
                case_reference="" if index % 3 else f"演示案件{index + 1}",
                unit=publicity_unit,
                created_by=ctx.user_of_unit(publicity_unit),
            )
        )
    ctx.counts["opinion_entries"] = len(OpinionEntry.objects.bulk_create(entries, batch_size=BATCH))
    follow_ups = [
        OpinionFollowUp(
            entry=entry,
            date=min(entry.date + datetime.timedelta(days=step), ctx.today),
            note=note,
            status=OpinionStatus.FOLLOWING if step == 1 else OpinionStatus.RESOLVED,
            by=entry.created_by,
        )
        for entry in entries
        if entry.status != OpinionStatus.NEW
        for step, note in ((1, "联系发布人核实情况，协调相关部门回应"), (3, "已发布权威信息，舆情平息"))
        if step == 1 or entry.status == OpinionStatus.RESOLVED
    ]
    ctx.counts["opinion_follow_ups"] = len(OpinionFollowUp.objects.bulk_create(follow_ups, batch_size=BATCH))
