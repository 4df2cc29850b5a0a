"""Pages of the publicity area. Thin: reads from selectors, writes through services."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView

from cases.selectors import publicity_summaries, visible_cases
from core import rules
from core.services import attachments_of
from core.views import ActionView, ScopedDetailView, ScopedListView
from core.visibility import visible_to
from core.xlsx import Column

from . import selectors, services
from .choices import ActivityType, MediaLevel, OpinionSource, OpinionStatus, RiskLevel, Venue
from .filters import ActivityFilter, MediaReportFilter, OpinionFilter, SurveyFilter
from .forms import ActivityForm, EscalateForm, MediaReportForm, OpinionFollowUpForm, OpinionForm, SurveyForm
from .models import AWARENESS_KINDS, Activity, AwarenessSurvey, MediaReport, OpinionEntry

ACTIVITY_FIGURE_LABELS = {
    "activities": _("活动次数"),
    "people_reached": _("覆盖人数"),
    "elderly_reached": _("其中老年人"),
    "materials": _("发放资料（份）"),
    "messages": _("发送信息（条）"),
}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def display(value: Any) -> Any:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def choice_label(choices: type[models.TextChoices]):
    """``value -> label`` in the active language, remembered: an export of 20,000 rows would
    otherwise translate every choice of the field for every cell (``get_FOO_display``)."""
    cache: dict[tuple[str, str], str] = {}

    def label(value: str) -> str:
        key = (get_language(), value)
        if key not in cache:
            cache[key] = str(choices(value).label) if value in choices.values else value
        return cache[key]

    return label


activity_type_label = choice_label(ActivityType)
venue_label = choice_label(Venue)
level_label = choice_label(MediaLevel)
source_label = choice_label(OpinionSource)
risk_label = choice_label(RiskLevel)
opinion_status_label = choice_label(OpinionStatus)


def unit_name(unit) -> str:
    return unit.display_name if unit else ""


ACTIVITY_COLUMNS = [
    Column(_("日期"), lambda a: a.date, 12),
    Column(_("主题"), lambda a: a.title, 30),
    Column(_("形式"), lambda a: activity_type_label(a.activity_type), 14),
    Column(_("场所"), lambda a: venue_label(a.venue), 10),
    Column(_("组织单位"), lambda a: unit_name(a.organiser), 16),
    Column(_("社区"), lambda a: unit_name(a.community), 12),
    Column(_("覆盖人数"), lambda a: a.people_reached, 10),
    Column(_("其中老年人"), lambda a: a.elderly_reached, 10),
    Column(_("发放资料（份）"), lambda a: a.materials, 12),
    Column(_("发送信息（条）"), lambda a: a.messages, 12),
]

SURVEY_COLUMNS = [
    Column(_("月份"), lambda s: f"{s.month:%Y-%m}", 10),
    Column(_("社区"), lambda s: unit_name(s.community), 14),
    *(
        column
        for k in AWARENESS_KINDS
        for column in (
            Column(AwarenessSurvey._meta.get_field(k.surveyed).verbose_name, lambda s, k=k: getattr(s, k.surveyed), 10),
            Column(AwarenessSurvey._meta.get_field(k.aware).verbose_name, lambda s, k=k: getattr(s, k.aware), 10),
            Column(k.label, lambda s, k=k: percent(getattr(s, f"{k.key}_rate")), 12),
        )
    ),
]

MEDIA_COLUMNS = [
    Column(_("日期"), lambda m: m.date, 12),
    Column(_("媒体"), lambda m: m.outlet, 18),
    Column(_("级别"), lambda m: level_label(m.level), 8),
    Column(_("标题"), lambda m: m.title, 40),
    Column(_("报送单位"), lambda m: unit_name(m.unit), 14),
    Column(_("链接"), lambda m: m.url, 40),
]

OPINION_COLUMNS = [
    Column(_("日期"), lambda o: o.date, 12),
    Column(_("来源"), lambda o: source_label(o.source), 12),
    Column(_("风险等级"), lambda o: risk_label(o.risk_level), 8),
    Column(_("舆情摘要"), lambda o: o.summary, 40),
    Column(_("处置措施"), lambda o: o.response, 40),
    Column(_("涉及案件"), lambda o: o.case_reference, 20),
    Column(_("登记单位"), lambda o: unit_name(o.unit), 14),
    Column(_("处置状态"), lambda o: opinion_status_label(o.status), 8),
    Column(_("上报街道专项办"), lambda o: o.escalated_at.date() if o.escalated_at else "", 12),
]


class PublicityListView(ScopedListView):
    """A list whose HTML table shows ``table_columns`` (by default the export's columns)."""

    template_name = "publicity/list.html"
    title: Any = ""
    create_action = ""  # the rule of the list's 登记 button (offered when it allows)
    table_columns: list[Column] | None = None
    select_related: tuple[str, ...] = ()
    #: The sort key of each shown column (``sortable``'s keys), by position; a header not named is
    #: not sortable.
    column_sort: dict[int, str] = {}

    def get_queryset(self):
        return super().get_queryset().select_related(*self.select_related)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        columns = self.table_columns or self.export_columns
        context["title"] = self.title
        context["create_action"] = self.create_action
        context["headers"] = [(c.header, self.column_sort.get(i)) for i, c in enumerate(columns)]
        context["rows"] = [(obj, [display(c.value(obj)) for c in columns]) for obj in context["object_list"]]
        return context


class ActivityListView(PublicityListView):
    model = Activity
    filterset_class = ActivityFilter
    title = export_title = _("宣传活动")
    export_columns = ACTIVITY_COLUMNS
    create_action = "publicity.activity_create"
    sortable = {"date": "date", "title": "title", "type": "activity_type", "people": "people_reached"}
    column_sort = {0: "date", 1: "title", 2: "type", 6: "people"}
    select_related = ("organiser", "community")


class SurveyListView(PublicityListView):
    model = AwarenessSurvey
    filterset_class = SurveyFilter
    title = export_title = _("知晓率调查")
    export_columns = SURVEY_COLUMNS
    table_columns = [c for i, c in enumerate(SURVEY_COLUMNS) if i < 2 or (i - 2) % 3 == 2]
    create_action = "publicity.survey_create"
    sortable = {"month": "month", "community": "community__name"}
    column_sort = {0: "month", 1: "community"}
    select_related = ("community",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The trend of the filtered surveys: one community's, or the whole street's (what the user sees).
        context["awareness_chart"] = selectors.awareness_chart(context["filter"].qs)
        return context


class MediaReportListView(PublicityListView):
    model = MediaReport
    filterset_class = MediaReportFilter
    title = export_title = _("媒体报道")
    export_columns = MEDIA_COLUMNS
    table_columns = MEDIA_COLUMNS[:-1]
    create_action = "publicity.media_create"
    sortable = {"date": "date", "outlet": "outlet", "level": "level"}
    column_sort = {0: "date", 1: "outlet", 2: "level"}
    select_related = ("unit",)


class OpinionListView(PublicityListView):
    model = OpinionEntry
    filterset_class = OpinionFilter
    title = export_title = _("舆情记录")
    export_columns = OPINION_COLUMNS
    table_columns = [c for c in OPINION_COLUMNS if c is not OPINION_COLUMNS[4]]
    create_action = "publicity.opinion_create"
    sortable = {"date": "date", "source": "source", "risk": "risk_level"}
    column_sort = {0: "date", 1: "source", 2: "risk"}
    select_related = ("unit",)


class IndexView(LoginRequiredMixin, TemplateView):
    """The landing page: totals by community, type and month, and the awareness trend."""

    template_name = "publicity/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        activity_filter = ActivityFilter(self.request.GET or None, queryset=visible_to(user, Activity))
        activities = activity_filter.qs
        surveys = visible_to(user, AwarenessSurvey)
        if activity_filter.is_bound and activity_filter.is_valid():
            data = activity_filter.form.cleaned_data
            if data.get("community"):
                surveys = surveys.filter(community=data["community"])
            if data.get("date_from"):
                surveys = surveys.filter(month__gte=data["date_from"].replace(day=1))
            if data.get("date_to"):
                surveys = surveys.filter(month__lte=data["date_to"])
        by_month = selectors.activity_totals(activities, by="month")
        summary = selectors.activity_summary(activities)
        awareness = selectors.awareness_summary(surveys)
        context.update(
            filter=activity_filter,
            figure_labels=ACTIVITY_FIGURE_LABELS,
            summary_cards=[(key, label, summary[key]) for key, label in ACTIVITY_FIGURE_LABELS.items()],
            by_community=selectors.activity_totals(activities, by="community"),
            by_type=selectors.activity_totals(activities, by="type"),
            by_month=by_month,
            activity_chart=selectors.activity_chart(by_month, ACTIVITY_FIGURE_LABELS),
            rate_cards=[(k.key, k.label, percent(awareness[f"{k.key}_rate"])) for k in AWARENESS_KINDS],
            awareness_chart=selectors.awareness_chart(surveys),
        )
        return context


class PublicityDetailView(ScopedDetailView):
    template_name = "publicity/detail.html"
    select_related: tuple[str, ...] = ()
    edit_action = ""  # the rule of the 修改 button (offered when it allows)
    with_attachments = False

    def get_queryset(self):
        return super().get_queryset().select_related(*self.select_related)

    def fields(self, obj) -> list[tuple[Any, Any, str]]:
        """(label, value, link) rows; the link is empty or a checked http(s) address."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.model._meta.verbose_name
        context["fields"] = [
            (label, display(value), link[0] if link else "") for label, value, *link in self.fields(self.object)
        ]
        context["edit_action"] = self.edit_action
        context["edit_verb"] = rules.get(self.edit_action).verb if self.edit_action else ""
        if self.with_attachments:
            context["attachments"] = attachments_of(self.object)
            context["with_attachments"] = True
        return context


def case_row(user, obj, name: str) -> tuple[Any, Any, str]:
    """A linked case: its title and page for those who may see it; its publicity title and the
    typical-case summaries for who reads those; no more for others. One or two queries."""
    label = obj._meta.get_field(name).verbose_name
    case_id = getattr(obj, f"{name}_id")
    case = visible_cases(user).filter(pk=case_id).first()
    if case is None:
        cleared = publicity_summaries(user).filter(pk=case_id).first()
        if cleared is not None:
            return (label, cleared["publicity_title"], reverse("publicity:typical_cases") + f"#case-{case_id}")
        return (label, _("已关联（您无权查看案件）"), "")
    return (label, case, case.get_absolute_url())


class TypicalCaseListView(LoginRequiredMixin, ListView):
    """The typical cases cleared for publicity, as their summaries (``cases.selectors``): what
    the publicity group may use in an exposure (典型案例曝光), without victims, suspects or the
    case itself; amounts only where the handlers cleared them."""

    template_name = "publicity/typical_cases.html"
    paginate_by = 25

    def get_queryset(self):
        return publicity_summaries(self.request.user)


def model_fields(obj, names) -> list[tuple[Any, Any]]:
    rows = []
    for name in names:
        field = obj._meta.get_field(name)
        getter = getattr(obj, f"get_{name}_display", None)
        value = getter() if field.choices and getter else getattr(obj, name)
        rows.append((field.verbose_name, value))
    return rows


class ActivityDetailView(PublicityDetailView):
    model = Activity
    select_related = ("organiser", "community", "created_by")
    edit_action = "publicity.activity_update"
    with_attachments = True

    def fields(self, obj):
        rows = model_fields(obj, [f for f in ActivityForm.Meta.fields if f != "typical_case"] + ["created_by"])
        if obj.typical_case_id:
            rows.append(case_row(self.request.user, obj, "typical_case"))
        return rows


class SurveyDetailView(PublicityDetailView):
    model = AwarenessSurvey
    select_related = ("community", "created_by")
    edit_action = "publicity.survey_update"

    def fields(self, obj):
        rows = [(_("社区"), obj.community), (_("月份"), f"{obj.month:%Y-%m}")]
        for kind in AWARENESS_KINDS:
            rows += model_fields(obj, [kind.surveyed, kind.aware])
            rows.append((kind.label, percent(getattr(obj, f"{kind.key}_rate"))))
        return rows + model_fields(obj, ["note", "created_by"])


class MediaReportDetailView(PublicityDetailView):
    model = MediaReport
    select_related = ("unit", "created_by")
    edit_action = "publicity.media_update"

    def fields(self, obj):
        rows = model_fields(obj, ["date", "outlet", "level", "title", "unit", "note", "created_by"])
        rows.append((_("链接"), obj.url, obj.safe_url))
        return rows


class OpinionDetailView(PublicityDetailView):
    model = OpinionEntry
    select_related = ("unit", "created_by")
    edit_action = "publicity.opinion_update"

    def fields(self, obj):
        rows = model_fields(obj, ["date", "source", "risk_level", "status", "summary", "response"])
        if obj.case_id:
            rows.append(case_row(self.request.user, obj, "case"))
        rows += model_fields(obj, ["case_reference", "unit", "created_by"])
        if obj.escalated_at:
            rows.append((obj._meta.get_field("escalated_at").verbose_name, timezone.localtime(obj.escalated_at)))
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["follow_ups"] = list(self.object.follow_ups.select_related("by"))
        context["with_follow_ups"] = True
        return context


class OpinionFollowUpView(ActionView):
    """Add a follow-up to a visible entry (登记跟进情况) and move its status."""

    model = OpinionEntry
    action = "publicity.opinion_follow_up"
    form_class = OpinionFollowUpForm
    success_message = _("已登记跟进情况。")

    def perform(self, form):
        services.opinion_follow_up(entry=self.object, user=self.request.user, **form.cleaned_data)
        return self.object


class OpinionEscalateView(ActionView):
    """Escalate a 高 or 重大 entry to the street office (when it was not escalated on entry)."""

    model = OpinionEntry
    action = "publicity.opinion_escalate"
    form_class = EscalateForm
    success_message = _("已上报街道专项办。")

    def perform(self, form):
        return services.opinion_escalate(entry=self.object, user=self.request.user, reason=form.cleaned_data["reason"])


class PublicityActionView(ActionView):
    """Record (``model = None``) or change a publicity record through its service: the rule
    (``publicity/rules.py``) decides who gets the form; ``record`` is the kind of record."""

    template_name = "publicity/form.html"
    record: Any = None
    list_url = ""
    service: Any = None
    object_arg = ""

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user, "instance": self.object}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("title", self.record._meta.verbose_name)
        return super().get_context_data(**kwargs)

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object is not None else reverse(self.list_url)

    def perform(self, form):
        fields = form.service_fields()
        service = type(self).service  # a model ValidationError lands on the form (core.views.ActionView)
        if self.object is None:
            return service(user=self.request.user, **fields)
        return service(
            **{self.object_arg: self.object},
            user=self.request.user,
            expected_version=form.cleaned_data.get("version"),
            **fields,
        )


class ActivityCreateView(PublicityActionView):
    action = "publicity.activity_create"
    record = Activity
    form_class = ActivityForm
    list_url = "publicity:activity_list"
    service = services.activity_create


class ActivityUpdateView(PublicityActionView):
    model = record = Activity
    action = "publicity.activity_update"
    form_class = ActivityForm
    service = services.activity_update
    object_arg = "activity"


class SurveyCreateView(PublicityActionView):
    action = "publicity.survey_create"
    record = AwarenessSurvey
    form_class = SurveyForm
    list_url = "publicity:survey_list"
    service = services.survey_create


class SurveyUpdateView(PublicityActionView):
    model = record = AwarenessSurvey
    action = "publicity.survey_update"
    form_class = SurveyForm
    service = services.survey_update
    object_arg = "survey"


class MediaReportCreateView(PublicityActionView):
    action = "publicity.media_create"
    record = MediaReport
    form_class = MediaReportForm
    list_url = "publicity:media_list"
    service = services.media_report_create


class MediaReportUpdateView(PublicityActionView):
    model = record = MediaReport
    action = "publicity.media_update"
    form_class = MediaReportForm
    service = services.media_report_update
    object_arg = "report"


class OpinionCreateView(PublicityActionView):
    action = "publicity.opinion_create"
    record = OpinionEntry
    form_class = OpinionForm
    list_url = "publicity:opinion_list"
    service = services.opinion_create


class OpinionUpdateView(PublicityActionView):
    model = record = OpinionEntry
    action = "publicity.opinion_update"
    form_class = OpinionForm
    service = services.opinion_update
    object_arg = "entry"
