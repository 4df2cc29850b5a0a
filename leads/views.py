"""Thin views: every page starts from what the user may see, every write calls a service."""

from __future__ import annotations

import datetime
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_ratelimit.decorators import ratelimit

from core import jobs, once, rules, workdays
from core.exceptions import DomainError
from core.net import client_ip
from core.paging import CappedPaginator
from core.services import attachments_of
from core.views import ActionView, ScopedDetailView, ScopedListView
from core.visibility import visible_to
from core.xlsx import XLSX_MIME, Column, write_rows
from organization.models import Unit

from . import forms, imports, public, selectors, services
from .choices import OPEN_FOR_RECEIVER, FraudType, LeadSource, LeadStatus, Outcome, ReviewState
from .filters import LeadFilter
from .models import INFORMANT_FIELDS, Lead
from .selectors import related_and_merged, related_candidates


def person_name(name, first_name, last_name, username) -> str:
    """A user as ``str(user)`` shows them, from the fields ``SUPERVISOR_FIELDS`` reads."""
    return name or f"{first_name or ''} {last_name or ''}".strip() or username or ""


SUPERVISOR_FIELDS = ("supervisor__name", "supervisor__first_name", "supervisor__last_name", "supervisor__username")


def deadline_estimated():
    """Per export: whether a lead's deadline was counted over a year the calendar does not cover
    (the covered years are read once, each deadline's answer kept)."""
    coverage = workdays.coverage()
    seen: dict[datetime.date, bool] = {}

    def estimated(deadline, deadline_workdays) -> bool:
        if not deadline or deadline_workdays is None:
            return False
        if deadline not in seen:
            seen[deadline] = coverage.estimated(deadline)
        return seen[deadline]

    return estimated


# Every column names the fields it reads: the export reads those values only (issue 18), never an
# informant field, and each choice column's labels are translated once per export.
EXPORT_COLUMNS = [
    Column(_("编号"), "number", 14),
    Column(_("登记日期"), "received_on", 12),
    Column(_("来源"), "source", 12, choices=LeadSource),
    Column(_("上级转办文号"), "higher_reference", 18),
    Column(_("线索摘要"), "summary", 40),
    Column(_("诈骗类型"), "fraud_type", 12, choices=FraudType),
    Column(_("被反映机构或人员"), "subject_name", 24),
    Column(_("统一社会信用代码"), "subject_credit_code", 20),
    Column(_("涉及金额（元）"), "money_lost", 14),
    Column(_("涉及老人人数"), "elderly_affected", 10),
    Column(_("社区"), "community__name", 12),
    Column(_("承办单位"), "assigned_unit__name", 16),
    Column(_("反馈期限"), "deadline", 12),
    # counted over a year the calendar does not cover
    Column(_("期限为估算"), None, 8, fields=("deadline", "deadline_workdays"), prepare=deadline_estimated),
    Column(_("状态"), "status", 10, choices=LeadStatus),
    Column(_("重大线索"), "is_major", 8),
    Column(_("督办人"), person_name, 12, fields=SUPERVISOR_FIELDS),
    Column(_("列入通报"), "publicly_named", 8),
    Column(_("催办次数"), "reminder_count", 8),
    Column(_("最近催办日期"), "last_reminded_on", 12),
    Column(_("核查情况"), "findings", 40),
    Column(_("办结结果"), "outcome", 16, choices=Outcome),
    Column(_("办结时间"), "closed_at", 16),
    Column(_("向上级报送办结时间"), "reported_up_at", 16),
]


STATUS_CSS = {
    LeadStatus.CLOSED: "text-bg-secondary",
    LeadStatus.RETURNED: "text-bg-warning",
    LeadStatus.REGISTERED: "text-bg-info",
}


def decorate_rows(leads, today, horizon) -> None:
    """What each row of a lead list shows, computed once per page in Python: labels from dicts
    built once (not ``get_FOO_display`` per row), the detail URL from one ``reverse`` and the
    deadline badge. The template then only prints attributes."""
    labels = {
        "status": {k: str(v) for k, v in LeadStatus.choices},
        "source": {k: str(v) for k, v in LeadSource.choices},
        "fraud_type": {k: str(v) for k, v in FraudType.choices},
    }
    prefix = reverse("leads:detail", args=[0]).removesuffix("0/")
    since = services.new_supplement_since()
    for lead in leads:
        lead.row_url = f"{prefix}{lead.pk}/"
        lead.status_label = labels["status"].get(lead.status, lead.status)
        lead.status_css = STATUS_CSS.get(lead.status, "text-bg-primary")
        lead.source_label = labels["source"].get(lead.source, lead.source)
        lead.fraud_type_label = labels["fraud_type"].get(lead.fraud_type, lead.fraud_type)
        lead.unit_label = lead.assigned_unit.name if lead.assigned_unit_id else ""
        lead.community_label = (
            lead.community.name if lead.community_id and lead.community_id != lead.assigned_unit_id else ""
        )
        lead.row_deadline_state = lead.deadline_state(today, horizon)
        lead.supervisor_label = str(lead.supervisor) if lead.supervisor_id else ""
        lead.urged = bool(lead.reminder_count) and lead.status in OPEN_FOR_RECEIVER
        lead.new_supplement = lead.supplemented_at is not None and lead.supplemented_at >= since


