from django.core.management.base import BaseCommand

from organization.services import init_campaign


class Command(BaseCommand):
    help = "载入实施方案的组织架构与工作环节（可重复运行）。Load the plan's units, groups and phases (idempotent)."

    def handle(self, *args, **options):
        result = init_campaign()
        self.stdout.write(
            self.style.SUCCESS(
                f"units: {result.units_created} created, {result.units_updated} already present; "
                f"campaign created: {result.campaign_created}; phases created: {result.phases_created}"
            )
        )
