"""The one "by campaign" filter every list shares, and the campaign list's own filter.

``CampaignFilter(date_field="received_on")`` keeps the rows whose own date lies within the chosen
campaign's dates (start to end, both included; an open-ended campaign has no upper bound); a
``DateTimeField`` is compared on the local day (a range of aware datetimes, so its index serves).
``CampaignFilter(fk="campaign")`` keeps the rows of the campaign where the model has the key.
Areas import it into their FilterSets (``organization`` is below the areas, import-linter)::

    campaign = CampaignFilter(date_field="received_on")

One query for the choices (a plain select), none per row.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import DateTimeField, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import CampaignStatus
from .models import Campaign


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def campaign_q(campaign: Campaign, date_field: str, model: Any = None, by_month: bool = False) -> Q:
    """The rows whose ``date_field`` lies within the campaign's dates (``by_month``: a month
    stored as its first day, from the campaign's first month)."""
    if by_month:
        q = Q(**{f"{date_field}__gte": campaign.start_date.replace(day=1)})
        return q & Q(**{f"{date_field}__lte": campaign.end_date}) if campaign.end_date else q
    is_datetime = False
    if model is not None and "__" not in date_field:
        is_datetime = isinstance(model._meta.get_field(date_field), DateTimeField)
    if is_datetime:
        q = Q(**{f"{date_field}__gte": _day_start(campaign.start_date)})
        if campaign.end_date is not None:
            q &= Q(**{f"{date_field}__lt": _day_start(campaign.end_date + datetime.timedelta(days=1))})
        return q
    q = Q(**{f"{date_field}__gte": campaign.start_date})
    if campaign.end_date is not None:
        q &= Q(**{f"{date_field}__lte": campaign.end_date})
    return q


def _campaigns_seen(request: Any) -> QuerySet:
    """The campaigns to filter by: those the user sees (in a city, not another street's)."""
    campaigns = Campaign.objects.order_by("-start_date", "-pk")
    user = getattr(request, "user", None)
    return campaigns.visible_to(user) if user is not None and user.is_authenticated else campaigns


class CampaignFilter(django_filters.ModelChoiceFilter):
    """Filter a list by campaign: by the record's own date (``date_field``) or its key (``fk``)."""

    def __init__(self, *args: Any, date_field: str = "", fk: str = "", by_month: bool = False, **kwargs: Any):
        if bool(date_field) == bool(fk):
            raise ValueError("CampaignFilter needs exactly one of date_field= and fk=")
        self.date_field = date_field
        self.by_month = by_month
        self.fk = fk
        kwargs.setdefault("label", _("专项行动"))
        kwargs.setdefault("queryset", _campaigns_seen)
        kwargs.setdefault("field_name", fk or date_field)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Campaign | None) -> QuerySet:
        if not value:
            return qs
        if self.fk:
            return qs.filter(**{f"{self.fk}_id": value.pk})
        return qs.filter(campaign_q(value, self.date_field, qs.model, self.by_month))


STATUS_CHOICES = CampaignStatus.choices


class CampaignListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称"), method="filter_text")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=STATUS_CHOICES, method="filter_status")

    class Meta:
        model = Campaign
        fields = ["q", "status"]

    def filter_text(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value))

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        active = queryset.filter(is_active=True)
        if value == CampaignStatus.WITHDRAWN:
            return queryset.filter(is_active=False)
        if value == CampaignStatus.UPCOMING:
            return active.filter(start_date__gt=today)
        if value == CampaignStatus.FINISHED:
            return active.filter(end_date__lt=today)
        if value == CampaignStatus.CURRENT:
            return active.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
        return queryset
