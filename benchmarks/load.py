#!/usr/bin/env python
"""Hulao's load test (``make load``): 50 users for 60 s against gunicorn on loopback.

Prepares PostgreSQL database ``hulao_load`` with the demo data (``seed_demo``, small scale),
serves the app with gunicorn (``HULAO_BENCHMARK=1``: no rate limits) with ``benchmarks/run.py``'s
helpers, signs the staff in (demo personas, password ``hulao-demo-2026``; sign-in timed apart)
and runs locust headless with ``benchmarks/locustfile.py``: staff personas read the busy pages
and write through the real forms (lead intake, publicity activity, inspection), the public sends
tips (4 staff users to 1 member of the public). Afterwards every
write it made must be found in the database and no request may have failed; otherwise the exit
status is 1. Prints a table per endpoint, writes JSON to benchmarks/results/load-latest.json.

    make load
    make load ARGS="--users 20 --seconds 30"
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import Client, django_env, ensure_data, free_port, percentile, start_gunicorn  # noqa: E402

PERSONAS = ["zhuanban", "daji", "zhengzhi", "xuanjiao", "shequ1", "lingdao", "shichang"]

#: how each kind of write is found again: model, field that holds the marker
WRITE_LOOKUP = {
    "tip": ("leads.Lead", "description"),
    "lead": ("leads.Lead", "summary"),
    "activity": ("publicity.Activity", "title"),
    "inspection": ("rectification.Inspection", "findings"),
}


def targets() -> dict:
    """Per demo persona, ids of rows it may see (others answer 404, by design)."""
    from cases.models import Case
    from core.visibility import visible_to
    from leads.models import Lead
    from organization.models import User
    from rectification.models import Institution

    def ids(user, model):
        return list(visible_to(user, model).order_by("-pk").values_list("pk", flat=True)[:200])

    return {
        user.username: {"leads": ids(user, Lead), "cases": ids(user, Case), "institutions": ids(user, Institution)}
        for user in User.objects.filter(username__in=PERSONAS)
    }


def sign_in(base: str, count: int, password: str) -> tuple[list[dict], list[float]]:
    """``count`` sessions of the staff personas (round robin), signed in with the password
    through the login form, 4 at a time. Returns the sessions and each sign-in's seconds."""
    from concurrent.futures import ThreadPoolExecutor

    def one(username: str):
        client = Client(base)
        started = time.perf_counter()
        client.login(username, password)
        cookies = {c.name: c.value for c in client.jar}
        return {"username": username, **cookies}, time.perf_counter() - started

    names = [PERSONAS[i % len(PERSONAS)] for i in range(count)]
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(one, names))
    return [d[0] for d in done], [d[1] for d in done]


def histogram_percentile(histogram: dict[str, int], q: float) -> float | None:
    """From locust's response-time histogram (rounded ms -> count)."""
    items = sorted((float(ms), n) for ms, n in histogram.items())
    total = sum(n for _ms, n in items)
    if not total:
        return None
    seen = 0
    for ms, n in items:
        seen += n
        if seen >= q * total:
            return ms
    return items[-1][0]


def endpoint_rows(stats: list[dict], seconds: float) -> list[dict]:
    rows = []
    for entry in sorted(stats, key=lambda e: (e["name"], e["method"])):
        rows.append(
            {
                "endpoint": f"{entry['method']} {entry['name']}",
                "requests": entry["num_requests"],
                "failures": entry["num_failures"],
                "p50_ms": histogram_percentile(entry["response_times"], 0.5),
                "p95_ms": histogram_percentile(entry["response_times"], 0.95),
                "rps": round(entry["num_requests"] / seconds, 2),
            }
        )
    return rows


