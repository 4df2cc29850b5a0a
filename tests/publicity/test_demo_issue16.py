"""seed_demo shows what issue 16 (items 9–13) added: the sector table and an override, red
institutions still without a plan, typical cases cleared for publicity, a ledger where nothing
returned exceeds what was recovered, and a public-opinion log with statuses, follow-ups and
escalations."""

import random

import pytest
from django.db.models import Q

pytestmark = pytest.mark.django_db


def test_the_demo_data_shows_the_new_things():
    from cases import demo as cases_demo
    from cases.choices import LedgerKind
    from cases.models import Case
    from organization import demo as org_demo
    from publicity import demo as publicity_demo
    from publicity.choices import OpinionStatus
    from publicity.models import OpinionEntry, OpinionFollowUp
    from rectification import demo as rect_demo
    from rectification.models import Institution, SectorSupervisor

    ctx, _new = org_demo.seed(rng=random.Random(16), scale={"institutions": 300, "cases": 80})
    rect_demo.seed(ctx)
    cases_demo.seed(ctx)
    publicity_demo.seed(ctx)

    assert SectorSupervisor.objects.filter(is_lead=True).count() == 10
    assert Institution.objects.exclude(supervisor_override_reason="").exists()
    assert Institution.objects.needs_contingency_plan().exists()
    assert not Institution.objects.filter(match_key="").exists()
    cleared = Case.objects.cleared_for_publicity()
    assert cleared.exists() and not cleared.filter(publicity_summary="").exists()
    for case in Case.objects.with_totals():
        assert case.returned_total <= case.recovered_total, case
    assert {LedgerKind.RETURNED} & set(Case.objects.values_list("ledger__kind", flat=True))
    assert set(OpinionEntry.objects.values_list("status", flat=True)) >= {OpinionStatus.NEW, OpinionStatus.RESOLVED}
    assert OpinionFollowUp.objects.exists()
    escalated = OpinionEntry.objects.filter(escalated_at__isnull=False)
    assert escalated.exists() and not escalated.filter(~Q(risk_level__in=["high", "major"])).exists()
