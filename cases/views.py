"""Case pages: the list (with export), typical cases, the case page with its steps, ledger and
plans, and the forms. Thin: every write is a service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from core.exceptions import DomainError
from core.forms import quick_selects
from core.views import ScopedDetailView, ScopedListView, ScopedQuerysetMixin, WriteAccessMixin
from core.xlsx import Column
from leads.models import Lead

from . import services
from .choices import LedgerKind
from .filters import CaseFilter, LedgerEntryFilter
from .forms import AdvanceForm, CaseForm, LedgerEntryForm, LinkLeadsForm, OpinionPlanForm, ReverseForm
from .models import Case, CaseStep, LedgerEntry, PublicOpinionPlan, step_intervals
from .selectors import fast_track_cached


def _percent(rate) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


class CaseListView(ScopedListView):
    """All visible cases, filtered; ledger totals are DB annotations."""

    model = Case
    filterset_class = CaseFilter
    template_name = "cases/case_list.html"
    export_title = _("案件")
    heading = _("案件")
    show_fast_track = True
    export_columns = [
        Column(_("案件名称"), lambda c: c.title, 30),
        Column(_("案件编号"), lambda c: c.number, 16),
        Column(_("案件类别"), lambda c: c.get_kind_display(), 10),
        Column(_("办理环节"), lambda c: c.get_step_display(), 10),
        Column(_("环节日期"), lambda c: c.step_date, 12),
        Column(_("立案/受理日期"), lambda c: c.opened_on, 12),
        Column(_("结案日期"), lambda c: c.closed_on, 12),
        Column(_("诈骗类型"), lambda c: c.get_fraud_type_display(), 12),
        Column(_("办案单位"), lambda c: c.handling_unit.name, 16),
        Column(_("嫌疑人数"), lambda c: c.suspects, 8),
        Column(_("抓获/刑拘人数"), lambda c: c.detained, 8),
        Column(_("受害人数"), lambda c: c.victims, 8),
        Column(_("其中老年人数"), lambda c: c.elderly_victims, 8),
        Column(_("涉案金额（元）"), lambda c: c.amount_involved, 14),
        Column(_("止付"), lambda c: c.stopped_total, 12),
        Column(_("冻结"), lambda c: c.frozen_total, 12),
        Column(_("查封/扣押"), lambda c: c.seized_total, 12),
        Column(_("追缴"), lambda c: c.recovered_total, 12),
        Column(_("退赔/清退"), lambda c: c.returned_total, 12),
        Column(_("挽损率"), lambda c: _percent(c.recovery_rate()), 8),
        Column(_("团伙作案"), lambda c: c.is_gang, 6),
        Column(_("涉黑恶势力"), lambda c: c.is_organised_crime, 6),
        Column(_("涉腐败/保护伞"), lambda c: c.is_corruption, 6),
        Column(_("涉众型"), lambda c: c.is_many_victims, 6),
        Column(_("重大敏感"), lambda c: c.is_major, 6),
        Column(_("典型案例"), lambda c: c.is_typical, 6),
        Column(_("涉稳风险等级"), lambda c: c.get_stability_risk_display(), 8),
        Column(_("涉及机构"), lambda c: c.institution.name if c.institution else "", 20),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("handling_unit", "institution")
            .with_totals()
            .order_by("-opened_on", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading
        context["can_handle"] = services.can_handle_cases(self.request.user)
        if self.show_fast_track:
            # the filtered cases (all of them when no filter is set), not just this page
            context["fast_track"], context["fast_track_at"] = fast_track_cached(self.object_list)
        return context


class TypicalCaseListView(CaseListView):
    """Typical cases (典型案例), for publicity."""

    export_title = _("典型案例")
    heading = _("典型案例")
    show_fast_track = False

    def get_queryset(self):
        return super().get_queryset().typical()


class CaseDetailView(ScopedDetailView):
    """The case page; its forms (advance a step, add or reverse a ledger entry) post here and
    are shown again with what was typed when a rule refuses them."""

    model = Case
    template_name = "cases/case_detail.html"

    def get_queryset(self):
        reversed_q = Exists(LedgerEntry.objects.filter(reverses=OuterRef("pk")))
        ledger = LedgerEntry.objects.select_related("created_by").annotate(is_reversed=reversed_q)
        return (
            super()
            .get_queryset()
            .select_related("handling_unit", "institution", "created_by", "opinion_plan")
            .with_totals()
            .prefetch_related(
                Prefetch("steps", queryset=CaseStep.objects.select_related("by")),
                Prefetch("ledger", queryset=ledger.order_by("date", "pk")),
                Prefetch("leads", queryset=Lead.objects.only("pk", "number", "summary", "status").order_by("pk")),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        steps = list(case.steps.all())
        reached = {s.step: s for s in steps}
        context["step_rows"] = step_intervals(steps)
        context["progress"] = [(step, reached.get(step)) for step in case.steps_of_kind]
        context["totals"] = [(kind, label, getattr(case, f"{kind}_total")) for kind, label in LedgerKind.choices]
        context["rate"] = case.recovery_rate()
        context["opinion_plan"] = getattr(case, "opinion_plan", None) if case.pk else None
        context["can_handle"] = services.can_handle_cases(self.request.user)
        context.setdefault("advance_form", AdvanceForm(case=case))
        context.setdefault("ledger_form", LedgerEntryForm())
        context.setdefault("reverse_form", None)
        if context["can_handle"]:
            context.setdefault("link_form", LinkLeadsForm(user=self.request.user, case=case))
        for name in ("advance_form", "ledger_form"):
            quick_selects(context[name])
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not services.can_handle_cases(request.user):
            raise PermissionDenied
        case = self.object
        action = request.POST.get("action")
        forms = {}
        try:
            if action == "advance":
                form = forms["advance_form"] = AdvanceForm(request.POST, case=case)
                if form.is_valid():
                    services.case_advance(
                        case=case,
                        user=request.user,
                        to_step=form.cleaned_data["to_step"],
                        date=form.cleaned_data["date"],
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("办理环节已更新。"))
                    return HttpResponseRedirect(case.get_absolute_url())
            elif action == "ledger":
                form = forms["ledger_form"] = LedgerEntryForm(request.POST)
                if form.is_valid():
                    services.ledger_add(case=case, user=request.user, **form.cleaned_data)
                    messages.success(request, _("已登记追赃挽损记录。"))
                    return HttpResponseRedirect(case.get_absolute_url() + "#ledger")
            elif action == "reverse":
                form = forms["reverse_form"] = ReverseForm(request.POST)
                if form.is_valid():
                    entry = get_object_or_404(LedgerEntry, pk=form.cleaned_data["entry"], case=case)
                    services.ledger_reverse(entry=entry, user=request.user, reason=form.cleaned_data["reason"])
                    messages.success(request, _("已登记冲正记录。"))
                    return HttpResponseRedirect(case.get_absolute_url() + "#ledger")
            elif action == "link_leads":
                form = forms["link_form"] = LinkLeadsForm(request.POST, user=request.user, case=case)
                if form.is_valid():
                    services.case_link_leads(case=case, leads=form.cleaned_data["leads"], user=request.user)
                    messages.success(request, _("已关联线索。"))
                    return HttpResponseRedirect(case.get_absolute_url())
            else:
                return HttpResponseRedirect(case.get_absolute_url())
        except DomainError as exc:
            form.add_error(None, exc.message)
        return self.render_to_response(self.get_context_data(**forms))


class CaseFormMixin(WriteAccessMixin):
    form_class = CaseForm
    template_name = "cases/case_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.can_handle_cases(request.user):
            raise PermissionDenied(_("只有打击组、派出所、青阳法庭和街道专项办可以办理案件。"))
        return super().dispatch(request, *args, **kwargs)

    def case_fields(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in services.CASE_FIELDS if name in form.cleaned_data}

    def domain_error(self, form, exc: DomainError):
        if exc.code == "concurrent_edit" and getattr(self, "object", None) is not None:
            # Keep what was typed, but carry the current version so that a deliberate resubmit
            # (after checking the other person's change) can go through.
            data = form.data.copy()
            data["version"] = type(self.object).objects.values_list("version", flat=True).get(pk=self.object.pk)
            form.data = data
        form.add_error("contingency_plan" if exc.code == "contingency_plan" else None, exc.message)
        return self.form_invalid(form)


class CaseCreateView(CaseFormMixin, FormView):
    """A new case, directly or from leads (``?leads=1,2`` preselects them and fills the title
    and fraud type from the first)."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        ids = [int(i) for i in self.request.GET.get("leads", "").split(",") if i.strip().isdigit()]
        if ids:
            leads = list(services.eligible_leads(self.request.user).filter(pk__in=ids).order_by("pk"))
            if leads:
                initial.update(source_leads=leads, title=leads[0].summary, fraud_type=leads[0].fraud_type)
        return initial

    def form_valid(self, form):
        leads = list(form.cleaned_data.get("source_leads") or [])
        try:
            if leads:
                case = services.case_open_from_leads(
                    leads=leads,
                    user=self.request.user,
                    date=form.cleaned_data["date"],
                    reason=form.cleaned_data["reason"],
                    **self.case_fields(form),
                )
            else:
                case = services.case_open(
                    user=self.request.user,
                    date=form.cleaned_data["date"],
                    reason=form.cleaned_data["reason"],
                    **self.case_fields(form),
                )
        except DomainError as exc:
            return self.domain_error(form, exc)
        messages.success(self.request, _("案件已登记。"))
        return HttpResponseRedirect(case.get_absolute_url())


