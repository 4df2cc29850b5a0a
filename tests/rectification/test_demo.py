import random

import pytest

from rectification import demo
from rectification.choices import ProblemStatus
from rectification.models import ContingencyPlan, GradeChange, Inspection, Institution, Measure, Problem
from rectification.validators import is_valid_credit_code

pytestmark = pytest.mark.django_db


def test_seed_builds_a_consistent_registry(django_assert_max_num_queries):
    from organization import demo as org_demo

    ctx, _new = org_demo.seed(rng=random.Random(7), scale={"institutions": 300})
    with django_assert_max_num_queries(40):  # bulk: independent of the scale
        demo.seed(ctx)
    assert Institution.objects.count() == 300 == ctx.counts["institutions"]
    codes = list(Institution.objects.exclude(credit_code=None).values_list("credit_code", flat=True))
    assert codes and all(is_valid_credit_code(c) for c in codes)
    assert GradeChange.objects.count() >= Institution.objects.filter(risk_grade__gt=0).count()
    assert Inspection.objects.exists() and Problem.objects.exists() and Measure.objects.exists()
    assert Institution.objects.on_control_list().exists()
    assert not Problem.objects.filter(status=ProblemStatus.CLOSED, closed_at=None).exists()
    assert ContingencyPlan.objects.count() == Institution.objects.filter(collapse_risk=True).count()
    # seeding again adds more without clashing codes
    demo.seed(ctx)
    assert Institution.objects.count() == 600
