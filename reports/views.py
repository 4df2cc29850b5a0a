"""Thin views of the reports area: every write is a declared action (reports/rules.py) behind an
``ActionView`` that calls ``reports.services``; pages offer what the rules allow."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core import rules
from core.audit import record_action
from core.mail_rules import may_read_outbox
from core.services import attachments_add, attachments_of
from core.views import ActionView, ScopedDetailView, ScopedListView, page_timeline
from core.visibility import visible_to
from core.xlsx import XLSX_MIME, Column
from organization import campaigns as campaign_choice
from organization import contacts
from organization.choices import PhaseKind
from organization.models import Campaign, Jurisdiction, Unit

from . import rules as reporting_rules
from . import search, selectors, services, todo
from .choices import ReportStatus, SummaryKind
from .filters import MonthlyReportFilter, ReportRecipientFilter, SupervisionFilter, UnitSubmissionFilter
from .forms import (
    GenerateForm,
    MonthForm,
    RecipientForm,
    StartForm,
    SubmissionForm,
    SummaryForm,
    SupervisionConfirmForm,
    SupervisionEditForm,
    SupervisionForm,
    SupervisionReportForm,
    SupervisionReturnForm,
    ThresholdForm,
)
from .models import MonthlyReport, ReportRecipient, SummarySubmission, Supervision, UnitSubmission
from .workbook import summary_workbook


def _current_month(user: Any = None) -> datetime.date | None:
    campaign = Campaign.objects.shown(user=user)
    return selectors.open_month(campaign) if campaign else None


def _month_initial(user: Any = None) -> dict[str, str]:
    month = _current_month(user)
    return {"month": f"{month:%Y-%m}"} if month else {}


def _ended_month_initial(user: Any = None) -> dict[str, str]:
    """The generate form's month: the last one whose period has ended."""
    campaign = Campaign.objects.shown(user=user)
    month = selectors.last_ended_month(campaign) if campaign else None
    return {"month": f"{month:%Y-%m}"} if month else {}


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = campaign_choice.chosen(self.request)  # ?campaign=<id>: a finished one, read-only
        context["campaign"] = campaign
        context.update(campaign_choice.context(self.request, campaign))
        context["timeline"] = selectors.phase_timeline(campaign)
        if campaign is not None:
            context["figures"] = selectors.dashboard_figures(self.request.user, campaign)
            context["my_items"] = selectors.my_deadline_items(self.request.user)
        context["todo"] = todo.todo_items(self.request.user)
        # a street of a city (issue 19): the city's 通报/约谈 of it still to be rectified
        supervisions = selectors.open_supervisions(self.request.user)
        if supervisions:
            context["supervisions"] = supervisions
        if may_read_outbox(self.request.user):  # who reads the outbox fixes where mail goes
            context["unreachable"] = list(contacts.unreachable_units(user=self.request.user).only("pk", "name"))
        return context


class SearchView(LoginRequiredMixin, TemplateView):
    """The top bar's search: results by kind, only what the user may see (``reports.search``)."""

    template_name = "reports/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        text = self.request.GET.get("q", "")
        context["q"] = text
        context["results"] = search.search(self.request.user, text)
        context["min_length"] = search.MIN_LENGTH
        return context


@login_required
def todo_count(request):
    """The top bar's to-do count, fetched by ``static/js/todo.js`` (no page pays for it)."""
    return JsonResponse({"count": todo.todo_count(request.user)})


class IndexView(LoginRequiredMixin, TemplateView):
    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = campaign_choice.chosen(self.request)
        user = self.request.user
        context["campaign"] = campaign
        context.update(campaign_choice.context(self.request, campaign))
        if campaign is not None:
            # a finished campaign (?campaign=): its last month; otherwise the month holding today
            month = selectors.open_month(campaign) or selectors.report_month_for(campaign, timezone.localdate())
            context["month"] = month
            context["due"] = selectors.due_date(campaign, month)
            context["looking_back"] = not campaign_choice.is_default(self.request)
            own = reporting_rules.default_reporting_unit(user)
            if own is not None:
                mine = visible_to(user, UnitSubmission).filter(campaign=campaign, unit_id=own.pk)
                context["my_submission"] = mine.filter(month=month).first()
            context["reports"] = visible_to(user, MonthlyReport).filter(campaign=campaign).order_by("-month")[:6]
            context["campaign_query"] = f"?campaign={campaign.pk}"
        return context


# --- unit monthly submissions ---------------------------------------------------------------------


