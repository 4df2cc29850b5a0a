import random

from organization import demo as org_demo
from reports import demo
from reports.models import UnitSubmission


def test_demo_seeds_past_months_submissions(db):
    ctx, _new = org_demo.seed(rng=random.Random(7), scale={"leads": 0, "institutions": 0, "cases": 0, "activities": 0})
    demo.seed(ctx)
    assert ctx.counts["submissions"] == UnitSubmission.objects.count() > 0
    assert UnitSubmission.objects.filter(late=True).exists()
    assert all(s.month < ctx.today for s in UnitSubmission.objects.all())


def test_demo_gives_the_monthly_report_someone_to_go_to(db):
    """Under `make run` a generated report is mailed (to the local sink) and shows as sent."""
    from reports.services import recipients

    ctx, _new = org_demo.seed(rng=random.Random(7), scale={"leads": 0, "institutions": 0, "cases": 0, "activities": 0})
    demo.seed(ctx)
    demo.seed(ctx)  # seeding again adds no second copy
    assert len(recipients()) == 2
