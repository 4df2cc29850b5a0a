"""Factories for the organisation; each app adds its own in tests/<app>/factories.py."""

import datetime
import io

import factory
import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory

from organization.choices import PhaseKind, Role, UnitKind
from organization.models import Campaign, Phase, Unit, User


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"单位{n}")
    kind = UnitKind.MEMBER_UNIT


class CommunityFactory(UnitFactory):
    name = factory.Sequence(lambda n: f"测试社区{n}")
    kind = UnitKind.COMMUNITY


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    unit = factory.SubFactory(UnitFactory)
    role = Role.UNIT_LIAISON
    password = factory.django.Password("pw-for-tests-123")


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"专项行动{n}")
    start_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=90))
    end_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=90))


class PhaseFactory(DjangoModelFactory):
    class Meta:
        model = Phase

    campaign = factory.SubFactory(CampaignFactory)
    kind = PhaseKind.CRACKDOWN
    name = "打击整治"
    start_date = factory.LazyAttribute(lambda p: p.campaign.start_date + datetime.timedelta(days=10))
    end_date = factory.LazyAttribute(lambda p: p.campaign.end_date - datetime.timedelta(days=30))


def xlsx_upload(header: list, rows: list, name: str = "list.xlsx") -> SimpleUploadedFile:
    """An uploaded .xlsx with a header row and the given rows (for import tests)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())
