import importlib
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from organization import demo

# The apps whose ``demo.seed(ctx)`` adds demo rows, in dependency order.
DEMO_APPS = ["leads", "cases", "rectification", "publicity", "reports"]


class Command(BaseCommand):
    help = "生成演示数据（社区、各角色用户及各模块数据）。Create demo data; scale options for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=None, help="number of leads (default 300)")
        parser.add_argument("--institutions", type=int, default=None, help="number of institutions (default 120)")
        parser.add_argument("--cases", type=int, default=None, help="number of cases (default 40)")
        parser.add_argument("--activities", type=int, default=None, help="number of publicity activities (default 150)")
        parser.add_argument("--seed", type=int, default=20220530, help="random seed")
        parser.add_argument("--again", action="store_true", help="add the apps' demo rows even if demo data exists")
        parser.add_argument("--city", action="store_true", help="also a demo city over three street offices (issue 19)")

    def handle(self, *args, **options):
        scale = {
            "leads": options["leads"] if options["leads"] is not None else 300,
            "institutions": options["institutions"] if options["institutions"] is not None else 120,
            "cases": options["cases"] if options["cases"] is not None else 40,
            "activities": options["activities"] if options["activities"] is not None else 150,
        }
        explicit = any(options[k] is not None for k in scale) or options["again"]
        rng = random.Random(options["seed"])
        started = time.monotonic()
        with transaction.atomic():
            ctx, new = demo.seed(rng=rng, scale=scale)
        if not (new or explicit):
            self.stdout.write("demo data already present; pass --again or a scale option to add more")
            if options["city"]:
                self._city()
            return
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            app_started = time.monotonic()
            module.seed(ctx)
            self.stdout.write(f"{app}: {time.monotonic() - app_started:.1f}s")
        if connection.vendor == "postgresql":
            # Bulk inserts leave the planner's statistics empty and the visibility map unset until
            # autovacuum gets round to them (or never, where it is off): refresh both now, so the
            # first pages after a large seed use the indexes and count with index-only scans.
            # VACUUM cannot run in a transaction (a test's), ANALYZE can.
            analyze_started = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
            self.stdout.write(f"vacuum/analyze: {time.monotonic() - analyze_started:.1f}s")
        if options["city"]:
            self._city()
        summary = ", ".join(f"{k}={v}" for k, v in ctx.counts.items())
        self.stdout.write(self.style.SUCCESS(f"demo data ready in {time.monotonic() - started:.1f}s {summary}"))

    def _city(self):
        from organization.demo_city import seed_city

        counts = seed_city()
        self.stdout.write("city: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
