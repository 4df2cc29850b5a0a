"""Who may record and change the publicity area's records (core.rules), declared once.

The street office and the publicity group (宣教组, and the unit hosting it) record and change
everything; any other writer records for its own unit (a community: its own community) and
changes what its unit holds. Media reports are published (everybody reads them) but still changed
only by the unit that reported them, the street office and the publicity group. No rule costs a
query: the scope carries the user's units and their codes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core import rules
from organization.choices import UnitCode
from organization.models import Unit

from .choices import ESCALATED_RISK_LEVELS
from .models import Activity, AwarenessSurvey, MediaReport, OpinionEntry
from .selectors import organising_units

#: The street office and the publicity group: every publicity record is theirs to change.
records_all = rules.street_office | rules.unit_code_in("宣教组", {UnitCode.GROUP_PUBLICITY})

#: An activity its unit organised; a community's staff also only one held in their community.
activity_holder = records_all | (
    rules.in_units("本单位组织的", lambda a: a.organiser_id)
    & (~rules.community_staff | rules.in_units("在本社区举办的", lambda a: a.community_id))
)
survey_holder = records_all | rules.in_units("本社区的", lambda s: s.community_id)
unit_record_holder = records_all | rules.in_units("本单位登记的", lambda r: r.unit_id)

#: Who records a survey at all: a community, or those who record for every community.
survey_recorder = records_all | (rules.writer & rules.community_staff)

rules.register(
    rules.Action(
        "publicity.activity_create",
        _("登记宣传活动"),
        model=None,
        who=rules.writer,
        url="publicity:activity_create",
    ),
    rules.Action(
        "publicity.activity_update",
        _("修改宣传活动"),
        model=Activity,
        who=activity_holder,
        url="publicity:activity_update",
    ),
    rules.Action(
        "publicity.activity_photos",
        _("上传活动照片"),
        model=Activity,
        who=activity_holder,
        url="publicity:activity_update",  # photos are added on the activity's form
    ),
    rules.Action(
        "publicity.survey_create",
        _("登记知晓率调查"),
        model=None,
        who=survey_recorder,
        url="publicity:survey_create",
    ),
    rules.Action(
        "publicity.survey_update",
        _("修改知晓率调查"),
        model=AwarenessSurvey,
        who=survey_holder,
        url="publicity:survey_update",
    ),
    rules.Action(
        "publicity.media_create",
        _("登记媒体报道"),
        model=None,
        who=rules.writer,
        url="publicity:media_create",
    ),
    rules.Action(
        "publicity.media_update",
        _("修改媒体报道"),
        model=MediaReport,
        who=unit_record_holder,
        url="publicity:media_update",
    ),
    rules.Action(
        "publicity.opinion_create",
        _("登记舆情记录"),
        model=None,
        who=rules.writer,
        url="publicity:opinion_create",
    ),
    rules.Action(
        "publicity.opinion_update",
        _("修改舆情记录"),
        model=OpinionEntry,
        who=unit_record_holder,
        url="publicity:opinion_update",
    ),
    rules.Action(
        "publicity.opinion_follow_up",
        _("登记跟进情况"),
        model=OpinionEntry,
        who=unit_record_holder,
        url="publicity:opinion_follow_up",
        doc="新登记 → 跟进中 → 已处置；已处置的记录可再跟进（重新进入跟进中）。",
    ),
    rules.Action(
        "publicity.opinion_escalate",
        _("上报街道专项办"),
        model=OpinionEntry,
        who=unit_record_holder,
        needs_reason=True,
        guards=(
            rules.Guard(
                lambda e: e.risk_level in ESCALATED_RISK_LEVELS, _("只有风险等级为“高”或“重大”的舆情需要上报。")
            ),
            rules.Guard(lambda e: e.escalated_at is None, _("该舆情已上报街道专项办。")),
        ),
        url="publicity:opinion_escalate",
        doc="风险等级为高或重大的舆情登记时自动上报；邮件通知街道专项办。",
    ),
)


# --- what the forms offer: the units a user records for, from the same predicates ----------------


def own_community(user: Any) -> int | None:
    """The one community a community's staff record for (None for everybody else)."""
    scope = user.scope
    if scope.is_community and not records_all(user):
        return int(scope.unit_id)
    return None


def units_to_record_for(user: Any) -> QuerySet[Unit]:
    """The organisers and reporting units the user may choose: all for the street office and the
    publicity group, their own units for others."""
    if records_all(user):
        return organising_units()
    return Unit.objects.filter(pk__in=user.scope.unit_ids)


def communities_to_record_for(user: Any) -> QuerySet[Unit]:
    """The communities the user may record a survey of (all, or their own)."""
    communities = Unit.objects.communities()
    if records_all(user):
        return communities
    return communities.filter(pk__in=user.scope.unit_ids)
