"""Choices of the rectification area (plan §(六) 明确整治重点, §(七) 加强隐患排查)."""

from collections.abc import Iterable
from typing import Any

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


#: Each grade's colour, the one mapping behind the badges (``static/css/hulao.css``, checked by a
#: test), the dashboard's and report page's charts and the workbook's charts: red, orange, yellow,
#: green, and grey for "not graded".
RISK_GRADE_COLOURS: dict[int, str] = {
    RiskGrade.UNGRADED: "#9e9e9e",
    RiskGrade.GREEN: "#2e9d4f",
    RiskGrade.YELLOW: "#f5c400",
    RiskGrade.ORANGE: "#f07c1b",
    RiskGrade.RED: "#d9342b",
}


def risk_grade_colours(labels: Iterable[Any]) -> list[str] | None:
    """The colours of a chart's categories when every one is a risk grade's (default) label, in
    the active language or the site's; None for any other chart."""
    from django.conf import settings
    from django.utils.translation import override

    names: dict[str, int] = {str(grade.label): grade.value for grade in RiskGrade}
    with override(settings.LANGUAGE_CODE):
        names.update({str(grade.label): grade.value for grade in RiskGrade})
    labels = [str(label) for label in labels]
    if not labels or any(label not in names for label in labels):
        return None
    return [RISK_GRADE_COLOURS[names[label]] for label in labels]


#: The risk control list (风险管控名单) holds institutions at this grade or above.
CONTROL_LIST_MIN_GRADE = RiskGrade.YELLOW


#: Default inspection interval (calendar days) per grade; overridden by ``RiskGradeSetting`` rows
#: and the ``RECTIFICATION_INSPECTION_INTERVAL_DAYS`` setting. ``None``: no scheduled inspection.
DEFAULT_INSPECTION_INTERVAL_DAYS: dict[int, int | None] = {
    RiskGrade.UNGRADED: None,
    RiskGrade.GREEN: 180,
    RiskGrade.YELLOW: 90,
    RiskGrade.ORANGE: 30,
    RiskGrade.RED: 14,
}


class ProblemCategory(models.TextChoices):
    UNLICENSED = "unlicensed", _("无证无照经营")
    FALSE_ADVERT = "false_advert", _("虚假宣传")
    FUND_RAISING = "fund_raising", _("非法集资/吸收资金")
    OVERCHARGING = "overcharging", _("违规收费/预收费")
    PRODUCT = "product", _("产品质量/保健品")
    MEDICAL = "medical", _("无资质医疗")
    LAND_USE = "land_use", _("违规用地")
    SAFETY = "safety", _("安全隐患")
    OTHER = "other", _("其他")


class Horizon(models.TextChoices):
    """当下改、长久治: fix it now, or a long-term measure."""

    IMMEDIATE = "immediate", _("当下改")
    LONG_TERM = "long_term", _("长久治")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    RECTIFIED = "rectified", _("已整改待核查")
    CLOSED = "closed", _("核查销号")
    TRANSFERRED = "transferred", _("已移交主管部门")
    SENT_TO_JUDICIARY = "sent_to_judiciary", _("已移送司法机关")


#: Statuses in which a problem still needs work.
PROBLEM_ACTIVE_STATUSES = (ProblemStatus.OPEN, ProblemStatus.RECTIFYING, ProblemStatus.RECTIFIED)


class MeasureKind(models.TextChoices):
    """Graded, classified handling (分级分类处置, plan §(六))."""

    RISK_WARNING = "risk_warning", _("风险提示")
    MORE_CHECKS = "more_checks", _("加密抽查")
    WARNING_TALK = "warning_talk", _("警示约谈")
    STOP_OPERATIONS = "stop_operations", _("停止经营")
    ORDER_RECTIFY = "order_rectify", _("责令整改")
    REFUND = "refund", _("督促清退资金")
    TRANSFER = "transfer", _("移交主管部门")
    JUDICIARY = "judiciary", _("移送司法机关")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("生效")
    ARCHIVED = "archived", _("已归档")
