"""Choices of the cases app: kinds, steps and their transition tables, ledger kinds, risk levels.

``FraudType`` is the leads app's (``leads.choices.FraudType``), so that a lead and the case opened
from it use the same values.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from leads.choices import FraudType  # noqa: F401 - re-exported: cases use the leads' fraud types
from organization.choices import UnitCode


class CaseKind(models.TextChoices):
    CRIMINAL = "criminal", _("刑事")
    ADMINISTRATIVE = "administrative", _("行政执法")
    PUBLIC_SECURITY = "public_security", _("治安处罚")
    CIVIL = "civil", _("民事纠纷")


class Step(models.TextChoices):
    # criminal cases
    FILED = "filed", _("立案")
    INVESTIGATING = "investigating", _("侦查")
    SOLVED = "solved", _("破案")
    PROSECUTION = "prosecution", _("移送起诉")
    TRIAL = "trial", _("审判")
    # administrative, public-security and civil cases
    ACCEPTED = "accepted", _("受理")
    HANDLING = "handling", _("处理")
    # every kind
    CLOSED = "closed", _("结案")


#: The steps of each kind, in order.
STEPS: dict[str, tuple[str, ...]] = {
    CaseKind.CRIMINAL: (
        Step.FILED,
        Step.INVESTIGATING,
        Step.SOLVED,
        Step.PROSECUTION,
        Step.TRIAL,
        Step.CLOSED,
    ),
    CaseKind.ADMINISTRATIVE: (Step.ACCEPTED, Step.HANDLING, Step.CLOSED),
    CaseKind.PUBLIC_SECURITY: (Step.ACCEPTED, Step.HANDLING, Step.CLOSED),
    CaseKind.CIVIL: (Step.ACCEPTED, Step.HANDLING, Step.CLOSED),
}

_OTHER_KINDS: dict[str, tuple[str, ...]] = {
    Step.ACCEPTED: (Step.HANDLING,),
    Step.HANDLING: (Step.CLOSED,),
    Step.CLOSED: (),
}

#: The transition table: for each kind, the steps a case may move to from each step (快侦快破快审:
#: one step at a time, each with its date). A closed case moves nowhere.
#: ``cases.services.case_advance`` is the only function that moves a case.
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    CaseKind.CRIMINAL: {
        Step.FILED: (Step.INVESTIGATING,),
        Step.INVESTIGATING: (Step.SOLVED,),
        Step.SOLVED: (Step.PROSECUTION,),
        Step.PROSECUTION: (Step.TRIAL,),
        Step.TRIAL: (Step.CLOSED,),
        Step.CLOSED: (),
    },
    CaseKind.ADMINISTRATIVE: _OTHER_KINDS,
    CaseKind.PUBLIC_SECURITY: _OTHER_KINDS,
    CaseKind.CIVIL: _OTHER_KINDS,
}


def first_step(kind: str) -> str:
    return STEPS[kind][0]


class LedgerKind(models.TextChoices):
    STOPPED = "stopped", _("止付")
    FROZEN = "frozen", _("冻结")
    SEIZED = "seized", _("查封/扣押")
    RECOVERED = "recovered", _("追缴")
    RETURNED = "returned", _("退赔/清退")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


#: Units whose members see and handle cases (besides the street office, who sees everything).
CASE_UNIT_CODES = (UnitCode.GROUP_CRACKDOWN, UnitCode.POLICE, UnitCode.TRIBUNAL)
