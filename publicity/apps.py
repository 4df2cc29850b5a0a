from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("宣教")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Activity)
        auditlog.register(models.AwarenessSurvey)
        auditlog.register(models.MediaReport)
        auditlog.register(models.OpinionEntry)
        auditlog.register(models.OpinionFollowUp)
