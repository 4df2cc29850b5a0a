"""Pages of the rectification area. Thin: visibility from core.views, who may act from the
rules (rectification/rules.py), every write an ``ActionView`` calling a service."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from core import jobs, rules
from core.views import ActionView, ScopedDetailView, ScopedListView
from core.xlsx import XLSX_MIME, Column
from organization.models import Jurisdiction

from . import imports, selectors, services
from .choices import InstitutionStatus, InstitutionType, Sector
from .filters import ControlListFilter, InspectionFilter, InstitutionFilter, OverdueFilter, PlanFilter, ProblemFilter
from .forms import (
    GradeForm,
    ImportForm,
    InspectionForm,
    InstitutionForm,
    MeasureCompleteForm,
    MeasureForm,
    PlanForm,
    PlanStatusForm,
    ProblemForm,
    SectorsForm,
    SupervisorOverrideForm,
    TransitionForm,
)
from .models import ContingencyPlan, Inspection, Institution, Measure, Problem
from .services import MeasureSpec

# --- institutions -----------------------------------------------------------------------------


def grade_labels():
    """Per export: the configured label of each risk grade (one query)."""
    info = services.grade_settings()
    return lambda grade: info[grade].label if grade in info else grade


# Each column names the fields it reads: the export reads those values only (issue 18).
INSTITUTION_COLUMNS = [
    Column(gettext_lazy("名称"), "name", 28),
    Column(gettext_lazy("统一社会信用代码"), "credit_code", 22),
    Column(gettext_lazy("类型"), "type", 14, choices=InstitutionType),
    Column(gettext_lazy("整治领域"), "sector", 18, choices=Sector),
    Column(gettext_lazy("监管单位"), "supervising_unit__name", 16),
    Column(gettext_lazy("所属社区"), "community__name", 12),
    Column(gettext_lazy("地址"), "address", 28),
    Column(gettext_lazy("法定代表人/负责人"), "legal_representative", 12),
    Column(gettext_lazy("联系电话"), "contact_phone", 14),
    Column(gettext_lazy("经营状态"), "status", 10, choices=InstitutionStatus),
    Column(gettext_lazy("风险等级"), None, 8, fields=("risk_grade",), prepare=grade_labels),
    Column(gettext_lazy("最近检查日期"), "last_inspection_date", 12),
    Column(gettext_lazy("下次检查日期"), "next_inspection_due", 12),
    Column(gettext_lazy("未结问题"), "open_problems", 8),  # the list's annotation
    Column(gettext_lazy("有爆雷风险"), "collapse_risk", 8),
]


class InstitutionListView(ScopedListView):
    """The institution registry (the area's landing page)."""

    model = Institution
    filterset_class = InstitutionFilter
    template_name = "rectification/institution_list.html"
    sortable = {
        "name": "name",
        "grade": "risk_grade",
        "sector": "sector",
        "unit": "supervising_unit__name",
        "community": "community__name",
        "state": "status",
        "next": "next_inspection_due",
    }
    export_title = gettext_lazy("整治机构名录")
    export_columns = INSTITUTION_COLUMNS
    page_title = gettext_lazy("机构名录")

    def get_queryset(self):
        return selectors.institutions_for_list(super().get_queryset()).order_by("-risk_grade", "name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = self.page_title
        context["today"] = timezone.localdate()
        return context


class PlansMissingListView(InstitutionListView):
    """Red or 爆雷-risk institutions, not closed, without a contingency plan in force (plan §(八)):
    what still needs one. A draft plan does not count; the list says when there is one."""

    filterset_class = ControlListFilter
    export_title = gettext_lazy("缺应急预案机构名单")
    page_title = gettext_lazy("缺应急预案")
    template_name = "rectification/plans_missing.html"
    export_columns = [
        *INSTITUTION_COLUMNS[:6],
        INSTITUTION_COLUMNS[14],  # 有爆雷风险
        INSTITUTION_COLUMNS[10],  # 风险等级
        Column(gettext_lazy("草拟中的预案"), "draft_plans", 8),
    ]

    def get_queryset(self):
        qs = selectors.institutions_for_list(self.scoped_queryset().needs_contingency_plan())
        return selectors.with_draft_plans(qs).order_by("-risk_grade", "name", "pk")


class SectorListView(LoginRequiredMixin, TemplateView):
    """The sector → supervising unit table (plan §(六)), kept by the street office."""

    template_name = "rectification/sectors.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        street = self.street()
        units = services.sector_units(street.pk if street is not None else services.user_street(self.request.user))
        rows = [(value, label, units.get(value, [])) for value, label in Sector.choices]
        unit_id = self.request.GET.get("unit", "")
        if unit_id.isdigit():  # ?unit=<pk>: the sectors one unit supervises (linked from its page)
            rows = [row for row in rows if any(u.pk == int(unit_id) for u in row[2])]
            context["unit"] = next((u for row in rows for u in row[2] if u.pk == int(unit_id)), None)
            context["filtered"] = True
        context["rows"] = rows
        context["streets"], context["street"] = self.streets, street
        context["timeline"] = selectors.sector_timeline(
            street=street.pk if street is not None else services.user_street(self.request.user)
        )
        return context

    def street(self) -> Jurisdiction | None:
        """The street whose table the city office reads (``?street=<pk>``); None for a street."""
        self.streets = selectors.sector_table_streets(self.request.user)
        wanted = self.request.GET.get("street", "")
        chosen = next((j for j in self.streets if wanted.isdigit() and j.pk == int(wanted)), None)
        return chosen or (self.streets[0] if self.streets else None)


class SectorEditView(ActionView):
    """Change the sector table: each sector's lead unit and other units, with the reason."""

    action = "rectification.sectors_edit"
    form_class = SectorsForm
    template_name = "rectification/sectors_form.html"
    success_message = gettext_lazy("领域监管单位已保存。")

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"current": services.sector_units(services.user_street(self.request.user))}

    def cancel_url(self) -> str:
        return reverse("rectification:sectors")

    def get_success_url(self, result: Any = None) -> str:
        return reverse("rectification:sectors")

    def perform(self, form):
        return services.sectors_save(user=self.request.user, mapping=form.mapping(), reason=form.cleaned_data["reason"])


class ControlListView(InstitutionListView):
    """The risk control list (风险管控名单): yellow and above, the next inspection first."""

    filterset_class = ControlListFilter
    export_title = gettext_lazy("风险管控名单")
    page_title = gettext_lazy("风险管控名单")
    template_name = "rectification/control_list.html"

    def get_queryset(self):
        qs = selectors.institutions_for_list(self.scoped_queryset().on_control_list())
        return qs.order_by("-risk_grade", "next_inspection_due", "name", "pk")


class OverdueInspectionListView(InstitutionListView):
    """Institutions whose inspection is overdue, with a count per supervising unit."""

    filterset_class = OverdueFilter
    export_title = gettext_lazy("检查超期名单")
    page_title = gettext_lazy("检查超期名单")
    template_name = "rectification/overdue_list.html"

    def get_queryset(self):
        qs = self.scoped_queryset().inspection_overdue(timezone.localdate())
        return selectors.institutions_for_list(qs).order_by("next_inspection_due", "-risk_grade", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["per_unit"] = (
            context["filter"]
            .qs.order_by()
            .values("supervising_unit__name", "supervising_unit_id")
            .annotate(count=Count("pk"), red=Count("pk", filter=Q(risk_grade__gte=3)))
            .order_by("-count", "supervising_unit__name")
        )
        return context


class InstitutionDetailView(ScopedDetailView):
    model = Institution
    template_name = "rectification/institution_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("supervising_unit", "community", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.institution_page(self.object, self.request.user))
        context["today"] = timezone.localdate()
        return context


class _InstitutionFormView(ActionView):
    form_class = InstitutionForm
    template_name = "rectification/institution_form.html"

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"instance": self.object}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sector_units"] = {
            sector: units[0].pk if units else None
            for sector, units in services.sector_units(
                services.institution_street(self.object, self.request.user)
                if self.object is not None
                else services.user_street(self.request.user)
            ).items()
        }
        context["institution"] = self.object
        return context

    def fields(self, form) -> dict[str, Any]:
        names = [*form.Meta.fields, "confirm_not_duplicate"]
        return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


