"""Who may do what to a lead, and when: every write of the leads area, declared once.

The services ask these (``rules.require`` / ``rules.transition``) before every write; the lead's
page offers exactly ``rules.allowed(user, lead)``. The state machine of a lead is the ``sources``
and ``target`` of the transitions below (refer … reopen); the other actions keep the status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import rules
from core.rules import Action, Guard
from organization import rules as org_rules

from .choices import OPEN_FOR_RECEIVER, ExtensionState, LeadSource, LeadStatus, ReviewState
from .models import Lead

if TYPE_CHECKING:
    from organization.models import Scope

S = LeadStatus

# --- who ----------------------------------------------------------------------------------------

street_office = rules.street_office

#: The unit the lead is referred to (or a working group it hosts): it signs, asks for more time
#: and feeds back.
receiver = rules.in_units("承办单位", lambda lead: lead.assigned_unit_id)

#: The unit that filed the lead (e.g. a community that took a tip by phone).
filer = rules.in_units("登记单位", lambda lead: lead.filed_by_unit_id)


#: The roles whose people may be named a lead's second reviewer (``reviewer`` below: the street
#: office's staff); the close form's reviewer choices read it.
REVIEWER_ROLES = frozenset({"street_office"})


@rules.predicate("二次核查人（街道专项办，办结人以外）")
def reviewer(user: Any, scope: Scope, obj: Any) -> bool:
    """The second review of an unfounded closure: street-office staff other than the one who
    closed it, and the named reviewer when one was named."""
    return bool(
        scope.is_street_office
        and scope.can_write
        and obj is not None
        and obj.review_state == ReviewState.PENDING
        and obj.reviewer_id in (None, user.pk)
        and obj.closed_by_id != user.pk
    )


@rules.predicate("实名举报")
def named_informant(user: Any, scope: Scope, obj: Any) -> bool:
    return obj is not None and not obj.is_anonymous


#: Asked before the permission, so that an anonymous tip's page costs no permission query.
informant_viewer = street_office & named_informant & rules.has_perm("有“查看举报人身份”权限", "leads.view_informant")

# --- guards -------------------------------------------------------------------------------------

has_deadline = Guard(lambda lead: bool(lead.deadline), _("该线索没有反馈期限，不能申请延期。"))
no_pending_request = Guard(lambda lead: lead.extension_state != ExtensionState.REQUESTED, _("已有待审批的延期申请。"))
pending_request = Guard(lambda lead: lead.extension_state == ExtensionState.REQUESTED, _("没有待审批的延期申请。"))
not_closed = Guard(lambda lead: lead.status != S.CLOSED, _("线索已办结，不能再审批延期。"))
from_higher_office = Guard(lambda lead: lead.source == LeadSource.HIGHER, _("只有上级转办线索才需向上级报送办结情况。"))
final = Guard(lambda lead: lead.is_final, _("线索尚未办结，不能报送办结情况。"))
not_reported = Guard(lambda lead: lead.reported_up_at is None, _("该线索的办结情况已报送。"))
public_tip = Guard(lambda lead: lead.source == LeadSource.PUBLIC, _("只有群众举报的线索才发放查询码。"))
not_final = Guard(lambda lead: not lead.is_final, _("线索已办结，不再发放查询码。"))
not_urged_today = Guard(
    lambda lead: lead.last_reminded_on is None or lead.last_reminded_on < timezone.localdate(),
    _("该线索今天已催办过，请明天再催。"),
)

OPEN = frozenset({S.REGISTERED, S.REFERRED, S.VERIFYING, S.FED_BACK, S.RETURNED})
ACTION_URL = "leads:action"  # ``leads:action <pk> <verb>``: the action's form on its own page

rules.register(
    # the state machine
    Action(
        "leads.refer",
        _("分派"),
        model=Lead,
        who=street_office,
        sources=frozenset({S.REGISTERED, S.RETURNED}),
        target=S.REFERRED,
        url=ACTION_URL,
    ),
    Action(
        "leads.acknowledge",
        _("签收"),
        model=Lead,
        who=receiver,
        sources=frozenset({S.REFERRED}),
        target=S.VERIFYING,
        url=ACTION_URL,
    ),
    Action(
        "leads.feedback",
        _("反馈"),
        model=Lead,
        who=receiver,
        sources=frozenset({S.VERIFYING, S.RETURNED}),
        target=S.FED_BACK,
        url=ACTION_URL,
    ),
    Action(
        "leads.close",
        _("办结"),
        model=Lead,
        who=street_office,
        sources=frozenset({S.REGISTERED, S.FED_BACK}),
        target=S.CLOSED,
        url=ACTION_URL,
        doc="A pending extension request is refused with the closure.",
        confirm=_("办结后，承办单位不能再反馈，线索不再办理；如需继续办理，只能由复核人员复核重开。"),
    ),
    Action(
        "leads.return",
        _("退回"),
        model=Lead,
        who=street_office,
        sources=frozenset({S.FED_BACK}),
        target=S.RETURNED,
        needs_reason=True,
        url=ACTION_URL,
    ),
    Action(
        "leads.merge",
        _("合并"),
        model=Lead,
        who=street_office,
        sources=OPEN,
        target=S.CLOSED,
        doc="Offered through the link form (its merge box). A pending extension request is refused with it.",
        confirm=_("本线索将并入所填线索并按“已合并”办结，不能撤销；此后按所并入的线索办理。"),
    ),
    Action(
        "leads.reopen",
        _("复核重开"),
        model=Lead,
        who=reviewer,
        sources=frozenset({S.CLOSED}),
        target=S.RETURNED,  # or 待受理 when it was never referred (services.lead_reopen)
        needs_reason=True,
        url=ACTION_URL,
        confirm=_("已办结的线索将重新打开，退回承办单位重新核查。"),
    ),
    # the second review, deadlines, supervision
    Action(
        "leads.review_confirm",
        _("二次核查确认查否"),
        model=Lead,
        who=reviewer,
        sources=frozenset({S.CLOSED}),
        url=ACTION_URL,
        confirm=_("确认后，该线索按查否办结，二次核查结束，不能撤销。"),
    ),
    Action(
        "leads.extension_request",
        _("申请延期"),
        model=Lead,
        who=receiver,
        sources=frozenset(OPEN_FOR_RECEIVER),
        guards=(has_deadline, no_pending_request),
        needs_reason=True,
        url=ACTION_URL,
    ),
    Action(
        "leads.extension_decide",
        _("审批延期"),
        model=Lead,
        who=street_office,
        guards=(pending_request, not_closed),
        url=ACTION_URL,
    ),
    Action("leads.supervise", _("挂牌督办"), model=Lead, who=street_office, url=ACTION_URL),
    Action(
        "leads.urge",
        _("催办"),
        model=Lead,
        who=street_office,
        sources=frozenset(OPEN_FOR_RECEIVER),
        guards=(not_urged_today,),
        url=ACTION_URL,
        doc="A manual reminder to the unit handling the lead (e-mail to its liaisons, a 催办 badge on its "
        "list), once a day per lead; it counts with the daily job's reminders.",
    ),
    Action(
        "leads.link",
        _("关联线索"),
        model=Lead,
        who=street_office | receiver,
        url=ACTION_URL,
        doc="A receiver links two leads both referred to it; merging is the street office's.",
    ),
    Action(
        "leads.report_up",
        _("向上级报送办结情况"),
        model=Lead,
        who=street_office,
        guards=(from_higher_office, final, not_reported),
        url=ACTION_URL,
        confirm=_("将记录本线索的办结情况已向上级报送，记录后不能撤销。"),
    ),
    Action(
        "leads.report_up_many",
        _("标记为已报送上级"),
        model=None,
        who=street_office,
        url="leads:higher",
        doc="The filtered, unreported leads of the higher-office list (each one is leads.report_up).",
        confirm=_("将把列表中筛选出的全部未报送线索记为已向上级报送，记录后不能撤销。"),
    ),
    Action(
        "leads.transfer",
        _("转办线索"),
        model=None,
        who=org_rules.city_office,
        url="leads:transfer",
        doc="The city special office transfers a lead to one of its streets (上级转办, with the city's "
        "reference number and deadline); the street refers it on, and its closure is reported up by itself.",
    ),
    Action(
        "leads.transfer_import",
        _("导入转办清单"),
        model=None,
        who=org_rules.city_office,
        url="leads:transfer_import",
        doc="The city special office's Excel list (镇街, 市转办文号, 反馈期限 and the transfer form's fields), "
        "run as a job: every good row is leads.transfer (same checks, audit and e-mail); with a bad row "
        "nothing is transferred unless only the valid rows are asked for.",
    ),
    Action(
        "leads.redact",
        _("删除敏感内容"),
        model=Lead,
        who=street_office,
        needs_reason=True,
        url=ACTION_URL,
        doc="Replaces a passage (e.g. an informant's phone number typed into the description) by 【已删除】 "
        "in the lead, its supplements and their audit entries (and the outbox); records who, when and why, "
        "not the text. Cannot be undone.",
    ),
    # receipt codes and the informant
    Action(
        "leads.issue_receipt",
        _("重新发放查询码"),
        model=Lead,
        who=street_office | filer,
        guards=(public_tip, not_final),
        url="leads:issue_receipt",
        confirm=_("将生成新的查询码，原查询码立即作废：举报人用原查询码将无法再查询进度。新查询码只显示一次。"),
    ),
    Action(
        "leads.reveal",
        _("查看举报人身份"),
        model=Lead,
        who=informant_viewer,
        needs_reason=True,
        url="leads:reveal",
        denied=_("只有有“查看举报人身份”权限的街道专项办人员才能查看实名举报人的身份。"),
        confirm=_("将显示实名举报人的身份；本次查看和原因都会被记录。"),
    ),
    # intake and corrections
    Action(
        "leads.edit",
        _("修改线索信息"),
        model=Lead,
        who=street_office,
        url="leads:update",
        denied=_("您无权修改该线索。"),
    ),
    Action("leads.create", _("登记线索"), model=None, who=rules.writer, url="leads:create"),
    Action(
        "leads.import",
        _("导入线索"),
        model=None,
        who=street_office,
        url="leads:import",
        doc="A higher office's list, or another source's (来源 column, e.g. a unit's 部门梳理 list).",
    ),
)


#: What community staff file: what residents told them, or a tip taken for the public form.
COMMUNITY_SOURCES = (LeadSource.COMMUNITY, LeadSource.PUBLIC)


def intake_sources(user: Any) -> tuple[str, ...] | None:
    """The sources ``user`` may file a lead under (None: every source)."""
    scope = rules.scope_of(user)
    return COMMUNITY_SOURCES if scope is not None and scope.is_community else None


#: The page of reveals (leads:reveal_log): organization.rules.reveal_log_reader, next to the grants.
may_read_reveal_log = org_rules.may_read_reveal_log
