"""Each step rule of ``case_advance``: the transition table per kind, dates, the audit trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from cases.choices import STEPS, TRANSITIONS, CaseKind, RiskLevel, Step
from cases.models import Case, CaseStep, PublicOpinionPlan
from cases.rules import step_action
from cases.services import case_advance, case_open, case_update
from core import rules
from core.audit import timeline_for
from core.exceptions import DomainError
from organization.choices import UnitCode

from .factories import CaseFactory

TODAY = datetime.date.today()
START = TODAY - datetime.timedelta(days=100)


def open_case(user, org, kind=CaseKind.CRIMINAL, date=START, **extra):
    fields = {
        "title": "假借养老项目非法集资案",
        "kind": kind,
        "fraud_type": "project",
        "handling_unit": org.units[UnitCode.POLICE],
        **extra,
    }
    return case_open(user=user, date=date, reason="线索核查属实", **fields)


@pytest.mark.parametrize("kind", CaseKind.values)
def test_each_kind_walks_its_steps_in_order_with_a_step_row_and_an_audit_entry(personas, org, kind):
    case = open_case(personas.crackdown, org, kind=kind)
    steps = STEPS[kind]
    assert case.step == steps[0] and case.opened_on == START
    for offset, step in enumerate(steps[1:], start=1):
        case = case_advance(
            case=case,
            user=personas.crackdown,
            to_step=step,
            date=START + datetime.timedelta(days=offset * 5),
            reason=f"进入{step}",
        )
        assert case.step == step
    case.refresh_from_db()
    assert case.step == Step.CLOSED and case.closed_on == START + datetime.timedelta(days=(len(steps) - 1) * 5)
    rows = list(CaseStep.objects.filter(case=case).order_by("date"))
    assert [r.step for r in rows] == list(steps)
    assert all(r.by == personas.crackdown for r in rows)
    reasons = {e.reason for e in timeline_for(case)}
    assert {f"{rules.get(step_action(s)).label}：进入{s}" for s in steps[1:]} <= reasons
    assert any(e.actor == personas.crackdown for e in timeline_for(case))


def test_the_criminal_table_is_the_plan_sequence():
    assert STEPS[CaseKind.CRIMINAL] == ("filed", "investigating", "solved", "prosecution", "trial", "closed")
    for kind in (CaseKind.ADMINISTRATIVE, CaseKind.PUBLIC_SECURITY, CaseKind.CIVIL):
        assert STEPS[kind] == ("accepted", "handling", "closed")
    for kind, table in TRANSITIONS.items():
        assert table[Step.CLOSED] == ()
        assert set(table) == set(STEPS[kind])


@pytest.mark.parametrize(
    ("kind", "at", "to"),
    [
        (CaseKind.CRIMINAL, Step.FILED, Step.SOLVED),  # skips 侦查
        (CaseKind.CRIMINAL, Step.FILED, Step.CLOSED),
        (CaseKind.CRIMINAL, Step.INVESTIGATING, Step.FILED),  # backwards
        (CaseKind.CRIMINAL, Step.SOLVED, Step.TRIAL),  # skips 移送起诉
        (CaseKind.CRIMINAL, Step.PROSECUTION, Step.CLOSED),  # skips 审判
        (CaseKind.CRIMINAL, Step.FILED, Step.HANDLING),  # another kind's step
        (CaseKind.CIVIL, Step.ACCEPTED, Step.CLOSED),
        (CaseKind.ADMINISTRATIVE, Step.ACCEPTED, Step.INVESTIGATING),
        (CaseKind.PUBLIC_SECURITY, Step.HANDLING, Step.ACCEPTED),
        (CaseKind.CRIMINAL, Step.FILED, "nonsense"),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(personas, org, kind, at, to):
    case = CaseFactory(kind=kind, step=at)
    with pytest.raises(DomainError) as exc:
        case_advance(case=case, user=personas.crackdown, to_step=to, date=TODAY, reason="")
    # refused by the step the case is at (``state``), or no action moves a case to ``to``
    assert exc.value.code == ("illegal_step" if step_action(to) is None else "state")
    case.refresh_from_db()
    assert case.step == at
    assert CaseStep.objects.filter(case=case).count() == 1


def test_a_closed_case_moves_nowhere(personas, org):
    case = CaseFactory(kind=CaseKind.CIVIL, step=Step.CLOSED)
    with pytest.raises(DomainError) as exc:
        case_advance(case=case, user=personas.crackdown, to_step=Step.HANDLING, date=TODAY)
    assert exc.value.code == "state" and "结案" in str(exc.value)
    assert not rules.allowed(personas.crackdown, case) & {"investigate", "solve", "handle", "close"}


def test_step_dates_cannot_go_back_or_into_the_future(personas, org):
    case = open_case(personas.crackdown, org, date=START)
    with pytest.raises(DomainError) as exc:
        case_advance(
            case=case, user=personas.crackdown, to_step=Step.INVESTIGATING, date=START - datetime.timedelta(days=1)
        )
    assert exc.value.code == "date_order"
    with pytest.raises(DomainError) as exc:
        case_advance(
            case=case, user=personas.crackdown, to_step=Step.INVESTIGATING, date=TODAY + datetime.timedelta(days=1)
        )
    assert exc.value.code == "future_date"
    case_advance(case=case, user=personas.crackdown, to_step=Step.INVESTIGATING, date=START)  # same day is fine


def test_only_case_units_and_the_street_office_may_write(personas, org):
    case = CaseFactory()
    for user in (personas.community_a, personas.liaison, personas.leader, personas.rectification):
        with pytest.raises(PermissionDenied):
            case_advance(case=case, user=user, to_step=Step.INVESTIGATING, date=TODAY)
    tribunal = personas.liaison.__class__.objects.create(
        username="judge", unit=org.units[UnitCode.TRIBUNAL], role="unit_liaison"
    )
    case_advance(case=case, user=tribunal, to_step=Step.INVESTIGATING, date=TODAY)
    case_advance(case=case, user=personas.street, to_step=Step.SOLVED, date=TODAY)


def test_a_major_case_needs_a_public_opinion_plan_to_advance(personas, org):
    case = CaseFactory(is_major=True)
    with pytest.raises(DomainError) as exc:
        case_advance(case=case, user=personas.crackdown, to_step=Step.INVESTIGATING, date=TODAY)
    assert exc.value.code == "guard" and "舆情应对方案" in str(exc.value)
    assert not rules.check(personas.crackdown, "cases.investigate", case)
    PublicOpinionPlan.objects.create(case=case, assessment="评估", monitoring="监测", response="处置", owner="林警官")
    case_advance(case=case, user=personas.crackdown, to_step=Step.INVESTIGATING, date=TODAY)


def test_the_kind_can_change_only_at_the_first_step(personas, org):
    case = open_case(personas.crackdown, org, kind=CaseKind.CRIMINAL)
    case = case_update(case=case, user=personas.crackdown, kind=CaseKind.CIVIL, reason="定性为民事纠纷")
    assert case.step == Step.ACCEPTED
    assert list(CaseStep.objects.filter(case=case).values_list("step", flat=True)) == [Step.ACCEPTED]
    case_advance(case=case, user=personas.crackdown, to_step=Step.HANDLING, date=TODAY)
    with pytest.raises(DomainError):
        case_update(case=Case.objects.get(pk=case.pk), user=personas.crackdown, kind=CaseKind.CRIMINAL)


class TestContingencyPlan:
    def test_high_risk_without_a_contingency_plan_is_refused(self, personas, org):
        with pytest.raises(DomainError) as exc:
            open_case(personas.crackdown, org, stability_risk=RiskLevel.HIGH)
        assert exc.value.code == "contingency_plan"
        assert "应急预案" in str(exc.value)
        assert not Case.objects.exists()

    def test_many_victims_without_a_contingency_plan_is_refused(self, personas, org):
        with pytest.raises(DomainError):
            open_case(personas.crackdown, org, is_many_victims=True, contingency_plan="   ")
        case = open_case(personas.crackdown, org, is_many_victims=True, contingency_plan="设立接访专班")
        with pytest.raises(DomainError):
            case_update(case=case, user=personas.crackdown, contingency_plan="")
        assert Case.objects.get(pk=case.pk).contingency_plan == "设立接访专班"

    def test_low_and_medium_risk_need_none(self, personas, org):
        open_case(personas.crackdown, org, stability_risk=RiskLevel.LOW)
        open_case(personas.crackdown, org, stability_risk=RiskLevel.MEDIUM)
        assert Case.objects.count() == 2

    def test_model_clean_puts_the_message_on_the_field(self, org):
        from django.core.exceptions import ValidationError

        case = CaseFactory.build(stability_risk=RiskLevel.HIGH, handling_unit=org.units[UnitCode.POLICE])
        with pytest.raises(ValidationError) as exc:
            case.clean()
        assert "contingency_plan" in exc.value.message_dict
