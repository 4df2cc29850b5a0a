import contextlib
import importlib
import os
import random
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from core import tally
from organization import demo

# The apps whose ``demo.seed(ctx)`` adds demo rows, in dependency order.
DEMO_APPS = ["leads", "cases", "rectification", "publicity", "reports"]

#: The default small demo (``make run``, the tests) and, per lead, what a larger ``--leads``
#: brings with it when the other sizes are not given (per 100,000 leads: 20,000 institutions,
#: 10,000 cases, 20,000 activities; never fewer than the small demo's).
DEFAULTS = {"leads": 300, "institutions": 120, "cases": 40, "activities": 150}
PER_LEAD = {"institutions": 0.2, "cases": 0.1, "activities": 0.2}

#: From this many leads, on PostgreSQL, the secondary indexes of the bulk-loaded tables that are
#: still empty are dropped before the load and built again after it (much faster than keeping
#: them up to date row by row). Unique indexes and primary keys stay.
DEFER_INDEXES_FROM = 50_000
BULK_TABLES = [
    "leads_lead",
    "leads_leadsupplement",
    "core_auditentry",
    "core_attachment",
    "cases_case",
    "cases_casestep",
    "cases_ledgerentry",
    "rectification_institution",
    "rectification_inspection",
    "rectification_gradechange",
    "rectification_problem",
    "rectification_measure",
    "publicity_activity",
]


def scale_for(options: dict) -> dict[str, int]:
    leads = options.get("leads")
    scale = {"leads": leads if leads is not None else DEFAULTS["leads"]}
    for name, share in PER_LEAD.items():
        given = options.get(name)
        if given is not None:
            scale[name] = given
        elif leads is not None:
            scale[name] = max(DEFAULTS[name], round(leads * share))
        else:
            scale[name] = DEFAULTS[name]
    return scale


@contextlib.contextmanager
def defer_indexes(out):
    """Drop the plain (non-unique) indexes of the empty bulk tables, and build them again at the
    end, whatever happens in between."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    saved: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        for table in BULK_TABLES:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
            if cursor.fetchone()[0]:
                continue
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                saved.append((name, definition))
    try:
        yield
    finally:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem TO '256MB'")
            for _name, definition in saved:
                cursor.execute(definition)
        out.write(f"indexes: {len(saved)} rebuilt in {time.monotonic() - started:.1f}s")


def _cpu_note() -> str:
    """CPU time of this process and of its PostgreSQL backend (when the server is on this machine):
    on a shared machine the wall-clock time says more about the neighbours than about the seed."""
    times = os.times()
    note = f"cpu: python {times.user + times.system:.0f}s"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            note += f", postgres backend {(int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK'):.0f}s"
        except (OSError, IndexError, ValueError):
            pass
    return note


class Command(BaseCommand):
    help = "生成演示数据（社区、各角色用户及各模块数据）。Create demo data; scale options for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=None, help="number of leads (default 300)")
        parser.add_argument(
            "--institutions", type=int, default=None, help="number of institutions (default 120, or leads/5)"
        )
        parser.add_argument("--cases", type=int, default=None, help="number of cases (default 40, or leads/10)")
        parser.add_argument(
            "--activities", type=int, default=None, help="number of publicity activities (default 150, or leads/5)"
        )
        parser.add_argument("--seed", type=int, default=20220530, help="random seed")
        parser.add_argument("--again", action="store_true", help="add the apps' demo rows even if demo data exists")
        parser.add_argument("--city", action="store_true", help="also a demo city over three street offices (issue 19)")
        parser.add_argument(
            "--streets", type=int, default=3, help="with --city: the city's streets, 3 to 19 (Jinjiang's 镇街)"
        )

    def handle(self, *args, **options):
        scale = scale_for(options)
        explicit = any(options[k] is not None for k in scale) or options["again"]
        rng = random.Random(options["seed"])
        started = time.monotonic()
        demo.TIMINGS.clear()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # a demo seed need not wait for each commit's flush
                cursor.execute("SET synchronous_commit TO off")
        with transaction.atomic():
            ctx, new = demo.seed(rng=rng, scale=scale)
        if not (new or explicit):
            self.stdout.write("demo data already present; pass --again or a scale option to add more")
            if options["city"]:
                self._city(options["streets"])
            return
        large = scale["leads"] >= DEFER_INDEXES_FROM
        deferred = defer_indexes(self.stdout) if large else contextlib.nullcontext()
        # At scale the counters' triggers are dropped meanwhile and the counts rebuilt once at the
        # end (core.tally.suspended): cheaper than counting every COPY row by row.
        uncounted = tally.suspended() if large else contextlib.nullcontext()
        with deferred, uncounted:
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
            self._city(options["streets"])
        for table, (rows, seconds) in sorted(demo.TIMINGS.items(), key=lambda item: -item[1][1]):
            self.stdout.write(f"  {table}: {int(rows)} rows written in {seconds:.1f}s")
        self.stdout.write(_cpu_note())
        summary = ", ".join(f"{k}={v}" for k, v in ctx.counts.items())
        self.stdout.write(self.style.SUCCESS(f"demo data ready in {time.monotonic() - started:.1f}s {summary}"))

    def _city(self, streets: int = 3):
        from organization.demo_city import seed_city

        counts = seed_city(streets_count=streets)
        self.stdout.write("city: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
