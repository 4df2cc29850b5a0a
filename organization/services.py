"""Writes for the organisation: loading the plan's structure."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from .choices import PhaseKind, UnitCode, UnitKind
from .models import Campaign, Phase, Unit
from .signals import campaign_initialised

# The plan (seed/000_22361fdd052d7265.txt) §三: the member units, in the plan's order.
MEMBER_UNITS: list[tuple[str, str, str]] = [
    (UnitCode.COMMUNITY_GOVERNANCE, "社区治理办", ""),
    (UnitCode.SOCIAL_AFFAIRS, "社会事务办", ""),
    (UnitCode.DEVELOPMENT_CENTRE, "发展服务中心", ""),
    (UnitCode.ENTERPRISE_CENTRE, "企业服务中心", ""),
    (UnitCode.CULTURE_CENTRE, "文体服务中心", ""),
    # the plan writes 卫计办 once (§(六)), the unit's old name: it is not its short name
    (UnitCode.HEALTH_OFFICE, "卫健办", ""),
    (UnitCode.ELDERLY_OFFICE, "涉老办", ""),
    (UnitCode.LAND_OFFICE, "国土所", ""),
    (UnitCode.JUSTICE_OFFICE, "司法所", ""),
    (UnitCode.LAW_ENFORCEMENT, "综合执法中队", ""),
    (UnitCode.POLICE, "新塘派出所", "派出所"),
    (UnitCode.MARKET_REGULATION, "市场监督管理所", ""),
    (UnitCode.TRIBUNAL, "青阳法庭", ""),
    (UnitCode.RURAL_BANK, "农商银行新塘支行", "农商银行"),
]

# §三: the four working groups and the unit each is hosted by.
WORKING_GROUPS: list[tuple[str, str, str]] = [
    (UnitCode.GROUP_GENERAL, "综合组", UnitCode.COMMUNITY_GOVERNANCE),
    (UnitCode.GROUP_CRACKDOWN, "打击组", UnitCode.POLICE),
    (UnitCode.GROUP_RECTIFICATION, "整治组", UnitCode.COMMUNITY_GOVERNANCE),
    (UnitCode.GROUP_PUBLICITY, "宣教组", UnitCode.CULTURE_CENTRE),
]

CAMPAIGN_NAME = "新塘街道打击整治养老诈骗专项行动"
CAMPAIGN_START = datetime.date(2022, 4, 21)  # 宣传发动 "4月下旬开始"
CAMPAIGN_END = datetime.date(2022, 10, 31)  # "为期半年"

# §四: three phases that overlap; mobilisation and crackdown run throughout the campaign.
PHASES: list[tuple[str, str, datetime.date, datetime.date, bool, str]] = [
    (
        PhaseKind.MOBILISATION,
        "宣传发动",
        datetime.date(2022, 4, 21),
        CAMPAIGN_END,
        True,
        "各社区、各成员单位充分开展宣教，提升群众识骗防骗能力，发动群众提供违法犯罪线索。",
    ),
    (
        PhaseKind.CRACKDOWN,
        "打击整治",
        datetime.date(2022, 5, 1),
        datetime.date(2022, 8, 30),
        True,
        "按照“稳、准、狠”要求依法打击养老诈骗违法犯罪，清存案、破新案；整治以“养老”为名的涉诈问题隐患。",
    ),
    (
        PhaseKind.SUMMARY,
        "总结提升",
        datetime.date(2022, 9, 1),
        datetime.date(2022, 9, 20),
        False,
        "各工作组总结经验成效、典型案例；各成员单位总结漏洞、短板和不足，健全监管机制。",
    ),
]


@dataclass
class InitResult:
    units_created: int = 0
    units_updated: int = 0
    phases_created: int = 0
    campaign_created: bool = False


def _unit(code: str, name: str, kind: str, order: int, result: InitResult, **extra) -> Unit:
    unit, created = Unit.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, "sort_order": order, "is_active": True, **extra}
    )
    if created:
        result.units_created += 1
    else:
        result.units_updated += 1
    return unit


@transaction.atomic
def init_campaign() -> InitResult:
    """Load the plan's real structure. Idempotent: run twice, get everything once."""
    result = InitResult()
    by_code: dict[str, Unit] = {}
    for order, (code, name, short) in enumerate(MEMBER_UNITS, start=1):
        by_code[code] = _unit(code, name, UnitKind.MEMBER_UNIT, order, result, short_name=short)
    by_code[UnitCode.STREET_OFFICE] = _unit(
        UnitCode.STREET_OFFICE,
        "街道专项办",
        UnitKind.STREET_OFFICE,
        1,
        result,
        short_name="专项办",
        host_unit=by_code[UnitCode.COMMUNITY_GOVERNANCE],
    )
    for order, (code, name, host) in enumerate(WORKING_GROUPS, start=1):
        by_code[code] = _unit(code, name, UnitKind.WORKING_GROUP, order, result, host_unit=by_code[host])
    _unit(UnitCode.CITY_OFFICE, "晋江市专项办", UnitKind.HIGHER_OFFICE, 1, result, short_name="市专项办")

    campaign, result.campaign_created = Campaign.objects.get_or_create(
        name=CAMPAIGN_NAME,
        defaults={"short_name": "2022专项行动", "start_date": CAMPAIGN_START, "end_date": CAMPAIGN_END},
    )
    for order, (kind, name, start, end, throughout, description) in enumerate(PHASES, start=1):
        _phase, created = Phase.objects.update_or_create(
            campaign=campaign,
            kind=kind,
            defaults={
                "name": name,
                "start_date": start,
                "end_date": end,
                "runs_throughout": throughout,
                "description": description,
                "order": order,
            },
        )
        result.phases_created += int(created)
    campaign_initialised.send(sender=InitResult, result=result)
    return result


def unit_by_code(code: str) -> Unit:
    """One query. Raises Unit.DoesNotExist when init_campaign has not run."""
    return Unit.objects.get(code=code)
