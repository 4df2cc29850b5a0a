import django_filters
from django.utils.translation import gettext_lazy as _

from organization.choices import UnitKind
from organization.filters_campaigns import CampaignFilter
from organization.models import Unit

from .choices import SubmissionStatus, SupervisionStatus
from .models import MonthlyReport, ReportRecipient, Supervision, UnitSubmission


class UnitSubmissionFilter(django_filters.FilterSet):
    month = django_filters.DateFilter(label=_("月份"), field_name="month")
    unit = django_filters.ModelChoiceFilter(
        label=_("单位"),
        queryset=Unit.objects.filter(kind__in=[UnitKind.COMMUNITY, UnitKind.MEMBER_UNIT], is_active=True),
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=SubmissionStatus.choices)
    late = django_filters.BooleanFilter(label=_("逾期报送"))
    campaign = CampaignFilter(fk="campaign")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = UnitSubmission
        fields = ["month", "unit", "status", "late"]


class MonthlyReportFilter(django_filters.FilterSet):
    campaign = CampaignFilter(fk="campaign")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = MonthlyReport
        fields = ["status"]


class ReportRecipientFilter(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = ReportRecipient
        fields = ["is_active"]


class SupervisionFilter(django_filters.FilterSet):
    """The city's 通报/约谈 by rectification state (e.g. 已报整改情况: to confirm) and 逾期."""

    status = django_filters.ChoiceFilter(label=_("整改状态"), choices=SupervisionStatus.choices)
    overdue = django_filters.BooleanFilter(label=_("逾期"), method="filter_overdue")
    campaign = CampaignFilter(date_field="date")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = Supervision
        fields = ["status"]

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        if value is None:
            return queryset
        overdue = Supervision.overdue_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
