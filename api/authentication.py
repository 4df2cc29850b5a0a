"""``Authorization: Bearer <token>``: the token's service user is the request's user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import services


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式无效：应为“Authorization: Bearer <令牌>”。"))
        try:
            secret = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销。"))
        token = services.token_for_secret(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销。"))
        unit = token.user.unit
        if unit is not None and not unit.is_active:  # the unit, or its whole street, deactivated
            raise exceptions.AuthenticationFailed(_("令牌所代表的单位已停用。"))
        services.touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema names the bearer token (drf-spectacular)."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "护老接口令牌（由街道专项办签发）"}
