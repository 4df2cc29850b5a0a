"""Who may shape the campaigns (core/rules.py; docs/permissions.md): the street office creates a
campaign with its phases and report day, edits one that has not finished, and copies a
campaign's structure (its phases shifted to a new start date, the same report day and laggard
threshold) into a new one. A finished campaign is read-only. Every write is audited with its
reason. Reading is open to every signed-in user (``Campaign.scope_q``).

Imported by ``organization/rules.py`` (``autodiscover_modules("rules")``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import rules
from core.rules import Action, Guard, street_office

from .models import Campaign

not_finished = Guard(lambda c: not c.is_finished, _("该专项行动已结束，只读。"))

rules.register(
    Action(
        "organization.campaign_create",
        _("新建专项行动"),
        model=None,
        who=street_office,
        url="organization:campaign_create",
        doc="街道专项办新建专项行动（名称、日期、工作环节、月报截止日、后进线）。",
    ),
    Action(
        "organization.campaign_edit",
        _("修改专项行动"),
        model=Campaign,
        who=street_office,
        guards=(not_finished,),
        needs_reason=True,
        url="organization:campaign_edit",
        doc="未结束的专项行动可修改（含工作环节、启用/停用）；已结束的只读。",
    ),
    Action(
        "organization.campaign_copy",
        _("复制为新专项行动"),
        model=Campaign,
        who=street_office,
        url="organization:campaign_copy",
        doc="按新的开始日期复制工作环节（整体平移）、月报截止日和后进线，生成一个新专项行动。",
    ),
)
