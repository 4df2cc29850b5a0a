import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core import rules
from core.exceptions import DomainError
from core.models import AuditEntry
from organization.choices import UnitCode
from rectification import services
from rectification.choices import InstitutionStatus, MeasureKind, ProblemStatus, RiskGrade, Sector
from rectification.models import GradeChange, Institution, Problem, RiskGradeSetting
from rectification.services import MeasureSpec

from .factories import InstitutionFactory, MeasureFactory, ProblemFactory

pytestmark = pytest.mark.django_db


# --- institutions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sector", "code"),
    [
        (Sector.ELDERLY_SERVICE, UnitCode.SOCIAL_AFFAIRS),
        (Sector.ELDERLY_LAND, UnitCode.LAND_OFFICE),
        (Sector.HOUSING_ADVERT, UnitCode.DEVELOPMENT_CENTRE),
        (Sector.STREET_ADVERT, UnitCode.LAW_ENFORCEMENT),
        (Sector.ELDERLY_TOURISM, UnitCode.MARKET_REGULATION),
        (Sector.ART, UnitCode.MARKET_REGULATION),
        (Sector.FOOD_HEALTH, UnitCode.MARKET_REGULATION),
        (Sector.FALSE_ADVERT, UnitCode.MARKET_REGULATION),
        (Sector.UNLICENSED_MEDICAL, UnitCode.HEALTH_OFFICE),
        (Sector.FUND_RAISING, UnitCode.ENTERPRISE_CENTRE),
    ],
)
def test_supervising_unit_follows_the_plans_sector_table(personas, org, sector, code):
    inst = services.institution_create(user=personas.street, name="某机构", sector=sector)
    assert inst.supervising_unit == org.units[code]


def test_supervising_unit_must_supervise_the_sector(personas, org):
    """Issue 16 item 12: not any unit, only one of the sector's (tests/rectification/test_sectors.py)."""
    with pytest.raises(ValidationError) as exc:
        services.institution_create(
            user=personas.street, name="某机构", sector=Sector.ART, supervising_unit=org.units[UnitCode.ELDERLY_OFFICE]
        )
    assert "不监管" in str(exc.value)


def test_credit_code_is_checked_and_unique_when_present(personas):
    services.institution_create(user=personas.street, name="甲", sector=Sector.ART, credit_code="91350100m000100y43")
    assert Institution.objects.get(name="甲").credit_code == "91350100M000100Y43"
    with pytest.raises(ValidationError) as exc:
        services.institution_create(
            user=personas.street, name="乙", sector=Sector.ART, credit_code="91350100M000100Y43"
        )
    assert "甲" in str(exc.value)
    with pytest.raises(ValidationError):
        services.institution_create(
            user=personas.street, name="丙", sector=Sector.ART, credit_code="91350100M000100Y44"
        )
    # Two unregistered institutions without a code are fine.
    services.institution_create(user=personas.street, name="丁", sector=Sector.ART, credit_code="")
    services.institution_create(user=personas.street, name="戊", sector=Sector.ART)
    assert Institution.objects.filter(credit_code=None).count() == 2


def test_leaders_cannot_register(personas):
    with pytest.raises(PermissionDenied):
        services.institution_create(user=personas.leader, name="甲", sector=Sector.ART)


def test_a_community_registers_only_in_its_community(personas, org):
    with pytest.raises(DomainError, match="本社区"):
        services.institution_create(user=personas.community_a, name="甲", sector=Sector.ART, community=org.community_b)
    inst = services.institution_create(
        user=personas.community_a, name="甲", sector=Sector.ART, community=org.community_a
    )
    assert inst.community == org.community_a


# --- grades, history, scheduling --------------------------------------------------------------


