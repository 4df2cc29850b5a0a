#!/usr/bin/env python
"""The benchmark's export worker: what a Celery worker does with one ``core.export`` job
(``core.jobs.run``), without the broker's polling delay in the figure. Started by
``benchmarks/run.py`` with the server's environment before the export is asked for; prints
``ready``, waits for the next queued export job, runs it, prints its id, its state and this
process's peak memory (VmHWM), and exits."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def vmhwm_kb() -> int:
    m = re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(m.group(1)) if m else 0


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.utils import timezone

    from core import jobs
    from core.choices import JobState
    from core.models import Job

    since = timezone.now()
    deadline = time.monotonic() + float(os.environ.get("BENCH_WORKER_WAIT", "600"))
    baseline = vmhwm_kb()
    print("ready", flush=True)
    while time.monotonic() < deadline:
        pk = (
            Job.objects.filter(kind="core.export", state=JobState.QUEUED, created_at__gte=since)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            time.sleep(0.05)
            continue
        jobs.run(pk)
        job = Job.objects.get(pk=pk)
        print(json.dumps({"pk": pk, "state": job.state, "vmhwm_kb": vmhwm_kb(), "baseline_kb": baseline}), flush=True)
        return 0
    print(json.dumps({"pk": None, "error": "no export job came"}), flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
