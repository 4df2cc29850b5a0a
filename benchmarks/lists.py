#!/usr/bin/env python
"""Every list page against ``/ping/`` in the same run (issue 18), on gunicorn with 2 sync workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hulao_bench_1m .venv/bin/python benchmarks/lists.py
    ... --requests 30 --wrk          # also wrk -t2 -c8 -d20s on the lead list and /ping/

Prints p50/p95 per page, its ratio to the p50 of ``/ping/`` requested in turn with it (page,
ping, page, ping…) and the ``X-Query-Count`` header. The database
must hold the demo users (``seed_demo``); nothing is written to it but sessions.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import ROOT, Client, free_port

PAGES = [
    ("lead list", "/leads/"),
    ("lead list ?status=verifying&page=3", "/leads/?status=verifying&page=3"),
    ("lead list ?campaign=<first>&status=verifying", "/leads/?campaign={campaign}&status=verifying"),
    ("lead list ?q=养老", "/leads/?q=%E5%85%BB%E8%80%81"),
    ("case list", "/cases/"),
    ("ledger", "/cases/ledger/"),
    ("institution list", "/rectification/"),
    ("control list", "/rectification/control/"),
    ("overdue inspections", "/rectification/overdue/"),
    ("inspection list", "/rectification/inspections/"),
    ("problem list", "/rectification/problems/"),
    ("plan list", "/rectification/plans/"),
    ("activity list", "/publicity/activities/"),
    ("survey list", "/publicity/surveys/"),
    ("media list", "/publicity/media/"),
    ("opinion list", "/publicity/opinion/"),
    ("submission list", "/reports/submissions/"),
    ("report list", "/reports/monthly/"),
    ("unit directory", "/org/units/"),
    ("people", "/org/people/"),
    ("campaigns", "/org/campaigns/"),
    ("jobs", "/jobs/"),
]


def start(env: dict, port: int) -> subprocess.Popen:
    argv = [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", "2", "--worker-class", "sync", "--timeout", "300", "--log-level", "warning"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env)
    import urllib.request

    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).read()
            return proc
        except Exception:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def measure(client: Client, path: str, warmup: int, n: int):
    times, queries, status = [], None, None
    for i in range(warmup + n):
        status, headers, _body, elapsed = client.get(path)
        if i >= warmup:
            times.append(elapsed * 1000)
        queries = headers.get("X-Query-Count", queries)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], queries, status


def wrk(base: str, path: str, cookie: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "-H", f"Cookie: {cookie}", base + path],
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        print(f"  wrk {path}: {bad.group(1)} non-2xx responses")
    return float(match.group(1)) if match else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--user", default="zhuanban")
    parser.add_argument("--password", default="hulao-demo-2026")
    parser.add_argument("--only", default="", help="a substring of the page names to measure")
    parser.add_argument("--wrk", action="store_true")
    parser.add_argument("--wrk-seconds", type=int, default=20)
    parser.add_argument("--lang", default="", help="en: measure the English UI")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", DEBUG="false", HULAO_BENCHMARK="1")
    env.setdefault("HULAO_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ.update(env)
    import django

    django.setup()
    from organization.models import Campaign

    campaign = Campaign.objects.order_by("-start_date", "-pk").values_list("pk", flat=True).first() or ""
    port = free_port()
    server = start(env, port)
    try:
        client = Client(f"http://127.0.0.1:{port}")
        client.login(args.user, args.password)
        if args.lang:
            data = {"language": args.lang, "csrfmiddlewaretoken": client.csrf(), "next": "/ping/"}
            client.post("/i18n/setlang/", data)
        floor, floor95, floor_q, _ = measure(client, "/ping/", args.warmup, args.requests)
        print(f"{'page':48} {'p50 ms':>7} {'p95 ms':>7} {'x ping':>7} {'queries':>8}")
        print(f"{'/ping/':48} {floor:7.1f} {floor95:7.1f} {1:7.1f} {floor_q or '':>8}")
        for name, path in PAGES:
            if args.only and args.only not in name:
                continue
            path = path.format(campaign=campaign)
            p50, p95, queries, status = measure(client, path + ("&" if "?" in path else "?") + "x=1", 0, 1)
            # interleaved with /ping/ (page, ping, page, ping...): the ratio survives the drift of a
            # shared machine, which sequential runs do not
            times, pings, queries, status = [], [], None, None
            for i in range(args.warmup + args.requests):
                status, headers, _body, elapsed = client.get(path)
                _s, _h, _b, ping_elapsed = client.get("/ping/")
                if i >= args.warmup:
                    times.append(elapsed * 1000)
                    pings.append(ping_elapsed * 1000)
                queries = headers.get("X-Query-Count", queries)
            times.sort()
            p50, p95, ping50 = statistics.median(times), times[int(0.95 * (len(times) - 1))], statistics.median(pings)
            note = "" if status == 200 else f" status {status}"
            print(f"{name:48} {p50:7.1f} {p95:7.1f} {p50 / ping50:7.1f} {queries or '':>8}{note}  (ping {ping50:.1f})")
        floor2, _p95, _q, _s = measure(client, "/ping/", args.warmup, args.requests)
        print(f"{'/ping/ again':48} {floor2:7.1f}")
        if args.wrk:
            cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar)
            ping_rps = wrk(client.base, "/ping/", cookie, args.wrk_seconds)
            list_rps = wrk(client.base, "/leads/?status=verifying&page=3", cookie, args.wrk_seconds)
            print(f"wrk -t2 -c8 -d{args.wrk_seconds}s: /ping/ {ping_rps:.0f} req/s, lead list {list_rps:.0f} req/s")
            print(f"  = {100 * list_rps / ping_rps:.0f} % of /ping/")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
