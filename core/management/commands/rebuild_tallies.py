"""Recount ``core.Tally`` from the rows (after a restore, or to check the triggers' counts)."""

from django.core.management.base import BaseCommand

from core import tally


class Command(BaseCommand):
    help = "Recount the tallies (core.Tally) from the counted rows."

    def add_arguments(self, parser):
        parser.add_argument("subjects", nargs="*", help="only these subjects (default: all)")

    def handle(self, *args, **options):
        done = tally.rebuild(options["subjects"] or None)
        for subject, rows in done.items():
            self.stdout.write(f"{subject}: {rows} tally rows")
