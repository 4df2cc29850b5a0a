"""Who may write cases, and when: every case write declared once (``core.rules``).

Cases are handled by the crackdown group, the police (its host) and the tribunal, and by the
street office; leaders read only. The steps of a case are the kind → step → steps table of
``cases.choices.TRANSITIONS`` declared as one action per step a case moves to (``cases.solve``:
侦查 → 破案, …): "may this user move this case to 破案 now?" is ``rules.check(user, "cases.solve",
case)``, and the case page offers exactly the steps it allows.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core import rules

from .choices import CASE_UNIT_CODES, TRANSITIONS, Step
from .models import Case, LedgerEntry

#: Street-office staff, and members of the crackdown group, the police and the tribunal (writers).
CASE_HANDLERS = rules.unit_code_in("打击组、派出所、青阳法庭", CASE_UNIT_CODES) | rules.street_office
HANDLERS_ONLY = _("只有打击组、派出所、青阳法庭和街道专项办可以办理案件。")

#: The action of each step a case moves to, by the step: its verb and what its button says.
STEP_ACTIONS: dict[str, tuple[str, Any]] = {
    Step.INVESTIGATING: ("investigate", _("转入侦查")),
    Step.SOLVED: ("solve", _("破案")),
    Step.PROSECUTION: ("prosecute", _("移送起诉")),
    Step.TRIAL: ("bring_to_trial", _("移送审判")),
    Step.HANDLING: ("handle", _("转入处理")),
    Step.CLOSED: ("close", _("结案")),
}


#: Steps that cannot be taken back: the form asks first.
STEP_CONFIRM: dict[str, Any] = {
    Step.CLOSED: _("结案后，案件不再推进办理环节，不能撤销。"),
}


def step_action(step: str) -> str | None:
    """The name of the action that moves a case to ``step`` (None: no action does)."""
    verb = STEP_ACTIONS.get(step, (None, None))[0]
    return f"cases.{verb}" if verb else None


def _sources(target: str) -> frozenset[str]:
    """The steps, of any kind, from which a case moves to ``target``."""
    return frozenset(step for table in TRANSITIONS.values() for step, nexts in table.items() if target in nexts)


def has_opinion_plan(case: Case) -> bool:
    """No query when the page loaded the case with ``select_related("opinion_plan")``."""
    try:
        return case.opinion_plan is not None
    except Case.opinion_plan.RelatedObjectDoesNotExist:
        return False


def _kind_allows(target: str) -> rules.Guard:
    return rules.Guard(
        lambda case: target in TRANSITIONS.get(case.kind, {}).get(case.step, ()),
        format_lazy(_("该类别的案件不能从当前环节转入“{step}”。"), step=Step(target).label),
    )


OPINION_PLAN_FIRST = rules.Guard(
    lambda case: not case.is_major or has_opinion_plan(case),
    _("重大敏感案件须先制定舆情应对方案（三同步），才能推进办理环节。"),
)
CONTINGENCY_PLAN_FIRST = rules.Guard(
    lambda case: not case.needs_contingency_plan or bool((case.contingency_plan or "").strip()),
    _("涉稳风险为“高”或涉众型的案件必须制定应急预案，请填写应急预案。"),
)


def _is_reversed(entry: LedgerEntry) -> bool:
    """No query when the page annotated the entries with ``is_reversed``."""
    reversed_ = getattr(entry, "is_reversed", None)
    if reversed_ is None:
        reversed_ = LedgerEntry.objects.filter(reverses=entry).exists()
    return bool(reversed_)


def _case_action(
    name: str, label: Any, url: str, model: type[models.Model] | None = Case, **kwargs: Any
) -> rules.Action:
    return rules.Action(name, label, model=model, who=CASE_HANDLERS, url=url, denied=HANDLERS_ONLY, **kwargs)


rules.register(
    _case_action("cases.create", _("登记案件"), "cases:create", model=None),
    _case_action("cases.update", _("修改案件"), "cases:update"),
    _case_action("cases.opinion_plan", _("舆情应对方案"), "cases:opinion_plan"),
    _case_action("cases.link_leads", _("关联线索"), "cases:link_leads"),
    _case_action(
        "cases.mark_typical",
        _("标记典型案例"),
        "cases:typical_mark",
        guards=(rules.Guard(lambda case: not case.is_typical, _("该案件已是典型案例。")),),
    ),
    _case_action(
        "cases.unmark_typical",
        _("取消典型案例"),
        "cases:typical_mark",
        guards=(rules.Guard(lambda case: case.is_typical, _("该案件不是典型案例。")),),
    ),
    _case_action(
        "cases.clear_publicity",
        _("同意公开宣传"),
        "cases:publicity_clear",
        needs_reason=True,
        guards=(
            rules.Guard(lambda case: case.is_typical, _("只有典型案例才能公开宣传，请先标记典型案例。")),
            rules.Guard(lambda case: not case.publicity_cleared, _("该案件已同意公开宣传。")),
        ),
        doc="宣教组只看到同意公开的标题、摘要（及勾选公开的金额），看不到受害人、嫌疑人和案件本身。",
    ),
    _case_action(
        "cases.withdraw_publicity",
        _("撤回公开宣传"),
        "cases:publicity_withdraw",
        needs_reason=True,
        guards=(rules.Guard(lambda case: case.publicity_cleared, _("该案件未同意公开宣传。")),),
    ),
    _case_action("cases.ledger_add", _("登记追赃挽损记录"), "cases:ledger_add"),
    _case_action(
        "cases.ledger_reverse",
        _("冲正"),
        "cases:ledger_reverse",
        model=LedgerEntry,
        needs_reason=True,
        confirm=_("将登记一条金额相反的冲正记录，原记录保留；冲正后不能再冲正，也不能撤销。"),
        guards=(
            rules.Guard(lambda entry: not entry.is_reversal, _("冲正记录不能再冲正，请登记一条新的记录。")),
            rules.Guard(lambda entry: not _is_reversed(entry), _("该记录已冲正。")),
        ),
    ),
    *(
        _case_action(
            f"cases.{verb}",
            label,
            "cases:step",
            state="step",
            sources=_sources(step),
            target=step,
            guards=(_kind_allows(step), OPINION_PLAN_FIRST, CONTINGENCY_PLAN_FIRST),
            confirm=STEP_CONFIRM.get(step),
        )
        for step, (verb, label) in STEP_ACTIONS.items()
    ),
)
