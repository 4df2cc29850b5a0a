"""``seed_demo --city`` (issue 19): a demo city (晋江市) over three street offices.

The plan's street (新塘街道, the demo that ``seed_demo`` loads) becomes one of the city's, and two
more streets get Xintang's structure under their own names (东石镇, 安海镇): a street office, the
member units, the four working groups and three communities each, with an office and a community
user. The city office (晋江市专项办) gets a staff user and a leader. The city transfers leads to
every street through the real services, in several states: just arrived, referred, fed back,
closed (reported up by itself) and overdue against the city's deadline. The city runs its own
campaign (the plan's dates and phases) and 东石 and 安海 their implementations of it, each with its
own report day; 新塘 keeps the plan's campaign as it was. Idempotent.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from .choices import JurisdictionLevel, Role, UnitCode, UnitKind
from .models import Campaign, Jurisdiction, Phase, Unit, User
from .services import MEMBER_UNITS, WORKING_GROUPS

CITY = "晋江市"
HOME = "新塘街道"
#: (jurisdiction, prefix of the unit names, username prefix)
STREETS = [("东石镇", "东石镇", "dongshi"), ("安海镇", "安海镇", "anhai")]
#: Jinjiang's other 镇街 (19 with 新塘): ``seed_demo --city --streets 19`` for the benchmark
MORE_STREETS = [
    (name, name, login)
    for name, login in [
        ("青阳街道", "qingyang"),
        ("梅岭街道", "meiling"),
        ("西园街道", "xiyuan"),
        ("罗山街道", "luoshan"),
        ("灵源街道", "lingyuan"),
        ("西滨镇", "xibin"),
        ("池店镇", "chidian"),
        ("陈埭镇", "chendai"),
        ("紫帽镇", "zimao"),
        ("内坑镇", "neikeng"),
        ("磁灶镇", "cizao"),
        ("永和镇", "yonghe"),
        ("英林镇", "yinglin"),
        ("金井镇", "jinjing"),
        ("龙湖镇", "longhu"),
        ("深沪镇", "shenhu"),
    ]
]
COMMUNITIES = ["第一社区", "第二社区", "第三社区"]

#: (summary, subject) of the transferred leads
TRANSFERS = [
    ("某养生馆以免费体验为名推销高价保健品", "康寿养生馆"),
    ("某公司以养老公寓床位为名非法集资", "福满堂养老服务有限公司"),
    ("有人冒充社保人员上门办理养老认证", "不详"),
    ("某旅行社组织老人低价游强迫购物", "夕阳红旅行社"),
    ("某平台宣传以房养老高额回报", "安享理财平台"),
]


def _street(name: str, prefix: str, city: Jurisdiction, order: int) -> tuple[Jurisdiction, dict[str, Unit], list[Unit]]:
    street, _new = Jurisdiction.objects.get_or_create(name=name, defaults={"parent": city, "sort_order": order})
    units: dict[str, Unit] = {}

    short = prefix.rstrip("镇街道")

    def unit(code: str, label: str, kind: str, sort: int, **extra: Any) -> Unit:
        name = label.replace("新塘", short) if "新塘" in label else f"{prefix}{label}"
        obj, _created = Unit.objects.get_or_create(
            jurisdiction=street, code=code, defaults={"name": name, "kind": kind, "sort_order": sort, **extra}
        )
        return obj

    for sort, (code, label, short_name) in enumerate(MEMBER_UNITS, start=1):
        units[code] = unit(code, label, UnitKind.MEMBER_UNIT, sort, short_name=short_name)
    units[UnitCode.STREET_OFFICE] = unit(
        UnitCode.STREET_OFFICE,
        "专项办",
        UnitKind.STREET_OFFICE,
        1,
        short_name="专项办",
        host_unit=units[UnitCode.COMMUNITY_GOVERNANCE],
    )
    for sort, (code, label, host) in enumerate(WORKING_GROUPS, start=1):
        units[code] = unit(code, label, UnitKind.WORKING_GROUP, sort, host_unit=units[host])
    communities = [unit(f"community_{i}", label, UnitKind.COMMUNITY, i) for i, label in enumerate(COMMUNITIES, start=1)]
    return street, units, communities


def _user(username: str, name: str, unit: Unit, role: str, password: str) -> User:
    user, _new = User.objects.get_or_create(
        username=username,
        defaults={
            "name": name,
            "unit": unit,
            "role": role,
            "password": password,
            "email": f"{username}@example.invalid",
        },
    )
    return user


@transaction.atomic
def seed_city(*, today: datetime.date | None = None, streets_count: int = 3) -> dict[str, int]:
    """The demo city (see the module) of ``streets_count`` streets (3 to 19, 新塘 included).
    Returns counts. Run after the plan's street is seeded."""
    from leads import services as leads
    from leads.models import Lead

    from .demo import DEMO_PASSWORD

    today = today or timezone.localdate()
    password = make_password(DEMO_PASSWORD)
    city, _new = Jurisdiction.objects.get_or_create(name=CITY, defaults={"level": JurisdictionLevel.CITY})
    # the plan's street: 新塘 if it exists, else the one street a deployment migrated with its data
    # already has (the migration's default), else a new one
    home = (
        Jurisdiction.objects.filter(name=HOME).first()
        or Jurisdiction.objects.filter(parent__isnull=True, level=JurisdictionLevel.STREET).order_by("pk").first()
        or Jurisdiction.objects.create(name=HOME, parent=city, sort_order=1)
    )
    attached = home.parent_id is None
    if attached:
        home.parent = city
        home.save(update_fields=["parent"])
    # the plan's street: its units (and leads) belong to 新塘街道; its higher office is the city's
    office = Unit.objects.filter(code=UnitCode.CITY_OFFICE, jurisdiction__isnull=True).order_by("pk").first()
    if office is not None:
        office.kind, office.jurisdiction = UnitKind.CITY_OFFICE, city
        office.save(update_fields=["kind", "jurisdiction"])
    office = Unit.objects.filter(code=UnitCode.CITY_OFFICE, jurisdiction=city).first()
    if office is None:
        office = Unit.objects.create(
            name="晋江市专项办（市级）", code=UnitCode.CITY_OFFICE, kind=UnitKind.CITY_OFFICE, jurisdiction=city
        )
    moved = Unit.objects.filter(jurisdiction__isnull=True).update(jurisdiction=home)
    Lead.objects.filter(jurisdiction__isnull=True).update(jurisdiction=home)
    if attached or moved:
        # the rows counted before count for the street and the city now (core.tally counts a
        # row for its units' jurisdictions as they are when it is written)
        from core import tally

        tally.rebuild()
    from core.models import OutboundEmail
    from reports.models import ReportRecipient

    OutboundEmail.objects.filter(jurisdiction__isnull=True).update(jurisdiction=home)
    ReportRecipient.objects.filter(jurisdiction__isnull=True).update(jurisdiction=home)
    city_user = _user("shizhuanban", "周市专办", office, Role.CITY_OFFICE, password)
    _user("shilingdao", "郭市领导", office, Role.LEADER, password)

    streets: list[tuple[Jurisdiction, dict[str, Unit], list[Unit], User, User]] = []
    xintang_units = {u.code: u for u in Unit.objects.filter(jurisdiction=home).exclude(code=None)}
    xintang_communities = list(Unit.objects.filter(jurisdiction=home, kind=UnitKind.COMMUNITY).order_by("sort_order"))
    xintang_office = User.objects.filter(
        unit=xintang_units.get(UnitCode.STREET_OFFICE), role=Role.STREET_OFFICE
    ).first()
    xintang_community = User.objects.filter(unit__in=xintang_communities, role=Role.COMMUNITY_STAFF).first()
    if xintang_office and xintang_community:
        streets.append((home, xintang_units, xintang_communities, xintang_office, xintang_community))
    reveal = Permission.objects.get(content_type__app_label="leads", codename="view_informant")
    others = (STREETS + MORE_STREETS)[: max(2, min(streets_count, 19) - 1)]
    for order, (name, prefix, login) in enumerate(others, start=2):
        street, units, communities = _street(name, prefix, city, order)
        staff = _user(f"{login}_zhuanban", f"{prefix}专办", units[UnitCode.STREET_OFFICE], Role.STREET_OFFICE, password)
        staff.user_permissions.add(reveal)
        community = _user(f"{login}_shequ1", f"{prefix}社区", communities[0], Role.COMMUNITY_STAFF, password)
        streets.append((street, units, communities, staff, community))

    counts = {"city_streets": len(streets), "city_transfers": 0}
    counts["city_implementations"] = _city_campaign(city, [(st, staff) for st, _u, _c, staff, _m in streets[1:]], today)
    counts["city_submissions"] = _submissions([(st, community) for st, _u, _c, _s, community in streets[1:]], today)
    if Lead.objects.filter(transferred_by=office).exists():
        counts.update(_reports(city, [street for street, *_rest in streets], city_user, today))
        return counts
    city_user = User.objects.get(pk=city_user.pk)
    for s, (street, _units, communities, staff, community) in enumerate(streets):
        for i, (summary, subject) in enumerate(TRANSFERS):
            lead = leads.lead_transfer(
                user=city_user,
                street=street,
                data={
                    "higher_reference": f"晋市转〔{today.year}〕{s + 1}{i + 1:02d}号",
                    "higher_deadline": today + datetime.timedelta(days=10 + 5 * i),
                    "summary": summary,
                    "subject_name": subject,
                    "fraud_type": "product",
                },
                reason="演示：市专项办转办",
            )
            counts["city_transfers"] += 1
            staff = User.objects.get(pk=staff.pk)
            member = User.objects.get(pk=community.pk)
            if i == 0:
                continue  # just arrived (待受理)
            lead = leads.lead_refer(lead=lead, user=staff, unit=communities[0])
            if i == 4:  # overdue against the city's deadline
                Lead.objects.filter(pk=lead.pk).update(higher_deadline=today - datetime.timedelta(days=3))
            if i in (1, 4):
                continue
            lead = leads.lead_acknowledge(lead=lead, user=member)
            lead = leads.lead_feedback(
                lead=lead, user=member, findings=f"经实地核查：{subject}的情况基本属实，已责令整改。"
            )
            if i == 2:
                continue  # fed back, awaiting closure
            leads.lead_close(lead=lead, user=staff, outcome="rectification", institution_name=subject)
    counts.update(_reports(city, [street for street, *_rest in streets], city_user, today))
    return counts


