import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organization.filters_campaigns import CampaignFilter
from organization.models import Unit

from .choices import OPEN_FOR_RECEIVER, DeadlineState, FraudType, LeadSource, LeadStatus, ReviewState
from .models import Lead


class LeadFilter(django_filters.FilterSet):
    """Shared by the lead list, its export and the supervision views."""

    q = django_filters.CharFilter(label=_("关键词"), method="filter_text")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=LeadStatus.choices)
    source = django_filters.ChoiceFilter(label=_("来源"), choices=LeadSource.choices)
    fraud_type = django_filters.ChoiceFilter(label=_("诈骗类型"), choices=FraudType.choices)
    assigned_unit = django_filters.ModelChoiceFilter(
        label=_("承办单位"), queryset=lambda request: Unit.objects.receivers().of_street(getattr(request, "user", None))
    )
    community = django_filters.ModelChoiceFilter(
        label=_("社区"), queryset=lambda request: Unit.objects.communities().of_street(getattr(request, "user", None))
    )
    deadline_state = django_filters.ChoiceFilter(
        label=_("期限"), choices=DeadlineState.choices, method="filter_deadline"
    )
    is_major = django_filters.BooleanFilter(label=_("重大线索"))
    publicly_named = django_filters.BooleanFilter(label=_("列入通报"))
    urged = django_filters.BooleanFilter(label=_("已催办"), method="filter_urged")
    new_supplement = django_filters.BooleanFilter(label=_("有新补充"), method="filter_new_supplement")
    received_after = django_filters.DateFilter(
        label=_("登记日期起"),
        field_name="received_on",
        lookup_expr="gte",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    received_before = django_filters.DateFilter(
        label=_("登记日期止"),
        field_name="received_on",
        lookup_expr="lte",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    review_state = django_filters.ChoiceFilter(label=_("二次核查"), choices=[c for c in ReviewState.choices if c[0]])
    unreported = django_filters.BooleanFilter(label=_("办结未报送上级"), method="filter_unreported")
    campaign = CampaignFilter(date_field="received_on")  # by campaign (organization.filters_campaigns)

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "fraud_type", "assigned_unit", "community", "deadline_state", "is_major"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(summary__icontains=value) | Q(number__icontains=value) | Q(subject_name__icontains=value)
        )

    def filter_deadline(self, queryset, name, value):
        from .services import due_soon_horizon

        today = timezone.localdate()
        if value == DeadlineState.OVERDUE:
            return queryset.overdue(today)
        if value == DeadlineState.DUE_SOON:
            return queryset.due_soon(today, due_soon_horizon(today))
        if value == DeadlineState.ON_TIME:
            return queryset.filter(status__in=OPEN_FOR_RECEIVER, deadline__gt=due_soon_horizon(today))
        return queryset

    def filter_new_supplement(self, queryset, name, value):
        """The informant added information lately (``LEADS_NEW_SUPPLEMENT_DAYS``)."""
        from .services import new_supplement_since

        if value is None:
            return queryset
        recent = Q(supplemented_at__gte=new_supplement_since())
        return queryset.filter(recent) if value else queryset.exclude(recent)

    def filter_urged(self, queryset, name, value):
        """Still owed feedback and reminded (催办) at least once, or never reminded."""
        if value is None:
            return queryset
        urged = queryset.filter(status__in=OPEN_FOR_RECEIVER, reminder_count__gt=0)
        return urged if value else queryset.exclude(pk__in=urged.values("pk"))

    def filter_unreported(self, queryset, name, value):
        if value is None:
            return queryset
        base = queryset.filter(source=LeadSource.HIGHER, status=LeadStatus.CLOSED).exclude(review_state="pending")
        return base.filter(reported_up_at__isnull=value)
