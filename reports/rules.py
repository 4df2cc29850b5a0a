"""Who may write what in the reports area (core/rules.py; docs/permissions.md).

- Monthly submissions: a community or member unit fills in and submits its own; the street office
  may do it for any unit; leaders never. Only a draft changes.
- The monthly report: the street office generates it, generates a new version, and sends its
  e-mail again (a failed one is retried; a sent one is sent once more as a new e-mail).
- The summary (总结提升): each working group (its host unit's staff too), member unit and
  community its own; the street office any; only a draft changes.
- The monthly report's recipients: the street office adds, edits, deactivates and activates them;
  in a city each street office its own street's, the city office its own.
- In a city (issue 19): the city office generates the city's monthly report (its streets rolled
  up), and records a 通报 or 约谈 of a lagging street (``reports.supervision_record``), edits it
  until it is rectified, and confirms (已整改) or returns (退回) the rectification the street's
  office reports (``reports.supervision_report``: only its own street's).

Reading is visibility (``scope_q``): every unit views the monthly report and the summary report.
The scheduled job and the ``monthly_report`` command act as the system (no user) and are not
asked.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import rules
from core.choices import MailStatus
from core.rules import Action, Guard, in_units, predicate, street_office
from organization.choices import UnitKind
from organization.models import Campaign
from organization.rules import city_office
from organization.rules_campaigns import campaign_office

from .choices import ReportStatus, SubmissionStatus, SupervisionStatus
from .models import MonthlyReport, ReportRecipient, SummarySubmission, Supervision, UnitSubmission

#: The units that report monthly, and those that hand in a summary.
REPORTING_KINDS = frozenset({UnitKind.COMMUNITY, UnitKind.MEMBER_UNIT})
SUMMARY_KINDS = frozenset({UnitKind.WORKING_GROUP, UnitKind.MEMBER_UNIT, UnitKind.COMMUNITY})


@predicate("社区或成员单位")
def reporting_unit(user: Any, scope: Any, obj: Any) -> bool:
    return scope.can_write and scope.unit_kind in REPORTING_KINDS


#: The object's unit is the user's own (or a working group it hosts); the street office: any.
for_own_unit = street_office | in_units("本单位", lambda obj: obj.unit_id)


@predicate("工作组、成员单位或社区的总结")
def summarising_unit(user: Any, scope: Any, obj: Any) -> bool:
    return obj is not None and obj.unit.kind in SUMMARY_KINDS


#: A summary: its unit's own (the street office any), of a unit that hands one in.
for_own_summary = for_own_unit & summarising_unit


@predicate("本市的月报")
def city_report(user: Any, scope: Any, obj: Any) -> bool:
    """The city's own report (issue 19), not one its streets filed."""
    return obj is None or obj.jurisdiction_id == scope.jurisdiction_id


@predicate("本辖区的月报收件人")
def own_recipient(user: Any, scope: Any, obj: Any) -> bool:
    """A recipient of the user's own jurisdiction's report (issue 19: a street's, or the city's);
    in a deployment of one street, every one."""
    return obj is not None and (scope.jurisdiction_ids is None or obj.jurisdiction_id == scope.jurisdiction_id)


def may_report_for(user: Any, unit: Any) -> bool:
    """May ``user`` fill in material for ``unit`` (its own, or any for the street office)?"""
    return for_own_unit(user, UnitSubmission(unit=unit))


def units_reportable_by(user: Any, units: QuerySet) -> QuerySet:
    """Of ``units``, those ``user`` may fill in a monthly submission for. No query."""
    if street_office(user):
        return units
    scope = getattr(user, "scope", None)
    return units.filter(pk__in=sorted(scope.unit_ids)) if scope is not None and scope.can_write else units.none()


def default_reporting_unit(user: Any) -> Any:
    """The user's own unit when it reports monthly (a community or member unit), else None."""
    scope = getattr(user, "scope", None)
    if scope is None or not scope.can_write or scope.unit_kind not in REPORTING_KINDS:
        return None
    return user.unit


def _mail_status(report: MonthlyReport) -> str:
    return report.email.status if report.email is not None else ""


_draft = frozenset({SubmissionStatus.DRAFT})

