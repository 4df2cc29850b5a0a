"""Choices of the rectification area (plan §(六) 明确整治重点, §(七) 加强隐患排查)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from organization.choices import UnitCode


class InstitutionType(models.TextChoices):
    ELDERLY_HOME = "elderly_home", _("养老院/养老机构")
    ELDERLY_SERVICE = "elderly_service", _("养老服务企业")
    HEALTH_SHOP = "health_shop", _("保健品/食品店")
    TRAVEL_AGENCY = "travel_agency", _("旅行社")
    ESTATE = "estate", _("房地产开发/中介")
    ART_DEALER = "art_dealer", _("艺术品经营")
    INVESTMENT = "investment", _("投资/理财公司")
    CLINIC = "clinic", _("诊所/医疗机构")
    ADVERTISER = "advertiser", _("广告经营")
    OTHER = "other", _("其他")


class Sector(models.TextChoices):
    """The plan's sectors (§(六)); each fixes the supervising unit (``SECTOR_UNIT``)."""

    ELDERLY_SERVICE = "elderly_service", _("养老服务机构（含未登记）")
    ELDERLY_LAND = "elderly_land", _("养老用地变相开发")
    HOUSING_ADVERT = "housing_advert", _("商品房“养老”虚假宣传")
    STREET_ADVERT = "street_advert", _("街面养老产品广告")
    ELDERLY_TOURISM = "elderly_tourism", _("老年旅游")
    ART = "art", _("艺术品")
    FOOD_HEALTH = "food_health", _("食品、保健品")
    FALSE_ADVERT = "false_advert", _("虚假广告")
    UNLICENSED_MEDICAL = "unlicensed_medical", _("养老机构无资质医疗")
    FUND_RAISING = "fund_raising", _("养老领域非法集资")


#: The plan's sector table (§(六)): which member unit supervises which sector.
SECTOR_UNIT: dict[str, str] = {
    Sector.ELDERLY_SERVICE: UnitCode.SOCIAL_AFFAIRS,
    Sector.ELDERLY_LAND: UnitCode.LAND_OFFICE,
    Sector.HOUSING_ADVERT: UnitCode.DEVELOPMENT_CENTRE,
    Sector.STREET_ADVERT: UnitCode.LAW_ENFORCEMENT,
    Sector.ELDERLY_TOURISM: UnitCode.MARKET_REGULATION,
    Sector.ART: UnitCode.MARKET_REGULATION,
    Sector.FOOD_HEALTH: UnitCode.MARKET_REGULATION,
    Sector.FALSE_ADVERT: UnitCode.MARKET_REGULATION,
    Sector.UNLICENSED_MEDICAL: UnitCode.HEALTH_OFFICE,
    Sector.FUND_RAISING: UnitCode.ENTERPRISE_CENTRE,
}


class InstitutionStatus(models.TextChoices):
    OPERATING = "operating", _("正常经营")
    SUSPENDED = "suspended", _("停业整顿")
    CLOSED = "closed", _("已关闭")


class RiskGrade(models.IntegerChoices):
    """Risk grades, low to high. The labels shown are configurable (``RiskGradeSetting``)."""

    UNGRADED = 0, _("未定级")
    GREEN = 1, _("绿")
    YELLOW = 2, _("黄")
    ORANGE = 3, _("橙")
    RED = 4, _("红")


#: The risk control list (风险管控名单) holds institutions at this grade or above.
CONTROL_LIST_MIN_GRADE = RiskGrade.YELLOW
