#!/usr/bin/env python
"""Hulao's benchmark (``make bench``): latency and SQL queries per page at city scale.

Against PostgreSQL (database ``hulao_bench`` by default) filled by ``seed_demo`` at the scale
given, the app is served by gunicorn on loopback and a signed-in street-office user requests
each page (warm-up, then ``--requests`` timed requests). Also timed: the monthly report, the
.xlsx export of every lead (time and the worker's peak memory), a 5,000-row lead import and the
public tip POST at concurrency 8. Prints one table, writes JSON to benchmarks/results/.

    make bench                                    # default scale (100,000 leads)
    make bench ARGS="--leads 5000 --requests 20"  # a quick run
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
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
        client.get(path)
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


def django_env(args) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        HULAO_BENCHMARK="1",
        HULAO_VAR_DIR=str(ROOT / "var" / "bench"),
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def manage(env: dict, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "manage.py", *argv], cwd=ROOT, env=env, check=True, capture_output=True, text=True)


def ensure_data(args, env) -> Row:
    import psycopg2

    url = urllib.parse.urlparse(args.database_url)
    dbname = url.path.lstrip("/")
    conn = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        exists = cur.fetchone() is not None
        if exists and args.reseed:
            cur.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
            exists = False
        if not exists:
            cur.execute(f'CREATE DATABASE "{dbname}"')
    conn.close()
    manage(env, "migrate", "--noinput", "-v0")
    probe = (
        manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from django.apps import apps\n"
            "M = apps.get_model('leads', 'Lead') if apps.is_installed('leads') else None\n"
            "print(M.objects.count() if M else 0)",
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    row = Row(name=f"seed_demo --leads {args.leads}", kind="seed")
    if int(probe or 0) >= args.leads:
        manage(env, "seed_demo")  # makes sure the demo users exist; adds nothing else
        row.note = f"{probe} leads already present (use --reseed to regenerate)"
        return row
    started = time.perf_counter()
    manage(
        env,
        "seed_demo",
        "--leads",
        str(args.leads),
        "--institutions",
        str(args.institutions),
        "--cases",
        str(args.cases),
        "--activities",
        str(args.activities),
        "--again",
    )
    row.p50_ms = round((time.perf_counter() - started) * 1000)
    row.note = "whole seed, one run"
    row.target = "≤ 300 s"
    return row


def start_gunicorn(env, port) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).read()
            return proc
        except Exception:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hulao_bench")
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--user", default="zhuanban")
    parser.add_argument("--password", default="hulao-demo-2026")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from benchmarks import scenarios

    env = django_env(args)
    rows: list[Row] = [ensure_data(args, env)]
    os.environ.update(env)
    import django

    django.setup()

    port = free_port()
    server = start_gunicorn(env, port)
    try:
        client = Client(f"http://127.0.0.1:{port}")
        client.login(args.user, args.password)
        floor = measure_page(client, "floor: trivial signed-in view", "/ping/", args.warmup, args.requests)
        floor.kind = "floor"
        rows.append(floor)
        for name, path, target in scenarios.pages():
            row = measure_page(client, name, path, args.warmup, args.requests)
            row.target = target
            if row.p50_ms and floor.p50_ms:
                row.ratio = round(row.p50_ms / floor.p50_ms, 1)
            rows.append(row)
        ctx = scenarios.Context(
            client=client, base=client.base, server_pids=lambda: worker_pids(server.pid), rss_kb=rss_kb, Row=Row
        )
        for scenario in scenarios.jobs():
            try:
                rows.append(scenario(ctx))
            except Exception as exc:  # a missing feature is reported, not fatal
                rows.append(Row(name=scenario.__name__, kind="job", note=f"not measured: {type(exc).__name__}: {exc}"))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print_table(rows)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": f"{platform.node()} {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "args": vars(args),
    }
    (out / "latest.json").write_text(
        json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, ensure_ascii=False, indent=2)
    )
    print(f"\nJSON: {out / 'latest.json'}")
    return 0


def print_table(rows: list[Row]) -> None:
    header = f"{'what':44} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'x floor':>8} {'errors':>7}  target / note"
    print(header)
    print("-" * len(header))
    for r in rows:

        def fmt(v):
            return "" if v is None else str(v)

        note = " ".join(x for x in (r.target, r.note) if x)
        print(
            f"{r.name[:44]:44} {fmt(r.p50_ms):>9} {fmt(r.p95_ms):>9} {fmt(r.queries):>8} {fmt(r.ratio):>8} "
            f"{r.errors:>7}  {note}"
        )


if __name__ == "__main__":
    sys.exit(main())
