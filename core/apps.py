from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("系统")

    def ready(self) -> None:
        # Each area declares its actions in <area>/rules.py (core.rules); load them all.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("rules")
        from auditlog.registry import auditlog

        from . import (
            calendar_rules,  # noqa: F401  # the holiday arrangement's action
            checks,  # noqa: F401  # the system check naming a year nobody entered
            mail_rules,  # noqa: F401  # the outbox's actions (core.rules is the engine)
        )
        from .models import CalendarYear

        auditlog.register(CalendarYear)
        autodiscover_modules("jobs")  # each area registers its background jobs (core.jobs)
        from django.db.models.signals import post_migrate, pre_migrate

        from . import tally

        # SQLite: the counters' triggers are set aside while migrations remake tables (core.tally)
        pre_migrate.connect(tally.before_migrate, sender=self, dispatch_uid="tally_before_migrate")
        post_migrate.connect(tally.after_migrate, sender=self, dispatch_uid="tally_after_migrate")
