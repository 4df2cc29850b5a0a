from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationConfig(AppConfig):
    name = "organization"
    verbose_name = _("组织与人员")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Unit)
        auditlog.register(models.Jurisdiction)  # the city's streets (issue 19)
        auditlog.register(models.Campaign)
        auditlog.register(models.Phase)
        auditlog.register(models.User, include_fields=["username", "name", "unit", "role", "is_active", "email"])
