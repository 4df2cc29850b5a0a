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

        from django.db.models.signals import post_save

        from organization.models import Unit

        post_save.connect(_unit_created, sender=Unit, dispatch_uid="rectification.unit_sectors")


def _seed_sectors(sender, **kwargs) -> None:
    from .services import sectors_seed_defaults

    sectors_seed_defaults()


def _unit_created(sender, instance, created: bool = False, raw: bool = False, update_fields=None, **kwargs) -> None:
    """A unit of a street given a code of the plan's sector table (created with it, or told on
    the unit form what it is in the plan: a street added by the city and its units,
    ``seed_demo --city``): its street's defaults for the sectors it has no row of yet (issue 19:
    each street its own table)."""
    if raw or instance.jurisdiction_id is None or not instance.code:
        return
    if not created and update_fields is not None and "code" not in update_fields:
        return
    from .services import sector_default_codes, sectors_seed_defaults

    if instance.code in sector_default_codes():
        sectors_seed_defaults(street=instance.jurisdiction_id)
