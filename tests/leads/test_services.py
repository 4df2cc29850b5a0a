"""The state machine: who may do what, from which status; every move in the audit trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from core import rules
from core.audit import timeline_for
from core.exceptions import DomainError
from core.workdays import WorkCalendar
from leads import rules as lead_rules
from leads import services
from leads.choices import LeadStatus, Outcome, ReviewState
from leads.models import Lead, SourceDeadline
from organization.choices import UnitCode

pytestmark = pytest.mark.django_db

ALL = set(LeadStatus.values)


def test_transition_table_is_explicit():
    t = {name.split(".")[1]: a for name, a in rules.registry().items() if a.area == "leads" and a.target}
    assert t["refer"].sources == {"registered", "returned"} and t["refer"].target == "referred"
    assert t["acknowledge"].sources == {"referred"} and t["acknowledge"].target == "verifying"
    assert t["feedback"].sources == {"verifying", "returned"} and t["feedback"].target == "fed_back"
    assert t["close"].sources == {"registered", "fed_back"} and t["close"].target == "closed"
    assert t["return"].sources == {"fed_back"} and t["return"].target == "returned"
    assert {a: t[a].who for a in t} == {
        "refer": lead_rules.street_office,
        "acknowledge": lead_rules.receiver,
        "feedback": lead_rules.receiver,
        "close": lead_rules.street_office,
        "return": lead_rules.street_office,
        "merge": lead_rules.street_office,
        "reopen": lead_rules.reviewer,
    }


def test_full_life_is_recorded_with_reasons(lead_in, personas, org):
    lead = lead_in("registered")
    lead = services.lead_refer(lead=lead, user=personas.street, unit=org.community_a, reason="属地核查")
    assert lead.status == "referred" and lead.assigned_unit == org.community_a and lead.deadline
    assert lead.community == org.community_a
    lead = services.lead_acknowledge(lead=lead, user=personas.community_a)
    lead = services.lead_feedback(lead=lead, user=personas.community_a, findings="已走访，属实")
    lead = services.lead_close(lead=lead, user=personas.street, outcome=Outcome.CRACKDOWN, reason="移送派出所")
    assert lead.status == "closed" and lead.outcome == "crackdown" and lead.is_final
    reasons = [e.reason for e in timeline_for(lead)]
    assert any("分派" in r and "属地核查" in r for r in reasons)
    assert any("签收" in r for r in reasons)
    assert any("办结" in r and "移送派出所" in r for r in reasons)
    # the cases app finds crackdown referrals by outcome
    assert list(Lead.objects.filter(outcome=Outcome.CRACKDOWN)) == [lead]


@pytest.mark.parametrize(
    "action,allowed",
    [
        ("acknowledge", {"referred"}),
        ("feedback", {"verifying", "returned"}),
        ("refer", {"registered", "returned"}),
        ("close", {"registered", "fed_back"}),
        ("return", {"fed_back"}),
    ],
)
def test_illegal_moves_raise_domain_errors(lead_in, personas, org, action, allowed):
    for status in ["registered", "referred", "verifying", "fed_back", "returned", "closed"]:
        lead = lead_in(status)
        rule = rules.get(f"leads.{action}")
        actor = personas.street if rule.who is lead_rules.street_office else personas.community_a
        call = {
            "acknowledge": lambda lead=lead, actor=actor: services.lead_acknowledge(lead=lead, user=actor),
            "feedback": lambda lead=lead, actor=actor: services.lead_feedback(lead=lead, user=actor, findings="x"),
            "refer": lambda lead=lead, actor=actor: services.lead_refer(lead=lead, user=actor, unit=org.community_a),
            "close": lambda lead=lead, actor=actor: services.lead_close(lead=lead, user=actor, outcome="partly"),
            "return": lambda lead=lead, actor=actor: services.lead_return(lead=lead, user=actor, reason="x"),
        }[action]
        if status in allowed:
            assert call().status == rule.target
        elif status == "registered" and action in ("acknowledge", "feedback"):
            with pytest.raises(PermissionDenied):  # nobody is the receiver yet
                call()
        else:
            with pytest.raises(DomainError):
                call()


def test_who_may_act(lead_in, personas, org):
    lead = lead_in("referred", unit=org.community_a)
    for user in (personas.community_b, personas.leader, personas.liaison, personas.crackdown):
        with pytest.raises(PermissionDenied):
            services.lead_acknowledge(lead=lead, user=user)
    for user in (personas.community_a, personas.leader, personas.liaison):
        with pytest.raises(PermissionDenied):
            services.lead_refer(lead=lead_in("registered"), user=user, unit=org.community_b)
    lead = services.lead_acknowledge(lead=lead, user=personas.community_a)
    lead = services.lead_feedback(lead=lead, user=personas.community_a, findings="x")
    with pytest.raises(PermissionDenied):
        services.lead_close(lead=lead, user=personas.community_a, outcome="partly")


def test_host_unit_works_in_its_group(lead_in, personas, org):
    lead = lead_in("referred", unit=org.units[UnitCode.GROUP_CRACKDOWN])
    assert services.lead_acknowledge(lead=lead, user=personas.crackdown).status == "verifying"


def test_deadline_counts_chinese_working_days(lead_in, personas, org):
    SourceDeadline.objects.create(source="public", workdays=5)
    lead = services.lead_refer(lead=lead_in("registered"), user=personas.street, unit=org.community_a)
    today = datetime.date.today()
    assert lead.deadline == WorkCalendar().add_workdays(today, 5)


def test_higher_office_deadline_wins_when_earlier(personas, org):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    lead, _ = services.lead_create(
        user=personas.street,
        data={
            "source": "higher",
            "summary": "转办",
            "higher_reference": "晋专办〔2026〕1号",
            "higher_deadline": tomorrow,
        },
    )
    lead = services.lead_refer(lead=lead, user=personas.street, unit=org.community_a)
    assert lead.deadline == tomorrow


def test_intake_rules(personas):
    with pytest.raises(DomainError):
        services.lead_create(user=personas.street, data={"source": "higher", "summary": "x"})
    with pytest.raises(DomainError):
        services.lead_create(user=personas.street, data={"source": "review", "summary": "x"})
    with pytest.raises(DomainError):
        services.lead_create(
            user=personas.community_a, data={"source": "higher", "summary": "x", "higher_reference": "1"}
        )
    with pytest.raises(PermissionDenied):
        services.lead_create(user=personas.leader, data={"source": "public", "summary": "x"})
    lead, code = services.lead_create(
        user=personas.community_a, data={"source": "community", "summary": "x", "is_major": True}, issue_receipt=True
    )
    assert lead.community_id == personas.community_a.unit_id and lead.filed_by_unit_id == lead.community_id
    assert lead.is_major  # a community's 重大 tick is kept (issue 16.5); the street office names the supervisor
    assert services.receipt_lookup(code) == lead
    review, _ = services.lead_create(
        user=personas.liaison, data={"source": "review", "summary": "民事纠纷梳理", "original_case_kind": "civil"}
    )
    assert review.number != lead.number and review.number.startswith("XS")


def test_close_outcomes_need_their_details(lead_in, personas):
    lead = lead_in("fed_back")
    with pytest.raises(DomainError):
        services.lead_close(lead=lead, user=personas.street, outcome=Outcome.RECTIFICATION)
    with pytest.raises(DomainError):
        services.lead_close(lead=lead, user=personas.street, outcome=Outcome.TRANSFERRED)
    with pytest.raises(DomainError):
        services.lead_close(lead=lead, user=personas.street, outcome=Outcome.DUPLICATE)
    lead = services.lead_close(
        lead=lead,
        user=personas.street,
        outcome=Outcome.RECTIFICATION,
        institution_name="某某养老院",
        institution_credit_code="91350582ma2xxxxx1x",
    )
    assert lead.institution_credit_code == "91350582MA2XXXXX1X"


def test_return_needs_a_reason_and_receiver_feeds_back_again(lead_in, personas):
    lead = lead_in("fed_back")
    with pytest.raises(DomainError):
        services.lead_return(lead=lead, user=personas.street, reason=" ")
    lead = services.lead_return(lead=lead, user=personas.street, reason="缺少走访记录")
    assert lead.status == "returned"
    lead = services.lead_feedback(lead=lead, user=personas.community_a, findings="补充走访记录")
    assert lead.status == "fed_back"


def test_extension_request_and_decision(lead_in, personas):
    lead = lead_in("verifying")
    until = lead.deadline + datetime.timedelta(days=10)
    with pytest.raises(PermissionDenied):
        services.lead_request_extension(lead=lead, user=personas.community_b, until=until, reason="x")
    with pytest.raises(DomainError):
        services.lead_request_extension(lead=lead, user=personas.community_a, until=lead.deadline, reason="x")
    lead = services.lead_request_extension(lead=lead, user=personas.community_a, until=until, reason="需调取银行流水")
    with pytest.raises(PermissionDenied):
        services.lead_decide_extension(lead=lead, user=personas.community_a, approve=True)
    lead = services.lead_decide_extension(lead=lead, user=personas.street, approve=True)
    assert lead.deadline == until and lead.extension_state == "approved"
    lead = services.lead_request_extension(
        lead=lead, user=personas.community_a, until=until + datetime.timedelta(days=5), reason="再延"
    )
    lead = services.lead_decide_extension(lead=lead, user=personas.street, approve=False, reason="不同意")
    assert lead.deadline == until and lead.extension_state == "refused"


def test_second_review_of_unfounded_major_lead(lead_in, personas):
    from tests.factories import UserFactory

    reviewer = UserFactory(username="reviewer", unit=personas.street.unit, role="street_office")
    lead = lead_in("fed_back")
    services.lead_supervise(lead=lead, user=personas.street, is_major=True, supervisor=personas.street)
    lead = services.lead_close(lead=lead, user=personas.street, outcome=Outcome.UNFOUNDED, reviewer=reviewer)
    assert lead.status == "closed" and lead.review_state == ReviewState.PENDING and not lead.is_final
    assert lead.public_status == "verifying"
    with pytest.raises(PermissionDenied):  # the one who closed it does not review it
        services.lead_review_confirm(lead=lead, user=personas.street)
    other = UserFactory(username="other", unit=personas.street.unit, role="street_office")
    with pytest.raises(PermissionDenied):  # nor does anyone but the named reviewer
        services.lead_review_confirm(lead=lead, user=other)
    lead = services.lead_reopen(lead=lead, user=reviewer, reason="走访对象不全")
    assert lead.status == "returned" and lead.outcome == "" and lead.review_state == ReviewState.REOPENED
    lead = services.lead_feedback(lead=lead, user=personas.community_a, findings="再次核查，仍不属实")
    lead = services.lead_close(lead=lead, user=personas.street, outcome=Outcome.UNFOUNDED, reviewer=reviewer)
    lead = services.lead_review_confirm(lead=lead, user=reviewer)
    assert lead.review_state == ReviewState.CONFIRMED and lead.is_final


def test_random_share_of_unfounded_goes_to_review(lead_in, personas, settings):
    settings.LEADS_SECOND_REVIEW_SHARE = 1.0
    lead = services.lead_close(lead=lead_in("fed_back"), user=personas.street, outcome=Outcome.UNFOUNDED)
    assert lead.review_state == ReviewState.PENDING
    settings.LEADS_SECOND_REVIEW_SHARE = 0.0
    lead = services.lead_close(lead=lead_in("fed_back"), user=personas.street, outcome=Outcome.UNFOUNDED)
    assert lead.review_state == ReviewState.NONE and lead.is_final
    lead = services.lead_close(lead=lead_in("fed_back"), user=personas.street, outcome=Outcome.PARTLY)
    assert lead.review_state == ReviewState.NONE


def test_supervision_needs_a_named_supervisor(lead_in, personas):
    lead = lead_in("referred")
    with pytest.raises(DomainError):
        services.lead_supervise(lead=lead, user=personas.street, is_major=True)
    with pytest.raises(PermissionDenied):
        services.lead_supervise(lead=lead, user=personas.community_a, is_major=True, supervisor=personas.street)
    lead = services.lead_supervise(lead=lead, user=personas.street, is_major=True, supervisor=personas.leader)
    assert lead.is_major and lead.supervisor == personas.leader


def test_report_up_only_final_higher_leads(personas, org):
    lead, _ = services.lead_create(
        user=personas.street, data={"source": "higher", "summary": "转办", "higher_reference": "R-1"}
    )
    with pytest.raises(DomainError):
        services.lead_report_up(lead=lead, user=personas.street)
    lead = services.lead_close(lead=lead, user=personas.street, outcome=Outcome.PARTLY)
    lead = services.lead_report_up(lead=lead, user=personas.street)
    assert lead.reported_up_at
    with pytest.raises(DomainError):
        services.lead_report_up(lead=lead, user=personas.street)


def test_merge_keeps_the_duplicate_and_links(lead_in, personas):
    primary = lead_in("referred")
    dup = lead_in("registered")
    with pytest.raises(DomainError):
        services.lead_merge(lead=dup, into=dup, user=personas.street)
    dup = services.lead_merge(lead=dup, into=primary, user=personas.street)
    assert dup.status == "closed" and dup.outcome == Outcome.DUPLICATE and dup.merged_into == primary
    assert primary in dup.related.all() and dup in primary.related.all()
    with pytest.raises(DomainError):
        services.lead_merge(lead=dup, into=primary, user=personas.street)


def test_related_candidates_by_name_code_phone_person(lead_in, personas):
    from leads.selectors import related_candidates

    a = lead_in("registered", subject_phone="138 0000 1111")
    b = lead_in("registered", subject_credit_code="91350582MA2ABCDE1X")
    c = lead_in("registered", subject_name="福寿康养老服务中心")
    lead_in("registered", subject_name="无关公司")
    assert related_candidates(personas.street, phone="+86 13800001111") == [a]
    assert related_candidates(personas.street, credit_code="91350582ma2abcde1x") == [b]
    assert related_candidates(personas.street, subject_name="福寿康养老服务中心") == [c]
    assert related_candidates(personas.community_b, subject_name="福寿康养老服务中心") == []
    new = lead_in("registered", subject_name="福寿康养老服务中心")
    assert related_candidates(personas.street, lead=new) == [c]
    services.lead_link(lead=new, other=c, user=personas.street)
    assert related_candidates(personas.street, lead=new) == []


def test_receipt_codes(personas):
    lead, code = services.lead_submit_tip(data={"summary": "x", "description": "x", "fraud_type": "other"})
    assert len(code) == 19 and code.count(" ") == 3 and code.replace(" ", "").isdigit()
    # stored as a keyed HMAC (fast, indexable), never the code itself
    assert code.replace(" ", "") not in lead.receipt_hash and lead.receipt_hash.startswith("hmac$")
    assert services.receipt_lookup(code) == lead
    assert services.receipt_lookup(code.replace(" ", "-")) == lead
    assert services.receipt_lookup("0000 0000 0000 0000") is None
    assert services.receipt_lookup("123") is None
    new_code = services.lead_issue_receipt(lead=lead, user=personas.street)
    assert services.receipt_lookup(new_code) == lead and services.receipt_lookup(code) is None


def test_receipt_hash_is_keyed(settings):
    """Without FIELD_HASH_KEY a stored hash does not let anyone test codes offline."""
    digits = "1234567812345678"
    stored = services.receipt_hash(digits)
    assert services.receipt_matches(digits, stored) and not services.receipt_matches("1234567812345679", stored)
    settings.FIELD_HASH_KEY = "another-key"
    assert services.receipt_hash(digits) != stored and not services.receipt_matches(digits, stored)


def test_receipt_codes_issued_with_the_password_hasher_still_work():
    """Codes stored before the HMAC (a Django password hash) are still recognised."""
    from django.contrib.auth.hashers import make_password

    lead, _code = services.lead_submit_tip(data={"summary": "x", "description": "x", "fraud_type": "other"})
    digits = "8765432187654321"
    Lead.objects.filter(pk=lead.pk).update(
        receipt_index=services.receipt_index(digits), receipt_hash=make_password(digits)
    )
    assert services.receipt_lookup("8765 4321 8765 4321") == lead
    assert services.receipt_lookup("8765 4321 8765 4320") is None


def test_rectification_outcome_links_the_registered_institution(lead_in, personas, org):
    from rectification.choices import Sector
    from rectification.models import Institution

    institution = Institution.objects.create(
        name="福寿康养老服务中心",
        credit_code="91350582MA2XXXXX1X",
        sector=Sector.values[0],
        supervising_unit=org.units[UnitCode.SOCIAL_AFFAIRS],
    )
    lead = services.lead_close(
        lead=lead_in("fed_back"),
        user=personas.street,
        outcome=Outcome.RECTIFICATION,
        institution_credit_code="91350582ma2xxxxx1x",
    )
    assert lead.institution == institution and list(institution.leads.all()) == [lead]
    other = services.lead_close(
        lead=lead_in("fed_back"), user=personas.street, outcome=Outcome.RECTIFICATION, institution=institution
    )
    assert other.institution == institution and other.institution_name == "福寿康养老服务中心"


def test_numbers_are_reserved_in_blocks_without_gaps():
    assert services.reserve_numbers(2031, 1) == ["XS2031000001"]
    assert services.reserve_numbers(2031, 3) == ["XS2031000002", "XS2031000003", "XS2031000004"]
    assert services.reserve_numbers(2032, 1) == ["XS2032000001"]
    assert services.reserve_numbers(2031, 1) == ["XS2031000005"]