class SubmissionListView(ScopedListView):
    model = UnitSubmission
    filterset_class = UnitSubmissionFilter
    template_name = "reports/submission_list.html"
    sortable = {
        "month": "month",
        "unit": "unit__name",
        "status": "status",
        "submitted": "submitted_at",
        "by": "submitted_by__username",
    }
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
        context["start_form"] = MonthForm(
            initial=_month_initial(self.request.user), auto_id="id_start_%s"
        )  # the filter has a month too
        context["today"] = timezone.localdate()
        return context


class SubmissionStartView(ActionView):
    """Start (or open) a unit's submission of a month: the user's own unit, or for the street
    office the unit it picks."""

    model = None
    action = "reports.submission_start"
    form_class = StartForm
    success_message = None

    def get_initial(self):
        return _month_initial(self.request.user)

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user}

    def cancel_url(self) -> str:
        return reverse("reports:submission_list")

    def perform(self, form):
        data = form.cleaned_data
        return services.submission_start(user=self.request.user, unit=data["unit"], month=data["month"])


class SubmissionDetailView(ScopedDetailView):
    model = UnitSubmission
    template_name = "reports/submission_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "campaign", "submitted_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or SubmissionForm(instance=self.object)
        context["timeliness"] = self.object.timeliness()
        context["attachments"] = attachments_of(self.object)
        return context


class SubmissionActionView(ActionView):
    """Save the draft, refresh its figures or submit it (the verb is in the URL); an invalid or
    refused form shows the submission page again with what was typed."""

    model = UnitSubmission
    form_class = SubmissionForm
    template_name = "reports/submission_detail.html"
    pk_url_kwarg = "pk"

    VERBS = {
        "submission_edit": gettext_lazy("草稿已保存。"),
        "submission_refresh": gettext_lazy("系统数据已更新。"),
        "submission_submit": gettext_lazy("已报送。"),
    }

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "campaign", "submitted_by")

    def get_action(self) -> str:
        verb = self.kwargs["action"]
        if verb not in self.VERBS:
            raise Http404
        self.success_message = self.VERBS[verb]
        return f"reports.{verb}"

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"instance": self.object}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            timeline=page_timeline(self.request, self.object),
            timeliness=self.object.timeliness(),
            actions=rules.allowed(self.request.user, self.object),
            attachments=attachments_of(self.object),
        )
        return context

    def perform(self, form):
        user, sub = self.request.user, self.object
        texts = {name: form.cleaned_data[name] for name in services.TEXT_FIELDS}
        seen = form.cleaned_data.get("seen")
        if self.rule.name == "reports.submission_refresh":
            return services.submission_refresh_figures(submission=sub, user=user)
        files = form.cleaned_data.get("files") or []
        with transaction.atomic():  # the texts and the files are saved together, or neither
            if self.rule.name == "reports.submission_submit":
                result = services.submission_submit(submission=sub, user=user, seen=seen, **texts)
            else:
                result = services.submission_save(submission=sub, user=user, seen=seen, **texts)
            attachments_add(obj=result, files=files, user=user)
        return result


# --- the monthly report ---------------------------------------------------------------------------


class ReportListView(ScopedListView):
    model = MonthlyReport
    filterset_class = MonthlyReportFilter
    template_name = "reports/report_list.html"
    sortable = {"month": "month", "version": "version", "status": "status", "created": "created_at"}

    def get_queryset(self):
        return super().get_queryset().select_related("campaign", "email", "requested_by", "jurisdiction").defer("data")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["generate_form"] = GenerateForm(initial=_ended_month_initial(self.request.user))
        campaign = Campaign.objects.shown(user=self.request.user)
        context["preview_month"] = selectors.open_month(campaign) if campaign else None
        context["today"] = timezone.localdate()
        return context


class ReportGenerateView(ActionView):
    """Generate the report of a month (once; with ``regenerate`` a new version)."""

    model = None
    action = "reports.report_generate"
    form_class = GenerateForm
    success_message = None

    def get_initial(self):
        return _ended_month_initial(self.request.user)

    def cancel_url(self) -> str:
        return reverse("reports:report_list")

    def perform(self, form):
        data = form.cleaned_data
        return services.report_request(month=data["month"], user=self.request.user, regenerate=data["regenerate"])


class ReportDetailView(ScopedDetailView):
    model = MonthlyReport
    template_name = "reports/report_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("campaign", "email", "requested_by", "jurisdiction")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["data"] = data = selectors.in_language(self.object.data)  # stored in Chinese
        context["charts"] = selectors.report_charts(data.get("sections", []))
        return context


