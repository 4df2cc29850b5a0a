from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    STREET_OFFICE = "street_office", _("街道专项办")
    WORKING_GROUP = "working_group", _("工作组")
    MEMBER_UNIT = "member_unit", _("成员单位")
    COMMUNITY = "community", _("社区")
    HIGHER_OFFICE = "higher_office", _("上级机关")
    CITY_OFFICE = "city_office", _("市专项办")


class JurisdictionLevel(models.TextChoices):
    """A city special office (市专项办) over street/town special offices (镇街专项办)."""

    CITY = "city", _("市")
    STREET = "street", _("镇街")


class Role(models.TextChoices):
    STREET_OFFICE = "street_office", _("街道专项办工作人员")
    LEADER = "leader", _("领导（只读）")
    GROUP_MEMBER = "group_member", _("工作组成员")
    UNIT_LIAISON = "unit_liaison", _("成员单位联络员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    CITY_OFFICE = "city_office", _("市专项办工作人员")


class PhaseKind(models.TextChoices):
    MOBILISATION = "mobilisation", _("宣传发动")
    CRACKDOWN = "crackdown", _("打击整治")
    SUMMARY = "summary", _("总结提升")
    OTHER = "other", _("其他")


class CampaignStatus(models.TextChoices):
    """Where a campaign stands today (its dates, and whether the street office withdrew it)."""

    UPCOMING = "upcoming", _("即将开始")
    CURRENT = "current", _("进行中")
    FINISHED = "finished", _("已结束")
    WITHDRAWN = "withdrawn", _("已停用")


class UnitCode:
    """Codes of the units the plan names, so that code can find e.g. the crackdown group."""

    STREET_OFFICE = "street_office"
    CITY_OFFICE = "city_office"
    GROUP_GENERAL = "group_general"
    GROUP_CRACKDOWN = "group_crackdown"
    GROUP_RECTIFICATION = "group_rectification"
    GROUP_PUBLICITY = "group_publicity"
    COMMUNITY_GOVERNANCE = "community_governance"
    SOCIAL_AFFAIRS = "social_affairs"
    DEVELOPMENT_CENTRE = "development_centre"
    ENTERPRISE_CENTRE = "enterprise_centre"
    CULTURE_CENTRE = "culture_centre"
    HEALTH_OFFICE = "health_office"
    ELDERLY_OFFICE = "elderly_office"
    LAND_OFFICE = "land_office"
    JUSTICE_OFFICE = "justice_office"
    LAW_ENFORCEMENT = "law_enforcement"
    POLICE = "police"
    MARKET_REGULATION = "market_regulation"
    TRIBUNAL = "tribunal"
    RURAL_BANK = "rural_bank"
