import random

import pytest
from django.db import connection

from leads import demo
from leads.choices import LeadStatus, Outcome
from leads.models import Lead
from organization import demo as org_demo

pytestmark = pytest.mark.django_db


def test_demo_seed_in_bulk_covers_every_status_and_outcome(django_assert_max_num_queries):
    ctx, _new = org_demo.seed(rng=random.Random(1), scale={"leads": 3000})
    # a handful of queries per 2,000-row batch, whatever the number of leads (SQLite splits inserts further)
    limit = 40 if connection.vendor == "postgresql" else 400
    with django_assert_max_num_queries(limit):
        demo.seed(ctx)
    assert Lead.objects.count() == 3000 == ctx.counts["leads"]
    assert set(Lead.objects.values_list("status", flat=True).distinct()) == set(LeadStatus.values)
    outcomes = set(Lead.objects.exclude(outcome="").values_list("outcome", flat=True).distinct())
    assert outcomes == set(Outcome.values)
    assert Lead.objects.filter(is_major=True).exists()
    assert Lead.objects.filter(merged_into__isnull=False).exists()
    assert Lead.objects.exclude(assigned_unit=None).exists()
    assert len({d.month for d in Lead.objects.values_list("received_on", flat=True)}) >= 4
    informant = Lead.objects.filter(is_anonymous=False).first()
    assert informant.informant_phone.startswith("139")
