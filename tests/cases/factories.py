"""Factories for cases. ``CaseFactory`` writes rows directly (a case at its first step, with the
step row); tests of the rules go through ``cases.services``."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from cases.choices import CaseKind, FraudType, LedgerKind, first_step
from cases.models import Case, CaseStep, LedgerEntry
from organization.choices import UnitCode
from organization.models import Unit


def police_unit() -> Unit:
    return Unit.objects.get(code=UnitCode.POLICE)


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"以养老为名诈骗案{n}")
    kind = CaseKind.CRIMINAL
    step = factory.LazyAttribute(lambda c: first_step(c.kind))
    step_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=60))
    opened_on = factory.LazyAttribute(lambda c: c.step_date)
    fraud_type = FraudType.PRODUCT
    handling_unit = factory.LazyFunction(police_unit)
    suspects = 3
    detained = 2
    victims = 10
    elderly_victims = 8
    amount_involved = Decimal("100000.00")

    @factory.post_generation
    def first_step_row(obj, create, extracted, **kwargs):
        if create:
            CaseStep.objects.create(case=obj, step=obj.step, date=obj.step_date)


class LedgerEntryFactory(DjangoModelFactory):
    class Meta:
        model = LedgerEntry

    case = factory.SubFactory(CaseFactory)
    kind = LedgerKind.FROZEN
    date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=10))
    amount = Decimal("1000.00")
