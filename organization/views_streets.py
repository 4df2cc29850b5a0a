"""The city office's pages over its streets (issue 19): the list of its streets with their
offices, units and active people; a street's page (its units and people, read-only); add, edit
deactivate and reactivate a street office, open an account for its staff
(``organization/rules_streets.py``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.views import ActionView, ScopedDetailView, ScopedListView
from core.visibility import visible_to

from . import services_streets as services
from .choices import JurisdictionLevel
from .forms import ReasonForm
from .forms_streets import StreetForm, StreetStaffForm
from .models import Jurisdiction, Unit, User


class StreetListView(ScopedListView):
    model = Jurisdiction
    template_name = "organization/street_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(level=JurisdictionLevel.STREET)
            .annotate(
                unit_count=Count("units", filter=Q(units__is_active=True), distinct=True),
                people_count=Count(
                    "units__people",
                    filter=Q(units__people__is_active=True, units__people__is_service=False),
                    distinct=True,
                ),
            )
            .order_by("-is_active", "sort_order", "name")
        )


class StreetDetailView(ScopedDetailView):
    model = Jurisdiction
    template_name = "organization/street_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["units"] = list(
            visible_to(user, Unit)
            .filter(jurisdiction=self.object)
            .select_related("liaison")
            .order_by("kind", "sort_order", "name")
        )
        context["people"] = list(
            visible_to(user, User)
            .filter(unit__jurisdiction=self.object)
            .select_related("unit")
            .order_by("-is_active", "username")
        )
        return context


class StreetAddView(ActionView):
    model = None
    action = "organization.street_add"
    form_class = StreetForm
    success_message = _("已新增镇街及其专项办。")

    def cancel_url(self) -> str:
        return reverse("organization:street_list")

    def perform(self, form):
        return services.street_add(user=self.request.user, reason=form.cleaned_data["reason"], **form.street_fields())


class StreetEditView(ActionView):
    model = Jurisdiction
    action = "organization.street_edit"
    form_class = StreetForm

    def extra_form_kwargs(self) -> dict[str, Any]:
        return {"street": Jurisdiction.objects.get(pk=self.object.pk)}

    def perform(self, form):
        return services.street_update(
            street=self.object, user=self.request.user, reason=form.cleaned_data["reason"], **form.street_fields()
        )


class StreetDeactivateView(ActionView):
    model = Jurisdiction
    action = "organization.street_deactivate"
    form_class = ReasonForm
    success_message = _("已停用该镇街及其单位，记录保留。")

    def perform(self, form):
        return services.street_deactivate(
            street=self.object, user=self.request.user, reason=form.cleaned_data["reason"]
        )


class StreetReactivateView(ActionView):
    model = Jurisdiction
    action = "organization.street_reactivate"
    form_class = ReasonForm
    success_message = _("已恢复启用该镇街及随其停用的单位；人员仍为停用，请由镇街专项办逐一恢复。")

    def perform(self, form):
        return services.street_reactivate(
            street=self.object, user=self.request.user, reason=form.cleaned_data["reason"]
        )


class StreetStaffAddView(ActionView):
    """The city opens an account for a street office's staff; the password is shown once, on a
    page after a redirect (as a new person's)."""

    model = Jurisdiction
    action = "organization.street_staff_add"
    form_class = StreetStaffForm
    success_message = _("已为镇街专项办开设账号。")

    def perform(self, form):
        return services.street_staff_add(
            street=self.object, user=self.request.user, reason=form.cleaned_data["reason"], **form.staff_fields()
        )

    def done(self, result):
        from .views import _remember_password

        person, password = result
        super().done(person)
        return _remember_password(self.request, person, password)
