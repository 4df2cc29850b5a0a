"""What the benchmark measures. Pages are (name, path, kind, target, user), found in the URL conf
(``pages``); jobs are functions taking the context and returning a Row. Paths are resolved
against the benchmark database (the harness has called django.setup() with its DATABASE_URL)."""

from __future__ import annotations

import io
import re
import threading
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Context:
    client: Any
    base: str
    server_pids: Callable[[], list[int]]
    rss_kb: Callable[[list[int]], int]
    Row: Any
    env: dict | None = None
    scale: int = 0
    check_file: bool = True
    quick: bool = False


def _first_pk(model, **filters) -> int | None:
    return model.objects.filter(**filters).order_by("-pk").values_list("pk", flat=True).first()


def _walk(patterns, namespace=None, prefix=""):
    from django.urls import URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, pattern.namespace or namespace, prefix + str(pattern.pattern))
        else:
            yield namespace, pattern.name, prefix + str(pattern.pattern), pattern.callback


#: List pages that are no list view (boards, logs) but list records all the same.
EXTRA_LISTS = ["leads:deadlines", "leads:reveal_log", "organization:grant_list", "reports:scorecard"]
#: Pages only the street office's head (who holds the grant and reveal rights) may open.
HEAD_ONLY = {"leads:reveal_log": "zhuren", "organization:grant_list": "zhuren"}
#: Pages the URL walk finds but that are not the app's (the admin) or need a query to mean anything.
SKIP = {"admin", "leads:related"}


def _targets(kind: str) -> str:
    return {"list": "≤ 3× ping; ≤ 1.2× own 100k", "detail": "≤ 3× ping; ≤ 1.2× own 100k"}[kind]


def pages(username: str = "zhuanban") -> list[tuple[str, str, str, str, str | None]]:
    """Every list page and every detail page of the app, found in the URL conf (a list view: a
    ``MultipleObjectMixin`` view without arguments; a detail view: a ``BaseDetailView`` at
    ``<int:pk>/``, shown for the newest record), plus the dashboard (recomputed: the server runs
    with its cache off), the monthly report page and two lead-list variants. Each is
    (name, path, kind, target, user: None for the benchmark's user, else the one who may open it)."""
    from django.urls import get_resolver, reverse
    from django.views.generic.detail import BaseDetailView
    from django.views.generic.list import MultipleObjectMixin

    from core.models import Job
    from reports.models import MonthlyReport

    lists, details = [], []
    for namespace, name, route, callback in _walk(get_resolver().url_patterns):
        view = getattr(callback, "view_class", None)
        full = f"{namespace}:{name}" if namespace else name
        if view is None or not name or namespace in SKIP or full in SKIP:
            continue
        if issubclass(view, MultipleObjectMixin) and "<" not in route:
            lists.append(full)
        elif issubclass(view, BaseDetailView) and route.endswith("<int:pk>/") and route.count("<") == 1:
            details.append((full, view))
    result = [("dashboard (cache off)", reverse("dashboard"), "dashboard", "≤ 15× ping", None)]
    for full in lists + [n for n in EXTRA_LISTS if n not in lists]:
        # ?page=1: the list itself, never the redirect to the filter the session remembers from an
        # earlier request of the same list (core.listprefs; "page" is not a filter)
        result.append((f"list {full}", reverse(full) + "?page=1", "list", _targets("list"), HEAD_ONLY.get(full)))
    result.append(
        (
            "list leads:index (filtered, page 3)",
            reverse("leads:index") + "?status=verifying&page=3",
            "list",
            _targets("list"),
            None,
        )
    )
    result.append(
        (
            "list leads:index (text search)",
            reverse("leads:index") + "?q=%E5%85%BB%E8%80%81",
            "list",
            _targets("list"),
            None,
        )
    )
    for full, view in details:
        model = getattr(view, "model", None)
        if full == "core:job":
            pk = _first_pk(Job, owner__username=username)
        elif full == "reports:report_detail":
            pk = _first_pk(MonthlyReport)
        else:
            pk = _first_pk(model) if model is not None else None
        if pk is None:
            continue
        label = "monthly report page" if full == "reports:report_detail" else f"detail {full}"
        kind = "report" if full == "reports:report_detail" else "detail"
        target = "≤ 15× ping" if kind == "report" else _targets("detail")
        result.append((label, reverse(full, args=[pk]), kind, target, None))
    return result


def monthly_report(ctx: Context):
    import datetime

    from django.utils import timezone

    from reports.services import report_generate

    # last month: the current one becomes official only after its report day
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    started = time.perf_counter()
    report_generate(month=month, regenerate=True)
    return ctx.Row(
        name="monthly report generation",
        kind="job",
        p50_ms=round((time.perf_counter() - started) * 1000),
        target="≤ 15 s",
        note=f"month {month:%Y-%m}, in-process, one run",
    )