class InstitutionCreateView(_InstitutionFormView):
    action = "rectification.create"
    success_message = gettext_lazy("机构已登记。")

    def cancel_url(self) -> str:
        return reverse("rectification:index")

    def perform(self, form):
        return services.institution_create(user=self.request.user, **self.fields(form))


class InstitutionUpdateView(_InstitutionFormView):
    model = Institution
    action = "rectification.update"
    success_message = gettext_lazy("机构信息已保存。")

    def perform(self, form):
        return services.institution_update(
            institution=self.object,
            user=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
            expected_version=form.cleaned_data.get("version"),
            **self.fields(form),
        )


class _InstitutionActionView(ActionView):
    """A write on one visible institution (404 otherwise)."""

    model = Institution

    def get_queryset(self):
        return super().get_queryset().select_related("supervising_unit", "community")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["institution"] = self.object
        return context


class SupervisorOverrideView(_InstitutionActionView):
    """The street office names a supervising unit outside the sector's units, with the reason."""

    action = "rectification.supervisor_override"
    form_class = SupervisorOverrideForm
    success_message = gettext_lazy("监管单位已指定。")

    def get_initial(self):
        return {"unit": self.object.supervising_unit_id}

    def perform(self, form):
        return services.institution_set_supervisor(
            institution=self.object,
            user=self.request.user,
            unit=form.cleaned_data["unit"],
            reason=form.cleaned_data["reason"],
        )


