import datetime

import pytest
from django.utils import timezone

from core.models import OutboundEmail
from organization.choices import UnitCode
from rectification import tasks
from rectification.choices import ProblemStatus, RiskGrade
from rectification.services import rectification_send_digests

from .factories import InstitutionFactory, MeasureFactory, ProblemFactory

pytestmark = pytest.mark.django_db


def test_daily_digest_per_unit_is_sent_once(org, personas):
    market = org.units[UnitCode.MARKET_REGULATION]
    market.liaison = personas.liaison
    market.save()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    InstitutionFactory(name="超期未检机构", risk_grade=RiskGrade.RED, next_inspection_due=yesterday)
    InstitutionFactory(name="未超期机构", risk_grade=RiskGrade.RED, next_inspection_due=timezone.localdate())
    problem = ProblemFactory(status=ProblemStatus.RECTIFYING)
    MeasureFactory(problem=problem, deadline=yesterday)
    closed = ProblemFactory(status=ProblemStatus.CLOSED, closed_at=timezone.now())
    MeasureFactory(problem=closed, deadline=yesterday)

    assert tasks.daily_digests.delay().get() == 1
    mail = OutboundEmail.objects.get()
    assert mail.to == [personas.liaison.email]
    assert "超期未检机构" in mail.body_text and "未超期机构" not in mail.body_text
    assert "责令整改" in mail.body_text
    assert rectification_send_digests() == 1 and OutboundEmail.objects.count() == 1  # same day: no second mail