class ReportPreviewView(LoginRequiredMixin, TemplateView):
    """The open period's figures so far, "截至 <today>": computed on every request, never stored
    as a ``MonthlyReport``, never e-mailed; the official report comes once the period has ended.
    Everyone who views the monthly reports views it."""

    template_name = "reports/report_preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = Campaign.objects.shown(user=self.request.user)
        today = timezone.localdate()
        month = selectors.open_month(campaign, today) if campaign else None
        if campaign is None or month is None:
            raise Http404
        start, end = selectors.report_period(campaign, month)
        jurisdiction = selectors.report_jurisdiction_of(self.request.user)
        if jurisdiction is not None:  # a street's or the city's own (issue 19)
            jurisdiction = get_object_or_404(Jurisdiction, pk=jurisdiction)
        data = selectors.report_data(campaign, month, today=today, until=min(today, end), jurisdiction=jurisdiction)
        data = selectors.in_language(data)
        context.update(
            campaign=campaign,
            month=month,
            as_of=min(today, end),
            closes_at=selectors.period_closes_at(campaign, month),
            data=data,
            charts=selectors.report_charts(data.get("sections", [])),
        )
        return context


class ReportRegenerateView(ActionView):
    """Generate the report again: a pending one is queued again, a ready or failed one becomes
    a new version (sent again by e-mail)."""

    model = MonthlyReport
    action = "reports.report_regenerate"
    form_class = forms.Form
    success_message = gettext_lazy("已排队生成。")

    def perform(self, form):
        report = self.object
        return services.report_request(
            month=report.month, user=self.request.user, regenerate=True, campaign=report.campaign
        )


class ReportMailView(ActionView):
    """Send the report's e-mail again: a failed one is retried (``reports.mail_retry``), a sent
    one goes out once more as a new e-mail (``reports.mail_again``)."""

    model = MonthlyReport
    form_class = forms.Form

    def get_queryset(self):
        return super().get_queryset().select_related("email", "campaign")

    def get_action(self) -> str:
        return (
            "reports.mail_retry"
            if rules.check(self.request.user, "reports.mail_retry", self.object)
            else "reports.mail_again"
        )

    def perform(self, form):
        if self.rule.name == "reports.mail_retry":
            self.success_message = _("已重新排队发送。")
            return services.report_mail_retry(report=self.object, user=self.request.user)
        self.success_message = _("已再次发送（新邮件）。")
        return services.report_mail_again(report=self.object, user=self.request.user)


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


# --- the monthly report's recipients --------------------------------------------------------------


class RecipientListView(ScopedListView):
    """The monthly report's recipients, kept by the street office (leaders read them); plus the
    addresses from ``REPORTS_RECIPIENTS``, which are set in the environment."""

    model = ReportRecipient
    template_name = "reports/recipient_list.html"
    filterset_class = ReportRecipientFilter
    paginate_by = 100

    def get_queryset(self):
        # in a city each office lists its own jurisdiction's (issue 19)
        return selectors.recipients_kept_by(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # the environment's addresses are shown to whoever keeps the list, like its rows
        may_keep = rules.check(self.request.user, "reports.recipient_add")
        context["configured"] = services.configured_recipients() if may_keep else []
        context["form"] = RecipientForm()
        return context


class RecipientAddView(ActionView):
    model = None
    action = "reports.recipient_add"
    form_class = RecipientForm
    success_message = gettext_lazy("已添加月报收件人。")

    def cancel_url(self) -> str:
        return reverse("reports:recipient_list")

    def get_success_url(self, result: Any = None) -> str:
        return reverse("reports:recipient_list")

    def perform(self, form):
        return services.recipient_add(
            user=self.request.user, **{k: form.cleaned_data[k] for k in services.RECIPIENT_FIELDS}
        )


class RecipientEditView(ActionView):
    model = ReportRecipient
    action = "reports.recipient_edit"
    form_class = RecipientForm

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"instance": ReportRecipient.objects.get(pk=self.object.pk)}  # the form edits a copy

    def perform(self, form):
        fields = {k: form.cleaned_data[k] for k in services.RECIPIENT_FIELDS}
        return services.recipient_update(recipient=self.object, user=self.request.user, **fields)


class RecipientActiveView(ActionView):
    """Deactivate a recipient (no more monthly reports) or activate it again."""

    model = ReportRecipient
    form_class = forms.Form
    active = False

    def get_action(self) -> str:
        return "reports.recipient_activate" if self.active else "reports.recipient_deactivate"

    def perform(self, form):
        self.success_message = _("已启用。") if self.active else _("已停用，不再收到月报。")
        return services.recipient_set_active(recipient=self.object, user=self.request.user, active=self.active)


