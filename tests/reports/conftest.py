import datetime

import pytest


@pytest.fixture
def campaign(org):
    """A current campaign of 2026 (the plan's 2022 one is made inactive), report day the 20th."""
    from organization.choices import PhaseKind
    from organization.models import Campaign, Phase

    Campaign.objects.update(is_active=False)
    campaign = Campaign.objects.create(
        name="2026护老专项行动",
        start_date=datetime.date(2026, 6, 1),
        end_date=datetime.date(2026, 12, 31),
        report_day=20,
        is_active=True,
    )
    Phase.objects.create(
        campaign=campaign,
        kind=PhaseKind.MOBILISATION,
        name="宣传发动",
        order=1,
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        runs_throughout=True,
    )
    Phase.objects.create(
        campaign=campaign,
        kind=PhaseKind.SUMMARY,
        name="总结提升",
        order=3,
        start_date=datetime.date(2026, 12, 1),
        end_date=datetime.date(2026, 12, 20),
    )
    return campaign


@pytest.fixture
def recipients(settings):
    settings.REPORTS_RECIPIENTS = ["office@example.invalid", "city@example.invalid"]
    return settings.REPORTS_RECIPIENTS


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def freeze(monkeypatch):
    """``freeze("2026-12-20 18:00")`` sets the clock (``timezone.now`` and so ``localdate``) to
    that local time (Asia/Shanghai) for the rest of the test. Returns the aware datetime."""
    from django.utils import timezone

    def set_clock(text: str) -> datetime.datetime:
        at = timezone.make_aware(datetime.datetime.fromisoformat(text))
        monkeypatch.setattr(timezone, "now", lambda: at)
        return at

    return set_clock
