from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from organization.models import Campaign

from .selectors import phase_timeline


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = Campaign.objects.current()
        context["campaign"] = campaign
        context["timeline"] = phase_timeline(campaign)
        return context