def row_html(leads, request, higher_report: bool = False) -> None:
    """Each decorated lead's ``<tr>`` of the lead list, built in Python (issue 18: the template's
    two dozen nodes per row were a third of the page), the same markup as the template had. The
    words are translated once per page, in the request's language."""
    from core.templatetags.hulao_calendar import deadline

    t = {
        "major": gettext("重大"),
        "overdue": gettext("超期"),
        "due_soon": gettext("即将到期"),
        "review": gettext("待二次核查"),
        "unreported": gettext("未报送"),
        "named": gettext("通报"),
        "urged": gettext("催办"),
        "supervisor": gettext("督办人") + gettext("："),
        "new_supplement": gettext("新补充"),
    }
    badge = {
        "major": format_html('<span class="badge text-bg-danger">{}</span> ', t["major"]),
        "named": format_html('<span class="badge text-bg-dark" data-testid="named">{}</span> ', t["named"]),
        "new_supplement": format_html(
            '<span class="badge text-bg-info" data-testid="new-supplement">{}</span> ', t["new_supplement"]
        ),
        "overdue": format_html(' <span class="badge text-bg-danger">{}</span>', t["overdue"]),
        "due_soon": format_html(' <span class="badge text-bg-warning">{}</span>', t["due_soon"]),
        "review": format_html(' <span class="badge text-bg-warning">{}</span>', t["review"]),
    }
    context = {"request": request}
    for lead in leads:
        badges = [
            badge["major"] if lead.is_major else "",
            badge["named"] if lead.publicly_named else "",
            badge["new_supplement"] if lead.new_supplement else "",
            format_html(
                '<span class="badge text-bg-warning" data-testid="urged">{} {}</span> ', t["urged"], lead.reminder_count
            )
            if lead.urged
            else "",
        ]
        supervisor = (
            format_html(
                '<div class="small text-muted" data-testid="supervisor">{}{}</div>',
                t["supervisor"],
                lead.supervisor_label,
            )
            if lead.supervisor_label
            else ""
        )
        community = (
            format_html('<div class="small text-muted">{}</div>', lead.community_label) if lead.community_label else ""
        )
        if higher_report:
            reported = date_filter(template_localtime(lead.reported_up_at), "Y-m-d") if lead.reported_up_at else ""
            last = format_html('<td data-testid="reported-up">{}</td>', reported or t["unreported"])
        elif lead.deadline:
            state = badge.get(lead.row_deadline_state, "") if lead.row_deadline_state in ("overdue", "due_soon") else ""
            last = format_html("<td>{}{}</td>", deadline(context, lead.deadline, lead.deadline_workdays), state)
        else:
            last = mark_safe("<td></td>")
        lead.row_html = format_html(
            '<tr class="{}" data-testid="lead-row">\n'
            '      <td><a href="{}">{}</a></td>\n'
            "      <td>{}{}{}</td>\n"
            "      <td>{}</td>\n"
            "      <td>{}</td>\n"
            "      <td>{}{}</td>\n"
            "      {}\n"
            '      <td><span class="badge {}" data-testid="lead-status">{}</span>{}</td>\n'
            "    </tr>",
            "row-major" if lead.is_major else "",
            lead.row_url,
            lead.number,
            mark_safe("".join(badges)),  # each built by format_html
            lead.summary,
            supervisor,
            lead.source_label,
            lead.fraud_type_label,
            lead.unit_label,
            community,
            last,
            lead.status_css,
            lead.status_label,
            badge["review"] if lead.review_state == "pending" else "",
        )


class SearchPaginator(CappedPaginator):
    """For a text search: ``LIKE '%…%'`` cannot use an index, so counting every match reads every
    lead, which costs more than the page itself. Count up to ``cap`` matches only (``LIMIT`` in
    the count's subquery); beyond, the page says "more than" and asks to narrow. Every list's
    paginator now does the same (``core.paging``); this one keeps its own ``cap``."""

    cap = 1000


