"""Measure the background export (issue 18): time, peak memory and file size of the
``core.export`` job for a list view, in a fresh process (so the peak is the export's own).

``measure(...)`` runs ``python -m core.exportbench`` with ``DATABASE_URL`` and returns its
figures; ``benchmarks/export_profile.py`` (and ``benchmarks/run.py``) call it. Read-only on the
data: it writes one ``Job`` and one ``ExportLog`` row, and deletes the job (and its file) after.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def measure(
    *,
    database_url: str | None = None,
    view: str = "leads.views.LeadListView",
    username: str = "zhuren",
    query: str = "export=xlsx",
    keep: str | None = None,
    timeout: float = 900,
) -> dict[str, Any]:
    """The export job of ``view`` (its ``?query``) run as ``username`` in a new process:
    ``{"rows", "seconds", "cpu_seconds"`` (this process's, not PostgreSQL's) ``, "vm_hwm_mb"``
    (peak RSS of the process) ``, "baseline_mb"`` (RSS before the export) ``, "file_mb"}``;
    ``keep``: copy the file there."""
    env = dict(os.environ)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    args = [sys.executable, "-m", "core.exportbench", view, username, query, keep or ""]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rss_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _main(view: str, username: str, query: str, keep: str) -> dict[str, Any]:
    import time

    import django

    django.setup()
    import shutil

    from django.contrib.auth import get_user_model

    from core import jobs
    from core.models import Job

    owner = get_user_model().objects.get(username=username)
    job = Job.objects.create(kind="core.export", owner=owner, title="bench", params={"view": view, "query": query})
    baseline = _rss_mb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    result = jobs.run_export(job, jobs.Progress(job))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    job.save(update_fields=["result_file", "result_name"])
    size = job.result_file.size
    if keep:
        with job.result_file.open("rb") as source, open(keep, "wb") as target:
            shutil.copyfileobj(source, target)
    job.result_file.delete(save=False)
    job.delete()
    return {
        "rows": result["rows"],
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "vm_hwm_mb": round(_rss_mb("VmHWM"), 1),
        "baseline_mb": round(baseline, 1),
        "file_mb": round(size / 1e6, 1),
    }


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(_main(*sys.argv[1:5])))
