"""One FilterSet per model, shared by each list page, its Excel export and the totals page."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organization.filters_campaigns import CampaignFilter
from organization.models import Unit

from .choices import ActivityType, MediaLevel, OpinionSource, OpinionStatus, RiskLevel, Venue
from .forms import DATE_INPUT, MONTH_FORMATS, MonthInput
from .models import Activity, AwarenessSurvey, MediaReport, OpinionEntry
from .selectors import organising_units


def communities(request):
    return Unit.objects.communities()


def organisers(request):
    return organising_units()


def date_filter(label, field_name, lookup_expr):
    return django_filters.DateFilter(label=label, field_name=field_name, lookup_expr=lookup_expr, widget=DATE_INPUT)


def month_filter(label, lookup_expr):
    """Surveys from/to a month (``2022-06``); a month is stored as its first day."""
    return django_filters.DateFilter(
        label=label, field_name="month", lookup_expr=lookup_expr, widget=MonthInput(), input_formats=MONTH_FORMATS
    )


class ActivityFilter(django_filters.FilterSet):
    community = django_filters.ModelChoiceFilter(label=_("社区"), queryset=communities)
    organiser = django_filters.ModelChoiceFilter(label=_("组织单位"), queryset=organisers)
    activity_type = django_filters.ChoiceFilter(label=_("形式"), choices=ActivityType.choices)
    venue = django_filters.ChoiceFilter(label=_("场所"), choices=Venue.choices)
    date_from = date_filter(_("起始日期"), "date", "gte")
    date_to = date_filter(_("截止日期"), "date", "lte")
    q = django_filters.CharFilter(label=_("主题"), field_name="title", lookup_expr="icontains")
    campaign = CampaignFilter(date_field="date")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = Activity
        fields = ["community", "organiser", "activity_type", "venue", "date_from", "date_to", "q"]


class SurveyFilter(django_filters.FilterSet):
    community = django_filters.ModelChoiceFilter(label=_("社区"), queryset=communities)
    month_from = month_filter(_("起始月份"), "gte")
    month_to = month_filter(_("截止月份"), "lte")
    campaign = CampaignFilter(date_field="month", by_month=True)  # by campaign (organization.filters_campaigns)

    class Meta:
        model = AwarenessSurvey
        fields = ["community", "month_from", "month_to"]


class MediaReportFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("级别"), choices=MediaLevel.choices)
    date_from = date_filter(_("起始日期"), "date", "gte")
    date_to = date_filter(_("截止日期"), "date", "lte")
    q = django_filters.CharFilter(label=_("媒体或标题"), method="search")
    campaign = CampaignFilter(date_field="date")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = MediaReport
        fields = ["level", "date_from", "date_to", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(outlet__icontains=value))


class OpinionFilter(django_filters.FilterSet):
    risk_level = django_filters.ChoiceFilter(label=_("风险等级"), choices=RiskLevel.choices)
    source = django_filters.ChoiceFilter(label=_("来源"), choices=OpinionSource.choices)
    date_from = date_filter(_("起始日期"), "date", "gte")
    date_to = date_filter(_("截止日期"), "date", "lte")
    q = django_filters.CharFilter(label=_("摘要"), field_name="summary", lookup_expr="icontains")
    campaign = CampaignFilter(date_field="date")  # by campaign (organization.filters_campaigns)
    status = django_filters.ChoiceFilter(label=_("处置状态"), choices=OpinionStatus.choices)
    escalated = django_filters.ChoiceFilter(
        label=_("已上报街道专项办"), choices=[("1", _("是")), ("0", _("否"))], method="filter_escalated"
    )

    class Meta:
        model = OpinionEntry
        fields = ["risk_level", "source", "status", "escalated", "date_from", "date_to", "q"]

    def filter_escalated(self, queryset, name, value):
        if value == "1":
            return queryset.filter(escalated_at__isnull=False)
        if value == "0":
            return queryset.filter(escalated_at__isnull=True)
        return queryset
