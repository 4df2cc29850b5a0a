"""Background jobs (issue 17): long work (an import, a big export) runs in a Celery worker while
the user watches its progress on the job's page.

- ``start(kind=, owner=, title=, params=, upload=)`` records a ``Job`` (the upload stored under
  ``MEDIA_ROOT/jobs/``) and enqueues ``core.tasks.run_job``; if the broker is down the job stays
  queued and beat's ``run_pending_jobs`` runs it later.
- ``run(pk)`` claims the job with a conditional ``UPDATE`` (one worker wins; a claim whose
  progress has not moved for ``JOBS_STALE_SECONDS`` is taken over after a lost worker), calls the
  kind's runner with a ``Progress`` and stores its report (``Job.result``) or its file.
- A kind is registered once with ``register(kind, runner, template=)``, in the area's
  ``jobs.py`` (found by ``CoreConfig.ready``); ``template`` renders ``job.result`` on the job page.
- Only the owner sees a job, its page, its progress and its file (``of(user)``): 404 to anyone else.
- ``recent_for(user)``: the user's latest jobs, for 我的待办 and the top bar.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import locks
from .choices import JobState
from .exceptions import DomainError
from .models import Job

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    name: str
    run: Callable[[Job, Progress], dict[str, Any] | None]
    template: str | None = None


KINDS: dict[str, Kind] = {}


def register(name: str, run: Callable[[Job, Progress], dict[str, Any] | None], *, template: str | None = None) -> None:
    KINDS[name] = Kind(name, run, template)


class Progress:
    """What a runner reports: ``begin(total, message)`` then ``advance()`` per row. The row is
    written every ``JOBS_PROGRESS_EVERY`` rows (one cheap ``UPDATE``), and at ``flush()``."""

    def __init__(self, job: Job, every: int | None = None):
        self.job = job
        self.every = every or settings.JOBS_PROGRESS_EVERY
        self._unsaved = 0

    def begin(self, total: int, message: Any = "") -> None:
        self.job.total, self.job.done, self.job.message = max(total, 0), 0, str(message)[:500]
        self.flush()

    def advance(self, n: int = 1) -> None:
        self.job.done += n
        self._unsaved += n
        if self._unsaved >= self.every:
            self.flush()

    def flush(self) -> None:
        self._unsaved = 0
        if self.job.total and self.job.done > self.job.total:
            self.job.total = self.job.done  # the sheet's own row count was short
        # The cache, and the row unless the runner is inside a transaction (an all-or-nothing
        # import): there the row's change would be invisible to the page until the commit, and
        # would lock it on SQLite. The cache is seen at once; it is also the heartbeat.
        now = timezone.now()
        cache.set(progress_key(self.job.pk), (self.job.done, self.job.total, self.job.message, now), 3600)
        if not connection.in_atomic_block:
            Job.objects.filter(pk=self.job.pk).update(
                done=self.job.done, total=self.job.total, message=self.job.message, touched_at=now
            )

    def rows(self, items: Iterable[Any]) -> Iterator[Any]:
        """``items`` again, advancing once per item."""
        for item in items:
            yield item
            self.advance()


class NoProgress(Progress):
    """For callers without a job (a command, a test): reports nothing."""

    def __init__(self) -> None:
        pass

    def begin(self, total: int, message: Any = "") -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def flush(self) -> None:
        pass


NO_PROGRESS = NoProgress()


def progress_key(pk: int) -> str:
    return f"core:job-progress:{pk}"


def live(job: Job) -> Job:
    """``job`` with the progress its worker last reported (a running job)."""
    if job.state == JobState.RUNNING:
        latest = cache.get(progress_key(job.pk))
        if latest:
            job.done, job.total, job.message, _touched = latest
    return job


def of(user: Any) -> QuerySet[Job]:
    """The jobs ``user`` may see: their own, nobody else's (not even the street office's)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Job.objects.none()
    return Job.objects.filter(owner_id=user.pk)


def recent_for(user: Any, limit: int = 5) -> list[Job]:
    """The user's latest jobs, newest first (for 我的待办: a finished one shows there)."""
    return list(of(user).only("pk", "kind", "title", "state", "done", "total", "created_at", "finished_at")[:limit])


