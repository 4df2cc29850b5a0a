import datetime

import factory
from factory.django import DjangoModelFactory

from leads.choices import FraudType, LeadSource
from leads.models import Lead


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    number = factory.Sequence(lambda n: f"XS2099{n:06d}")
    source = LeadSource.PUBLIC
    summary = factory.Sequence(lambda n: f"某机构以养老服务名义收费{n}")
    fraud_type = FraudType.SERVICE
    received_on = factory.LazyFunction(datetime.date.today)