#: each other street's report day (the city keeps the plan's)
REPORT_DAYS = (25, 15)


def _city_campaign(city: Jurisdiction, streets: list[tuple[Jurisdiction, User]], today: datetime.date) -> int:
    """The city's campaign (the plan's current one's dates, phases and report day) and each
    street's implementation of it through the real service, with the street's own report day."""
    from .services_campaigns import campaign_implement

    plan = Campaign.objects.filter(jurisdiction__isnull=True).current(today)
    if plan is None:
        return 0
    campaign, new = Campaign.objects.get_or_create(
        name=f"{CITY}{plan.name}",
        defaults={
            "short_name": plan.short_name,
            "start_date": plan.start_date,
            "end_date": plan.end_date,
            "report_day": plan.report_day,
            "laggard_score": plan.laggard_score,
            "jurisdiction": city,
        },
    )
    if new:
        for phase in plan.phases.all():
            Phase.objects.create(
                campaign=campaign,
                kind=phase.kind,
                name=phase.name,
                start_date=phase.start_date,
                end_date=phase.end_date,
                runs_throughout=phase.runs_throughout,
                description=phase.description,
                order=phase.order,
            )
    made = 0
    for (street, staff), day in zip(streets, REPORT_DAYS, strict=False):
        if campaign.implementations.filter(jurisdiction=street).exists():
            continue
        own = campaign_implement(campaign=campaign, user=User.objects.get(pk=staff.pk), reason="演示：按市里方案部署")
        Campaign.objects.filter(pk=own.pk).update(report_day=day)
        made += 1
    return made


