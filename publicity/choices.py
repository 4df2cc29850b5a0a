from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityType(models.TextChoices):
    """The forms of publicity the plan names (§(九), §(十))."""

    BROCHURE = "brochure", _("发放宣传册")
    SLOGAN = "slogan", _("张贴标语")
    BILLBOARD = "billboard", _("宣传展板")
    GROUP_SMS = "group_sms", _("群发短信")
    WECHAT = "wechat", _("微信推文/朋友圈广告")
    TALK = "talk", _("宣讲讲座")
    POINT_TO_POINT = "point_to_point", _("点对点提醒")
    MEDIA_REPORT = "media_report", _("媒体报道")
    TYPICAL_CASE = "typical_case", _("典型案例曝光")
    OTHER = "other", _("其他")


class Venue(models.TextChoices):
    COMMUNITY = "community", _("社区")
    SUPERMARKET = "supermarket", _("超市")
    PARK = "park", _("公园")
    SQUARE = "square", _("广场")
    ELDERLY_SCHOOL = "elderly_school", _("老年学校")
    BUILDING = "building", _("楼宇")
    ONLINE = "online", _("线上")


class MediaLevel(models.TextChoices):
    NATIONAL = "national", _("中央级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    LOCAL = "local", _("本地")


class OpinionSource(models.TextChoices):
    NEWS_SITE = "news_site", _("新闻网站")
    WECHAT = "wechat", _("微信")
    WEIBO = "weibo", _("微博")
    SHORT_VIDEO = "short_video", _("短视频平台")
    FORUM = "forum", _("论坛贴吧")
    HOTLINE = "hotline", _("12345热线")
    PRINT_TV = "print_tv", _("报刊电视")
    PUBLIC = "public", _("群众反映")
    OTHER = "other", _("其他")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    MAJOR = "major", _("重大")


class OpinionStatus(models.TextChoices):
    """Where an entry of the public-opinion log stands."""

    NEW = "new", _("新登记")
    FOLLOWING = "following", _("跟进中")
    RESOLVED = "resolved", _("已处置")


#: Entries at these risk levels are escalated to the street office (``publicity.opinion_escalate``).
ESCALATED_RISK_LEVELS = (RiskLevel.HIGH, RiskLevel.MAJOR)
