from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadStatus(models.TextChoices):
    REGISTERED = "registered", _("待受理")
    REFERRED = "referred", _("已分派")
    VERIFYING = "verifying", _("核查中")
    FED_BACK = "fed_back", _("已反馈")
    CLOSED = "closed", _("已办结")
    RETURNED = "returned", _("退回")


#: Statuses in which a receiver owes the street office a feedback by the deadline.
OPEN_FOR_RECEIVER = (LeadStatus.REFERRED, LeadStatus.VERIFYING, LeadStatus.RETURNED)


class PublicStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    VERIFYING = "verifying", _("核查中")
    CLOSED = "closed", _("已办结")


class LeadSource(models.TextChoices):
    HIGHER = "higher", _("上级转办")
    PUBLIC = "public", _("群众举报")
    COMMUNITY = "community", _("社区移送")
    MEMBER_UNIT = "member_unit", _("成员单位移送")
    REVIEW = "review", _("部门梳理")


class Channel(models.TextChoices):
    WEB = "web", _("网上举报")
    PHONE = "phone", _("电话")
    WALK_IN = "walk_in", _("来访")
    LETTER = "letter", _("来信")
    OTHER = "other", _("其他")


class CaseKind(models.TextChoices):
    CIVIL = "civil", _("民事")
    ADMINISTRATIVE = "administrative", _("行政")
    CRIMINAL = "criminal", _("刑事")


class FraudType(models.TextChoices):
    SERVICE = "service", _("养老服务")
    PROJECT = "project", _("养老项目")
    PRODUCT = "product", _("养老产品")
    HOUSE = "house", _("以房养老")
    INSURANCE = "insurance", _("代办养老保险")
    ASSISTANCE = "assistance", _("养老帮扶")
    OTHER = "other", _("其他")
    UNKNOWN = "unknown", _("不清楚")  # the informant cannot tell (issue 16.5): nothing is guessed


class Outcome(models.TextChoices):
    CRACKDOWN = "crackdown", _("属实，移送打击组")
    RECTIFICATION = "rectification", _("属实，整治处理")
    TRANSFERRED = "transferred", _("移交主管部门")
    PARTLY = "partly", _("部分属实")
    UNFOUNDED = "unfounded", _("查否")
    DUPLICATE = "duplicate", _("重复线索，已合并")


class ReviewState(models.TextChoices):
    NONE = "", _("无需复核")
    PENDING = "pending", _("待二次核查")
    CONFIRMED = "confirmed", _("复核确认")
    REOPENED = "reopened", _("复核重开")


class ExtensionState(models.TextChoices):
    NONE = "", _("无")
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("未同意")


class DeadlineState(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")
    ON_TIME = "on_time", _("期限内")