def test_grade_history_keeps_who_when_and_why(personas):
    inst = InstitutionFactory()
    t1 = timezone.now() - datetime.timedelta(days=3)
    services.institution_grade(
        institution=inst, user=personas.rectification, grade=RiskGrade.YELLOW, reason="初次排查", now=t1
    )
    services.institution_grade(institution=inst, user=personas.liaison, grade=RiskGrade.RED, reason="发现非法集资迹象")
    history = list(inst.grade_changes.all())
    assert [(h.from_grade, h.to_grade) for h in history] == [
        (RiskGrade.YELLOW, RiskGrade.RED),
        (RiskGrade.UNGRADED, RiskGrade.YELLOW),
    ]
    assert history[0].changed_by == personas.liaison and history[0].reason == "发现非法集资迹象"
    assert history[1].changed_by == personas.rectification and history[1].changed_at == t1
    inst.refresh_from_db()
    assert inst.risk_grade == RiskGrade.RED
    # the audit trail holds the change with its reason
    entry = AuditEntry.objects.filter(object_pk=str(inst.pk), reason="发现非法集资迹象").first()
    assert entry is not None and entry.actor == personas.liaison


def test_grading_needs_a_reason_and_a_change(personas):
    inst = InstitutionFactory()
    with pytest.raises(DomainError):
        services.institution_grade(institution=inst, user=personas.street, grade=RiskGrade.RED, reason=" ")
    services.institution_grade(institution=inst, user=personas.street, grade=RiskGrade.RED, reason="x")
    with pytest.raises(DomainError):
        services.institution_grade(institution=inst, user=personas.street, grade=RiskGrade.RED, reason="again")
    assert GradeChange.objects.count() == 1


def test_community_staff_and_leaders_do_not_grade(personas, org):
    inst = InstitutionFactory(community=org.community_a)
    with pytest.raises(PermissionDenied):
        services.institution_grade(institution=inst, user=personas.community_a, grade=RiskGrade.RED, reason="x")
    with pytest.raises(PermissionDenied):
        services.institution_grade(institution=inst, user=personas.leader, grade=RiskGrade.RED, reason="x")


def test_a_unit_cannot_grade_an_institution_it_does_not_see(personas, org):
    inst = InstitutionFactory(sector=Sector.ELDERLY_LAND, supervising_unit=org.units[UnitCode.LAND_OFFICE])
    with pytest.raises(PermissionDenied):
        services.institution_grade(institution=inst, user=personas.liaison, grade=RiskGrade.RED, reason="x")


def test_grade_sets_the_inspection_interval(personas):
    inst = InstitutionFactory()
    now = timezone.now()
    today = timezone.localdate(now)
    services.institution_grade(institution=inst, user=personas.street, grade=RiskGrade.RED, reason="x", now=now)
    assert inst.next_inspection_due == today + datetime.timedelta(days=14)
    # after an inspection, the next one is due one interval after it
    services.inspection_record(
        institution=inst,
        user=personas.street,
        date=today - datetime.timedelta(days=2),
        unit=inst.supervising_unit,
        inspectors="甲",
        findings="正常",
    )
    assert inst.last_inspection_date == today - datetime.timedelta(days=2)
    assert inst.next_inspection_due == today + datetime.timedelta(days=12)
    # lowering the grade lengthens the interval from the last inspection
    services.institution_grade(institution=inst, user=personas.street, grade=RiskGrade.GREEN, reason="整改到位")
    assert inst.next_inspection_due == today - datetime.timedelta(days=2) + datetime.timedelta(days=180)
    # an older inspection recorded later does not move the schedule back
    services.inspection_record(
        institution=inst,
        user=personas.street,
        date=today - datetime.timedelta(days=30),
        unit=inst.supervising_unit,
        inspectors="甲",
        findings="补录",
    )
    assert inst.last_inspection_date == today - datetime.timedelta(days=2)


def test_intervals_are_configurable_per_grade(personas):
    RiskGradeSetting.objects.update_or_create(
        grade=RiskGrade.ORANGE, defaults={"inspection_interval_days": 7, "label": "橙色"}
    )
    info = services.grade_settings()
    assert info[RiskGrade.ORANGE].interval_days == 7 and info[RiskGrade.ORANGE].label == "橙色"
    inst = InstitutionFactory()
    services.institution_grade(institution=inst, user=personas.street, grade=RiskGrade.ORANGE, reason="x")
    assert inst.next_inspection_due == timezone.localdate() + datetime.timedelta(days=7)
    # ungraded: no scheduled inspection
    services.institution_grade(institution=inst, user=personas.street, grade=RiskGrade.UNGRADED, reason="误定")
    assert inst.next_inspection_due is None


