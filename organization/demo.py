"""Demo data for the organisation: communities, one user per role, a current demo campaign.

``seed_demo`` calls ``seed(ctx)`` of every app that has a ``demo`` module, in the order of
``DEMO_APPS``; each app adds its rows in bulk (``bulk_create``) so that the scale options can ask
for 100,000 leads.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.utils import timezone

from .choices import PhaseKind, Role, UnitCode, UnitKind
from .models import Campaign, Phase, Unit, User
from .services import home_jurisdiction_id, init_campaign

DEMO_PASSWORD = "hulao-demo-2026"

COMMUNITIES = ["新塘社区", "梧垵社区", "沙塘社区", "后坑社区", "湖中社区", "邮亭社区"]

# username, name, unit code (or community index), role, staff? (nobody but ``admin`` needs the
# admin site: the street office keeps units, people and rights on its own pages)
DEMO_USERS: list[tuple[str, str, str | int, str, bool]] = [
    ("zhuren", "李主任", UnitCode.STREET_OFFICE, Role.STREET_OFFICE, False),
    ("zhuanban", "陈专办", UnitCode.STREET_OFFICE, Role.STREET_OFFICE, False),
    ("lingdao", "王领导", UnitCode.STREET_OFFICE, Role.LEADER, False),
    ("daji", "林打击", UnitCode.GROUP_CRACKDOWN, Role.GROUP_MEMBER, False),
    ("zhengzhi", "黄整治", UnitCode.GROUP_RECTIFICATION, Role.GROUP_MEMBER, False),
    ("xuanjiao", "吴宣教", UnitCode.GROUP_PUBLICITY, Role.GROUP_MEMBER, False),
    ("shichang", "张市监", UnitCode.MARKET_REGULATION, Role.UNIT_LIAISON, False),
    ("minzheng", "李社事", UnitCode.SOCIAL_AFFAIRS, Role.UNIT_LIAISON, False),
    ("fating", "蔡法庭", UnitCode.TRIBUNAL, Role.UNIT_LIAISON, False),
    ("shequ1", "许社区", 0, Role.COMMUNITY_STAFF, False),
    ("shequ2", "郑社区", 1, Role.COMMUNITY_STAFF, False),
]


#: Rights held in the demo: the street office's head (李主任) grants the informant-reveal right and
#: holds it; 陈专办 holds neither, so that 李主任 can grant it to him on the grants page.
DEMO_RIGHTS: dict[str, tuple[str, ...]] = {"zhuren": ("organization.manage_grants", "leads.view_informant")}


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@dataclass
class DemoContext:
    """What the organisation's seed hands to the other apps' seeds."""

    rng: random.Random
    scale: dict[str, int]
    campaign: Campaign
    units: dict[str, Unit]
    communities: list[Unit]
    member_units: list[Unit]
    users: dict[str, User]
    today: datetime.date
    counts: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def user_of_unit(self, unit: Unit) -> User | None:
        return next((u for u in self.users.values() if u.unit_id == unit.pk), None)


def seed(*, rng: random.Random, scale: dict[str, int]) -> tuple[DemoContext, bool]:
    """Create the organisation's demo rows. Returns the context and whether the demo campaign was
    new (the other apps seed only then, or when asked to with explicit scale options)."""
    init_campaign()
    # the plan's street (each street of a demo city has units with the same codes: seed_demo --city)
    units = {u.code: u for u in Unit.objects.exclude(code=None).filter(jurisdiction_id=home_jurisdiction_id())}
    units.update({u.code: u for u in Unit.objects.filter(code=UnitCode.CITY_OFFICE).order_by("pk")[:1]})
    communities = []
    for order, name in enumerate(COMMUNITIES, start=1):
        unit, _ = Unit.objects.get_or_create(
            name=name, defaults={"kind": UnitKind.COMMUNITY, "sort_order": order, "code": f"community_{order}"}
        )
        communities.append(unit)
    password = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "name": "系统管理员",
            "is_staff": True,
            "is_superuser": True,
            "password": password,
            "unit": units[UnitCode.STREET_OFFICE],
            "role": Role.STREET_OFFICE,
        },
    )
    users["admin"] = admin
    for username, name, where, role, staff in DEMO_USERS:
        unit = communities[where] if isinstance(where, int) else units[where]
        user, user_new = User.objects.get_or_create(
            username=username,
            defaults={
                "name": name,
                "unit": unit,
                "role": role,
                "is_staff": staff,
                "password": password,
                "email": f"{username}@example.invalid",
                "phone": f"0595-8{rng.randrange(1000000, 9999999)}",
            },
        )
        users[username] = user
        if username in DEMO_RIGHTS and user_new:
            user.user_permissions.add(*_permissions(DEMO_RIGHTS[username]))
        if role in (Role.UNIT_LIAISON, Role.COMMUNITY_STAFF) and unit.liaison_id is None:
            Unit.objects.filter(pk=unit.pk).update(liaison=user, email=user.email)

    today = timezone.localdate()
    start = today - datetime.timedelta(days=150)
    end = today + datetime.timedelta(days=30)
    campaign, new = Campaign.objects.get_or_create(
        name="护老专项行动（演示）",
        defaults={
            "short_name": "演示",
            "start_date": start,
            "end_date": end,
            "is_active": True,
            "description": "由 seed_demo 生成的演示专项行动，工作环节与实施方案相同，日期相对今天。",
        },
    )
    if new:
        Phase.objects.bulk_create(
            [
                Phase(
                    campaign=campaign,
                    kind=PhaseKind.MOBILISATION,
                    name="宣传发动",
                    order=1,
                    start_date=start,
                    end_date=end,
                    runs_throughout=True,
                ),
                Phase(
                    campaign=campaign,
                    kind=PhaseKind.CRACKDOWN,
                    name="打击整治",
                    order=2,
                    start_date=start + datetime.timedelta(days=10),
                    end_date=end - datetime.timedelta(days=50),
                    runs_throughout=True,
                ),
                Phase(
                    campaign=campaign,
                    kind=PhaseKind.SUMMARY,
                    name="总结提升",
                    order=3,
                    start_date=end - datetime.timedelta(days=45),
                    end_date=end - datetime.timedelta(days=25),
                ),
            ]
        )
    _seed_upcoming(campaign)
    ctx = DemoContext(
        rng=rng,
        scale=scale,
        campaign=campaign,
        units=units,
        communities=communities,
        member_units=[u for u in units.values() if u.kind == UnitKind.MEMBER_UNIT],
        users=users,
        today=today,
    )
    return ctx, new


def _seed_upcoming(current: Campaign) -> Campaign:
    """Next year's standing (常态化) campaign, saved ahead: 即将开始 on the campaign list, and it
    changes nothing in the demo until its start, the day after the demo campaign ends at the
    earliest (so the demo campaign stays current, ``CampaignQuerySet.current``)."""
    next_year = datetime.date(current.start_date.year + 1, 1, 1)
    start = max(next_year, (current.end_date or next_year) + datetime.timedelta(days=1))
    upcoming, new = Campaign.objects.get_or_create(
        name=f"{start.year}年常态化护老工作（演示）",
        defaults={
            "short_name": f"{start.year}常态化",
            "start_date": start,
            "end_date": None,
            "report_day": current.report_day,
            "laggard_score": current.laggard_score,
            "description": "由 seed_demo 生成：专项行动结束后转入常态化工作，开始日期前显示为“即将开始”。",
        },
    )
    if new:
        Phase.objects.bulk_create(
            [
                Phase(
                    campaign=upcoming,
                    kind=PhaseKind.MOBILISATION,
                    name="常态化宣传",
                    order=1,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=364),
                    runs_throughout=True,
                ),
                Phase(
                    campaign=upcoming,
                    kind=PhaseKind.CRACKDOWN,
                    name="常态化打击整治",
                    order=2,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=364),
                    runs_throughout=True,
                ),
            ]
        )
    return upcoming