def verify(writes: list[dict]) -> dict[str, dict[str, int]]:
    """How many writes of each kind were made and how many are in the database."""
    from django.apps import apps

    result: dict[str, dict[str, int]] = {}
    for kind, (label, field) in WRITE_LOOKUP.items():
        markers = {w["marker"] for w in writes if w["kind"] == kind}
        model = apps.get_model(label)
        found = 0
        texts = model.objects.filter(**{f"{field}__contains": "LOAD-"}).values_list(field, flat=True)
        present = "\n".join(texts)
        found = sum(1 for m in markers if m in present)
        result[kind] = {"made": len(markers), "found": found}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", default=os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hulao_load")
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--leads", type=int, default=300)
    parser.add_argument("--institutions", type=int, default=120)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--activities", type=int, default=150)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--password", default="hulao-demo-2026")
    args = parser.parse_args()

    env = django_env(args)
    # No anti-bot minimum fill time for the scripted tips; keep-alive beyond locust's think time, or
    # gunicorn closes idle connections just as a user reuses them (seen as connection errors).
    env.update(HULAO_VAR_DIR=str(ROOT / "var" / "load"), LEADS_TIP_MIN_SECONDS="0", GUNICORN_CMD_ARGS="--keep-alive 30")
    Path(env["HULAO_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    seed = ensure_data(args, env)
    print(f"data: {seed.name}: {seed.note}", flush=True)
    os.environ.update(env)
    import django

    django.setup()

    work = Path(tempfile.mkdtemp(prefix="hulao-load-"))
    writes_file = work / "writes.jsonl"
    errors_file = work / "errors.txt"
    port = free_port()
    server = start_gunicorn(env, port)
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    try:
        # The staff sign in first (once each, as at the start of a working day); the timed run is
        # then the signed-in work. Sign-in itself is reported apart (it is a slow hash on purpose).
        staff_users = max(1, round(args.users * 4 / 5))  # Staff.weight 4 : Public.weight 1
        began = time.perf_counter()
        sessions, login_seconds = sign_in(f"http://127.0.0.1:{port}", staff_users, args.password)
        login = {
            "sessions": len(sessions),
            "wall_s": round(time.perf_counter() - began, 1),
            "p50_ms": round(percentile(login_seconds, 0.5) * 1000),
            "p95_ms": round(percentile(login_seconds, 0.95) * 1000),
        }
        print(
            f"signed in {login['sessions']} staff sessions in {login['wall_s']} s "
            f"(4 at a time; p50 {login['p50_ms']} ms, p95 {login['p95_ms']} ms)",
            flush=True,
        )
        (work / "targets.json").write_text(json.dumps({"targets": targets(), "sessions": sessions}))
        locust = subprocess.run(
            [
                str(Path(sys.executable).parent / "locust"),
                "-f",
                str(ROOT / "benchmarks" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.seconds}s",
                "--stop-timeout",
                "60",  # at the end, users finish the request in flight (no cut-off counted as an error)
                "--host",
                f"http://127.0.0.1:{port}",
                "--json-file",
                str(work / "stats"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "HULAO_LOAD_TARGETS": str(work / "targets.json"),
                "HULAO_LOAD_WRITES": str(writes_file),
                "HULAO_LOAD_ERRORS": str(errors_file),
                "HULAO_LOAD_PERSONAS": ",".join(PERSONAS),
            },
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    stats = json.loads((work / "stats.json").read_text())
    rows = endpoint_rows(stats, args.seconds)
    failures: dict[str, int] = {}
    if errors_file.exists():
        for line in errors_file.read_text().splitlines():
            failures[line] = failures.get(line, 0) + 1
    writes = [json.loads(line) for line in writes_file.read_text().splitlines()] if writes_file.exists() else []
    checked = verify(writes)
    wall = args.seconds
    requests = sum(r["requests"] for r in rows)
    errors = sum(r["failures"] for r in rows)

    print(f"\n{'endpoint':36} {'requests':>9} {'failures':>9} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7}")
    for r in rows:
        print(
            f"{r['endpoint'][:36]:36} {r['requests']:>9} {r['failures']:>9} {r['p50_ms'] or '':>7} "
            f"{r['p95_ms'] or '':>7} {r['rps']:7.1f}"
        )
    print(f"{'total':36} {requests:>9} {errors:>9} {'':>7} {'':>7} {requests / wall:7.1f}")
    for text, n in sorted(failures.items(), key=lambda kv: -kv[1]):
        print(f"ERROR ×{n}: {text}")
    made = sum(v["made"] for v in checked.values())
    found = sum(v["found"] for v in checked.values())
    detail = ", ".join(f"{k} {v['found']}/{v['made']}" for k, v in checked.items())
    print(f"\nwrites found/made: {found}/{made} ({detail})")

    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load-latest.json").write_text(
        json.dumps(
            {
                "meta": {
                    "date": started,
                    "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
                    f"Python {platform.python_version()}",
                    "args": vars(args),
                },
                "endpoints": rows,
                "failures": failures,
                "sign_in": login,
                "total": {"requests": requests, "errors": errors, "rps": round(requests / wall, 1)},
                "writes": checked,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"JSON: {out / 'load-latest.json'}")
    ok = locust.returncode == 0 and errors == 0 and made > 0 and found == made
    print("OK" if ok else "FAILED: errors or missing writes")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