def test_intervals_fall_back_to_settings_without_rows(personas, settings):
    RiskGradeSetting.objects.all().delete()
    settings.RECTIFICATION_INSPECTION_INTERVAL_DAYS = {RiskGrade.RED: 5}
    info = services.grade_settings()
    assert info[RiskGrade.RED].interval_days == 5
    assert info[RiskGrade.YELLOW].interval_days == 90
    assert info[RiskGrade.YELLOW].label == "黄"


def test_control_list_is_yellow_and_above_and_overdue_list(personas):
    green, yellow, red = InstitutionFactory(), InstitutionFactory(), InstitutionFactory()
    closed = InstitutionFactory(status=InstitutionStatus.CLOSED, risk_grade=RiskGrade.RED)
    long_ago = timezone.now() - datetime.timedelta(days=40)
    for inst, grade in ((green, RiskGrade.GREEN), (yellow, RiskGrade.YELLOW), (red, RiskGrade.RED)):
        services.institution_grade(institution=inst, user=personas.street, grade=grade, reason="x", now=long_ago)
    assert set(Institution.objects.on_control_list()) == {yellow, red}
    assert closed not in Institution.objects.on_control_list()
    assert set(Institution.objects.inspection_overdue(timezone.localdate())) == {red}


def test_closing_an_institution_clears_its_schedule(personas):
    inst = InstitutionFactory()
    services.institution_grade(institution=inst, user=personas.street, grade=RiskGrade.RED, reason="x")
    services.institution_update(
        institution=inst, user=personas.street, status=InstitutionStatus.CLOSED, reason="已关停"
    )
    inst.refresh_from_db()
    assert inst.next_inspection_due is None


def test_inspection_in_the_future_is_refused(personas):
    inst = InstitutionFactory()
    with pytest.raises(DomainError):
        services.inspection_record(
            institution=inst,
            user=personas.street,
            date=timezone.localdate() + datetime.timedelta(days=1),
            unit=inst.supervising_unit,
            inspectors="甲",
            findings="x",
        )


# --- problems: the state machine --------------------------------------------------------------


def deadline(days=7):
    return timezone.localdate() + datetime.timedelta(days=days)


def raise_problem(user, inst=None, **kwargs):
    inst = inst or InstitutionFactory()
    return services.problem_raise(
        institution=inst,
        user=user,
        description="夸大宣传",
        category="false_advert",
        owner_unit=inst.supervising_unit,
        owner_person="赵六",
        horizon="immediate",
        measures=kwargs.pop("measures", [MeasureSpec(MeasureKind.ORDER_RECTIFY, deadline())]),
        **kwargs,
    )


def test_a_problem_needs_an_owner_and_a_measure_with_a_deadline(personas):
    with pytest.raises(DomainError):
        raise_problem(personas.street, measures=[])
    problem = raise_problem(
        personas.street,
        measures=[MeasureSpec(MeasureKind.WARNING_TALK, deadline(3)), MeasureSpec(MeasureKind.REFUND, deadline(30))],
    )
    assert problem.status == ProblemStatus.OPEN
    assert sorted(problem.measures.values_list("kind", flat=True)) == [MeasureKind.REFUND, MeasureKind.WARNING_TALK]


