from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("对外接口")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models, rules  # noqa: F401  # api.token_issue / api.token_revoke

        auditlog.register(models.ApiToken, exclude_fields=["secret_hash", "last_used_at"])
