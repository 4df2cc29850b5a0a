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
        auditlog.register(models.SectorSupervisor)

        from organization.signals import campaign_initialised

        campaign_initialised.connect(_seed_sectors, dispatch_uid="rectification.seed_sectors")


def _seed_sectors(sender, **kwargs) -> None:
    from .services import sectors_seed_defaults

    sectors_seed_defaults()