class InstitutionGradeView(_InstitutionActionView):
    action = "rectification.grade"
    form_class = GradeForm
    template_name = "rectification/grade_form.html"
    success_message = gettext_lazy("风险等级已更新。")

    def get_initial(self):
        return {"grade": self.object.risk_grade}

    def perform(self, form):
        services.institution_grade(
            institution=self.object,
            user=self.request.user,
            grade=form.cleaned_data["grade"],
            reason=form.cleaned_data["reason"],
        )
        return self.object


def _raise_problem(institution, user, data, prefix, inspection=None) -> Problem:
    """A problem with its first measure from a form (field names with ``prefix``)."""
    return services.problem_raise(
        institution=institution,
        user=user,
        inspection=inspection,
        description=data[prefix + "description"],
        category=data[prefix + "category"],
        horizon=data[prefix + "horizon"],
        owner_unit=data[prefix + "owner_unit"],
        owner_person=data[prefix + "owner_person"],
        measures=[MeasureSpec(data["measure_kind"], data["measure_deadline"], data["measure_detail"])],
    )


class InspectionCreateView(_InstitutionActionView):
    action = "rectification.inspect"
    form_class = InspectionForm
    template_name = "rectification/inspection_form.html"
    success_message = gettext_lazy("检查记录已保存。")

    def get_initial(self):
        unit = self.request.user.unit
        return {
            "unit": unit if unit and unit.kind != "street_office" else self.object.supervising_unit,
            "problem_owner_unit": self.object.supervising_unit,
            "date": timezone.localdate(),
        }

    def perform(self, form):
        data = form.cleaned_data
        user = self.request.user
        with transaction.atomic():
            inspection = services.inspection_record(
                institution=self.object,
                user=user,
                date=data["date"],
                unit=data["unit"],
                inspectors=data["inspectors"],
                findings=data["findings"],
                photos=data["photos"],
            )
            if data.get("raise_problem"):
                _raise_problem(self.object, user, data, "problem_", inspection=inspection)
        return self.object


