"""The demo seed: every kind, steps with dates, ledger entries with reversals, in few queries."""

import random

from cases import demo
from cases.choices import STEPS
from cases.models import Case, CaseStep, LedgerEntry, PublicOpinionPlan
from cases.selectors import figures
from organization.demo import seed as seed_organization


def test_seed_creates_cases_across_kinds_and_steps(db):
    ctx, _new = seed_organization(rng=random.Random(7), scale={"cases": 300})
    demo.seed(ctx)
    assert Case.objects.count() == 300 == ctx.counts["cases"]
    assert set(Case.objects.values_list("kind", flat=True)) == set(STEPS)
    assert len(set(Case.objects.values_list("step", flat=True))) >= 6
    # each case has exactly the steps up to its current one, in order
    for case in Case.objects.prefetch_related("steps")[:50]:
        reached = [s.step for s in sorted(case.steps.all(), key=lambda s: s.date)]
        assert reached == list(STEPS[case.kind][: len(reached)]) and reached[-1] == case.step
    assert CaseStep.objects.count() == ctx.counts["case_steps"]
    assert LedgerEntry.objects.filter(reverses__isnull=False).exists()
    assert PublicOpinionPlan.objects.count() == Case.objects.filter(is_major=True).count()
    for case in Case.objects.all():
        case.full_clean()  # contingency plans where required, counts within bounds
    assert figures(start=None, end=None)["cases"] == 300
