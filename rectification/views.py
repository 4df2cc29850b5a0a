"""Pages of the rectification area. Thin: visibility from core.views, rules in services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from core.exceptions import DomainError
from core.views import ScopedDetailView, ScopedListView, WriteAccessMixin
from core.visibility import visible_to
from core.xlsx import XLSX_MIME, Column

from . import imports, selectors, services
from .choices import SECTOR_UNIT, PlanStatus, ProblemStatus
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
    TransitionForm,
)
from .models import ContingencyPlan, Inspection, Institution, Measure, Problem
from .services import MeasureSpec


def _form_error(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(None, str(exc))


# --- institutions -----------------------------------------------------------------------------


INSTITUTION_COLUMNS = [
    Column(gettext_lazy("名称"), lambda i: i.name, 28),
    Column(gettext_lazy("统一社会信用代码"), lambda i: i.credit_code, 22),
    Column(gettext_lazy("类型"), lambda i: i.get_type_display(), 14),
    Column(gettext_lazy("整治领域"), lambda i: i.get_sector_display(), 18),
    Column(gettext_lazy("监管单位"), lambda i: i.supervising_unit.name, 16),
    Column(gettext_lazy("所属社区"), lambda i: i.community.name if i.community else "", 12),
    Column(gettext_lazy("地址"), lambda i: i.address, 28),
    Column(gettext_lazy("法定代表人/负责人"), lambda i: i.legal_representative, 12),
    Column(gettext_lazy("联系电话"), lambda i: i.contact_phone, 14),
    Column(gettext_lazy("经营状态"), lambda i: i.get_status_display(), 10),
    Column(gettext_lazy("风险等级"), lambda i: i.grade_label, 8),
    Column(gettext_lazy("最近检查日期"), lambda i: i.last_inspection_date, 12),
    Column(gettext_lazy("下次检查日期"), lambda i: i.next_inspection_due, 12),
    Column(gettext_lazy("未结问题"), lambda i: i.open_problems, 8),
    Column(gettext_lazy("有爆雷风险"), lambda i: i.collapse_risk, 8),
]


class _LabelledRows:
    """Adds ``grade_label`` to each exported institution (configured labels, one query)."""

    def export_rows(self):
        info = services.grade_settings()
        for row in super().export_rows():
            row.grade_label = info[row.risk_grade].label
            yield row


class InstitutionListView(_LabelledRows, ScopedListView):
    """The institution registry (the area's landing page)."""

    model = Institution
    filterset_class = InstitutionFilter
    template_name = "rectification/institution_list.html"
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


class _InstitutionFormView(WriteAccessMixin, FormView):
    form_class = InstitutionForm
    template_name = "rectification/institution_form.html"
    institution = None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.institution
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        from organization.models import Unit

        units = dict(Unit.objects.filter(code__in=set(SECTOR_UNIT.values())).values_list("code", "pk"))
        context["sector_units"] = {sector: units.get(code) for sector, code in SECTOR_UNIT.items()}
        context["institution"] = self.institution
        return context

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if self.institution is None:
                institution = services.institution_create(user=self.request.user, **data)
                messages.success(self.request, _("机构已登记。"))
            else:
                reason = form.cleaned_data.get("reason", "")
                institution = services.institution_update(
                    institution=self.institution,
                    user=self.request.user,
                    reason=reason,
                    expected_version=form.cleaned_data.get("version"),
                    **data,
                )
                messages.success(self.request, _("机构信息已保存。"))
        except (ValidationError, DomainError, PermissionDenied) as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        return redirect("rectification:institution_detail", institution.pk)


class InstitutionCreateView(_InstitutionFormView):
    pass


class InstitutionUpdateView(_InstitutionFormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.institution = get_object_or_404(visible_to(request.user, Institution), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class _InstitutionActionView(WriteAccessMixin, FormView):
    """A write on one visible institution (404 otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.institution = get_object_or_404(
                visible_to(request.user, Institution).select_related("supervising_unit"), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["institution"] = self.institution
        return context

    def get_success_url(self):
        return reverse("rectification:institution_detail", args=[self.institution.pk])


class InstitutionGradeView(_InstitutionActionView):
    form_class = GradeForm
    template_name = "rectification/grade_form.html"

    def get_initial(self):
        return {"grade": self.institution.risk_grade}

    def form_valid(self, form):
        try:
            services.institution_grade(
                institution=self.institution,
                user=self.request.user,
                grade=form.cleaned_data["grade"],
                reason=form.cleaned_data["reason"],
            )
        except (DomainError, PermissionDenied) as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("风险等级已更新。"))
        return super().form_valid(form)


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
    form_class = InspectionForm
    template_name = "rectification/inspection_form.html"

    def get_initial(self):
        unit = self.request.user.unit
        return {
            "unit": unit if unit and unit.kind != "street_office" else self.institution.supervising_unit,
            "problem_owner_unit": self.institution.supervising_unit,
            "date": timezone.localdate(),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        user = self.request.user
        try:
            with transaction.atomic():
                inspection = services.inspection_record(
                    institution=self.institution,
                    user=user,
                    date=data["date"],
                    unit=data["unit"],
                    inspectors=data["inspectors"],
                    findings=data["findings"],
                    photos=data["photos"],
                )
                if data.get("raise_problem"):
                    _raise_problem(self.institution, user, data, "problem_", inspection=inspection)
        except (DomainError, PermissionDenied, ValidationError) as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("检查记录已保存。"))
        return super().form_valid(form)


class ProblemCreateView(_InstitutionActionView):
    form_class = ProblemForm
    template_name = "rectification/problem_form.html"

    def get_initial(self):
        return {"owner_unit": self.institution.supervising_unit}

    def form_valid(self, form):
        try:
            problem = _raise_problem(self.institution, self.request.user, form.cleaned_data, "")
        except (DomainError, PermissionDenied) as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        return redirect("rectification:problem_detail", problem.pk)


class InspectionListView(ScopedListView):
    model = Inspection
    filterset_class = InspectionFilter
    template_name = "rectification/inspection_list.html"
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
            .annotate(problem_count=Count("problems"))
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


#: action in the URL → (target status, service, needs a reason, label)
PROBLEM_ACTIONS = {
    "start": (ProblemStatus.RECTIFYING, "problem_start", False, gettext_lazy("开始整改")),
    "report": (ProblemStatus.RECTIFIED, "problem_report_rectified", True, gettext_lazy("报整改完成")),
    "verify": (ProblemStatus.CLOSED, "problem_verify", True, gettext_lazy("核查通过，销号")),
    "reject": (ProblemStatus.RECTIFYING, "problem_reject", True, gettext_lazy("核查未通过，退回整改")),
    "transfer": (ProblemStatus.TRANSFERRED, "problem_transfer", True, gettext_lazy("移交主管部门")),
    "judiciary": (ProblemStatus.SENT_TO_JUDICIARY, "problem_send_to_judiciary", True, gettext_lazy("移送司法机关")),
}


def problem_actions(problem: Problem) -> list[tuple[str, str]]:
    allowed = services.allowed_transitions(problem)
    result = []
    for action, (target, _service, _needs, label) in PROBLEM_ACTIONS.items():
        if target not in allowed:
            continue
        if action == "start" and problem.status != ProblemStatus.OPEN:
            continue
        if action == "reject" and problem.status != ProblemStatus.RECTIFIED:
            continue
        result.append((action, label))
    return result


class ProblemDetailView(ScopedDetailView):
    model = Problem
    template_name = "rectification/problem_detail.html"

    def get_queryset(self):
        return selectors.problems_for_list(super().get_queryset()).select_related(
            "inspection", "raised_by", "verified_by", "institution__supervising_unit"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["actions"] = problem_actions(self.object)
        context["transition_form"] = TransitionForm()
        context["measure_form"] = MeasureForm()
        context["complete_form"] = MeasureCompleteForm()
        context["today"] = timezone.localdate()
        return context


class _ProblemActionView(WriteAccessMixin, FormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.problem = get_object_or_404(
                visible_to(request.user, Problem).select_related("institution"), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return redirect("rectification:problem_detail", self.problem.pk)

    def get_success_url(self):
        return reverse("rectification:problem_detail", args=[self.problem.pk])

    def form_invalid(self, form):
        for errors in form.errors.values():
            for error in errors:
                messages.error(self.request, error)
        return HttpResponseRedirect(self.get_success_url())


class ProblemTransitionView(_ProblemActionView):
    form_class = TransitionForm

    def form_valid(self, form):
        action = self.kwargs["action"]
        if action not in PROBLEM_ACTIONS:
            return self.form_invalid(form)
        _target, service_name, _needs, label = PROBLEM_ACTIONS[action]
        service = getattr(services, service_name)
        kwargs = {
            "problem": self.problem,
            "user": self.request.user,
            "reason": form.cleaned_data["reason"],
            "expected_version": form.cleaned_data["version"],
        }
        if action == "transfer":
            kwargs["department"] = form.cleaned_data["department"]
        try:
            service(**kwargs)
        except (DomainError, PermissionDenied) as exc:
            messages.error(self.request, str(exc))
        else:
            messages.success(self.request, _("已办理：%(action)s。") % {"action": label})
        return HttpResponseRedirect(self.get_success_url())


class MeasureAddView(_ProblemActionView):
    form_class = MeasureForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.measure_add(
                problem=self.problem,
                user=self.request.user,
                spec=MeasureSpec(data["kind"], data["deadline"], data["detail"]),
            )
        except (DomainError, PermissionDenied) as exc:
            messages.error(self.request, str(exc))
        return HttpResponseRedirect(self.get_success_url())


class MeasureCompleteView(_ProblemActionView):
    form_class = MeasureCompleteForm

    def form_valid(self, form):
        measure = get_object_or_404(Measure, pk=self.kwargs["measure_pk"], problem=self.problem)
        try:
            services.measure_complete(measure=measure, user=self.request.user, result=form.cleaned_data["result"])
        except (DomainError, PermissionDenied) as exc:
            messages.error(self.request, str(exc))
        return HttpResponseRedirect(self.get_success_url())


# --- contingency plans ------------------------------------------------------------------------


class PlanListView(ScopedListView):
    model = ContingencyPlan
    filterset_class = PlanFilter
    template_name = "rectification/plan_list.html"
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
        next_status = {
            PlanStatus.DRAFT: [PlanStatus.ACTIVE, PlanStatus.ARCHIVED],
            PlanStatus.ACTIVE: [PlanStatus.ARCHIVED],
        }
        context["next_statuses"] = [(s, PlanStatus(s).label) for s in next_status.get(self.object.status, [])]
        return context


class PlanCreateView(_InstitutionActionView):
    form_class = PlanForm
    template_name = "rectification/plan_form.html"
    plan = None

    def get_initial(self):
        return {
            "lead_unit": self.institution.supervising_unit,
            "title": _("%(name)s 爆雷风险应急预案") % {"name": self.institution.name},
        }

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.plan
        return kwargs

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            plan = services.plan_save(user=self.request.user, institution=self.institution, plan=self.plan, **data)
        except (DomainError, PermissionDenied) as exc:
            _form_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("应急预案已保存。"))
        return redirect("rectification:plan_detail", plan.pk)


class PlanUpdateView(PlanCreateView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.plan = get_object_or_404(
                visible_to(request.user, ContingencyPlan).select_related("institution"), pk=kwargs["pk"]
            )
            kwargs["pk"] = self.plan.institution_id
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {}


class PlanStatusView(WriteAccessMixin, FormView):
    form_class = PlanStatusForm

    def post(self, request, *args, **kwargs):
        plan = get_object_or_404(
            visible_to(request.user, ContingencyPlan).select_related("institution"), pk=kwargs["pk"]
        )
        form = self.get_form()
        if form.is_valid():
            try:
                services.plan_set_status(
                    plan=plan, user=request.user, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"]
                )
            except (DomainError, PermissionDenied) as exc:
                messages.error(request, str(exc))
        return redirect("rectification:plan_detail", plan.pk)

    def get(self, request, *args, **kwargs):
        return redirect("rectification:plan_detail", kwargs["pk"])


# --- import -----------------------------------------------------------------------------------


class ImportView(WriteAccessMixin, FormView):
    form_class = ImportForm
    template_name = "rectification/import.html"

    def form_valid(self, form):
        report = imports.parse(form.cleaned_data["file"])
        mode = form.cleaned_data["mode"]
        if mode != ImportForm.MODE_CHECK and not report.file_errors:
            imports.save(report, user=self.request.user, valid_only=mode == ImportForm.MODE_VALID)
            if report.saved:
                messages.success(self.request, _("已导入 %(count)s 个机构。") % {"count": report.saved})
            elif report.invalid:
                messages.error(
                    self.request, _("有错误的行，未导入任何数据。请修改后重新上传，或选择只导入校验通过的行。")
                )
        return self.render_to_response(self.get_context_data(form=form, report=report, mode=mode))


class ImportTemplateView(WriteAccessMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        response = HttpResponse(imports.template_workbook(), content_type=XLSX_MIME)
        response["Content-Disposition"] = 'attachment; filename="institutions-template.xlsx"'
        return response