class ProblemCreateView(_InstitutionActionView):
    action = "rectification.raise_problem"
    form_class = ProblemForm
    template_name = "rectification/problem_form.html"
    success_message = gettext_lazy("问题已登记。")

    def get_initial(self):
        return {"owner_unit": self.object.supervising_unit}

    def perform(self, form):
        return _raise_problem(self.object, self.request.user, form.cleaned_data, "")


def problem_count_subquery():
    """The number of problems an inspection found, per row (a subquery on ``inspection_id``)."""
    problems = Problem.objects.filter(inspection=OuterRef("pk")).order_by().values("inspection")
    return Coalesce(Subquery(problems.annotate(n=Count("pk")).values("n")), 0)


class InspectionListView(ScopedListView):
    model = Inspection
    filterset_class = InspectionFilter
    template_name = "rectification/inspection_list.html"
    sortable = {"date": "date", "institution": "institution__name", "unit": "unit__name", "problems": "problem_count"}
    export_title = gettext_lazy("检查记录")
    export_columns = [
        Column(gettext_lazy("检查日期"), lambda i: i.date, 12),
        Column(gettext_lazy("机构"), lambda i: i.institution.name, 28),
        Column(gettext_lazy("检查单位"), lambda i: i.unit.name, 16),
        Column(gettext_lazy("检查人员"), lambda i: i.inspectors, 16),
        Column(gettext_lazy("检查情况"), lambda i: i.findings, 40),
        Column(gettext_lazy("发现问题数"), lambda i: i.problem_count, 10),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("institution", "unit")
            # a subquery on the outer row, not a join grouped over every inspection (issue 18)
            .annotate(problem_count=problem_count_subquery())
            .order_by("-date", "-pk")
        )


# --- problems ---------------------------------------------------------------------------------


def _measures_text(problem: Problem) -> str:
    done = _("已完成")
    parts = []
    for m in problem.measures.all():
        text = f"{m.get_kind_display()}（{m.deadline:%Y-%m-%d}"
        parts.append(text + ("，" + done if m.done_at else "") + "）")
    return "；".join(parts)


class ProblemListView(ScopedListView):
    """The problem list (问题清单)."""

    model = Problem
    filterset_class = ProblemFilter
    template_name = "rectification/problem_list.html"
    sortable = {
        "institution": "institution__name",
        "category": "category",
        "owner": "owner_unit__name",
        "status": "status",
        "raised": "raised_at",
    }
    export_title = gettext_lazy("问题清单")
    export_columns = [
        Column(gettext_lazy("机构"), lambda p: p.institution.name, 26),
        Column(gettext_lazy("问题描述"), lambda p: p.description, 40),
        Column(gettext_lazy("问题类别"), lambda p: p.get_category_display(), 14),
        Column(gettext_lazy("整治类型"), lambda p: p.get_horizon_display(), 8),
        Column(gettext_lazy("责任单位"), lambda p: p.owner_unit.name, 16),
        Column(gettext_lazy("责任人"), lambda p: p.owner_person, 10),
        Column(gettext_lazy("整改措施及期限"), _measures_text, 50),
        Column(gettext_lazy("状态"), lambda p: p.get_status_display(), 12),
        Column(gettext_lazy("登记时间"), lambda p: p.raised_at, 18),
        Column(gettext_lazy("销号时间"), lambda p: p.closed_at, 18),
    ]

    def get_queryset(self):
        return selectors.problems_for_list(super().get_queryset()).order_by("-raised_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today"] = timezone.localdate()
        return context


#: The action slug of ``rectification:problem_transition`` → the declared action (its verb).
PROBLEM_ACTIONS = {
    "start": "rectification.start",
    "report": "rectification.report",
    "verify": "rectification.verify",
    "reject": "rectification.reject",
    "transfer": "rectification.transfer",
    "judiciary": "rectification.judiciary",
}

