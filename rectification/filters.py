"""One FilterSet per model, shared by each list page and its Excel export."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organization.filters_campaigns import CampaignFilter
from organization.models import Unit

from .choices import (
    Horizon,
    InstitutionStatus,
    InstitutionType,
    MeasureKind,
    PlanStatus,
    ProblemCategory,
    ProblemStatus,
    RiskGrade,
    Sector,
)
from .models import ContingencyPlan, Inspection, Institution, Measure, Problem

YES_NO = [("1", _("是")), ("0", _("否"))]


def _units(request):
    return Unit.objects.filter(is_active=True).exclude(kind="community").exclude(kind="higher_office")


def _communities(request):
    return Unit.objects.communities()


class InstitutionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称/信用代码"), method="filter_q")
    sector = django_filters.ChoiceFilter(label=_("整治领域"), choices=Sector.choices)
    type = django_filters.ChoiceFilter(label=_("类型"), choices=InstitutionType.choices)
    status = django_filters.ChoiceFilter(label=_("经营状态"), choices=InstitutionStatus.choices)
    risk_grade = django_filters.ChoiceFilter(label=_("风险等级"), choices=RiskGrade.choices)
    supervising_unit = django_filters.ModelChoiceFilter(label=_("监管单位"), queryset=_units)
    community = django_filters.ModelChoiceFilter(label=_("所属社区"), queryset=_communities)
    overdue = django_filters.ChoiceFilter(label=_("检查超期"), choices=YES_NO, method="filter_overdue")
    campaign = CampaignFilter(date_field="created_at")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = Institution
        fields = ["q", "sector", "type", "status", "risk_grade", "supervising_unit", "community", "overdue"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.upper()))

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        if value == "1":
            return queryset.inspection_overdue(today)
        if value == "0":
            return queryset.exclude(next_inspection_due__lt=today)
        return queryset


class ControlListFilter(InstitutionFilter):
    risk_grade = django_filters.ChoiceFilter(
        label=_("风险等级"), choices=[c for c in RiskGrade.choices if c[0] >= RiskGrade.YELLOW]
    )


class OverdueFilter(django_filters.FilterSet):
    supervising_unit = django_filters.ModelChoiceFilter(label=_("监管单位"), queryset=_units)
    risk_grade = django_filters.ChoiceFilter(label=_("风险等级"), choices=RiskGrade.choices)
    community = django_filters.ModelChoiceFilter(label=_("所属社区"), queryset=_communities)

    class Meta:
        model = Institution
        fields = ["supervising_unit", "risk_grade", "community"]


class InspectionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("机构名称"), field_name="institution__name", lookup_expr="icontains")
    unit = django_filters.ModelChoiceFilter(label=_("检查单位"), queryset=_units)
    date_from = django_filters.DateFilter(label=_("检查日期从"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("至"), field_name="date", lookup_expr="lte")
    campaign = CampaignFilter(date_field="date")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = Inspection
        fields = ["q", "unit", "date_from", "date_to"]


class ProblemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("机构/问题"), method="filter_q")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProblemStatus.choices)
    category = django_filters.ChoiceFilter(label=_("问题类别"), choices=ProblemCategory.choices)
    horizon = django_filters.ChoiceFilter(label=_("整治类型"), choices=Horizon.choices)
    owner_unit = django_filters.ModelChoiceFilter(label=_("责任单位"), queryset=_units)
    measure = django_filters.ChoiceFilter(label=_("措施"), choices=MeasureKind.choices, method="filter_measure")
    overdue = django_filters.ChoiceFilter(label=_("措施超期"), choices=YES_NO, method="filter_overdue")
    campaign = CampaignFilter(date_field="raised_at")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = Problem
        fields = ["q", "status", "category", "horizon", "owner_unit", "measure", "overdue"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(institution__name__icontains=value) | Q(description__icontains=value))

    def filter_measure(self, queryset, name, value):
        return queryset.filter(Exists(Measure.objects.filter(problem=OuterRef("pk"), kind=value)))

    def filter_overdue(self, queryset, name, value):
        late = Exists(
            Measure.objects.filter(problem=OuterRef("pk"), done_at__isnull=True, deadline__lt=timezone.localdate())
        )
        if value == "1":
            return queryset.active().filter(late)
        if value == "0":
            return queryset.exclude(late)
        return queryset


class PlanFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("机构/预案"), method="filter_q")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PlanStatus.choices)
    lead_unit = django_filters.ModelChoiceFilter(label=_("牵头单位"), queryset=_units)
    campaign = CampaignFilter(date_field="created_at")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = ContingencyPlan
        fields = ["q", "status", "lead_unit"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(institution__name__icontains=value) | Q(title__icontains=value)) if value else queryset
