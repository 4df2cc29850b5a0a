"""Who may shape the campaigns (core/rules.py; docs/permissions.md): the street office creates a
campaign with its phases and report day, edits one that has not finished, and copies a
campaign's structure (its phases shifted to a new start date, the same report day and laggard
threshold) into a new one. A finished campaign is read-only. Every write is audited with its
reason. Reading is open to every signed-in user (``Campaign.scope_q``).

In a city (issue 19) each office shapes only its own: the city office its campaign, a street
office its implementation of it (its own dates, phases and report day; ``campaign_implement``
makes one from the city's campaign). A deployment of one street: as before.

Imported by ``organization/rules.py`` (``autodiscover_modules("rules")``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core import rules
from core.rules import Action, Guard

from .choices import JurisdictionLevel, Role
from .models import Campaign, Jurisdiction

not_finished = Guard(lambda c: not c.is_finished, _("该专项行动已结束，只读。"))


@rules.predicate("本辖区的专项办（市专项办：市里的专项行动；镇街专项办：本镇街的实施方案）")
def campaign_office(user: Any, scope: Any, obj: Any) -> bool:
    """The office that shapes the campaign: in a deployment of one street the street office; in a
    city the city office for the city's campaigns, a street office for its own implementations
    (``obj`` None: a create, in the user's own jurisdiction)."""
    if scope.jurisdiction_ids is None:
        return bool(scope.is_street_office and scope.can_write)
    office = (scope.is_city and scope.role == Role.CITY_OFFICE) or (scope.is_street_office and scope.can_write)
    return office and (obj is None or obj.jurisdiction_id == scope.jurisdiction_id)


@rules.predicate("城市下辖镇街的专项办（尚未制定该专项行动的实施方案）")
def city_street_office(user: Any, scope: Any, obj: Any) -> bool:
    if not (scope.is_street_office and scope.can_write and scope.jurisdiction_ids is not None):
        return False
    return obj is None or not obj.implementations.filter(jurisdiction_id=scope.jurisdiction_id).exists()


def _city_campaign(campaign: Campaign) -> bool:
    if campaign.jurisdiction_id is None or campaign.parent_id is not None:
        return False
    level = Jurisdiction.objects.filter(pk=campaign.jurisdiction_id).values_list("level", flat=True).first()
    return level == JurisdictionLevel.CITY


is_city_campaign = Guard(_city_campaign, _("只有市里的专项行动才能制定镇街实施方案。"))


rules.register(
    Action(
        "organization.campaign_create",
        _("新建专项行动"),
        model=None,
        who=campaign_office,
        url="organization:campaign_create",
        doc="街道专项办新建专项行动（名称、日期、工作环节、月报截止日、后进线）；城市部署中市专项办新建市里的、"
        "镇街专项办新建本镇街的。",
    ),
    Action(
        "organization.campaign_edit",
        _("修改专项行动"),
        model=Campaign,
        who=campaign_office,
        guards=(not_finished,),
        needs_reason=True,
        url="organization:campaign_edit",
        doc="未结束的专项行动可修改（含工作环节、启用/停用）；已结束的只读。城市部署中各专项办只改本辖区的"
        "（市专项办改市里的专项行动，镇街专项办改本镇街的实施方案）。",
    ),
    Action(
        "organization.campaign_copy",
        _("复制为新专项行动"),
        model=Campaign,
        who=campaign_office,
        url="organization:campaign_copy",
        doc="按新的开始日期复制工作环节（整体平移）、月报截止日和后进线，生成一个新专项行动（本辖区的）。",
    ),
    Action(
        "organization.campaign_implement",
        _("制定本镇街实施方案"),
        model=Campaign,
        who=city_street_office,
        denied=_("只有城市下辖镇街的专项办才能制定实施方案，每个专项行动一个。"),
        guards=(is_city_campaign, not_finished),
        url="organization:campaign_implement",
        doc="城市下辖镇街的专项办按市里的专项行动制定本镇街的实施方案（日期、工作环节、月报截止日先照搬，"
        "再按本镇街修改），本镇街的报表按实施方案的月报截止日。",
    ),
)
