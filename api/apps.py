from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("对外接口")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models, rules  # noqa: F401  # api.token_issue / api.token_revoke

        auditlog.register(models.ApiToken, exclude_fields=["secret_hash", "last_used_at"])
        auditlog.register(models.Peer, exclude_fields=["secret"])  # the peer's token: never in the trail
        auditlog.register(models.Transfer, exclude_fields=["attempts"])
        auditlog.register(models.Arrival, exclude_fields=["report_attempts"])

        from leads.signals import lead_finally_closed

        from .federation import on_final_closure

        lead_finally_closed.connect(on_final_closure, dispatch_uid="api.report_closure_up")

        from leads.views import DETAIL_EXTRAS

        from .lead_page import lead_panel

        if lead_panel not in DETAIL_EXTRAS:
            DETAIL_EXTRAS.append(lead_panel)