def test_full_path_to_closed(personas):
    problem = raise_problem(personas.liaison)
    problem = services.problem_start(problem=problem, user=personas.liaison)
    assert problem.status == ProblemStatus.RECTIFYING
    with pytest.raises(DomainError) as exc:
        services.problem_report_rectified(problem=problem, user=personas.liaison, reason="已整改")
    assert exc.value.code == "guard" and "未完成的整改措施" in exc.value.message
    services.measure_complete(measure=problem.measures.get(), user=personas.liaison, result="已下达责令整改通知书")
    problem = services.problem_report_rectified(problem=problem, user=personas.liaison, reason="已撤下宣传材料")
    assert problem.status == ProblemStatus.RECTIFIED
    problem = services.problem_reject(problem=problem, user=personas.rectification, reason="复查仍有宣传单")
    assert problem.status == ProblemStatus.RECTIFYING
    problem = services.problem_report_rectified(problem=problem, user=personas.liaison, reason="已全部清理")
    problem = services.problem_verify(problem=problem, user=personas.rectification, reason="现场核查到位")
    assert (
        problem.status == ProblemStatus.CLOSED and problem.closed_at and problem.verified_by == personas.rectification
    )
    reasons = set(AuditEntry.objects.filter(object_pk=str(problem.pk)).values_list("reason", flat=True))
    # the audit entry names the action and gives the reason
    assert {
        "核查未通过，退回整改：复查仍有宣传单",
        "核查通过，销号：现场核查到位",
        "报整改完成：已撤下宣传材料",
    } <= reasons


ALL_STATUSES = list(ProblemStatus)


def moves(start: str) -> set:
    """The problem's state machine, read from the declared actions (rectification/rules.py)."""
    return {a.target for a in rules.actions_for(Problem) if a.target and a.sources and start in a.sources}


@pytest.mark.parametrize("start", ALL_STATUSES)
@pytest.mark.parametrize("target", ALL_STATUSES)
def test_only_the_table_moves_are_allowed(personas, start, target):
    problem = ProblemFactory(status=start, closed_at=timezone.now(), transferred_to="市场监管局")
    MeasureFactory(problem=problem, done_at=timezone.now())
    allowed = target in moves(start)
    action = {
        ProblemStatus.RECTIFYING: lambda: (
            services.problem_start(problem=problem, user=personas.street)
            if start == ProblemStatus.OPEN
            else services.problem_reject(problem=problem, user=personas.street, reason="r")
            if start == ProblemStatus.RECTIFIED
            else services.problem_start(problem=problem, user=personas.street)
        ),
        ProblemStatus.RECTIFIED: lambda: services.problem_report_rectified(
            problem=problem, user=personas.street, reason="r"
        ),
        ProblemStatus.CLOSED: lambda: services.problem_verify(problem=problem, user=personas.street, reason="r"),
        ProblemStatus.TRANSFERRED: lambda: services.problem_transfer(
            problem=problem, user=personas.street, department="区卫健局", reason="r"
        ),
        ProblemStatus.SENT_TO_JUDICIARY: lambda: services.problem_send_to_judiciary(
            problem=problem, user=personas.street, reason="r"
        ),
        ProblemStatus.OPEN: None,
    }[target]
    if action is None:
        assert not allowed  # nothing moves back to open
        return
    if allowed:
        assert action().status == target
    else:
        with pytest.raises(DomainError):
            action()
        problem.refresh_from_db()
        assert problem.status == start


def test_terminal_states_are_final():
    assert moves(ProblemStatus.CLOSED) == set()
    assert moves(ProblemStatus.TRANSFERRED) == set()
    assert moves(ProblemStatus.SENT_TO_JUDICIARY) == set()
    assert moves(ProblemStatus.OPEN) == {
        ProblemStatus.RECTIFYING,
        ProblemStatus.TRANSFERRED,
        ProblemStatus.SENT_TO_JUDICIARY,
    }
    assert moves(ProblemStatus.RECTIFIED) == {ProblemStatus.CLOSED, ProblemStatus.RECTIFYING}


def test_verify_is_not_for_community_staff(personas, org):
    inst = InstitutionFactory(community=org.community_a)
    problem = ProblemFactory(institution=inst, status=ProblemStatus.RECTIFIED)
    with pytest.raises(PermissionDenied):
        services.problem_verify(problem=problem, user=personas.community_a, reason="ok")


def test_transfer_and_judiciary_need_reasons(personas):
    problem = raise_problem(personas.street)
    with pytest.raises(DomainError):
        services.problem_transfer(problem=problem, user=personas.street, department="", reason="x")
    with pytest.raises(DomainError):
        services.problem_send_to_judiciary(problem=problem, user=personas.street, reason="")
    sent = services.problem_send_to_judiciary(problem=problem, user=personas.street, reason="涉嫌非法吸收公众存款")
    assert sent.status == ProblemStatus.SENT_TO_JUDICIARY
    assert AuditEntry.objects.filter(object_pk=str(problem.pk), reason="涉嫌非法吸收公众存款").count() >= 1