def start(*, kind: str, owner: Any, title: Any, params: dict[str, Any] | None = None, upload: Any = None) -> Job:
    """Record a job (storing ``upload``) and queue it for a worker."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, owner=owner, title=str(title)[:200], params=dict(params or {}))
    job.params.setdefault("language", translation.get_language() or settings.LANGUAGE_CODE)
    if upload is not None:
        upload.seek(0)
        job.upload.save("upload.xlsx", File(upload), save=False)
    job.save()
    enqueue(job.pk)
    job.refresh_from_db()
    return job


def enqueue(pk: int) -> None:
    from .tasks import run_job

    try:
        run_job.delay(pk)
    except Exception:  # the broker is down (or, run eagerly, the job failed and says so itself)
        logger.warning("job %s: the broker is unreachable; run_pending_jobs will run it", pk, exc_info=True)


def _claim(pk: int) -> bool:
    stale = timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS)
    now = timezone.now()
    if _heartbeat(pk) >= stale:  # its worker reported progress lately (inside a transaction)
        stale = now - timedelta(days=365)
    return bool(
        Job.objects.filter(pk=pk)
        .filter(Q(state=JobState.QUEUED) | Q(state=JobState.RUNNING, touched_at__lt=stale))
        .update(state=JobState.RUNNING, started_at=now, touched_at=now, done=0)
    )


def run(pk: int) -> bool:
    """Run one job if this call wins its claim. Returns whether it ran. The running worker holds
    the job's session lock (``core.locks``): a takeover of a job that only looks stale (no
    progress for ``JOBS_STALE_SECONDS``, its worker alive) is refused; a dead worker's lock is gone."""
    with locks.held_while_alive("core.job", pk) as got_lock:
        if not got_lock or not _claim(pk):
            return False
        _run_claimed(pk)
    return True


def _run_claimed(pk: int) -> None:
    job = Job.objects.select_related("owner").get(pk=pk)
    kind = KINDS.get(job.kind)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            if kind is None:
                raise DomainError(_("未知的任务类型。"))
            result = kind.run(job, Progress(job)) or {}
        except DomainError as exc:
            _finish(job, JobState.FAILED, str(exc.message), {})
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _finish(job, JobState.FAILED, gettext("任务出错，未完成。请稍后重试，或联系管理员。"), {})
            raise
        else:
            _finish(job, JobState.DONE, job.message if job.message else gettext("已完成。"), result)


def _finish(job: Job, state: str, message: str, result: dict[str, Any]) -> None:
    job.state, job.message, job.result, job.finished_at = state, message[:500], result, timezone.now()
    if state == JobState.DONE and job.total and job.done < job.total:
        job.done = job.total
    job.save(update_fields=["state", "message", "result", "finished_at", "done", "total", "result_file", "result_name"])
    if job.upload:
        job.upload.delete(save=False)  # the uploaded workbook is not kept once it is read
        Job.objects.filter(pk=job.pk).update(upload="")


def pending_ids() -> list[int]:
    """Jobs a worker never took (the broker was down) or whose worker died."""
    now = timezone.now()
    queued = Q(state=JobState.QUEUED, created_at__lt=now - timedelta(seconds=30))
    stale = now - timedelta(seconds=settings.JOBS_STALE_SECONDS)
    lost = Q(state=JobState.RUNNING, touched_at__lt=stale)
    pks = Job.objects.filter(queued | lost).order_by("created_at").values_list("pk", "state")[:50]
    return [pk for pk, state in pks if state == JobState.QUEUED or _heartbeat(pk) < stale]


def _heartbeat(pk: int):
    latest = cache.get(progress_key(pk))
    return latest[3] if latest else timezone.now() - timedelta(days=365)


def save_result_file(job: Job, filename: str, write: Callable[[Any], None]) -> None:
    """Write the job's file with ``write(binary_file)`` and keep it (downloaded by the owner only)."""
    with tempfile.TemporaryFile(suffix=".xlsx") as tmp:
        write(tmp)
        tmp.seek(0)
        job.result_file.save("result.xlsx", File(tmp), save=False)
    job.result_name = filename[:200]


# --- big exports ------------------------------------------------------------------------------


def run_export(job: Job, progress: Progress) -> dict[str, Any]:
    """Rebuild the list view with the owner and the query string the export was asked with, so
    the scope and the filter are the view's own, then write its rows with ``core.xlsx``."""
    from django.contrib.sessions.backends.base import SessionBase
    from django.http import HttpRequest, QueryDict
    from django.utils.module_loading import import_string

    from .models import ExportLog
    from .xlsx import MAX_ROWS, too_many_rows, write_rows

    view_class = import_string(job.params["view"])
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(job.params.get("query", ""))
    request.user = job.owner
    request.session = SessionBase()
    view = view_class()
    view.setup(request, **job.params.get("kwargs", {}))
    queryset = view.export_queryset()
    total = queryset.count()
    if total > MAX_ROWS:
        raise too_many_rows(total)
    progress.begin(total, gettext("正在导出……"))
    title = str(view.export_title)
    counted = {}

    def write(tmp):
        # In a transaction, PostgreSQL's cursor streams the rows while they are written (outside
        # one it is WITH HOLD: the whole result is materialised first); progress then goes to the
        # cache only, which the job page reads.
        with transaction.atomic():
            counted["n"] = write_rows(tmp, title, view.export_columns, view.export_rows(), on_rows=progress.advance)

    save_result_file(job, job.params.get("filename") or f"{title}.xlsx", write)
    progress.flush()
    ExportLog.objects.create(user=job.owner, what=title, filters=job.params.get("filters", {}), row_count=counted["n"])
    job.message = gettext("已导出 %(n)s 行，请下载。") % {"n": f"{counted['n']:,}"}
    return {"rows": counted["n"]}


register("core.export", run_export)
