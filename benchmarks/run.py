#!/usr/bin/env python
"""Hulao's benchmark (``make bench``): latency and SQL queries per page at province scale (issue 18).

For each scale (``--leads N`` or ``--scales 10000,100000,1000000``) a PostgreSQL database
``hulao_bench_<10k|100k|1m>`` filled by ``seed_demo --leads N`` is used (reused when it holds that
many leads; ``--reseed`` regenerates it); before measuring, it is migrated, the tallies are
rebuilt (``rebuild_tallies``, where that command exists) and it is VACUUM ANALYZEd. For each
server set-up (``--servers sync,threaded``: gunicorn with 2 sync workers, the set-up the targets
are about, and 2 workers × 4 threads) the app is served on loopback with HULAO_BENCHMARK=1 and the
dashboard's cache off, and a signed-in street-office user requests every list and detail page of
the URL conf, the dashboard and the monthly report page (warm-up, then ``--requests`` timed
requests: p50/p95, SQL queries from X-Query-Count, ratio to ``/ping/`` measured in the same run);
wrk measures the lead list's and ``/ping/``'s throughput. Once per scale: the monthly report's
generation, the export of every lead through the worker (time, peak RSS, LibreOffice opens the
file), a 5,000-row import, the public tip POST at concurrency 8. With several scales, a growth
table: each page's p50 per scale and the ratio of the largest to 100k. Prints the tables, writes
JSON to benchmarks/results/latest.json.

    make bench                                                 # 100,000 leads, both servers
    make bench ARGS="--leads 1000000"                          # province scale
    make bench ARGS="--servers sync --scales 10000,100000,1000000"
    make bench ARGS="--quick --leads 10000"                    # a smoke run (few requests)
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


@dataclass
class Row:
    name: str
    kind: str = "page"
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    ratio: float | None = None
    errors: int = 0
    note: str = ""
    target: str = ""
    extra: dict = field(default_factory=dict)
    verdict: str = ""
    server: str = ""
    scale: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A tiny cookie-keeping HTTP client (urllib), enough for Django's CSRF and session."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path: str):
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=300) as response:
            body = response.read()
            elapsed = time.perf_counter() - started
            return response.status, dict(response.headers), body, elapsed

    def post(self, path: str, data: dict, files: dict | None = None):
        payload = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=payload, method="POST")
        request.add_header("Referer", self.base + path)
        request.add_header("X-CSRFToken", self.csrf())
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=300) as response:
                body = response.read()
                return response.status, dict(response.headers), body, time.perf_counter() - started
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read(), time.perf_counter() - started

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        status, _h, body, _t = self.post(
            "/accounts/login/", {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf()}
        )
        if b"login-submit" in body:
            raise SystemExit(f"login as {username} failed")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure_page(client: Client, name: str, path: str, warmup: int, n: int) -> Row:
    row = Row(name=name, note=path)
    for _ in range(warmup):
        try:
            client.get(path)
        except urllib.error.HTTPError:
            pass
    times, queries = [], set()
    for _ in range(n):
        try:
            status, headers, _body, elapsed = client.get(path)
        except urllib.error.HTTPError:
            row.errors += 1
            continue
        if status != 200:
            row.errors += 1
        times.append(elapsed * 1000)
        if "X-Query-Count" in headers:
            queries.add(int(headers["X-Query-Count"]))
    if times:
        row.p50_ms, row.p95_ms = round(statistics.median(times), 1), round(percentile(times, 0.95), 1)
    row.queries = max(queries) if queries else None
    if len(queries) > 1:
        row.extra["query_counts_seen"] = sorted(queries)
    return row


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        m = re.search(r"VmRSS:\s+(\d+)", status)
        total = max(total, int(m.group(1)) if m else 0)
    return total


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


SERVERS = {
    # the set-up the targets are about: two processes, one request at a time each
    "sync": ["--workers", "2", "--worker-class", "sync"],
    # the one used before issue 18: two processes of four threads
    "threaded": ["--workers", "2", "--threads", "4"],
}
PAGE_LIMITS = {"list": 3.0, "detail": 3.0, "dashboard": 15.0, "report": 15.0}
GROWTH_LIMIT = 1.2
WRK_LIMIT = 40.0


def scale_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def database_url(args, scale: int) -> str:
    if args.database_url:
        return args.database_url
    return f"{args.database_base.rstrip('/')}/hulao_bench_{scale_label(scale)}"


def django_env(args, url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        HULAO_BENCHMARK="1",
        HULAO_VAR_DIR=str(ROOT / "var" / "bench"),
        # the dashboard recomputed at every request (issue 18: its figures without the cache)
        REPORTS_DASHBOARD_CACHE_SECONDS="0",
        # no Celery worker of anyone else may take the benchmark's jobs (benchmarks/worker.py runs them)
        CELERY_BROKER_URL="filesystem://",
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def manage(env: dict, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "manage.py", *argv], cwd=ROOT, env=env, check=check, capture_output=True, text=True)


def _connect(url: str, dbname: str | None = None):
    import psycopg2

    parsed = urllib.parse.urlparse(url)
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname=dbname or parsed.path.lstrip("/"),
    )
    conn.autocommit = True
    return conn


def lead_count(url: str) -> int:
    conn = _connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('leads_lead') IS NOT NULL")
            if not cur.fetchone()[0]:
                return 0
            cur.execute("SELECT count(*) FROM leads_lead")
            return cur.fetchone()[0]
    finally:
        conn.close()


def ensure_data(args, env, scale: int) -> list[Row]:
    """The database of this scale, seeded if it holds fewer leads (or ``--reseed``), migrated,
    its tallies rebuilt and analysed. Returns the rows that say what was done."""
    url = env["DATABASE_URL"]
    dbname = urllib.parse.urlparse(url).path.lstrip("/")
    conn = _connect(url, "postgres")
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        exists = cur.fetchone() is not None
    present = lead_count(url) if exists else 0
    rows: list[Row] = []
    seed = Row(name=f"seed_demo --leads {scale}", kind="seed", scale=scale, note=dbname)
    if exists and (args.reseed or present < scale):
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
        exists = False
    if not exists:
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{dbname}"')
    conn.close()
    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    rows.append(Row(name="migrate", kind="prepare", scale=scale, p50_ms=round((time.perf_counter() - started) * 1000)))
    if exists:
        manage(env, "seed_demo")  # makes sure the demo users exist; adds nothing else
        seed.note = f"{present} leads already in {dbname} (--reseed regenerates)"
    else:
        started = time.perf_counter()
        out = manage(env, "seed_demo", "--leads", str(scale)).stdout
        seed.p50_ms = round((time.perf_counter() - started) * 1000)
        cpu = next((line for line in out.splitlines() if line.startswith("cpu:")), "")
        seed.note = f"{dbname}, whole seed, one run; {cpu}"
        seed.target = "1M ≤ 15 min"
    rows.append(seed)
    if manage(env, "help", "rebuild_tallies", check=False).returncode == 0:
        started = time.perf_counter()
        manage(env, "rebuild_tallies")
        rows.append(
            Row(
                name="rebuild_tallies",
                kind="prepare",
                scale=scale,
                p50_ms=round((time.perf_counter() - started) * 1000),
            )
        )
    else:
        rows.append(Row(name="rebuild_tallies", kind="prepare", scale=scale, note="no such command here: skipped"))
    started = time.perf_counter()
    conn = _connect(url)
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()
    rows.append(
        Row(name="VACUUM ANALYZE", kind="prepare", scale=scale, p50_ms=round((time.perf_counter() - started) * 1000))
    )
    return rows


def ensure_report(env) -> None:
    """A monthly report (of last month: the current one is official only after its report day),
    so that its page can be measured."""
    manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "import datetime\n"
        "from django.utils import timezone\n"
        "from reports.models import MonthlyReport\n"
        "from reports.services import report_generate\n"
        "m = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)\n"
        "MonthlyReport.objects.exists() or report_generate(month=m)",
    )


def start_gunicorn(env, port, server: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            *SERVERS[server],
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).read()
            return proc
        except Exception:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def run_wrk(base: str, path: str, cookie: str, duration: int) -> dict:
    """``wrk -t2 -c8 -d<duration>s`` with the session cookie: requests per second and non-2xx."""
    wrk = shutil.which("wrk")
    if not wrk:
        return {"error": "wrk is not installed (scripts/setup.sh test installs it)"}
    out = subprocess.run(
        [wrk, "-t2", "-c8", f"-d{duration}s", "--latency", "-H", f"Cookie: sessionid={cookie}", base + path],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    result = {"rps": float(rps.group(1)) if rps else None, "non_2xx": int(bad.group(1)) if bad else 0}
    if p50:
        result["p50_ms"] = float(p50.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)]
    return result


def measure_server(args, env, server: str, scale: int, with_jobs: bool) -> list[Row]:
    from benchmarks import scenarios

    rows: list[Row] = []
    port = free_port()
    proc = start_gunicorn(env, port, server)
    try:
        client = Client(f"http://127.0.0.1:{port}")
        client.login(args.user, args.password)
        floor = measure_page(client, "floor: /ping/", "/ping/", args.warmup, args.requests)
        floor.kind, floor.server, floor.scale = "floor", server, scale
        rows.append(floor)
        clients = {None: client}
        for name, path, kind, target, user in scenarios.pages(args.user):
            if user not in clients:
                clients[user] = Client(client.base)
                clients[user].login(user, args.password)
            row = measure_page(clients[user], name, path, args.warmup, args.requests)
            if user:
                row.note = f"{path} (as {user})"
            row.kind, row.target, row.server, row.scale = kind, target, server, scale
            if row.p50_ms and floor.p50_ms:
                row.ratio = round(row.p50_ms / floor.p50_ms, 1)
                row.verdict = "ok" if row.ratio <= PAGE_LIMITS.get(kind, 3.0) and not row.errors else "MISS"
            rows.append(row)
        cookie = next((c.value for c in client.jar if c.name == "sessionid"), "")
        ping = run_wrk(client.base, "/ping/", cookie, args.wrk_seconds)
        # the filtered page 3 of the list (a plain /leads/ would answer with the cheap redirect to
        # the filter the session remembers, core.listprefs)
        listing = run_wrk(client.base, "/leads/?status=verifying&page=3", cookie, args.wrk_seconds)
        share = round(100 * listing["rps"] / ping["rps"], 1) if listing.get("rps") and ping.get("rps") else None
        rows.append(
            Row(
                name="wrk /ping/ (-t2 -c8)",
                kind="wrk",
                server=server,
                scale=scale,
                note=ping.get("error", f"{ping.get('rps')} req/s, non-2xx {ping.get('non_2xx')}"),
                p50_ms=ping.get("p50_ms"),
                extra=ping,
            )
        )
        rows.append(
            Row(
                name="wrk lead list (-t2 -c8)",
                kind="wrk",
                server=server,
                scale=scale,
                ratio=share,
                target=f"≥ {WRK_LIMIT:.0f} % of ping's req/s",
                note=listing.get(
                    "error", f"{listing.get('rps')} req/s = {share} % of ping, non-2xx {listing.get('non_2xx')}"
                ),
                p50_ms=listing.get("p50_ms"),
                errors=listing.get("non_2xx", 0),
                verdict=""
                if share is None
                else ("ok" if share >= WRK_LIMIT and not listing.get("non_2xx") else "MISS"),
                extra=listing,
            )
        )
        if with_jobs:
            ctx = scenarios.Context(
                client=client,
                base=client.base,
                server_pids=lambda: worker_pids(proc.pid),
                rss_kb=rss_kb,
                Row=Row,
                env=env,
                scale=scale,
                check_file=not args.no_soffice,
                quick=args.quick,
            )
            for scenario in scenarios.jobs():
                try:
                    row = scenario(ctx)
                except Exception as exc:  # a missing feature is reported, not fatal
                    row = Row(name=scenario.__name__, kind="job", note=f"not measured: {type(exc).__name__}: {exc}")
                row.server, row.scale = server, scale
                rows.append(row)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="one database for a single scale (default: hulao_bench_<scale> on --database-base)",
    )
    parser.add_argument("--database-base", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument("--leads", type=int, default=100_000, help="the scale, when --scales is not given")
    parser.add_argument("--scales", default="", help="e.g. 10000,100000,1000000: the growth table")
    parser.add_argument("--servers", default="sync,threaded", help=f"of {', '.join(SERVERS)}")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--wrk-seconds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few requests, short wrk, small jobs")
    parser.add_argument("--no-soffice", action="store_true", help="do not open the export with LibreOffice")
    parser.add_argument("--skip-jobs", action="store_true", help="pages and wrk only (no report, export, import, tips)")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--user", default="zhuanban")
    parser.add_argument("--password", default="hulao-demo-2026")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.warmup, args.wrk_seconds = 5, 1, 3
    scales = [int(x) for x in args.scales.split(",") if x.strip()] or [args.leads]
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = [s for s in servers if s not in SERVERS]
    if unknown:
        parser.error(f"unknown server set-up(s): {', '.join(unknown)}")
    if args.database_url and len(scales) > 1:
        parser.error("--database-url names one database: use --database-base with several scales")

    sys.path.insert(0, str(ROOT))
    rows: list[Row] = []
    django_ready = False
    for scale in scales:
        env = django_env(args, database_url(args, scale))
        rows += ensure_data(args, env, scale)
        ensure_report(env)
        os.environ.update(env)
        if not django_ready:
            import django

            django.setup()
            django_ready = True
        else:  # the next scale's database: the in-process queries (report, import, export) follow it
            from django.db import connections

            connections.close_all()
            connections.settings["default"]["NAME"] = urllib.parse.urlparse(env["DATABASE_URL"]).path.lstrip("/")
            connections["default"].settings_dict["NAME"] = connections.settings["default"]["NAME"]
        for index, server in enumerate(servers):
            rows += measure_server(args, env, server, scale, with_jobs=index == 0 and not args.skip_jobs)
        print_table([r for r in rows if r.scale == scale], title=f"{scale:,} leads")

    if len(scales) > 1:
        print_growth(rows, scales, servers[0])
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": f"{platform.node()} {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}",
        "args": vars(args),
        "scales": scales,
        "servers": servers,
    }
    (out / "latest.json").write_text(
        json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, ensure_ascii=False, indent=2)
    )
    print(f"\nJSON: {out / 'latest.json'}")
    return 0


def fmt(v) -> str:
    return "" if v is None else str(v)


def print_table(rows: list[Row], title: str = "") -> None:
    print(f"\n== {title}")
    header = (
        f"{'what':46} {'server':8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'x ping':>7} {'err':>4} {'':4}"
        "  target / note"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        note = " ".join(x for x in (r.target, r.note if r.kind not in ("page", "list", "detail") else "") if x)
        print(
            f"{r.name[:46]:46} {r.server[:8]:8} {fmt(r.p50_ms):>8} {fmt(r.p95_ms):>8} {fmt(r.queries):>7} "
            f"{fmt(r.ratio):>7} {r.errors:>4} {r.verdict:4}  {note}"
        )


def print_growth(rows: list[Row], scales: list[int], server: str) -> None:
    """Each page's p50 at each scale (the first server set-up) and the largest scale's over 100k's."""
    base = 100_000 if 100_000 in scales else scales[0]
    last = scales[-1]
    print(
        f"\n== growth ({server}): p50 ms per scale, {scale_label(last)}/{scale_label(base)} (target ≤ {GROWTH_LIMIT})"
    )
    header = f"{'what':46} " + " ".join(f"{scale_label(s):>8}" for s in scales) + f" {'ratio':>7}"
    print(header)
    print("-" * len(header))
    by = {
        (r.name, r.scale): r
        for r in rows
        if r.server == server and r.kind in ("floor", "list", "detail", "dashboard", "report")
    }
    names = list(
        dict.fromkeys(
            r.name for r in rows if r.server == server and r.kind in ("floor", "list", "detail", "dashboard", "report")
        )
    )
    for name in names:
        values = [by.get((name, s)) for s in scales]
        cells = " ".join(f"{fmt(v.p50_ms if v else None):>8}" for v in values)
        a, b = by.get((name, base)), by.get((name, last))
        ratio = round(b.p50_ms / a.p50_ms, 2) if a and b and a.p50_ms and b.p50_ms else None
        verdict = "" if ratio is None else ("ok" if ratio <= GROWTH_LIMIT else "MISS")
        if a and b:
            b.extra["growth_vs_" + scale_label(base)] = ratio
        print(f"{name[:46]:46} {cells} {fmt(ratio):>7} {verdict}")


if __name__ == "__main__":
    sys.exit(main())
