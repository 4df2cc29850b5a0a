"""Thin views of the reports area: every write goes through ``reports.services``."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from core.audit import record_action
from core.exceptions import DomainError
from core.views import ScopedDetailView, ScopedListView
from core.visibility import can_write, scope_of, visible_to
from core.xlsx import XLSX_MIME, Column
from organization.choices import PhaseKind, UnitKind
from organization.models import Campaign

from . import selectors, services
from .choices import ReportStatus, SubmissionStatus, SummaryKind
from .filters import MonthlyReportFilter, UnitSubmissionFilter
from .forms import GenerateForm, MonthForm, SubmissionForm, SummaryForm
from .models import MonthlyReport, SummarySubmission, UnitSubmission
from .workbook import summary_workbook


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = Campaign.objects.current()
        context["campaign"] = campaign
        context["timeline"] = selectors.phase_timeline(campaign)
        if campaign is not None:
            context["figures"] = selectors.dashboard_figures(self.request.user, campaign)
            context["my_items"] = selectors.my_deadline_items(self.request.user)
        return context


class StreetOfficeMixin(LoginRequiredMixin):
    """Pages of the street office's own report: street office and leaders."""

    def dispatch(self, request, *args, **kwargs):
        scope = scope_of(request.user)
        if request.user.is_authenticated and not (scope and scope.sees_all):
            raise PermissionDenied(_("只有街道专项办和领导可以查看月报。"))
        return super().dispatch(request, *args, **kwargs)


def _write_or_403(request) -> None:
    if not can_write(request.user):
        raise PermissionDenied(_("您的账号为只读权限。"))


class IndexView(LoginRequiredMixin, TemplateView):
    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = Campaign.objects.current()
        user = self.request.user
        context["campaign"] = campaign
        context["sees_all"] = user.scope.sees_all
        if campaign is not None:
            month = selectors.report_month_for(campaign, timezone.localdate())
            context["month"] = month
            context["due"] = selectors.due_date(campaign, month)
            if user.unit_id and user.unit.kind in (UnitKind.COMMUNITY, UnitKind.MEMBER_UNIT):
                context["my_submission"] = UnitSubmission.objects.filter(
                    campaign=campaign, unit_id=user.unit_id, month=month
                ).first()
                context["can_submit"] = can_write(user)
            if user.scope.sees_all:
                context["reports"] = MonthlyReport.objects.filter(campaign=campaign).order_by("-month")[:6]
        return context


# --- unit monthly submissions ---------------------------------------------------------------------


class SubmissionListView(ScopedListView):
    model = UnitSubmission
    filterset_class = UnitSubmissionFilter
    template_name = "reports/submission_list.html"
    export_title = gettext_lazy("月度报送")
    export_columns = [
        Column(gettext_lazy("月份"), lambda s: s.month.strftime("%Y-%m"), 10),
        Column(gettext_lazy("单位"), lambda s: s.unit.name, 22),
        Column(gettext_lazy("状态"), lambda s: s.get_status_display(), 10),
        Column(gettext_lazy("逾期报送"), lambda s: s.late, 10),
        Column(gettext_lazy("报送时间"), lambda s: s.submitted_at, 18),
        Column(gettext_lazy("本月工作开展情况"), lambda s: s.work_done, 50),
        Column(gettext_lazy("存在问题"), lambda s: s.problems, 40),
        Column(gettext_lazy("下一步工作计划"), lambda s: s.next_steps, 40),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "submitted_by").defer("figures")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = Campaign.objects.current()
        user = self.request.user
        context["start_form"] = MonthForm(
            initial={"month": f"{selectors.report_month_for(campaign, timezone.localdate()):%Y-%m}"} if campaign else {}
        )
        context["can_start"] = bool(
            campaign
            and can_write(user)
            and user.unit_id
            and user.unit.kind in (UnitKind.COMMUNITY, UnitKind.MEMBER_UNIT)
        )
        context["today"] = timezone.localdate()
        return context


@login_required
@require_POST
def submission_start(request):
    _write_or_403(request)
    form = MonthForm(request.POST)
    if not form.is_valid() or not request.user.unit_id:
        messages.error(request, _("请选择月份。"))
        return redirect("reports:submission_list")
    try:
        submission = services.submission_start(
            user=request.user, unit=request.user.unit, month=form.cleaned_data["month"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:submission_list")
    return redirect("reports:submission_detail", pk=submission.pk)


class SubmissionDetailView(ScopedDetailView):
    model = UnitSubmission
    template_name = "reports/submission_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "campaign", "submitted_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sub = self.object
        context["editable"] = sub.status == SubmissionStatus.DRAFT and context["can_write"]
        context["form"] = kwargs.get("form") or SubmissionForm(instance=sub)
        context["timeliness"] = sub.timeliness()
        return context

    def post(self, request, *args, **kwargs):
        _write_or_403(request)
        self.object = sub = self.get_object()
        action = request.POST.get("action", "save")
        form = SubmissionForm(request.POST, instance=sub)
        try:
            if action == "refresh":
                services.submission_refresh_figures(submission=sub, user=request.user)
                messages.success(request, _("系统数据已更新。"))
                return redirect("reports:submission_detail", pk=sub.pk)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form))
            services.submission_save(submission=sub, user=request.user, **form.cleaned_data)
            if action == "submit":
                services.submission_submit(submission=sub, user=request.user)
                messages.success(request, _("已报送。"))
            else:
                messages.success(request, _("草稿已保存。"))
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form))
        return redirect("reports:submission_detail", pk=sub.pk)


# --- the monthly report ---------------------------------------------------------------------------