class LeadListView(ScopedListView):
    model = Lead
    filterset_class = LeadFilter
    template_name = "leads/lead_list.html"
    export_title = _("线索清单")
    export_columns = EXPORT_COLUMNS
    sortable = {
        "number": "number",
        "source": "source",
        "fraud_type": "fraud_type",
        "unit": "assigned_unit__name",
        "deadline": "deadline",
        "received": "received_on",
        "reported_up": "reported_up_at",
        "status": "status",
    }

    def get_queryset(self):
        return super().get_queryset().for_list().order_by("-received_on", "-pk")

    #: What a row shows (``decorate_rows``): the page reads only these columns, so no long text and
    #: no encrypted informant field is fetched and decrypted per row. The export reads its columns'
    #: fields only (``core.xlsx.ValueRows``).
    ROW_FIELDS = (
        "number",
        "summary",
        "status",
        "source",
        "fraud_type",
        "is_major",
        "review_state",
        "deadline",
        "deadline_workdays",
        "received_on",
        "reported_up_at",
        "assigned_unit__name",
        "community__name",
        "publicly_named",
        "reminder_count",
        "supplemented_at",
        "supervisor__name",
        "supervisor__first_name",
        "supervisor__last_name",
        "supervisor__username",
    )

    def paginate_queryset(self, queryset, page_size):
        rows = (
            queryset.select_related(None)
            .select_related("assigned_unit", "community", "supervisor")
            .only(*self.ROW_FIELDS)
        )
        return super().paginate_queryset(rows, page_size)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        if self.request.GET.get("q", "").strip():
            return SearchPaginator(queryset, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page)
        return super().get_paginator(queryset, per_page, orphans, allow_empty_first_page, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["today"] = today
        context["horizon"] = services.due_soon_horizon(today)
        decorate_rows(context["object_list"], today, context["horizon"])
        row_html(context["object_list"], self.request, higher_report=context.get("higher_report", False))
        return context


def final_higher_office_leads(leads):
    """The finally closed leads from a higher office (those whose closure is reported up)."""
    return leads.filter(source=LeadSource.HIGHER, status=LeadStatus.CLOSED).exclude(review_state=ReviewState.PENDING)


def higher_report_leads(user):
    return final_higher_office_leads(visible_to(user, Lead))


class HigherReportView(LeadListView):
    """Leads from a higher office that are finally closed: when their closure was reported up,
    and the .xlsx the street office sends to the higher office (?export=xlsx)."""

    export_title = _("上级转办线索办结情况")
    export_columns = [
        Column(_("上级转办文号"), "higher_reference", 22),
        Column(_("编号"), "number", 14),
        Column(_("线索摘要"), "summary", 40),
        Column(_("被反映机构或人员"), "subject_name", 24),
        Column(_("承办单位"), "assigned_unit__name", 16),
        Column(_("核查情况"), "findings", 50),
        Column(_("办结结果"), "outcome", 18, choices=Outcome),
        Column(_("办结时间"), "closed_at", 16),
        Column(_("上级反馈期限"), "higher_deadline", 12),
        Column(_("向上级报送办结时间"), "reported_up_at", 16),
    ]

    def get_queryset(self):
        return final_higher_office_leads(super().get_queryset())

    def get_context_data(self, **kwargs):
        return super().get_context_data(higher_report=True, **kwargs)

    def post(self, request, *args, **kwargs):
        """Mark the filtered, still unreported leads as reported up (``ReportUpManyView``)."""
        return ReportUpManyView.as_view()(request, *args, **kwargs)


class DeadlineBoardView(LoginRequiredMixin, TemplateView):
    """Due-soon and overdue leads per unit (督办), and who is late with what: under each unit its
    most overdue leads (``LATE_PER_UNIT``, the rest through the unit's overdue list), with the
    supervisor, reminders and naming, and the 催办 button where the rules allow it. Two queries
    for the counts and one for the late leads, however many units and leads."""

    LATE_PER_UNIT = 10

    template_name = "leads/deadline_board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        horizon = services.due_soon_horizon(today)
        rows = (
            visible_to(self.request.user, Lead)
            .awaiting_receiver()
            .values("assigned_unit_id")
            .annotate(
                overdue=Count("pk", filter=Q(deadline__lt=today)),
                due_soon=Count("pk", filter=Q(deadline__gte=today, deadline__lte=horizon)),
                named=Count("pk", filter=Q(publicly_named=True)),
                major=Count("pk", filter=Q(is_major=True)),
                open=Count("pk"),
            )
            .order_by("-overdue", "-due_soon")
        )
        units = Unit.objects.in_bulk([r["assigned_unit_id"] for r in rows])
        late: dict[int, list[Lead]] = {}
        for lead in self.late_leads(today):
            lead.days_late = (today - lead.deadline).days
            late.setdefault(lead.assigned_unit_id, []).append(lead)
        context["rows"] = [
            {**r, "unit": units.get(r["assigned_unit_id"]), "late": late.get(r["assigned_unit_id"], [])} for r in rows
        ]
        context["today"], context["horizon"] = today, horizon
        return context

    def late_leads(self, today):
        """The ``LATE_PER_UNIT`` most overdue leads of each unit (a window over the overdue ones)."""
        ranked = (
            visible_to(self.request.user, Lead)
            .overdue(today)
            .annotate(
                rank=Window(RowNumber(), partition_by=[F("assigned_unit_id")], order_by=[F("deadline").asc(), F("pk")])
            )
            .filter(rank__lte=self.LATE_PER_UNIT)
            .select_related("supervisor")
            .only(
                "number",
                "summary",
                "status",
                "deadline",
                "assigned_unit_id",
                "jurisdiction_id",  # the rules' street bound (催办), read for each lead shown
                "is_major",
                "publicly_named",
                "reminder_count",
                "last_reminded_on",
                "supervisor__name",
                "supervisor__first_name",
                "supervisor__last_name",
                "supervisor__username",
            )
            .order_by("assigned_unit_id", "deadline", "pk")
        )
        return list(ranked)


#: What the layers above add to a lead's page (the API: a transfer to or from another Hulao
#: deployment): functions of (request, lead) giving HTML or "", registered in their ``ready()``.
DETAIL_EXTRAS: list[Callable[[Any, Lead], str]] = []


class LeadDetailView(ScopedDetailView):
    """A lead's page: its facts, files, history, and one panel per action the rules allow now
    (``actions``, from ``ScopedDetailView``): nothing else is offered."""

    model = Lead
    template_name = "leads/lead_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .for_list()
            # Not merged_into or reviewer: rarely set, fetched only then. Each join costs
            # PostgreSQL's planner more than the lazy query would (nine tables: ~8 ms to plan).
            .select_related("created_by")
            .defer(*INFORMANT_FIELDS)  # the page never shows them: no decryption per view
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead, user = self.object, self.request.user
        actions = context["actions"]
        today = timezone.localdate()
        related, merged = related_and_merged(user, lead)
        context.update(
            attachments=attachments_of(lead),
            supplements=list(lead.supplements.all()),
            related=related,
            merged=merged,
            cases=_cases_of(user, lead),
            institution=_institution_of(user, lead),
            candidates=related_candidates(user, lead=lead) if "link" in actions else [],
            deadline_state=lead.deadline_state(today, lambda: services.due_soon_horizon(today)),
            panels=self.panels(lead, actions),
            extras=[html for hook in DETAIL_EXTRAS if (html := hook(self.request, lead))],
        )
        return context

    def panels(self, lead: Lead, actions: set[str]) -> list[Panel]:
        """The action panels of the page, in the order shown, for the allowed actions only;
        their forms are rendered by the quick_form filter (core/templatetags/hulao_forms.py)."""
        user = self.request.user
        choices = forms.PageChoices()  # the panels' selects share their lists: one read each
        return [  # each panel's ids carry its verb: several panels have a field of the same name
            Panel(
                verb,
                title,
                PANEL_FORMS[verb](lead=lead, user=user, auto_id=f"id_{verb}_%s", choices=choices),
                rules.get(f"leads.{verb}").url_for(lead) or "",
            )
            for verb, title in PANELS
            if verb in actions
        ]


@dataclass(frozen=True)
class Panel:
    verb: str
    title: Any
    form: Any
    url: str

    @property
    def rule(self) -> str:
        return f"leads.{self.verb}"


#: The panels of a lead's page, in order (verb, title): each is a declared action (leads/rules.py).
PANELS = [
    ("acknowledge", _("签收")),
    ("feedback", _("反馈核查情况")),
    ("extension_request", _("申请延期")),
    ("refer", _("分派")),
    ("close", _("办结")),
    ("return", _("退回")),
    ("extension_decide", _("审批延期")),
    ("review_confirm", _("二次核查：确认查否")),
    ("reopen", _("二次核查：重开")),
    ("report_up", _("已向上级报送办结情况")),
    ("urge", _("催办承办单位")),
    ("supervise", _("重大线索 / 挂牌督办")),
    ("link", _("关联或合并线索")),
    ("issue_receipt", _("重新发放查询码（原查询码作废）")),
    ("reveal", _("查看举报人身份（将被记录）")),
    ("redact", _("删除敏感内容（不可恢复）")),
]


def _cases_of(user, lead: Lead) -> list:
    """The cases opened from this lead that the user may see (one query)."""
    from cases.selectors import cases_of_lead

    return cases_of_lead(user, lead)


def _institution_of(user, lead: Lead):
    """The institution the lead names, if the user may see it (one query, none without a link)."""
    if not lead.institution_id:
        return None
    from rectification.selectors import visible_institution

    return visible_institution(user, lead.institution_id)


# --- writes: one ActionView per declared action ------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One action of ``leads:action <pk> <verb>``: its form, whose ``service_kwargs()`` are the
    service's keyword arguments (with ``lead`` and ``user``)."""

    form: type[forms.LeadActionForm]
    service: Callable[..., Any]


#: verb → (form, service) of the actions posted to ``leads:action``; who may, and when, is the
#: rule ``leads.<verb>`` (leads/rules.py).
ACTIONS: dict[str, Step] = {
    "refer": Step(forms.ReferForm, services.lead_refer),
    "acknowledge": Step(forms.ReasonForm, services.lead_acknowledge),
    "feedback": Step(forms.FeedbackForm, services.lead_feedback),
    "close": Step(forms.CloseForm, services.lead_close),
    "return": Step(forms.RequiredReasonForm, services.lead_return),
    "reopen": Step(forms.RequiredReasonForm, services.lead_reopen),
    "review_confirm": Step(forms.ReasonForm, services.lead_review_confirm),
    "extension_request": Step(forms.ExtensionRequestForm, services.lead_request_extension),
    "extension_decide": Step(forms.ExtensionDecideForm, services.lead_decide_extension),
    "supervise": Step(forms.SuperviseForm, services.lead_supervise),
    "urge": Step(forms.ReasonForm, services.lead_urge),
    "link": Step(forms.LinkForm, services.lead_link),  # with its merge box: services.lead_merge
    "report_up": Step(forms.ReasonForm, services.lead_report_up),
    "redact": Step(forms.RedactForm, services.lead_redact),
}

#: The form of each panel on the lead's page.
PANEL_FORMS: dict[str, type[forms.LeadActionForm]] = {
    **{verb: step.form for verb, step in ACTIONS.items()},
    "issue_receipt": forms.ReasonForm,
    "reveal": forms.RevealReasonForm,
}


class LeadActionMixin:
    """An action on one visible lead: the form gets the lead and the user."""

    model = Lead
    request: Any
    object: Any

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"lead": self.object, "user": self.request.user}