PROBLEM_SERVICES = {
    "start": services.problem_start,
    "report": services.problem_report_rectified,
    "verify": services.problem_verify,
    "reject": services.problem_reject,
    "transfer": services.problem_transfer,
    "judiciary": services.problem_send_to_judiciary,
}


class ProblemDetailView(ScopedDetailView):
    model = Problem
    template_name = "rectification/problem_detail.html"

    def get_queryset(self):
        return selectors.problems_for_list(super().get_queryset()).select_related(
            "inspection", "raised_by", "verified_by", "institution__supervising_unit"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actions = context["actions"]
        user = self.request.user
        context["transitions"] = [(slug, rules.get(name)) for slug, name in PROBLEM_ACTIONS.items() if slug in actions]
        context["completable"] = {
            m.pk for m in self.object.measures.all() if rules.check(user, "rectification.measure_complete", m)
        }
        context["measure_form"] = MeasureForm()
        context["today"] = timezone.localdate()
        return context


class ProblemTransitionView(ActionView):
    """One move of a problem (the slug names the declared action); the detail page posts here."""

    model = Problem
    form_class = TransitionForm

    def get_queryset(self):
        return super().get_queryset().select_related("institution")

    def get_action(self) -> str:
        try:
            return PROBLEM_ACTIONS[self.kwargs["action"]]
        except KeyError:
            raise Http404 from None

    def extra_form_kwargs(self) -> dict[str, Any]:
        rule = rules.get(self.get_action())
        return {"needs_reason": rule.needs_reason, "with_department": rule.verb == "transfer"}

    def get_initial(self):
        return {"version": self.object.version}

    @property
    def success_message(self):  # type: ignore[override]
        return _("已办理：%(action)s。") % {"action": self.rule.label}

    def perform(self, form):
        data = form.cleaned_data
        kwargs: dict[str, Any] = {
            "problem": self.object,
            "user": self.request.user,
            "reason": data["reason"],
            "expected_version": data["version"],
        }
        if "department" in data:
            kwargs["department"] = data["department"]
        return PROBLEM_SERVICES[self.kwargs["action"]](**kwargs)


class MeasureAddView(ActionView):
    model = Problem
    action = "rectification.measure_add"
    form_class = MeasureForm
    success_message = gettext_lazy("整改措施已添加。")

    def perform(self, form):
        data = form.cleaned_data
        services.measure_add(
            problem=self.object,
            user=self.request.user,
            spec=MeasureSpec(data["kind"], data["deadline"], data["detail"]),
        )
        return self.object


class MeasureCompleteView(ActionView):
    model = Measure
    action = "rectification.measure_complete"
    form_class = MeasureCompleteForm
    success_message = gettext_lazy("已记录落实情况。")

    def get_object(self):
        qs = self.get_queryset().select_related("problem__institution")
        return get_object_or_404(qs, pk=self.kwargs["measure_pk"], problem_id=self.kwargs["pk"])

    def perform(self, form):
        return services.measure_complete(
            measure=self.object, user=self.request.user, result=form.cleaned_data["result"]
        )


# --- contingency plans ------------------------------------------------------------------------


class PlanListView(ScopedListView):
    model = ContingencyPlan
    filterset_class = PlanFilter
    template_name = "rectification/plan_list.html"
    sortable = {
        "institution": "institution__name",
        "title": "title",
        "unit": "lead_unit__name",
        "status": "status",
        "review": "review_date",
    }
    export_title = gettext_lazy("应急预案")
    export_columns = [
        Column(gettext_lazy("机构"), lambda p: p.institution.name, 26),
        Column(gettext_lazy("预案名称"), lambda p: p.title, 26),
        Column(gettext_lazy("牵头单位"), lambda p: p.lead_unit.name, 16),
        Column(gettext_lazy("责任人"), lambda p: p.responsible_person, 10),
        Column(gettext_lazy("联系电话"), lambda p: p.contact_phone, 14),
        Column(gettext_lazy("涉及人数"), lambda p: p.people_affected, 8),
        Column(gettext_lazy("涉及老年人数"), lambda p: p.elderly_affected, 8),
        Column(gettext_lazy("涉及金额（元）"), lambda p: p.amount_involved, 14),
        Column(gettext_lazy("状态"), lambda p: p.get_status_display(), 8),
        Column(gettext_lazy("下次评估日期"), lambda p: p.review_date, 12),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("institution", "lead_unit").order_by("-updated_at", "-pk")


class PlanDetailView(ScopedDetailView):
    model = ContingencyPlan
    template_name = "rectification/plan_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("institution", "lead_unit", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actions = context["actions"]
        context["status_actions"] = [
            (status, rules.get(name))
            for status, name in services.PLAN_STATUS_ACTIONS.items()
            if rules.get(name).verb in actions
        ]
        return context


class PlanCreateView(_InstitutionActionView):
    action = "rectification.plan_create"
    form_class = PlanForm
    template_name = "rectification/plan_form.html"
    success_message = gettext_lazy("应急预案已保存。")

    def get_initial(self):
        return {
            "lead_unit": self.object.supervising_unit,
            "title": _("%(name)s 爆雷风险应急预案") % {"name": self.object.name},
        }

    def perform(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        return services.plan_save(user=self.request.user, institution=self.object, plan=None, **data)


class PlanUpdateView(ActionView):
    model = ContingencyPlan
    action = "rectification.plan_update"
    form_class = PlanForm
    template_name = "rectification/plan_form.html"
    success_message = gettext_lazy("应急预案已保存。")

    def get_queryset(self):
        return super().get_queryset().select_related("institution")

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"instance": self.object}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["institution"] = self.object.institution
        return context

    def perform(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        return services.plan_save(user=self.request.user, institution=self.object.institution, plan=self.object, **data)


class PlanStatusView(ActionView):
    """Activate or archive a plan: the posted ``status`` names the declared action."""

    model = ContingencyPlan
    form_class = PlanStatusForm
    success_message = gettext_lazy("预案状态已更新。")

    def get_queryset(self):
        return super().get_queryset().select_related("institution")

    def get_action(self) -> str:
        status = self.request.POST.get("status") or self.request.GET.get("status")
        try:
            return services.PLAN_STATUS_ACTIONS[status]
        except KeyError:
            raise Http404 from None

    def get_initial(self):
        return {"status": self.request.GET.get("status")}

    def perform(self, form):
        return services.plan_set_status(
            plan=self.object,
            user=self.request.user,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )


# --- import -----------------------------------------------------------------------------------


class ImportView(ActionView):
    """Upload an institution list: the file is checked (``ImportForm``) and stored, the check or
    import runs as a background job (``rectification.jobs``), and the user goes to the job's page
    (progress, then the report of every row)."""

    action = "rectification.import"
    form_class = ImportForm
    template_name = "rectification/import.html"
    success_message = _("文件已上传，正在后台处理。")

    def cancel_url(self) -> str:
        return reverse("rectification:index")

    def perform(self, form):
        return jobs.start(
            kind="rectification.import",
            owner=self.request.user,
            title=_("Excel 导入机构名单"),
            params={"mode": form.cleaned_data["mode"]},
            upload=form.cleaned_data["file"],
        )


class ImportTemplateView(LoginRequiredMixin, View):
    """The import template, for those who may import."""

    def get(self, request, *args, **kwargs):
        rules.require(request.user, "rectification.import")
        response = HttpResponse(imports.template_workbook(), content_type=XLSX_MIME)
        response["Content-Disposition"] = 'attachment; filename="institutions-template.xlsx"'
        return response