class ReportListView(StreetOfficeMixin, ScopedListView):
    model = MonthlyReport
    filterset_class = MonthlyReportFilter
    template_name = "reports/report_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("campaign", "email", "requested_by").defer("data")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = Campaign.objects.current()
        month = selectors.report_month_for(campaign, timezone.localdate()) if campaign else None
        context["generate_form"] = GenerateForm(initial={"month": f"{month:%Y-%m}"} if month else {})
        return context


@login_required
@require_POST
def report_generate(request):
    _write_or_403(request)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请按 YYYY-MM 格式填写月份。"))
        return redirect("reports:report_list")
    try:
        report = services.report_request(
            month=form.cleaned_data["month"], user=request.user, regenerate=form.cleaned_data["regenerate"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:report_list")
    return redirect("reports:report_detail", pk=report.pk)


class ReportDetailView(StreetOfficeMixin, ScopedDetailView):
    model = MonthlyReport
    template_name = "reports/report_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("campaign", "email", "requested_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["regenerate_form"] = GenerateForm(initial={"month": f"{self.object.month:%Y-%m}", "regenerate": True})
        context["data"] = self.object.data
        context["charts"] = selectors.report_charts(self.object.data.get("sections", []))
        return context


def _status_payload(report: MonthlyReport) -> dict:
    ready = report.status == ReportStatus.READY and bool(report.file)
    mail = report.email
    return {
        "id": report.pk,
        "status": report.status,
        "status_display": str(report.get_status_display()),
        "version": report.version,
        "ready": ready,
        "download_url": reverse("reports:report_download", args=[report.pk]) if ready else "",
        "error": report.error,
        "email_status": mail.status if mail else "",
        "email_error": mail.last_error if mail else "",
    }


@login_required
def report_status(request, pk: int):
    report = get_object_or_404(visible_to(request.user, MonthlyReport).select_related("email"), pk=pk)
    return JsonResponse(_status_payload(report))


@login_required
def report_download(request, pk: int):
    report = get_object_or_404(visible_to(request.user, MonthlyReport), pk=pk)
    if not report.file:
        raise Http404
    record_action(report, actor=request.user, action_text=_("下载月报"))
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.filename, content_type=XLSX_MIME)


@login_required
@require_POST
def report_mail_retry(request, pk: int):
    _write_or_403(request)
    report = get_object_or_404(visible_to(request.user, MonthlyReport), pk=pk)
    services.report_mail_retry(report=report, user=request.user)
    messages.success(request, _("已重新排队发送。"))
    return redirect("reports:report_detail", pk=report.pk)


# --- supervision scorecard -------------------------------------------------------------------------


class ScorecardView(LoginRequiredMixin, TemplateView):
    template_name = "reports/scorecard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = Campaign.objects.current()
        context["campaign"] = campaign
        context["card"] = selectors.scorecard(campaign)
        return context


# --- campaign summary ---------------------------------------------------------------------------------


class SummaryEditView(LoginRequiredMixin, TemplateView):
    """The user's unit's summary (a working group for its host unit's staff or members)."""

    template_name = "reports/summary_form.html"

    def unit(self):
        from organization.models import Unit

        unit_id = self.request.GET.get("unit") or self.request.POST.get("unit")
        scope = self.request.user.scope
        if unit_id:
            if not str(unit_id).isdecimal():
                raise Http404
            unit = get_object_or_404(Unit, pk=unit_id)
            if unit.pk not in scope.unit_ids and not scope.sees_all:
                raise Http404
            return unit
        if not self.request.user.unit_id:
            raise Http404
        return self.request.user.unit

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = kwargs.get("unit") or self.unit()
        campaign = Campaign.objects.current()
        summary = SummarySubmission.objects.filter(campaign=campaign, unit=unit).first() if campaign else None
        kind = services.summary_kind_for(unit)
        context.update(
            unit=unit,
            campaign=campaign,
            summary=summary,
            kind=kind,
            is_group=kind == SummaryKind.GROUP,
            form=kwargs.get("form") or SummaryForm(instance=summary, kind=kind),
            editable=can_write(self.request.user) and not (summary and summary.status == SubmissionStatus.SUBMITTED),
            groups=self.request.user.unit.hosted_groups.all() if self.request.user.unit_id else [],
            phase=campaign.phases.filter(kind=PhaseKind.SUMMARY).first() if campaign else None,
        )
        return context

    def post(self, request, *args, **kwargs):
        _write_or_403(request)
        unit = self.unit()
        kind = services.summary_kind_for(unit)
        form = SummaryForm(request.POST, kind=kind)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, unit=unit))
        try:
            services.summary_save(
                user=request.user, unit=unit, fields=form.cleaned_data, submit=request.POST.get("action") == "submit"
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form, unit=unit))
        messages.success(request, _("已保存。"))
        return redirect(f"{reverse('reports:summary_edit')}?unit={unit.pk}")


class SummaryReportView(StreetOfficeMixin, TemplateView):
    template_name = "reports/summary_report.html"

    def get(self, request, *args, **kwargs):
        campaign = Campaign.objects.current()
        if campaign is None:
            raise Http404
        data = selectors.summary_data(campaign, today=timezone.localdate())
        if request.GET.get("export") == "xlsx":
            from io import BytesIO

            record_action(campaign, actor=request.user, action_text=_("导出总结报告"))
            stamp = datetime.date.today().strftime("%Y%m%d")
            return FileResponse(
                BytesIO(summary_workbook(data)),
                as_attachment=True,
                filename=f"总结报告-{stamp}.xlsx",
                content_type=XLSX_MIME,
            )
        return self.render_to_response(self.get_context_data(campaign=campaign, data=data))
