from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("线索")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(
            models.Lead,
            exclude_fields=[
                *models.INFORMANT_FIELDS,
                "receipt_index",
                "receipt_hash",
                "subject_phone_hash",
                "updated_at",
                "version",
            ],
            m2m_fields={"related"},
        )
        auditlog.register(models.SourceDeadline)
        auditlog.register(models.LeadSupplement)

        # When the street office enters a year's holiday arrangement, estimated deadlines move.
        from core.workdays import on_arrangement_entered

        from .services import deadlines_recompute

        on_arrangement_entered("leads", deadlines_recompute)
