"""One FilterSet per model, shared by the list pages and their Excel exports."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from organization.filters_campaigns import CampaignFilter
from organization.models import Unit

from .choices import CaseKind, FraudType, LedgerKind, RiskLevel, Step
from .models import Case, LedgerEntry

DATE = forms.DateInput(attrs={"type": "date"})
YES_NO = [("1", _("是")), ("0", _("否"))]


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("案件名称/编号"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("案件类别"), choices=CaseKind.choices)
    step = django_filters.ChoiceFilter(label=_("办理环节"), choices=Step.choices)
    fraud_type = django_filters.ChoiceFilter(label=_("诈骗类型"), choices=FraudType.choices)
    handling_unit = django_filters.ModelChoiceFilter(
        label=_("办案单位"),
        queryset=Unit.objects.filter(Exists(Case.objects.filter(handling_unit=OuterRef("pk")))).order_by("name"),
    )
    stability_risk = django_filters.ChoiceFilter(label=_("涉稳风险等级"), choices=RiskLevel.choices)
    flag = django_filters.ChoiceFilter(
        label=_("标记"),
        method="filter_flag",
        choices=[
            ("is_gang", _("团伙作案")),
            ("is_organised_crime", _("涉黑恶势力")),
            ("is_corruption", _("涉腐败/保护伞")),
            ("is_many_victims", _("涉众型")),
            ("is_major", _("重大敏感")),
            ("is_typical", _("典型案例")),
            ("needs_opinion_plan", _("缺舆情应对方案")),
        ],
    )
    is_open = django_filters.ChoiceFilter(
        label=_("在办"), method="filter_open", choices=[("1", _("在办")), ("0", _("已结案"))]
    )
    opened_after = django_filters.DateFilter(
        label=_("立案/受理日期自"), field_name="opened_on", lookup_expr="gte", widget=DATE
    )
    opened_before = django_filters.DateFilter(
        label=_("立案/受理日期至"), field_name="opened_on", lookup_expr="lte", widget=DATE
    )
    campaign = CampaignFilter(date_field="opened_on")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = Case
        fields = ["q", "kind", "step", "fraud_type", "handling_unit", "stability_risk", "flag", "is_open"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(number__icontains=value)) if value else queryset

    def filter_flag(self, queryset, name, value):
        if value == "needs_opinion_plan":
            return queryset.needs_opinion_plan()
        return queryset.filter(**{value: True}) if value else queryset

    def filter_open(self, queryset, name, value):
        if value == "1":
            return queryset.exclude(step=Step.CLOSED)
        if value == "0":
            return queryset.filter(step=Step.CLOSED)
        return queryset


class LedgerEntryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=LedgerKind.choices)
    case_kind = django_filters.ChoiceFilter(label=_("案件类别"), field_name="case__kind", choices=CaseKind.choices)
    date_after = django_filters.DateFilter(label=_("日期自"), field_name="date", lookup_expr="gte", widget=DATE)
    date_before = django_filters.DateFilter(label=_("日期至"), field_name="date", lookup_expr="lte", widget=DATE)
    campaign = CampaignFilter(date_field="date")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = LedgerEntry
        fields = ["kind", "case_kind"]
