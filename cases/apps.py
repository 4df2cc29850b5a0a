from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("案件")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Case, CaseStep, LedgerEntry, PublicOpinionPlan

        auditlog.register(Case, m2m_fields={"leads"})
        auditlog.register(CaseStep)
        auditlog.register(LedgerEntry)
        auditlog.register(PublicOpinionPlan)
