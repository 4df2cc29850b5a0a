"""Choices of the reports area (DOMAIN.md §Reporting and supervision)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("待生成")
    GENERATING = "generating", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


class SummaryKind(models.TextChoices):
    GROUP = "group", _("工作组总结")
    UNIT = "unit", _("单位总结")


class Timeliness(models.TextChoices):
    ON_TIME = "on_time", _("按时报送")
    LATE = "late", _("逾期报送")
    MISSING = "missing", _("未报送")
    NOT_DUE = "not_due", _("未到期")


class SupervisionKind(models.TextChoices):
    """How the city office supervises a lagging street (issue 19)."""

    NOTICE = "notice", _("通报")
    INTERVIEW = "interview", _("约谈")


class SupervisionStatus(models.TextChoices):
    """A 通报/约谈's rectification (issue 19): the street reports it, the city confirms or returns it."""

    OPEN = "open", _("待整改")
    REPORTED = "reported", _("已报整改情况")
    RECTIFIED = "rectified", _("已整改")
    RETURNED = "returned", _("退回")


#: Waiting for the street office to report its rectification: overdue past the deadline.
SUPERVISION_AWAITING_STREET = frozenset({SupervisionStatus.OPEN, SupervisionStatus.RETURNED})