# --- supervision scorecard -------------------------------------------------------------------------


class ScorecardView(LoginRequiredMixin, TemplateView):
    template_name = "reports/scorecard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = campaign_choice.chosen(self.request)
        context["campaign"] = campaign
        context.update(campaign_choice.context(self.request, campaign))
        # a finished campaign's scorecard as it stood at its end
        until = min(timezone.localdate(), campaign.end_date) if campaign and campaign.end_date else None
        context["card"] = selectors.scorecard_for(self.request.user, campaign, today=until)
        context["threshold_form"] = ThresholdForm(instance=campaign) if campaign else None
        return context


class ScorecardThresholdView(ActionView):
    """The street office sets the score below which a unit is named a laggard."""

    model = Campaign
    action = "reports.scorecard_threshold"
    form_class = ThresholdForm
    success_message = gettext_lazy("后进线已更新。")

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"instance": self.object}

    def cancel_url(self) -> str:
        return reverse("reports:scorecard")

    def get_success_url(self, result: Any = None) -> str:
        return reverse("reports:scorecard")

    def perform(self, form):
        return services.scorecard_threshold_set(
            campaign=self.object, user=self.request.user, laggard_score=form.cleaned_data["laggard_score"]
        )


class SupervisionListView(ScopedListView):
    """The city office's 通报 and 约谈 of its streets (issue 19): the city sees all of them and
    records new ones; a street's office and leaders see their own, with the deadline, the
    rectification state and 逾期; filtered by state (e.g. 已报整改情况, for the city to answer)."""

    model = Supervision
    filterset_class = SupervisionFilter
    template_name = "reports/supervision_list.html"
    paginate_by = 50
    sortable = {"date": "date", "rectify_by": "rectify_by"}

    def get_queryset(self):
        return super().get_queryset().select_related("jurisdiction", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today"] = today = timezone.localdate()
        for row in context["object_list"]:
            row.overdue = row.is_overdue(today)
        if rules.check(self.request.user, "reports.supervision_record"):
            context["form"] = SupervisionForm(
                city_id=selectors.own_jurisdiction_id(self.request.user),
                initial={"date": timezone.localdate().isoformat(), "street": self.request.GET.get("street")},
            )
        return context


class SupervisionAddView(ActionView):
    model = None
    action = "reports.supervision_record"
    form_class = SupervisionForm
    success_message = gettext_lazy("已记录通报约谈。")

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"city_id": selectors.own_jurisdiction_id(self.request.user)}

    def cancel_url(self) -> str:
        return reverse("reports:supervision_list")

    def get_success_url(self, result: Any = None) -> str:
        return reverse("reports:supervision_list")

    def perform(self, form):
        data = form.cleaned_data
        return services.supervision_record(
            user=self.request.user,
            street=data["street"],
            kind=data["kind"],
            date=data["date"],
            text=data["text"],
            rectify_by=data["rectify_by"],
            reason=data.get("reason") or "",
        )


class SupervisionDetailView(ScopedDetailView):
    """A 通报/约谈 with its rectification and history; offers what the rules allow: the street's
    office its report, the city its edit, confirmation or return."""

    model = Supervision
    template_name = "reports/supervision_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("jurisdiction", "created_by", "reported_by", "confirmed_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overdue"] = self.object.is_overdue()
        return context


class _SupervisionActionView(ActionView):
    model = Supervision

    def get_queryset(self):
        return super().get_queryset().select_related("jurisdiction")

    def extra_form_kwargs(self) -> dict[str, Any]:
        if issubclass(self.form_class, forms.ModelForm):  # the form validates a copy, not the object
            return {"instance": Supervision.objects.get(pk=self.object.pk)}
        return {}