class LeadActionView(LeadActionMixin, ActionView):
    """``leads:action <pk> <verb>``: the form of one action of ``ACTIONS`` (GET, on its own page)
    and its POST; an invalid POST shows the form again with what was typed."""

    def dispatch(self, request, *args, **kwargs):
        self.step = ACTIONS.get(kwargs["action"])
        if self.step is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_action(self) -> str:
        return f"leads.{self.kwargs['action']}"

    def get_form_class(self):
        return self.step.form

    def perform(self, form):
        return self.step.service(lead=self.object, user=self.request.user, **form.service_kwargs())


class SecretOnceMixin:
    """The answer shows a secret (a receipt code, the informant) once, on a GET page after the
    POST (``core.once.show_once``): a reload says it was shown and how to get a new one."""

    request: Any

    def secret_response(self, template: str, lead: Lead, context: dict[str, Any], *, gone: str, again: str = ""):
        return once.show_once(
            self.request, template=template, obj=lead, name="lead", context=context, gone=gone, again=again
        )


#: What the page loaded again says (translated when shown).
RECEIPT_GONE = gettext_noop("查询码不保存明文，无法再次显示；如举报人遗失，可重新发放查询码（原查询码作废）。")
INFORMANT_GONE = gettext_noop("如需再次查看举报人身份，请重新说明原因（每次查看都会记录）。")


