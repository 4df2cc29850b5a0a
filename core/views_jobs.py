"""Background jobs' pages (issue 17): my jobs, one job with its progress and result, the small
JSON the page polls, and the job's file. Only the owner: anyone else gets 404 (``core.jobs.of``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.views.generic import DetailView, ListView

from . import jobs
from .xlsx import XLSX_MIME


class JobListView(LoginRequiredMixin, ListView):
    template_name = "core/job_list.html"
    context_object_name = "jobs"
    paginate_by = 25

    def get_queryset(self):
        return jobs.of(self.request.user)


class JobDetailView(LoginRequiredMixin, DetailView):
    template_name = "core/job_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return jobs.of(self.request.user)

    def get_context_data(self, **kwargs):
        jobs.live(self.object)
        context = super().get_context_data(**kwargs)
        kind = jobs.KINDS.get(self.object.kind)
        context["result_template"] = kind.template if kind else None
        return context


def _status(job) -> dict:
    counts = (
        gettext("已处理 %(done)s / %(total)s（%(percent)s%%）")
        % {"done": job.done, "total": job.total, "percent": job.percent}
        if job.total
        else f"{job.percent}%"
    )
    return {
        "counts": counts,
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "finished": job.finished,
    }


@login_required
def job_status(request, pk: int):
    """What the job page polls (``static/js/jobs.js``)."""
    job = jobs.live(get_object_or_404(jobs.of(request.user), pk=pk))
    response = JsonResponse(_status(job))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def job_file(request, pk: int):
    """The job's file (a big export), to its owner only."""
    job = get_object_or_404(jobs.of(request.user), pk=pk)
    if not job.result_file:
        raise Http404
    response = FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=job.result_name or "export.xlsx",
        content_type=XLSX_MIME,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