def test_measures_cannot_be_added_to_a_finished_problem(personas):
    problem = ProblemFactory(status=ProblemStatus.CLOSED, closed_at=timezone.now())
    with pytest.raises(DomainError):
        services.measure_add(
            problem=problem, user=personas.street, spec=MeasureSpec(MeasureKind.RISK_WARNING, deadline())
        )


def test_problem_status_change_is_audited_with_actor(personas):
    problem = raise_problem(personas.street)
    services.problem_start(problem=problem, user=personas.liaison, reason="已约谈负责人")
    entry = AuditEntry.objects.filter(object_pk=str(problem.pk), reason="开始整改：已约谈负责人").get()
    assert entry.actor == personas.liaison
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.RECTIFYING


# --- send to the judiciary: a lead for the crackdown group, linked both ways ------------------


def test_send_to_judiciary_creates_a_linked_lead_referred_to_the_crackdown_group(personas, org):
    from leads.choices import LeadSource, LeadStatus
    from leads.models import Lead

    inst = InstitutionFactory(name="金秋养老投资公司", credit_code="91350100M000100Y43", community=org.community_a)
    problem = raise_problem(personas.street, inst=inst)
    sent = services.problem_send_to_judiciary(problem=problem, user=personas.street, reason="以高额回报吸收老人资金")
    lead = Lead.objects.get(pk=sent.lead_id)
    assert Problem.objects.get(pk=problem.pk).lead_id == lead.pk
    assert lead.institution == inst and list(inst.leads.all()) == [lead]
    assert lead.source == LeadSource.MEMBER_UNIT and lead.subject_credit_code == "91350100M000100Y43"
    assert "以高额回报吸收老人资金" in lead.description
    assert lead.status == LeadStatus.REFERRED and lead.assigned_unit == org.units[UnitCode.GROUP_CRACKDOWN]


def test_a_unit_sending_to_judiciary_leaves_the_referral_to_the_street_office(personas, org):
    from leads.choices import LeadStatus
    from leads.models import Lead

    problem = raise_problem(personas.liaison)
    sent = services.problem_send_to_judiciary(problem=problem, user=personas.liaison, reason="涉嫌诈骗")
    lead = Lead.objects.get(pk=sent.lead_id)
    assert lead.status == LeadStatus.REGISTERED and lead.institution == problem.institution


def test_institution_page_lists_the_leads_naming_it(client_for, personas):
    from django.urls import reverse

    problem = raise_problem(personas.street)
    services.problem_send_to_judiciary(problem=problem, user=personas.street, reason="涉嫌非法集资")
    page = client_for(personas.street).get(reverse("rectification:institution_detail", args=[problem.institution_id]))
    assert len(page.context["related_leads"]) == 1
    assert 'data-testid="institution-leads"' in page.content.decode()


def test_the_owner_unit_works_its_problem_but_does_not_verify_it(personas, org):
    inst = InstitutionFactory(sector=Sector.ELDERLY_LAND, supervising_unit=org.units[UnitCode.LAND_OFFICE])
    problem = raise_problem(personas.street, inst=inst)
    Problem.objects.filter(pk=problem.pk).update(owner_unit=org.units[UnitCode.MARKET_REGULATION])
    problem.refresh_from_db()
    problem = services.problem_start(problem=problem, user=personas.liaison)
    services.measure_complete(measure=problem.measures.get(), user=personas.liaison, result="已落实")
    problem = services.problem_report_rectified(problem=problem, user=personas.liaison, reason="已整改")
    with pytest.raises(PermissionDenied):
        services.problem_verify(problem=problem, user=personas.liaison, reason="自查")
    other = ProblemFactory(institution=inst)
    with pytest.raises(PermissionDenied):
        services.problem_start(problem=other, user=personas.liaison)
