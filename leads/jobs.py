"""The leads' background jobs (``core.jobs``): the Excel import runs in a worker.

The whole import (check every row, then save all or the valid rows) is the job: the page that
uploads only checks the file itself (size, type, zip bomb) and queues it; the job's page shows the
progress and then the per-row report."""

from __future__ import annotations

from typing import Any

from core import jobs

from . import imports


def run_import(job, progress) -> dict[str, Any]:
    with job.upload.open("rb") as upload:
        result = imports.import_leads(
            user=job.owner, upload=upload, valid_only=bool(job.params.get("valid_only")), progress=progress
        )
    return {"total": result.total, "created": result.created, "errors": [[n, str(m)] for n, m in result.errors]}


def run_transfer_import(job, progress) -> dict[str, Any]:
    """The city's transfer list (issue 19): ``imports.import_transfers`` as the job's owner."""
    with job.upload.open("rb") as upload:
        result = imports.import_transfers(
            user=job.owner, upload=upload, valid_only=bool(job.params.get("valid_only")), progress=progress
        )
    return {"total": result.total, "created": result.created, "errors": [[n, str(m)] for n, m in result.errors]}


jobs.register("leads.import", run_import, template="leads/_import_report.html")
jobs.register("leads.transfer_import", run_transfer_import, template="leads/_transfer_import_report.html")
