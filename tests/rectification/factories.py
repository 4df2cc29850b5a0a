"""Factories of the rectification area."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from organization.models import Unit
from rectification.choices import Horizon, InstitutionType, MeasureKind, ProblemCategory, Sector
from rectification.models import Inspection, Institution, Measure, Problem


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试养老机构{n}")
    type = InstitutionType.ELDERLY_HOME
    sector = Sector.FOOD_HEALTH
    address = "新塘街道测试路1号"
    supervising_unit = factory.LazyFunction(lambda: unit("market_regulation"))
    legal_representative = "张三"


class InspectionFactory(DjangoModelFactory):
    class Meta:
        model = Inspection

    institution = factory.SubFactory(InstitutionFactory)
    date = factory.LazyFunction(timezone.localdate)
    unit = factory.LazyAttribute(lambda o: o.institution.supervising_unit)
    inspectors = "李四、王五"
    findings = "现场检查发现夸大宣传保健品功效。"


class ProblemFactory(DjangoModelFactory):
    class Meta:
        model = Problem

    institution = factory.SubFactory(InstitutionFactory)
    description = "夸大宣传保健品功效"
    category = ProblemCategory.FALSE_ADVERT
    horizon = Horizon.IMMEDIATE
    owner_unit = factory.LazyAttribute(lambda o: o.institution.supervising_unit)
    owner_person = "赵六"


class MeasureFactory(DjangoModelFactory):
    class Meta:
        model = Measure

    problem = factory.SubFactory(ProblemFactory)
    kind = MeasureKind.ORDER_RECTIFY
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))
