from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from reports import services
from reports.selectors import parse_month


class Command(BaseCommand):
    help = "生成（并发送）某月的街道月报。Compile and e-mail the monthly report of a month, exactly once."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--regenerate", action="store_true", help="generate a new version and e-mail it again")

    def handle(self, *args, **options):
        try:
            month = parse_month(options["month"])
        except ValueError:
            raise CommandError("--month must be YYYY-MM")
        try:
            report = services.report_generate(month=month, regenerate=options["regenerate"])
        except DomainError as exc:
            raise CommandError(str(exc))
        mail = report.email
        self.stdout.write(
            f"report {report.pk} {report.month:%Y-%m} v{report.version}: {report.status}"
            f"; file {report.file.name or '-'}; e-mail {mail.status if mail else 'none (no recipients)'}"
        )