def export_all_leads(ctx: Context):
    """Every lead exported the way the list's 导出 does it for a large list: the request starts a
    ``core.export`` job, a worker (``benchmarks/worker.py``: ``core.jobs.run``, as the Celery task
    does) writes the file. Timed from the request until the job is done; the worker's peak memory
    (VmHWM); with LibreOffice present, the file is converted to CSV to show it opens."""
    import json
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from core.choices import JobState
    from core.models import Job
    from leads.models import Lead

    rows = Lead.objects.count()
    worker = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("worker.py"))],
        env=ctx.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if worker.stdout.readline().strip() != "ready":
            raise RuntimeError("the export worker did not start")
        peak = {"kb": 0}
        started = time.perf_counter()
        status, _headers, _body, _t = ctx.client.get("/leads/?export=xlsx")
        line = worker.stdout.readline()  # the worker's report, once the job is done
        elapsed = time.perf_counter() - started
        report = json.loads(line) if line.strip() else {}
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
    peak["kb"] = report.get("vmhwm_kb", 0)
    job = Job.objects.filter(pk=report.get("pk")).first()
    ok = job is not None and job.state == JobState.DONE and bool(job.result_file)
    scale = ctx.scale or rows
    target = "≤ 5 s" if scale <= 100_000 else "≤ 60 s"
    note = f"job {'done' if ok else getattr(job, 'state', 'missing')}; worker peak RSS {peak['kb'] / 1024:.0f} MB"
    extra = {
        "peak_rss_mb": round(peak["kb"] / 1024),
        "baseline_rss_mb": round(report.get("baseline_kb", 0) / 1024),
        "rows": rows,
    }
    if ok:
        path = Path(job.result_file.path)
        extra["file_mb"] = round(path.stat().st_size / 1e6, 1)
        note += f"; {extra['file_mb']} MB file"
        soffice = shutil.which("soffice")
        if soffice and ctx.check_file:
            with tempfile.TemporaryDirectory() as out:
                profile = Path(out) / "profile"
                try:
                    subprocess.run(
                        [
                            soffice,
                            f"-env:UserInstallation=file://{profile}",
                            "--headless",
                            "--convert-to",
                            "csv",
                            "--outdir",
                            out,
                            str(path),
                        ],
                        capture_output=True,
                        timeout=900,
                        check=False,
                    )
                    csvs = list(Path(out).glob("*.csv"))
                    lines = sum(1 for _ in csvs[0].open(encoding="utf-8", errors="replace")) if csvs else 0
                    extra["soffice_lines"] = lines
                    note += (
                        f"; LibreOffice opens it ({lines} CSV lines)" if lines else "; LibreOffice could not open it"
                    )
                except subprocess.TimeoutExpired:
                    note += "; LibreOffice: timed out"
    return ctx.Row(
        name=f"export all {rows} leads (worker)",
        kind="export",
        p50_ms=round(elapsed * 1000),
        target=f"{target}, RSS ≤ 150 MB",
        errors=int(status != 200 or not ok),
        note=note,
        extra=extra,
        verdict=_verdict(elapsed <= (5 if scale <= 100_000 else 60) and peak["kb"] <= 150 * 1024 and ok),
    )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def import_5000_leads(ctx: Context):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from openpyxl import Workbook

    from leads.imports import import_leads, template_rows
    from organization.models import User

    header, sample = template_rows()[0], template_rows()[1]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("线索")
    ws.append(header)
    for i in range(500 if ctx.quick else 5000):
        row = list(sample)
        row[0] = f"BENCH-{time.time_ns()}-{i}"  # the higher office's reference number: unique
        row[1] = f"{sample[1]}（第{i}条）"
        row[7] = f"0595-{i:08d}"
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("bench.xlsx", buffer.getvalue())
    user = User.objects.get(username="zhuanban")

    class Rollback(Exception):
        pass

    started = time.perf_counter()
    result = None
    try:
        with transaction.atomic():
            result = import_leads(user=user, upload=upload, valid_only=True)
            elapsed = time.perf_counter() - started
            raise Rollback  # leave the benchmark database as it was
    except Rollback:
        pass
    created = getattr(result, "created", None)
    errors = getattr(result, "errors", None)
    return ctx.Row(
        name=f"import {500 if ctx.quick else 5000}-row lead list",
        kind="job",
        p50_ms=round(elapsed * 1000),
        target="≤ 30 s",
        note=f"created={created if created is not None else '?'}, "
        f"row errors={len(errors) if errors is not None else '?'} (rolled back)",
    )


def public_tip_post(ctx: Context, total: int = 400, concurrency: int = 8):
    total = 40 if ctx.quick else total
    from django.conf import settings

    from benchmarks.run import Client

    def prepare():
        client = Client(ctx.base)
        _s, _h, body, _t = client.get("/tip/")
        started = re.search(rb'name="started" value="([^"]+)"', body).group(1).decode()
        return client, started

    prepared = [prepare() for _ in range(concurrency)]
    time.sleep(settings.LEADS_TIP_MIN_SECONDS + 0.5)  # the anti-bot minimum fill time
    lock = threading.Lock()
    remaining = {"n": total}
    errors = {"n": 0}
    latencies: list[float] = []

    def work(client, started):
        while True:
            with lock:
                if remaining["n"] <= 0:
                    return
                remaining["n"] -= 1
            data = {
                "description": "有人以养老服务为名推销高价保健品，骗取老人钱财。",
                "fraud_type": "service",
                "started": started,
                "website": "",
                "csrfmiddlewaretoken": client.csrf(),
            }
            try:
                status, _h, body, elapsed = client.post("/tip/", data)
            except urllib.error.URLError:
                status, elapsed, body = 0, 0, b""
            with lock:
                latencies.append(elapsed * 1000)
                if status != 200 or "查询码".encode() not in body:
                    errors["n"] += 1

    threads = [threading.Thread(target=work, args=p) for p in prepared]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return ctx.Row(
        name=f"public tip POST (concurrency {concurrency})",
        kind="job",
        p50_ms=round(latencies[len(latencies) // 2], 1),
        p95_ms=round(latencies[int(len(latencies) * 0.95)], 1),
        errors=errors["n"],
        target="≥ 50 req/s, no error",
        note=f"{total / wall:.0f} req/s over {total} tips",
        extra={"rps": round(total / wall, 1)},
    )


def jobs() -> list[Callable[[Context], Any]]:
    return [monthly_report, export_all_leads, import_5000_leads, public_tip_post]
