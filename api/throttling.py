"""Rate limits per token (DRF throttling over the Django cache: Redis when REDIS_URL is set)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class ApiThrottled(exceptions.Throttled):
    default_detail = _("请求过于频繁。")
    extra_detail_singular = _("请在 {wait} 秒后再试。")
    extra_detail_plural = _("请在 {wait} 秒后再试。")


class TokenRateThrottle(SimpleRateThrottle):
    """``API_THROTTLE_RATES`` by the token's kind (office, system), read on each call so that
    settings (and tests) can change them; one counter per token."""

    scope = "api_token"

    def __init__(self) -> None:  # the rate depends on the token: chosen in allow_request
        self.rate = None

    def allow_request(self, request, view) -> bool:
        token = request.auth if isinstance(request.auth, ApiToken) else None
        self.rate = settings.API_THROTTLE_RATES.get(token.kind if token else "office")
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"t{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = f"a{self.get_ident(request)}"
        return f"api:throttle:{ident}"
