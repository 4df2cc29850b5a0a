"""The declarations of leads/rules.py: every write of the area is one, each has its form."""

import pytest

from core import rules
from leads.models import Lead

pytestmark = pytest.mark.django_db

DECLARED = {
    "refer",
    "acknowledge",
    "feedback",
    "close",
    "return",
    "merge",
    "reopen",
    "review_confirm",
    "extension_request",
    "extension_decide",
    "supervise",
    "urge",
    "link",
    "report_up",
    "report_up_many",
    "issue_receipt",
    "reveal",
    "redact",
    "edit",
    "create",
    "import",
    "transfer",  # issue 19: the city office's
    "transfer_import",  # issue 19: the city office's list
}


def test_every_lead_action_is_declared_with_a_form():
    from leads.views import ACTIONS

    leads = {a.verb: a for a in rules.registry().values() if a.area == "leads"}
    assert set(leads) == DECLARED
    assert set(ACTIONS) <= set(leads)
    lead = Lead(pk=1)
    for verb, action in leads.items():
        if verb == "merge":  # through the link form's merge box
            assert action.url is None
            continue
        assert action.url_for(lead if action.model is Lead else None), verb
    assert rules.get("leads.reveal").needs_reason and rules.get("leads.return").needs_reason
    assert rules.get("leads.redact").needs_reason


def test_the_rules_describe_themselves():
    rows = {r.name: r for r in rules.describe() if r.name.startswith("leads.")}
    assert rows["leads.refer"].sources == ["待受理", "退回"] and rows["leads.refer"].target == "已分派"
    assert "线索已办结，不能再审批延期。" in rows["leads.extension_decide"].guards
    assert "线索已办结，不再发放查询码。" in rows["leads.issue_receipt"].guards
