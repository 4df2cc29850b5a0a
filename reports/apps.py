from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("报表")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.UnitSubmission, exclude_fields=["figures", "updated_at"])
        auditlog.register(models.MonthlyReport, exclude_fields=["data", "claim_token", "claimed_at"])
        auditlog.register(models.ReportRecipient)
        auditlog.register(models.SummarySubmission, exclude_fields=["updated_at"])
        auditlog.register(models.Supervision, exclude_fields=["updated_at", "version"])