class RevealInformantView(SecretOnceMixin, LeadActionMixin, ActionView):
    """A deliberate, logged look at the informant's identity: a reason is required; an empty
    one shows the form again and reveals (and logs) nothing."""

    action = "leads.reveal"
    form_class = forms.RevealReasonForm

    def perform(self, form):
        return services.lead_reveal_informant(lead=self.object, user=self.request.user, **form.service_kwargs())

    def done(self, result):
        return self.secret_response(
            "leads/informant.html", self.object, {"informant": result}, gone=INFORMANT_GONE, again="leads.reveal"
        )


class IssueReceiptView(SecretOnceMixin, LeadActionMixin, ActionView):
    """Issue a new receipt code (e.g. the informant lost it, or phoned in); shown once. Refused
    (403, with the reason) for a lead that is not a public tip or is already final."""

    action = "leads.issue_receipt"
    form_class = forms.ReasonForm

    def post(self, request, *args, **kwargs):
        if not self.decision:  # nothing to keep of what was typed: refuse outright
            raise PermissionDenied(self.decision.reason)
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        return services.lead_issue_receipt(lead=self.object, user=self.request.user, **form.service_kwargs())

    def done(self, result):
        return self.secret_response(
            "leads/receipt_issued.html",
            self.object,
            {"code": result, "reissued": True},
            gone=RECEIPT_GONE,
            again="leads.issue_receipt",
        )


