from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from organization.choices import CampaignStatus
from organization.models import Campaign
from reports import selectors, services
from reports.selectors import parse_month


class Command(BaseCommand):
    help = "生成（并发送）某月的街道月报。Compile and e-mail the monthly report of a month, exactly once."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--regenerate", action="store_true", help="generate a new version and e-mail it again")
        parser.add_argument(
            "--campaign",
            help="the campaign's id or short name (简称) or name; default: the current one "
            "(between campaigns: the one that ended last)",
        )

    def campaign(self, value: str | None) -> Campaign | None:
        if not value:
            return None
        value = value.strip()
        found = Campaign.objects.filter(pk=int(value)) if value.isdecimal() else Campaign.objects.none()
        found = found or Campaign.objects.filter(short_name=value) or Campaign.objects.filter(name=value)
        matches = list(found[:2])
        if len(matches) != 1:
            known = ", ".join(f"{c.pk} {c.short_name or c.name}" for c in Campaign.objects.order_by("-start_date"))
            problem = "is ambiguous" if matches else "matches no campaign"
            raise CommandError(f"--campaign {value!r} {problem} (campaigns: {known or 'none'})")
        campaign = matches[0]
        if campaign.status() == CampaignStatus.UPCOMING:
            raise CommandError(f"campaign {campaign.pk} has not started yet ({campaign.start_date})")
        return campaign

    def handle(self, *args, **options):
        try:
            month = parse_month(options["month"])
        except ValueError:
            raise CommandError("--month must be YYYY-MM")
        campaign = self.campaign(options.get("campaign"))
        # in a city (issue 19): each street's report, then the city's rolling them up
        for jurisdiction in selectors.report_jurisdictions(campaign):
            try:
                report = services.report_generate(
                    month=month,
                    regenerate=options["regenerate"],
                    campaign=campaign,
                    jurisdiction_id=jurisdiction.pk if jurisdiction else None,
                )
            except DomainError as exc:
                raise CommandError(str(exc))
            mail = report.email
            where = f"{jurisdiction.name} " if jurisdiction else ""
            self.stdout.write(
                f"report {report.pk} {where}{report.campaign.short_name or report.campaign.name} "
                f"{report.month:%Y-%m} v{report.version}: {report.status}"
                f"; file {report.file.name or '-'}; e-mail {mail.status if mail else 'none (no recipients)'}"
            )