def _submissions(streets: list[tuple[Jurisdiction, User]], today: datetime.date) -> int:
    """Each other street's units' monthly submissions under the street's implementation, as the
    plan's street has under its campaign (most on time, some late, a few missing), so that the
    city's scorecard and the streets' reports have a month to show. Idempotent."""
    import random

    from reports import demo as reports_demo

    made = 0
    for street, community in streets:
        own = Campaign.objects.filter(jurisdiction=street, parent__isnull=False).order_by("-start_date").first()
        if own is None:
            continue
        units = list(
            Unit.objects.filter(
                jurisdiction=street, kind__in=(UnitKind.COMMUNITY, UnitKind.MEMBER_UNIT), is_active=True
            )
        )
        rows = reports_demo.submissions(
            own,
            units,
            today=today,
            rng=random.Random(street.pk),
            user_of=lambda unit, community=community: community if unit.pk == community.unit_id else None,
        )
        made += len(rows)
    return made


def _reports(city: Jurisdiction, streets: list[Jurisdiction], city_user: User, today: datetime.date) -> dict[str, int]:
    """Each ended month's reports: each street's, filed to the city on its report day, then the
    city's rolling them up (as the scheduled job does); and the city's 通报 of the street ranked
    last on its scorecard. Idempotent (a month's report is compiled once)."""
    from core.exceptions import DomainError
    from organization.models import Campaign
    from reports import selectors, services
    from reports.choices import SupervisionKind
    from reports.models import MonthlyReport, Supervision

    campaign = Campaign.objects.shown()
    last = selectors.last_ended_month(campaign) if campaign else None
    if campaign is None or last is None:
        return {"city_reports": 0}
    done = 0
    # every ended month, as the scheduled job filed them on each report day (the last street
    # once two days late), so that the city's scorecard has its streets' filing record to rank
    months = [m for m in selectors.campaign_months(campaign, today) if m <= last]
    for index, month in enumerate(months):
        for jurisdiction in [*streets, city]:
            if MonthlyReport.objects.filter(month=month, jurisdiction=jurisdiction).exists():
                continue
            try:
                report = services.report_generate(month=month, campaign=campaign, jurisdiction_id=jurisdiction.pk)
            except DomainError:
                continue
            due = selectors.due_date(campaign, month)
            late = 2 if (jurisdiction == streets[-1] and index == len(months) - 2) else 0
            filed = timezone.make_aware(datetime.datetime.combine(due, datetime.time(18, 30)))
            filed += datetime.timedelta(days=late)
            MonthlyReport.objects.filter(pk=report.pk).update(filed_at=filed, generated_at=filed)
            done += 1
    card = selectors.street_scorecard(campaign, streets)
    lagging = card.rows[-1].unit if card.rows else None
    if lagging is not None and not Supervision.objects.filter(jurisdiction=lagging).exists():
        services.supervision_record(
            user=User.objects.get(pk=city_user.pk),
            street=lagging,
            kind=SupervisionKind.NOTICE,
            date=today,
            text=f"{lagging.name}在督导考评中排名靠后：转办线索反馈不及时，部分单位未按时报送月度材料。请限期整改。",
            rectify_by=today + datetime.timedelta(days=30),
            reason="演示：督导考评后进",
        )
    return {"city_reports": done}