class LeadCreateView(SecretOnceMixin, ActionView):
    action = "leads.create"
    form_class = forms.LeadForm
    template_name = "leads/lead_form.html"

    def extra_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        return services.lead_create(
            user=self.request.user,
            data=form.lead_data(),
            files=form.cleaned_data["files"],
            issue_receipt=form.cleaned_data["issue_receipt"],
        )

    def done(self, result):
        lead, code = result
        if code:
            messages.success(self.request, _("线索 %(n)s 已登记。") % {"n": lead.number})
            return self.secret_response(
                "leads/receipt_issued.html", lead, {"code": code}, gone=RECEIPT_GONE, again="leads.issue_receipt"
            )
        messages.success(self.request, _("线索 %(n)s 已登记。") % {"n": lead.number})
        return redirect(lead)


class TransferView(ActionView):
    """The city special office transfers a lead to a street (``leads.transfer``, issue 19)."""

    action = "leads.transfer"
    form_class = forms.TransferForm
    template_name = "leads/transfer_form.html"

    def extra_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        lead = services.lead_transfer(user=self.request.user, street=form.cleaned_data["street"], data=form.lead_data())
        self.success_message = _("线索 %(n)s 已转办%(street)s。") % {"n": lead.number, "street": lead.jurisdiction}
        return lead

    def get_success_url(self, result=None) -> str:
        return reverse("leads:city")

    def cancel_url(self) -> str:
        return reverse("leads:city")