#: A finished campaign stays readable, read-only (its summaries, its scorecard's threshold).
_campaign_open = Guard(lambda obj: not obj.campaign.is_finished, _("该专项行动已结束，只读。"))

rules.register(
    # unit monthly submissions
    Action(
        "reports.submission_start",
        _("填写月度报送"),
        model=None,
        who=street_office | reporting_unit,
        url="reports:submission_start",
        doc="社区、成员单位为本单位新建某月报送；街道专项办可为任一报送单位新建。",
    ),
    Action(
        "reports.submission_edit",
        _("保存月度报送草稿"),
        model=UnitSubmission,
        who=for_own_unit,
        sources=_draft,
        url="reports:submission_action",
    ),
    Action(
        "reports.submission_refresh",
        _("更新系统数据"),
        model=UnitSubmission,
        who=for_own_unit,
        sources=_draft,
        url="reports:submission_action",
    ),
    Action(
        "reports.submission_submit",
        _("报送月度材料"),
        model=UnitSubmission,
        who=for_own_unit,
        sources=_draft,
        target=SubmissionStatus.SUBMITTED,
        url="reports:submission_action",
        confirm=_("报送后，本月材料不能再修改。"),
    ),
    # the street office's monthly report
    Action(
        "reports.report_generate",
        _("生成月报"),
        model=None,
        who=street_office | city_office,
        url="reports:report_generate",
    ),
    Action(
        "reports.report_regenerate",
        _("重新生成月报"),
        model=MonthlyReport,
        who=street_office | (city_office & city_report),
        sources=frozenset({ReportStatus.PENDING, ReportStatus.READY, ReportStatus.FAILED}),
        url="reports:report_regenerate",
        doc="待生成：再次排队生成；已生成或生成失败：生成新版本（新版本另发邮件）。",
        confirm=_("将生成月报的新版本，并把新版本另发邮件给全部收件人。"),
    ),
    Action(
        "reports.mail_retry",
        _("重新发送月报邮件"),
        model=MonthlyReport,
        who=street_office | (city_office & city_report),
        guards=(Guard(lambda r: _mail_status(r) == MailStatus.FAILED, _("只有发送失败的邮件可以重新发送。")),),
        url="reports:report_mail_retry",
        doc="发送失败的邮件重新排队发送（同一封邮件）。",
    ),
    Action(
        "reports.mail_again",
        _("再次发送月报邮件"),
        model=MonthlyReport,
        who=street_office | (city_office & city_report),
        sources=frozenset({ReportStatus.READY}),
        guards=(
            Guard(lambda r: bool(r.file), _("月报文件不存在，请重新生成。")),
            Guard(
                lambda r: _mail_status(r) not in (MailStatus.PENDING, MailStatus.SENDING),
                _("邮件正在发送，请稍候。"),
            ),
            Guard(lambda r: _mail_status(r) != MailStatus.FAILED, _("邮件发送失败，请使用“重新发送”。")),
        ),
        url="reports:report_mail_retry",
        doc="已发送（或尚未发送）的月报再发一封新邮件，每按一次发一封，记入操作记录。",
        confirm=_("将再给全部月报收件人发一封月报邮件。"),
    ),
    # the monthly report's recipients (people and offices, e.g. the city office): in a city each
    # street office keeps its own street's, the city office its own (issue 19)
    Action(
        "reports.recipient_add",
        _("添加月报收件人"),
        model=None,
        who=street_office | city_office,
        url="reports:recipient_add",
        doc="街道（镇街）专项办为本镇街的月报添加收件人；市专项办为本市的月报添加。",
    ),
    Action(
        "reports.recipient_edit",
        _("修改月报收件人"),
        model=ReportRecipient,
        who=(street_office | city_office) & own_recipient,
        url="reports:recipient_edit",
    ),
    Action(
        "reports.recipient_deactivate",
        _("停用月报收件人"),
        model=ReportRecipient,
        who=(street_office | city_office) & own_recipient,
        guards=(Guard(lambda r: r.is_active, _("该收件人已停用。")),),
        url="reports:recipient_deactivate",
        doc="停用后不再收到月报邮件（记录保留，可再启用）。",
        confirm=_("停用后，该收件人不再收到月报邮件（记录保留，可再启用）。"),
    ),
    Action(
        "reports.recipient_activate",
        _("启用月报收件人"),
        model=ReportRecipient,
        who=(street_office | city_office) & own_recipient,
        guards=(Guard(lambda r: not r.is_active, _("该收件人已启用。")),),
        url="reports:recipient_activate",
    ),
    # the campaign summary
    Action(
        "reports.summary_save",
        _("保存总结草稿"),
        model=SummarySubmission,
        who=for_own_summary,
        sources=_draft,
        guards=(_campaign_open,),
        url=lambda summary: reverse("reports:summary_edit"),  # the page posts back to itself
    ),
    Action(
        "reports.summary_submit",
        _("报送总结"),
        model=SummarySubmission,
        who=for_own_summary,
        sources=_draft,
        target=SubmissionStatus.SUBMITTED,
        guards=(_campaign_open,),
        url=lambda summary: reverse("reports:summary_edit"),
        confirm=_("报送后，总结不能再修改。"),
    ),
)