class CaseUpdateView(CaseFormMixin, ScopedQuerysetMixin, FormView):
    model = Case

    def get_form_kwargs(self):
        self.object = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        kwargs = super().get_form_kwargs()
        kwargs.update(instance=self.object, creating=False)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        return context

    def form_valid(self, form):
        fields = self.case_fields(form)
        if form.fields["kind"].disabled:
            fields.pop("kind", None)
        try:
            # the form already put the values on the instance; the service validates and saves
            case = services.case_update(
                case=self.object,
                user=self.request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data.get("version"),
                **fields,
            )
        except DomainError as exc:
            return self.domain_error(form, exc)
        messages.success(self.request, _("案件已保存。"))
        return HttpResponseRedirect(case.get_absolute_url())


class OpinionPlanView(CaseFormMixin, ScopedQuerysetMixin, FormView):
    model = Case
    form_class = OpinionPlanForm
    template_name = "cases/opinion_plan_form.html"

    def get_form_kwargs(self):
        self.object = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = PublicOpinionPlan.objects.filter(case=self.object).first()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        return context

    def form_valid(self, form):
        try:
            services.opinion_plan_save(case=self.object, user=self.request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("舆情应对方案已保存。"))
        return HttpResponseRedirect(self.object.get_absolute_url())


class LedgerListView(ScopedListView):
    """Every visible ledger entry (追赃挽损台账), filtered and exportable."""

    model = LedgerEntry
    filterset_class = LedgerEntryFilter
    template_name = "cases/ledger_list.html"
    export_title = _("追赃挽损台账")
    export_columns = [
        Column(_("日期"), lambda e: e.date, 12),
        Column(_("案件名称"), lambda e: e.case.title, 30),
        Column(_("类别"), lambda e: e.get_kind_display(), 10),
        Column(_("金额（元）"), lambda e: e.counted_amount, 14),
        Column(_("冲正"), lambda e: e.is_reversal, 6),
        Column(_("说明"), lambda e: e.note, 30),
        Column(_("登记人"), lambda e: str(e.created_by or ""), 10),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("case", "created_by").order_by("-date", "-pk")
