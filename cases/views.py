"""Case pages: the list (with export), typical cases, the case page with its steps, ledger and
plans, and one ``ActionView`` per case write (``cases.rules``). Thin: every write is a service
call, and a page offers what the rules allow (``actions``), nothing else."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import rules
from core.forms import quick_selects
from core.numbers import RATE_FORMAT
from core.views import ActionView, ScopedDetailView, ScopedListView
from core.xlsx import Column

from . import services
from .choices import CaseKind, FraudType, LedgerKind, RiskLevel, Step
from .filters import CaseFilter, LedgerEntryFilter
from .forms import (
    CaseForm,
    LedgerEntryForm,
    LinkLeadsForm,
    OpinionPlanForm,
    PublicityClearForm,
    ReasonForm,
    ReverseForm,
    StepForm,
)
from .models import Case, CaseStep, LedgerEntry, PublicOpinionPlan, ledger_totals_of, recovery_rate, step_intervals
from .rules import STEP_ACTIONS
from .selectors import fast_track_cached, source_lead_count, source_leads_for_page


class CaseListView(ScopedListView):
    """All visible cases, filtered; ledger totals are DB annotations."""

    model = Case
    filterset_class = CaseFilter
    template_name = "cases/case_list.html"
    export_title = _("案件")
    sortable = {
        "title": "title",
        "kind": "kind",
        "step": "step",
        "fraud_type": "fraud_type",
        "unit": "handling_unit__name",
        "opened": "opened_on",
        "amount": "amount_involved",
    }
    heading = _("案件")
    show_fast_track = True
    export_columns = [
        Column(_("案件名称"), "title", 30),
        Column(_("案件编号"), "number", 16),
        Column(_("案件类别"), "kind", 10, choices=CaseKind),
        Column(_("办理环节"), "step", 10, choices=Step),
        Column(_("环节日期"), "step_date", 12),
        Column(_("立案/受理日期"), "opened_on", 12),
        Column(_("结案日期"), "closed_on", 12),
        Column(_("诈骗类型"), "fraud_type", 12, choices=FraudType),
        Column(_("办案单位"), "handling_unit__name", 16),
        Column(_("嫌疑人数"), "suspects", 8),
        Column(_("抓获/刑拘人数"), "detained", 8),
        Column(_("受害人数"), "victims", 8),
        Column(_("其中老年人数"), "elderly_victims", 8),
        Column(_("涉案金额（元）"), "amount_involved", 14),
        # the ledger totals are the list's annotations (``with_totals``)
        Column(_("止付"), "stopped_total", 12),
        Column(_("冻结"), "frozen_total", 12),
        Column(_("查封/扣押"), "seized_total", 12),
        Column(_("追缴"), "recovered_total", 12),
        Column(_("退赔/清退"), "returned_total", 12),
        Column(_("挽损率"), recovery_rate, 8, number_format=RATE_FORMAT, fields=("returned_total", "amount_involved")),
        Column(_("团伙作案"), "is_gang", 6),
        Column(_("涉黑恶势力"), "is_organised_crime", 6),
        Column(_("涉腐败/保护伞"), "is_corruption", 6),
        Column(_("涉众型"), "is_many_victims", 6),
        Column(_("重大敏感"), "is_major", 6),
        Column(_("典型案例"), "is_typical", 6),
        Column(_("涉稳风险等级"), "stability_risk", 8, choices=RiskLevel),
        Column(_("涉及机构"), "institution__name", 20),
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
    """The case page: its steps, figures, source leads (those the reader may open), ledger and
    plans, with the forms of the actions the rules allow now (each posts to its ActionView)."""

    model = Case
    template_name = "cases/case_detail.html"

    def get_queryset(self):
        reversed_q = Exists(LedgerEntry.objects.filter(reverses=OuterRef("pk")))
        ledger = LedgerEntry.objects.select_related("created_by").annotate(is_reversed=reversed_q)
        return (
            super()
            .get_queryset()
            .select_related("handling_unit", "institution", "created_by", "opinion_plan")
            # No ledger-total subqueries: the page reads every entry anyway (the ledger table),
            # so the totals are summed from them (``ledger_totals_of``), not built five times over.
            .annotate(source_lead_count=source_lead_count())
            .prefetch_related(
                Prefetch("steps", queryset=CaseStep.objects.select_related("by")),
                Prefetch("ledger", queryset=ledger.order_by("date", "pk")),
                Prefetch("leads", queryset=source_leads_for_page(self.request.user), to_attr="visible_leads"),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        steps = list(case.steps.all())
        reached = {s.step: s for s in steps}
        actions = context["actions"]
        context["step_rows"] = step_intervals(steps)
        context["progress"] = [(step, Step(step).label, reached.get(step)) for step in case.steps_of_kind]
        for kind, total in ledger_totals_of(case.ledger.all()).items():
            setattr(case, f"{kind}_total", total)  # as ``with_totals`` would (``recovery_rate`` reads one)
        context["totals"] = [(kind, label, getattr(case, f"{kind}_total")) for kind, label in LedgerKind.choices]
        context["rate"] = case.recovery_rate()
        context["opinion_plan"] = getattr(case, "opinion_plan", None) if case.pk else None
        context["source_leads"] = case.visible_leads
        context["hidden_leads"] = case.source_lead_count - len(case.visible_leads)
        context["step_actions"] = [
            (rules.get(f"cases.{verb}"), rules.get(f"cases.{verb}").url_for(case))
            for verb, _label in STEP_ACTIONS.values()
            if verb in actions
        ]
        context["step_form"] = StepForm()
        if "ledger_add" in actions:
            context["ledger_form"] = quick_selects(LedgerEntryForm())
        return context


class CaseActionView(ActionView):
    """An action on one visible case."""

    model = Case


class CaseFormMixin:
    form_class = CaseForm
    template_name = "cases/case_form.html"

    def case_fields(self, form) -> dict[str, Any]:
        return {name: form.cleaned_data[name] for name in services.CASE_FIELDS if name in form.cleaned_data}


class CaseCreateView(CaseFormMixin, ActionView):
    """A new case, directly or from leads (``?leads=1,2`` preselects them and fills the title
    and fraud type from the first)."""

    action = "cases.create"
    success_message = _("案件已登记。")

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user}

    def cancel_url(self) -> str:
        return reverse("cases:index")

    def get_initial(self):
        initial = super().get_initial()
        ids = [int(i) for i in self.request.GET.get("leads", "").split(",") if i.strip().isdigit()]
        if ids:
            leads = list(services.eligible_leads(self.request.user).filter(pk__in=ids).order_by("pk"))
            if leads:
                initial.update(source_leads=leads, title=leads[0].summary, fraud_type=leads[0].fraud_type)
        return initial

    def perform(self, form):
        leads = list(form.cleaned_data.get("source_leads") or [])
        common = {"user": self.request.user, "date": form.cleaned_data["date"], "reason": form.cleaned_data["reason"]}
        if leads:
            return services.case_open_from_leads(leads=leads, **common, **self.case_fields(form))
        return services.case_open(**common, **self.case_fields(form))


class CaseUpdateView(CaseFormMixin, CaseActionView):
    action = "cases.update"
    success_message = _("案件已保存。")

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"instance": self.object, "creating": False}

    def perform(self, form):
        fields = self.case_fields(form)
        if form.fields["kind"].disabled:
            fields.pop("kind", None)
        return services.case_update(
            case=self.object,
            user=self.request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data.get("version"),
            **fields,
        )


class OpinionPlanView(CaseActionView):
    action = "cases.opinion_plan"
    form_class = OpinionPlanForm
    template_name = "cases/opinion_plan_form.html"
    success_message = _("舆情应对方案已保存。")

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"instance": PublicOpinionPlan.objects.filter(case=self.object).first()}

    def perform(self, form):
        services.opinion_plan_save(case=self.object, user=self.request.user, **form.cleaned_data)
        return self.object


class CaseStepView(CaseActionView):
    """Move a case to the step of the action the URL names (``cases/<pk>/step/solve/``)."""

    form_class = StepForm
    success_message = _("办理环节已更新。")

    def get_action(self) -> str:
        steps = {verb: step for step, (verb, _label) in STEP_ACTIONS.items()}
        if self.kwargs["verb"] not in steps:
            raise Http404
        self.to_step = steps[self.kwargs["verb"]]
        return f"cases.{self.kwargs['verb']}"

    def perform(self, form):
        return services.case_advance(
            case=self.object,
            user=self.request.user,
            to_step=self.to_step,
            date=form.cleaned_data["date"],
            reason=form.cleaned_data["reason"],
        )


class TypicalMarkView(CaseActionView):
    """Mark a case as typical (``…/typical/mark_typical/``) or take the mark off (``unmark_typical``)."""

    form_class = ReasonForm
    success_message = _("已更新典型案例标记。")

    def get_action(self) -> str:
        if self.kwargs["verb"] not in ("mark_typical", "unmark_typical"):
            raise Http404
        return f"cases.{self.kwargs['verb']}"

    def perform(self, form):
        return services.case_set_typical(
            case=self.object,
            user=self.request.user,
            typical=self.kwargs["verb"] == "mark_typical",
            reason=form.cleaned_data["reason"],
        )


class PublicityClearView(CaseActionView):
    """Clear a typical case for publicity: the title and summary the publicity group will see."""

    action = "cases.clear_publicity"
    form_class = PublicityClearForm
    success_message = _("已同意公开宣传。")

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"instance": self.object}

    def perform(self, form):
        data = form.cleaned_data
        return services.case_clear_publicity(
            case=self.object,
            user=self.request.user,
            title=data["publicity_title"],
            summary=data["publicity_summary"],
            show_amount=data["publicity_show_amount"],
            reason=data["reason"],
        )


class PublicityWithdrawView(CaseActionView):
    action = "cases.withdraw_publicity"
    form_class = ReasonForm
    success_message = _("已撤回公开宣传。")

    def perform(self, form):
        return services.case_withdraw_publicity(
            case=self.object, user=self.request.user, reason=form.cleaned_data["reason"]
        )


class LedgerAddView(CaseActionView):
    action = "cases.ledger_add"
    form_class = LedgerEntryForm
    success_message = _("已登记追赃挽损记录。")

    def perform(self, form):
        return services.ledger_add(case=self.object, user=self.request.user, **form.cleaned_data)


class LedgerReverseView(ActionView):
    """Reverse (冲正) one visible ledger entry."""

    model = LedgerEntry
    action = "cases.ledger_reverse"
    form_class = ReverseForm
    success_message = _("已登记冲正记录。")

    def perform(self, form):
        return services.ledger_reverse(entry=self.object, user=self.request.user, reason=form.cleaned_data["reason"])


class LinkLeadsView(CaseActionView):
    action = "cases.link_leads"
    form_class = LinkLeadsForm
    success_message = _("已关联线索。")

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user, "case": self.object}

    def perform(self, form):
        return services.case_link_leads(case=self.object, leads=form.cleaned_data["leads"], user=self.request.user)


class LedgerListView(ScopedListView):
    """Every visible ledger entry (追赃挽损台账), filtered and exportable."""

    model = LedgerEntry
    filterset_class = LedgerEntryFilter
    template_name = "cases/ledger_list.html"
    sortable = {"date": "date", "case": "case__title", "kind": "kind", "amount": "amount", "by": "created_by__username"}
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
