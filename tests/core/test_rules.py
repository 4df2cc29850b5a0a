"""The rule engine (core/rules.py): one answer to "may this user do this to this object now?",
and one path for moving an object: lock, check, change, version, audit, side effects."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from core import rules
from core.audit import timeline_for
from core.concurrency import ConcurrentEditError
from core.exceptions import DomainError
from leads.choices import LeadStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial():
    """Two actions on leads declared for the test only (removed afterwards)."""
    from leads.models import Lead

    declared = [
        rules.Action(
            "trial.refer",
            "试分派",
            model=Lead,
            who=rules.street_office,
            sources={LeadStatus.REGISTERED},
            target=LeadStatus.REFERRED,
            needs_reason=True,
            guards=(rules.Guard(lambda lead: not lead.is_major, "重大线索不能试分派。"),),
        ),
        rules.Action("trial.note", "试备注", model=Lead, who=rules.in_units("承办单位", lambda x: x.assigned_unit_id)),
    ]
    rules.register(*declared)
    yield
    for action in declared:
        rules._registry.pop(action.name)


@pytest.fixture
def lead(personas):
    from leads.models import Lead

    return Lead.objects.create(number="XS-T-1", summary="试验线索", source="visit", received_on="2026-11-30")


def test_check_says_who_state_and_guard_in_chinese(trial, lead, personas):
    assert rules.check(personas.street, "trial.refer", lead)
    refused = rules.check(personas.leader, "trial.refer", lead)
    assert not refused and refused.kind == "who" and "只读" in refused.reason
    refused = rules.check(personas.community_a, "trial.refer", lead)
    assert refused.kind == "who" and "试分派" in refused.reason
    lead.status = LeadStatus.CLOSED
    refused = rules.check(personas.street, "trial.refer", lead)
    assert refused.kind == "state" and "试分派" in refused.reason
    lead.status, lead.is_major = LeadStatus.REGISTERED, True
    assert rules.check(personas.street, "trial.refer", lead).reason == "重大线索不能试分派。"


def test_anonymous_and_inactive_users_may_do_nothing(trial, lead, personas):
    from django.contrib.auth.models import AnonymousUser

    assert not rules.check(AnonymousUser(), "trial.refer", lead)
    personas.street.is_active = False
    assert not rules.check(personas.street, "trial.refer", lead)


def test_require_raises_a_403_for_who_and_a_domain_error_for_the_state(trial, lead, personas):
    with pytest.raises(PermissionDenied):
        rules.require(personas.community_a, "trial.refer", lead)
    lead.status = LeadStatus.CLOSED
    with pytest.raises(DomainError) as exc:
        rules.require(personas.street, "trial.refer", lead)
    assert exc.value.code == "state"


def test_allowed_is_what_the_page_offers(trial, lead, personas):
    lead.assigned_unit = personas.community_a.unit
    assert {"refer", "note"} - rules.allowed(personas.street, lead) == {"note"}
    assert {"refer", "note"} & rules.allowed(personas.community_a, lead) == {"note"}
    assert not {"refer", "note"} & rules.allowed(personas.leader, lead)


def test_an_unknown_action_is_an_error_not_a_yes(personas):
    with pytest.raises(LookupError):
        rules.check(personas.street, "trial.nothing")


def test_transition_moves_versions_and_audits_with_the_reason(
    trial, lead, personas, django_capture_on_commit_callbacks
):
    seen = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moved = rules.transition(
            lead,
            user=personas.street,
            action="trial.refer",
            reason="核查",
            fields={"summary": "改"},
            effects=[seen.append],
        )
    assert len(callbacks) == 1 and seen == [moved]
    lead.refresh_from_db()
    assert (lead.status, lead.summary, lead.version) == (LeadStatus.REFERRED, "改", 2)
    entry = timeline_for(lead)[0]
    assert entry.reason == "试分派：核查"


def test_transition_checks_the_locked_row_not_the_stale_object(trial, lead, personas):
    from leads.models import Lead

    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.REFERRED)  # someone else, meanwhile
    with pytest.raises(DomainError):
        rules.transition(lead, user=personas.street, action="trial.refer", reason="核查")
    assert Lead.objects.get(pk=lead.pk).version == 1


def test_transition_refuses_an_empty_reason_and_a_stale_form(trial, lead, personas):
    with pytest.raises(DomainError) as exc:
        rules.transition(lead, user=personas.street, action="trial.refer", reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(ConcurrentEditError):
        rules.transition(lead, user=personas.street, action="trial.refer", reason="核查", expected_version=7)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REGISTERED


def test_an_action_is_declared_once(trial):
    with pytest.raises(ValueError):
        rules.register(rules.Action("trial.refer", "另一个", model=None, who=rules.writer))


def test_every_area_declares_its_actions():
    """The areas' rules.py are loaded at start-up; each write action has one declaration."""
    areas = {action.area for action in rules.registry().values()}
    assert {"leads", "cases", "rectification", "publicity", "reports"} <= areas