class CityTransferListView(LeadListView):
    """The leads the city transferred to its streets (issue 19): each one's street, state, the
    city's deadline and whether it is overdue against it, and the closure reported up (outcome,
    findings). The city sees every street's; a street its own."""

    template_name = "leads/city_list.html"
    export_title = _("市专项办转办线索")
    sortable = {
        "street": "jurisdiction__name",
        "number": "number",
        "status": "status",
        "city_deadline": "higher_deadline",
        "reported_up": "reported_up_at",
    }
    export_columns = [
        Column(_("镇街"), lambda x: str(x.jurisdiction or ""), 16),
        Column(_("转办文号"), lambda x: x.higher_reference, 22),
        Column(_("编号"), lambda x: x.number, 14),
        Column(_("线索摘要"), lambda x: x.summary, 40),
        Column(_("状态"), lambda x: x.get_status_display(), 10),
        Column(_("反馈期限"), lambda x: x.higher_deadline, 12),
        Column(_("逾期"), lambda x: CITY_DEADLINE_LABELS.get(x.city_deadline_state(timezone.localdate()), ""), 10),
        Column(_("办结结果"), lambda x: " ".join(filter(None, (x.get_outcome_display(), x.merged_note))), 18),
        Column(_("核查情况"), lambda x: x.findings, 50),
        Column(_("办结时间"), lambda x: x.closed_at, 16),
        Column(_("向上级报送办结时间"), lambda x: x.reported_up_at, 16),
    ]
    ROW_FIELDS = (
        *LeadListView.ROW_FIELDS,
        "higher_reference",
        "higher_deadline",
        "outcome",
        "findings",
        "closed_at",
        "jurisdiction__name",
        "merged_into__number",
    )

    def get_queryset(self):
        overdue = self.request.GET.get("overdue") == "1"
        leads = selectors.city_transfers(self.request.user, overdue=overdue)
        return leads.for_list().select_related("jurisdiction", "merged_into").order_by("-received_on", "-pk")

    def paginate_queryset(self, queryset, page_size):
        rows = (
            queryset.select_related(None)
            .select_related("assigned_unit", "community", "supervisor", "jurisdiction", "merged_into")
            .only(*self.ROW_FIELDS)
        )
        return super(LeadListView, self).paginate_queryset(rows, page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = context["today"]
        for lead in context["object_list"]:
            lead.city_state = CITY_DEADLINE_LABELS.get(lead.city_deadline_state(today), "")
        context["overdue_only"] = self.request.GET.get("overdue") == "1"
        return context


CITY_DEADLINE_LABELS = {"overdue": _("逾期未办结"), "late": _("逾期办结")}


class LeadUpdateView(LeadActionMixin, ActionView):
    """Correct a lead's facts after intake (street office), with a reason, under optimistic
    locking: a save over a change made since the form was opened is refused and shows the form
    again with what was typed (and the current version, so a second submit is on purpose)."""

    action = "leads.edit"
    form_class = forms.LeadEditForm
    template_name = "leads/lead_edit.html"

    def extra_form_kwargs(self):
        return {"instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(lead=self.object, **kwargs)

    def perform(self, form):
        lead = services.lead_update(
            lead=self.object,
            user=self.request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data.get("version"),
            **form.lead_fields(),
        )
        self.success_message = _("线索 %(n)s 已修改。") % {"n": lead.number}
        return lead


class ReportUpManyView(ActionView):
    """The POST of the higher-office list: mark its filtered, still unreported leads as
    reported up (``leads.report_up_many``; each lead is ``leads.report_up``)."""

    action = "leads.report_up_many"
    form_class = forms.ReasonForm

    def perform(self, form):
        data = self.request.GET.copy()
        data["unreported"] = "true"
        filterset = LeadFilter(data, queryset=higher_report_leads(self.request.user), request=self.request)
        leads = list(filterset.qs) if filterset.is_valid() else []
        count = services.leads_report_up_many(leads=leads, user=self.request.user, **form.service_kwargs())
        self.success_message = _("已记录 %(n)s 条线索的办结情况已报送上级。") % {"n": count}
        return count

    def get_success_url(self, result=None) -> str:
        return self.request.get_full_path()

    def cancel_url(self) -> str:
        return self.request.get_full_path()


class RelatedSuggestView(LoginRequiredMixin, View):
    """Related earlier leads while typing the intake form (JSON for static/js/leads.js)."""

    def get(self, request):
        leads = related_candidates(
            request.user,
            subject_name=request.GET.get("subject_name", ""),
            credit_code=request.GET.get("subject_credit_code", ""),
            phone=request.GET.get("subject_phone", ""),
            person=request.GET.get("subject_person", ""),
            limit=10,
        )
        return JsonResponse(
            {
                "leads": [
                    {
                        "number": x.number,
                        "summary": x.summary,
                        "status": x.get_status_display(),
                        "url": reverse("leads:detail", args=[x.pk]),
                    }
                    for x in leads
                ]
            }
        )


class ImportView(ActionView):
    """Upload an import: the file is checked (``ImportForm``) and stored, the import runs as a
    background job (``leads.jobs``), and the user goes to the job's page (progress, then report)."""

    action = "leads.import"
    form_class = forms.ImportForm
    template_name = "leads/import.html"
    success_message = _("文件已上传，正在后台导入。")
    #: the job that runs the import (``leads.jobs``), and its title (the action's ``action``)
    job_title = _("导入上级转办线索")

    def perform(self, form):
        return jobs.start(
            kind=self.action,
            owner=self.request.user,
            title=self.job_title,
            params={"valid_only": form.cleaned_data["valid_only"]},
            upload=form.cleaned_data["file"],
        )


def _template_response(rows: list[list[Any]], sheet: str, filename: str) -> FileResponse:
    buffer = io.BytesIO()
    columns = [Column(h, lambda r, i=i: r[i], 18) for i, h in enumerate(rows[0])]
    write_rows(buffer, sheet, columns, rows[1:])
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX_MIME)


@login_required
def import_template(request):
    return _template_response(imports.template_rows(), str(_("线索")), "leads-import-template.xlsx")


class TransferImportView(ImportView):
    """The city special office uploads its transfer list (``leads.transfer_import``, issue 19): the
    file is checked and stored, the transfers run as a job (``leads.jobs``), and the user goes to
    the job's page (progress, then the per-row report)."""

    action = "leads.transfer_import"
    template_name = "leads/transfer_import.html"
    success_message = _("文件已上传，正在后台转办。")
    job_title = _("导入市专项办转办清单")

    def cancel_url(self) -> str:
        return reverse("leads:city")


@login_required
def transfer_import_template(request):
    """The transfer list's template, its example row naming one of the user's streets."""
    from organization.models import Jurisdiction

    streets = list(
        Jurisdiction.objects.visible_to(request.user)
        .filter(parent__isnull=False, is_active=True)
        .values_list("name", flat=True)[:1]
    )
    return _template_response(
        imports.transfer_template_rows(streets), str(_("转办清单")), "city-transfer-template.xlsx"
    )


# --- public pages (no login) ----------------------------------------------------------------


def _tip_rate(group, request):
    from django.conf import settings

    return settings.LEADS_TIP_RATE


def _receipt_rate(group, request):
    from django.conf import settings

    return settings.LEADS_RECEIPT_RATE


PUBLIC_SESSION_KEY = "leads_public_lead"


NEW_RECEIPT_KEY = "leads_new_receipt"


@method_decorator(ratelimit(key="ip", rate=_tip_rate, method="POST", block=False, group="leads.tip"), name="post")
class TipView(FormView):
    """The public tip form. Files are held under the form's token (``leads.public``) as soon as
    they arrive, so a form that comes back with an error keeps them; the accepted form redirects
    to the receipt slip (``tip:done``), and the same form sent again makes no second lead."""

    form_class = forms.TipForm
    template_name = "leads/public/tip.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["held_files"] = public.held_files(form.hold) if form.is_bound else []
        return context

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return render(request, "leads/public/limited.html", status=429)
        form = self.get_form()
        if public.submitted_lead(form.hold) is not None:  # F5 on a POST, a double click, the back button
            messages.info(request, _("这份举报已经提交过了，没有重复提交。"))
            return redirect("tip:done")
        address = client_ip(request)
        public.drop_files(token=form.hold, ids=request.POST.getlist("drop"))
        refused = public.hold_files(token=form.hold, address=address, uploads=request.FILES.getlist("files"))
        valid = form.is_valid()
        for message in refused:
            form.add_error("files", message)
        if not valid or refused:
            return self.form_invalid(form)
        lead, code = public.submit_tip(
            token=form.hold, address=address, data=form.lead_data(), street=form.cleaned_data.get("street")
        )
        if code is not None:
            request.session[NEW_RECEIPT_KEY] = {"code": code, "at": time.time()}
            request.session[PUBLIC_SESSION_KEY] = lead.pk
        return redirect("tip:done")

    def form_invalid(self, form):
        form.refresh_tokens()
        return super().form_invalid(form)


def tip_done(request):
    """The receipt slip (print, copy, save): the new code, for this browser session only, and for
    ``LEADS_RECEIPT_SHOW_SECONDS`` after sending (a reload shows it again; later it is gone)."""
    from django.conf import settings

    receipt = request.session.get(NEW_RECEIPT_KEY)
    if not isinstance(receipt, dict) or time.time() - float(receipt.get("at", 0)) > settings.LEADS_RECEIPT_SHOW_SECONDS:
        request.session.pop(NEW_RECEIPT_KEY, None)
        return redirect("tip:form")
    sent = datetime.datetime.fromtimestamp(float(receipt["at"]), tz=datetime.UTC)
    response = render(
        request,
        "leads/public/done.html",
        {
            "code": receipt["code"],
            "sent": timezone.localtime(sent),
            "receipt_url": request.build_absolute_uri(reverse("tip:receipt")),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@method_decorator(
    ratelimit(key="ip", rate=_receipt_rate, method="POST", block=False, group="leads.receipt"), name="post"
)
class ReceiptView(FormView):
    form_class = forms.ReceiptForm
    template_name = "leads/public/receipt.html"

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return render(request, "leads/public/limited.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        lead = services.receipt_lookup(form.cleaned_data["code"])
        if lead is None:
            form.add_error("code", _("查询码不正确，请核对后重试。"))
            return self.form_invalid(form)
        self.request.session.cycle_key()
        self.request.session[PUBLIC_SESSION_KEY] = lead.pk
        return redirect("tip:status")


@method_decorator(ratelimit(key="ip", rate=_tip_rate, method="POST", block=False, group="leads.tip"), name="post")
class PublicStatusView(FormView):
    """What the informant may see: the public status only, and a form to add information."""

    form_class = forms.SupplementForm
    template_name = "leads/public/status.html"

    def dispatch(self, request, *args, **kwargs):
        pk = request.session.get(PUBLIC_SESSION_KEY)
        self.lead = (
            Lead.objects.filter(pk=pk).only("pk", "number", "status", "review_state", "received_on", "summary").first()
            if pk
            else None
        )
        if self.lead is None:
            return redirect("tip:receipt")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return render(request, "leads/public/limited.html", status=429)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(lead=self.lead, **kwargs)

    def form_valid(self, form):
        try:
            public.add_supplement(
                lead=self.lead,
                address=client_ip(self.request),
                text=form.cleaned_data["text"],
                uploads=form.cleaned_data["files"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("补充材料已收到，谢谢！"))
        return redirect("tip:status")


def public_leave(request):
    request.session.pop(PUBLIC_SESSION_KEY, None)
    return redirect("tip:receipt")


class RevealLogView(LoginRequiredMixin, TemplateView):
    """The reveals (举报人身份查看记录): who revealed which lead's informant, when and why, from the
    audit entries; never the identity. For the street office's grant holders and the holders of
    the reveal right (``lead_rules.may_read_reveal_log``); 403 for everyone else."""

    template_name = "leads/reveal_log.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        from . import rules as lead_rules

        if request.user.is_authenticated and not lead_rules.may_read_reveal_log(request.user):
            raise PermissionDenied(_("只有街道专项办的授权人员才能查看此页。"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from .selectors import reveal_entries

        context = super().get_context_data(**kwargs)
        page = Paginator(reveal_entries(), self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(page_obj=page, object_list=page.object_list, is_paginated=page.has_other_pages())
        return context
