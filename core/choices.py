from django.db import models
from django.utils.translation import gettext_lazy as _


class MailStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class DayKind(models.TextChoices):
    WORKDAY = "workday", _("工作日（调休上班）")
    HOLIDAY = "holiday", _("休息日（节假日）")


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队")
    RUNNING = "running", _("进行中")
    DONE = "done", _("完成")
    FAILED = "failed", _("失败")
