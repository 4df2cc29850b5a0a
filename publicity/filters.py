"""One FilterSet per model, shared by each list page, its Excel export and the totals page."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organization.models import Unit

from .choices import ActivityType, MediaLevel, OpinionSource, RiskLevel, Venue
from .models import Activity, AwarenessSurvey, MediaReport, OpinionEntry


def communities(request):
    return Unit.objects.communities()


def organisers(request):
    return Unit.objects.receivers()


def date_filter(label, field_name, lookup_expr):
    return django_filters.DateFilter(
        label=label,
        field_name=field_name,
        lookup_expr=lookup_expr,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ActivityFilter(django_filters.FilterSet):
    community = django_filters.ModelChoiceFilter(label=_("社区"), queryset=communities)
    organiser = django_filters.ModelChoiceFilter(label=_("组织单位"), queryset=organisers)
    activity_type = django_filters.ChoiceFilter(label=_("形式"), choices=ActivityType.choices)
    venue = django_filters.ChoiceFilter(label=_("场所"), choices=Venue.choices)
    date_from = date_filter(_("起始日期"), "date", "gte")
    date_to = date_filter(_("截止日期"), "date", "lte")
    q = django_filters.CharFilter(label=_("主题"), field_name="title", lookup_expr="icontains")

    class Meta:
        model = Activity
        fields = ["community", "organiser", "activity_type", "venue", "date_from", "date_to", "q"]


class SurveyFilter(django_filters.FilterSet):
    community = django_filters.ModelChoiceFilter(label=_("社区"), queryset=communities)
    month_from = date_filter(_("起始月份"), "month", "gte")
    month_to = date_filter(_("截止月份"), "month", "lte")

    class Meta:
        model = AwarenessSurvey
        fields = ["community", "month_from", "month_to"]


class MediaReportFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("级别"), choices=MediaLevel.choices)
    date_from = date_filter(_("起始日期"), "date", "gte")
    date_to = date_filter(_("截止日期"), "date", "lte")
    q = django_filters.CharFilter(label=_("媒体或标题"), method="search")

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

    class Meta:
        model = OpinionEntry
        fields = ["risk_level", "source", "date_from", "date_to", "q"]
