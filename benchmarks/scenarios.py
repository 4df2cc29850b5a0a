"""What the benchmark measures. Pages are (name, path, target); jobs are functions taking the
context and returning a Row. Paths are resolved against the benchmark database (the harness has
called django.setup() with its DATABASE_URL)."""

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


def _first_pk(model, **filters) -> int | None:
    return model.objects.filter(**filters).order_by("-pk").values_list("pk", flat=True).first()


def pages() -> list[tuple[str, str, str]]:
    from django.urls import reverse

    from cases.models import Case
    from leads.models import Lead
    from rectification.models import Institution

    lead = _first_pk(Lead)
    case = _first_pk(Case)
    institution = _first_pk(Institution)
    listing = "p50 ≤ 40 ms, p95 ≤ 100 ms"
    detail = "p50 ≤ 25 ms"
    result = [
        ("dashboard", reverse("dashboard"), "p50 ≤ 60 ms"),
        ("lead list (filtered, page 3)", reverse("leads:index") + "?status=verifying&page=3", listing),
        ("lead list (text search)", reverse("leads:index") + "?q=%E5%85%BB%E8%80%81", listing),
        ("case list", reverse("cases:index"), listing),
        ("institution list", reverse("rectification:index"), listing),
        ("control list", reverse("rectification:control_list"), listing),
        ("activity list", reverse("publicity:activity_list"), listing),
        ("unit directory", reverse("organization:unit_list"), listing),
    ]
    if lead:
        result.append(("lead page", reverse("leads:detail", args=[lead]), detail))
    if case:
        result.append(("case page", reverse("cases:detail", args=[case]), detail))
    if institution:
        result.append(("institution page", reverse("rectification:institution_detail", args=[institution]), detail))
    return result


def monthly_report(ctx: Context):
    import datetime

    from django.utils import timezone

    from reports.services import report_generate

    today = timezone.localdate()
    month = datetime.date(today.year, today.month, 1)
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
    from leads.models import Lead

    pids = ctx.server_pids()
    peak = {"kb": ctx.rss_kb(pids)}
    baseline = peak["kb"]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak["kb"] = max(peak["kb"], ctx.rss_kb(ctx.server_pids()))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    status, _headers, body, _t = ctx.client.get("/leads/?export=xlsx")
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    rows = Lead.objects.count()
    return ctx.Row(
        name=f"export all {rows} leads (.xlsx)",
        kind="job",
        p50_ms=round(elapsed * 1000),
        target="≤ 60 s, peak ≤ 250 MB",
        errors=int(status != 200),
        note=(
            f"{len(body) / 1e6:.1f} MB file; worker peak RSS {peak['kb'] / 1024:.0f} MB "
            f"(before {baseline / 1024:.0f} MB)"
        ),
        extra={"peak_rss_mb": round(peak["kb"] / 1024), "baseline_rss_mb": round(baseline / 1024)},
    )


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
    for i in range(5000):
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
        name="import 5,000-row lead list",
        kind="job",
        p50_ms=round(elapsed * 1000),
        target="≤ 30 s",
        note=f"created={created if created is not None else '?'}, "
        f"row errors={len(errors) if errors is not None else '?'} (rolled back)",
    )


def public_tip_post(ctx: Context, total: int = 400, concurrency: int = 8):
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
