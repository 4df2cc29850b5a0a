"""The campaign pages (the street office's; every signed-in user reads them): the list with each
campaign's status, a campaign's page (phases, report day, laggard threshold, links to its
dashboard and reports), create, edit (not a finished one) and copy. Writes are declared actions
(``organization/rules_campaigns.py``) behind ``ActionView``s calling ``services_campaigns``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.views import ActionView, ScopedDetailView, ScopedListView
from core.xlsx import Column

from . import services_campaigns as services
from .filters_campaigns import CampaignListFilter
from .forms import ReasonForm
from .forms_campaigns import CampaignCopyForm, CampaignForm
from .models import Campaign, Phase


def _phase_count():
    counted = Phase.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")[:1]), 0)


class CampaignListView(ScopedListView):
    model = Campaign
    filterset_class = CampaignListFilter
    template_name = "organization/campaign_list.html"
    paginate_by = 50
    sortable = {"name": "name", "start": "start_date", "end": "end_date", "report_day": "report_day"}
    export_title = _("专项行动")
    export_columns = [
        Column(_("名称"), lambda c: c.name, 30),
        Column(_("简称"), lambda c: c.short_name, 14),
        Column(_("状态"), lambda c: c.status_label(), 10),
        Column(_("开始日期"), lambda c: c.start_date, 12),
        Column(_("结束日期"), lambda c: c.end_date or _("常态化"), 12),
        Column(_("月报截止日"), lambda c: c.report_day, 10),
        Column(_("后进线"), lambda c: c.laggard_score, 8),
        Column(_("工作环节"), lambda c: c.phase_count, 8),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(phase_count=_phase_count()).order_by("-start_date", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current"] = Campaign.objects.current(user=self.request.user)
        return context


class CampaignDetailView(ScopedDetailView):
    model = Campaign
    template_name = "organization/campaign_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.object
        today = timezone.localdate()
        context["phases"] = list(campaign.phases.order_by("order", "start_date"))
        context["status"] = campaign.status(today)
        context["is_current"] = campaign == Campaign.objects.current(today, user=self.request.user)
        # issue 19: the city's campaign it implements, and (the city's) its streets' implementations
        context["implementations"] = (
            list(campaign.implementations.visible_to(self.request.user).select_related("jurisdiction").order_by("pk"))
            if campaign.jurisdiction_id is not None  # a deployment of one street: none (no query)
            else []
        )
        context["has_begun"] = campaign.start_date <= today and campaign.is_active
        return context


class CampaignCreateView(ActionView):
    model = None
    action = "organization.campaign_create"
    form_class = CampaignForm
    template_name = "organization/campaign_form.html"
    success_message = _("已新建专项行动。")

    def cancel_url(self) -> str:
        return reverse("organization:campaign_list")

    def perform(self, form):
        return services.campaign_create(
            user=self.request.user,
            fields=form.campaign_fields(),
            phases=form.phase_specs(),
            reason=form.cleaned_data.get("reason", ""),
        )


class CampaignEditView(ActionView):
    model = Campaign
    action = "organization.campaign_edit"
    form_class = CampaignForm
    template_name = "organization/campaign_form.html"

    def extra_form_kwargs(self) -> dict[str, Any]:
        # the form edits a copy, so a refused save shows the stored campaign's name in the title
        return {"instance": Campaign.objects.get(pk=self.object.pk), "with_active": True, "needs_reason": True}

    def perform(self, form):
        return services.campaign_update(
            campaign=self.object,
            user=self.request.user,
            fields=form.campaign_fields(),
            phases=form.phase_specs(),
            reason=form.cleaned_data.get("reason", ""),
        )


class CampaignCopyView(ActionView):
    """One click from a campaign's page: its structure, shifted to the start date chosen here."""

    model = Campaign
    action = "organization.campaign_copy"
    form_class = CampaignCopyForm
    template_name = "organization/campaign_copy.html"
    success_message = _("已复制为新专项行动。")

    def get_initial(self):
        return services.copy_defaults(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["phases"] = list(self.object.phases.order_by("order", "start_date"))
        return context

    def perform(self, form):
        data = form.cleaned_data
        return services.campaign_copy(
            campaign=self.object,
            user=self.request.user,
            name=data["name"],
            short_name=data.get("short_name", ""),
            start_date=data["start_date"],
            reason=data.get("reason", ""),
        )


class CampaignImplementView(ActionView):
    """A street of a city: its own implementation of the city's campaign (issue 19)."""

    model = Campaign
    action = "organization.campaign_implement"
    form_class = ReasonForm
    template_name = "organization/campaign_implement.html"
    success_message = _("已制定本镇街的实施方案，可按本镇街修改日期、工作环节和月报截止日。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["phases"] = list(self.object.phases.order_by("order", "start_date"))
        return context

    def perform(self, form):
        return services.campaign_implement(
            campaign=self.object, user=self.request.user, reason=form.cleaned_data.get("reason", "")
        )
