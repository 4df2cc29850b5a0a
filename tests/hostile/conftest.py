import pytest


@pytest.fixture(autouse=True)
def _hostile_settings(settings, tmp_path):
    """Rate limits and the tip form's minimum time would only hide what the forms do; uploads go
    to a temporary folder."""
    from django.core.cache import cache

    settings.RATELIMIT_ENABLE = False
    settings.LEADS_TIP_MIN_SECONDS = 0
    settings.LEADS_SECOND_REVIEW_SHARE = 0.0
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()