rules.register(
    # the supervision scorecard's threshold (督导考评后进线)
    Action(
        "reports.scorecard_threshold",
        _("设置后进线"),
        model=Campaign,
        who=campaign_office,  # in a city each office its own: the city its campaign, a street its plan
        guards=(Guard(lambda c: not c.is_finished, _("该专项行动已结束，只读。")),),
        url="reports:scorecard_threshold",
        doc="街道专项办设置督导考评的后进线（得分低于此分的单位列为后进单位，默认 60 分）；"
        "城市部署中市专项办设市里专项行动的（镇街得分低于此分列为后进镇街），镇街专项办设本镇街实施方案的。",
    ),
)


rules.register(
    # the city's supervision of its streets (issue 19)
    Action(
        "reports.supervision_record",
        _("通报约谈镇街"),
        model=None,
        who=city_office,
        url="reports:supervision_add",
        doc="市专项办对后进镇街进行通报或约谈，写明情况和整改期限；该镇街专项办在其首页和“通报约谈”列表中看到。",
    ),
)


@predicate("本镇街的通报约谈")
def own_street_supervision(user: Any, scope: Any, obj: Any) -> bool:
    """The supervision is of the user's own street (a street office of a city)."""
    return obj is not None and scope.jurisdiction_id is not None and obj.jurisdiction_id == scope.jurisdiction_id


@predicate("本市镇街的通报约谈")
def city_supervision(user: Any, scope: Any, obj: Any) -> bool:
    """The supervision is of one of the city's streets (not of the city itself). No query."""
    return (
        obj is not None
        and scope.jurisdiction_ids is not None
        and obj.jurisdiction_id in scope.jurisdiction_ids
        and obj.jurisdiction_id != scope.jurisdiction_id
    )


_S = SupervisionStatus

rules.register(
    Action(
        "reports.supervision_edit",
        _("修改通报约谈"),
        model=Supervision,
        who=city_office & city_supervision,
        sources=frozenset({_S.OPEN, _S.REPORTED, _S.RETURNED}),
        needs_reason=True,
        url="reports:supervision_edit",
        doc="市专项办修改未整改的通报约谈（方式、日期、内容、整改期限），须写明理由；整改期限改动后另发邮件告知该镇街专项办。",
    ),
    Action(
        "reports.supervision_report",
        _("报告整改情况"),
        model=Supervision,
        who=street_office & own_street_supervision,
        sources=frozenset({_S.OPEN, _S.RETURNED}),
        target=_S.REPORTED,
        url="reports:supervision_report",
        doc="镇街专项办报告本镇街的整改情况和整改完成日期（退回后可再报）。",
    ),
    Action(
        "reports.supervision_confirm",
        _("确认已整改"),
        model=Supervision,
        who=city_office & city_supervision,
        sources=frozenset({_S.REPORTED}),
        target=_S.RECTIFIED,
        url="reports:supervision_confirm",
        confirm=_("确认后，该通报约谈记为已整改，不能再修改。"),
    ),
    Action(
        "reports.supervision_return",
        _("退回整改情况"),
        model=Supervision,
        who=city_office & city_supervision,
        sources=frozenset({_S.REPORTED}),
        target=_S.RETURNED,
        needs_reason=True,
        url="reports:supervision_return",
        doc="市专项办认为整改不到位，写明原因退回，镇街专项办重新整改后再报。",
    ),
)
