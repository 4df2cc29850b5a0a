"""Rectification's background jobs (``core.jobs``): the institution import runs in a worker.

Every mode of the import page is one job: "仅校验" (the preview: check every row, save nothing)
and the two saving modes (check, then save all rows or the valid ones). The upload page only checks
the file itself (size, type, zip bomb); the job's page shows the progress and the per-row report,
and after a check the user uploads the corrected file again with a saving mode."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core import jobs, rules

from . import imports
from .forms import ImportForm


def run_import(job, progress) -> dict[str, Any]:
    rules.require(job.owner, "rectification.import")  # the owner may still import, when the worker runs
    mode = job.params.get("mode", ImportForm.MODE_CHECK)
    with job.upload.open("rb") as upload:
        report = imports.parse(upload, progress, user=job.owner)
    if mode != ImportForm.MODE_CHECK and not report.file_errors:
        imports.save(report, user=job.owner, valid_only=mode == ImportForm.MODE_VALID, progress=progress)
        if report.saved:
            job.message = _("已导入 %(count)s 个机构。") % {"count": report.saved}
        elif report.invalid:
            job.message = _("有错误的行，未导入任何数据。请修改后重新上传，或选择只导入校验通过的行。")
    elif mode == ImportForm.MODE_CHECK and not report.file_errors:
        job.message = _("校验完成，未导入。")
    return {
        "mode": mode,
        "file_errors": [str(e) for e in report.file_errors],
        "total": len(report.rows),
        "valid": len(report.valid),
        "saved": report.saved,
        "invalid": [[r.number, r.name, [str(e) for e in r.errors]] for r in report.invalid],
    }


jobs.register("rectification.import", run_import, template="rectification/_import_report.html")