class SupervisionEditView(_SupervisionActionView):
    action = "reports.supervision_edit"
    form_class = SupervisionEditForm
    success_message = gettext_lazy("通报约谈已修改。")

    def perform(self, form):
        data = form.cleaned_data
        return services.supervision_update(
            supervision=self.object,
            user=self.request.user,
            kind=data["kind"],
            date=data["date"],
            text=data["text"],
            rectify_by=data["rectify_by"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )


class SupervisionReportView(_SupervisionActionView):
    action = "reports.supervision_report"
    form_class = SupervisionReportForm
    success_message = gettext_lazy("已报告整改情况，待市专项办确认。")

    def perform(self, form):
        return services.supervision_report(
            supervision=self.object,
            user=self.request.user,
            rectification=form.cleaned_data["rectification"],
            rectified_on=form.cleaned_data["rectified_on"],
        )


class SupervisionConfirmView(_SupervisionActionView):
    action = "reports.supervision_confirm"
    form_class = SupervisionConfirmForm
    success_message = gettext_lazy("已确认整改。")

    def perform(self, form):
        return services.supervision_confirm(
            supervision=self.object, user=self.request.user, reason=form.cleaned_data.get("reason") or ""
        )


class SupervisionReturnView(_SupervisionActionView):
    action = "reports.supervision_return"
    form_class = SupervisionReturnForm
    success_message = gettext_lazy("已退回整改情况。")

    def perform(self, form):
        return services.supervision_return(
            supervision=self.object, user=self.request.user, reason=form.cleaned_data["reason"]
        )


# --- campaign summary ---------------------------------------------------------------------------------


def _summary_of(request) -> SummarySubmission:
    """The summary the page is about: of ``?unit=`` (a unit the user may see) or the user's own
    unit; the unit's stored summary when the user may see it, a new draft when it has none (404
    for another unit's draft)."""
    unit_id = request.GET.get("unit") or request.POST.get("unit")
    if unit_id:
        if not str(unit_id).isdecimal():
            raise Http404
        unit = get_object_or_404(visible_to(request.user, Unit), pk=unit_id)
    elif request.user.unit_id:
        unit = request.user.unit
    else:
        raise Http404
    campaign = campaign_choice.chosen(request)
    if campaign is None:
        raise Http404
    summary = services.summary_for(unit=unit, campaign=campaign)
    if summary.pk and not visible_to(request.user, SummarySubmission).filter(pk=summary.pk).exists():
        raise Http404
    return summary


def _summary_context(request, summary: SummarySubmission, form=None) -> dict[str, Any]:
    user = request.user
    actions = rules.allowed(user, summary)
    return {
        "unit": summary.unit,
        "campaign": summary.campaign,
        "summary": summary if summary.pk else None,
        "kind": summary.kind,
        "is_group": summary.kind == SummaryKind.GROUP,
        "form": form or SummaryForm(instance=summary, kind=summary.kind),
        "actions": actions,
        "groups": user.unit.hosted_groups.all() if user.unit_id else [],
        "phase": summary.campaign.phases.filter(kind=PhaseKind.SUMMARY).first(),
    }


class SummaryEditView(LoginRequiredMixin, TemplateView):
    """The user's unit's summary (a working group for its host unit's staff or members): the
    form when the rules allow saving it, read-only otherwise. POST is ``SummaryActionView``."""

    template_name = "reports/summary_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_summary_context(self.request, _summary_of(self.request)))
        return context

    def post(self, request, *args, **kwargs):
        return SummaryActionView.as_view()(request, *args, **kwargs)


class SummaryActionView(ActionView):
    """Save (``reports.summary_save``) or hand in (``reports.summary_submit``) a summary."""

    model = SummarySubmission
    template_name = "reports/summary_form.html"
    form_class = SummaryForm

    def get_object(self):
        return _summary_of(self.request)

    def get_action(self) -> str:
        return "reports.summary_submit" if self.request.POST.get("action") == "submit" else "reports.summary_save"

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"kind": self.object.kind}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_summary_context(self.request, self.object, context["form"]))
        return context

    def cancel_url(self) -> str:
        return self.get_success_url()

    def get_success_url(self, result: Any = None) -> str:
        return f"{reverse('reports:summary_edit')}?unit={self.object.unit_id}"

    def perform(self, form):
        return services.summary_save(
            user=self.request.user,
            unit=self.object.unit,
            fields=form.cleaned_data,
            submit=self.rule.name == "reports.summary_submit",
            campaign=self.object.campaign,
        )


class SummaryReportView(LoginRequiredMixin, TemplateView):
    """The summary report: every unit views the submitted summaries (``scope_q``)."""

    template_name = "reports/summary_report.html"

    def get(self, request, *args, **kwargs):
        campaign = campaign_choice.chosen(request)
        if campaign is None:
            raise Http404
        data = selectors.summary_data(campaign, today=timezone.localdate(), user=request.user)
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
        context = self.get_context_data(
            campaign=campaign, data=selectors.in_language(data), **campaign_choice.context(request, campaign)
        )
        return self.render_to_response(context)
