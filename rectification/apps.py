from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = _("整治")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Institution)
        auditlog.register(models.GradeChange)
        auditlog.register(models.Inspection)
        auditlog.register(models.Problem)
        auditlog.register(models.Measure)
        auditlog.register(models.ContingencyPlan)
        auditlog.register(models.RiskGradeSetting)
