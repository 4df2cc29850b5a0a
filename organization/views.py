"""The unit directory (every unit reads it as its scope allows) and the street office's pages that
keep units, people and sensitive rights. Each write is an ``ActionView`` over a rule of
organization/rules.py calling organization/services.py."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.views import ActionView, ScopedDetailView, ScopedListView
from core.visibility import visible_to
from core.xlsx import Column

from . import rules, selectors, services
from .choices import UnitKind
from .filters import PersonFilter, UnitFilter
from .forms import PersonForm, ReasonForm, UnitForm
from .models import Unit, User


class UnitListView(ScopedListView):
    """The campaign's unit directory (通讯录) with each unit's liaison; deactivated units only when
    asked for (``?status=inactive``)."""

    model = Unit
    filterset_class = UnitFilter
    template_name = "organization/unit_list.html"
    sortable = {"name": "name", "kind": "kind", "host": "host_unit__name", "people": "people_count"}
    paginate_by = 50
    export_title = _("单位通讯录")
    export_columns = [
        Column(_("名称"), lambda u: u.name, 24),
        Column(_("类型"), lambda u: u.get_kind_display(), 12),
        Column(_("挂靠单位"), lambda u: u.host_unit.name if u.host_unit else "", 18),
        Column(_("联络员"), lambda u: str(u.liaison) if u.liaison else "", 12),
        Column(_("联络员电话"), lambda u: u.liaison.phone if u.liaison else "", 16),
        Column(_("单位电话"), lambda u: u.phone, 16),
        Column(_("电子邮箱"), lambda u: u.email, 22),
        Column(_("人数"), lambda u: u.people_count, 8),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("host_unit", "liaison")
            .annotate(people_count=Count("people", filter=Q(people__is_active=True, people__is_service=False)))
            .order_by("kind", "sort_order", "name")
        )


class UnitDetailView(ScopedDetailView):
    model = Unit
    template_name = "organization/unit_detail.html"

    def get_queryset(self):
        people = User.objects.order_by("-is_active", "username")
        return (
            super()
            .get_queryset()
            .select_related("host_unit", "liaison")
            .prefetch_related(Prefetch("people", queryset=people), "hosted_groups")
        )


class _UnitFormMixin:
    model: Any
    object: Any

    def extra_form_kwargs(self) -> dict[str, Any]:
        if self.object is None:
            return {}
        return {"instance": Unit.objects.get(pk=self.object.pk)}  # the form edits a copy

    def fields_of(self, form) -> dict[str, Any]:
        return {k: form.cleaned_data[k] for k in services.UNIT_FIELDS if k in form.cleaned_data}


class UnitAddView(_UnitFormMixin, ActionView):
    model = None
    action = "organization.unit_add"
    form_class = UnitForm
    success_message = _("已新增单位。")

    def get_initial(self):
        kind = self.request.GET.get("kind")
        return {"kind": kind} if kind in UnitKind.values else {}

    def cancel_url(self) -> str:
        return reverse("organization:unit_list")

    def perform(self, form):
        return services.unit_add(user=self.request.user, reason=form.cleaned_data["reason"], **self.fields_of(form))


class UnitEditView(_UnitFormMixin, ActionView):
    model = Unit
    action = "organization.unit_edit"
    form_class = UnitForm

    def perform(self, form):
        return services.unit_update(
            unit=self.object, user=self.request.user, reason=form.cleaned_data["reason"], **self.fields_of(form)
        )


class UnitActiveView(ActionView):
    """Deactivate a unit (it leaves the choice lists; its records stay) or activate it again."""

    model = Unit
    form_class = ReasonForm
    active = False

    def get_action(self) -> str:
        return "organization.unit_activate" if self.active else "organization.unit_deactivate"

    def perform(self, form):
        self.success_message = _("已启用。") if self.active else _("已停用，记录保留。")
        return services.unit_set_active(
            unit=self.object, user=self.request.user, active=self.active, reason=form.cleaned_data["reason"]
        )


# --- people ----------------------------------------------------------------------------------------


class PersonListView(ScopedListView):
    """People (人员): the street office sees everyone, a unit its own people."""

    model = User
    filterset_class = PersonFilter
    template_name = "organization/person_list.html"
    paginate_by = 50
    export_title = _("人员名单")
    export_columns = [
        Column(_("用户名"), lambda p: p.username, 14),
        Column(_("姓名"), lambda p: p.name, 12),
        Column(_("所属单位"), lambda p: p.unit.name if p.unit else "", 20),
        Column(_("角色"), lambda p: p.get_role_display(), 16),
        Column(_("联系电话"), lambda p: p.phone, 16),
        Column(_("电子邮箱"), lambda p: p.email, 24),
        Column(_("启用"), lambda p: _("是") if p.is_active else _("否"), 6),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("unit")
            .only("username", "name", "role", "phone", "email", "is_active", "unit__name", "unit__kind")
            .order_by("unit__kind", "unit__sort_order", "unit__name", "username")
        )


class PersonDetailView(ScopedDetailView):
    model = User
    template_name = "organization/person_detail.html"
    context_object_name = "person"

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["liaison_for"] = list(Unit.objects.filter(liaison=self.object).order_by("name"))
        context["holds_reveal"] = rules.holds_reveal(self.object)
        return context


#: The session key of the password shown once after an add or a reset.
PASSWORD_ONCE = "organization.password_once"


def _remember_password(request, person: User, password: str) -> HttpResponseRedirect:
    """Keep the new password in the session for one display, then redirect (POST/redirect/GET):
    no secret in a POST response that a reload would post again."""
    request.session[PASSWORD_ONCE] = {"pk": person.pk, "password": password}
    return HttpResponseRedirect(reverse("organization:password_once", args=[person.pk]))


class _PersonFormMixin:
    object: Any

    def extra_form_kwargs(self) -> dict[str, Any]:
        if self.object is None:
            return {}
        return {"instance": User.objects.get(pk=self.object.pk)}


class PersonAddView(_PersonFormMixin, ActionView):
    model = None
    action = "organization.person_add"
    form_class = PersonForm
    success_message = _("已新增人员。")

    def get_initial(self):
        unit = self.request.GET.get("unit", "")
        return {"unit": unit} if unit.isdigit() else {}

    def cancel_url(self) -> str:
        return reverse("organization:person_list")

    def perform(self, form):
        return services.person_add(user=self.request.user, **form.service_kwargs())

    def done(self, result):
        person, password = result
        super().done(person)
        return _remember_password(self.request, person, password)


class PersonEditView(_PersonFormMixin, ActionView):
    model = User
    action = "organization.person_edit"
    form_class = PersonForm

    def perform(self, form):
        return services.person_update(person=self.object, user=self.request.user, **form.service_kwargs())


class PersonActiveView(ActionView):
    model = User
    form_class = ReasonForm
    active = False

    def get_action(self) -> str:
        return "organization.person_activate" if self.active else "organization.person_deactivate"

    def perform(self, form):
        self.success_message = _("已启用。") if self.active else _("已停用，该人员不能再登录，记录保留。")
        return services.person_set_active(
            person=self.object, user=self.request.user, active=self.active, reason=form.cleaned_data["reason"]
        )


class PersonResetPasswordView(ActionView):
    model = User
    action = "organization.person_reset_password"
    form_class = ReasonForm
    success_message = _("密码已重置。")

    def perform(self, form):
        return services.person_reset_password(
            person=self.object, user=self.request.user, reason=form.cleaned_data["reason"]
        )

    def done(self, result):
        super().done(self.object)
        return _remember_password(self.request, self.object, result)


class PasswordOnceView(LoginRequiredMixin, TemplateView):
    """Shows the password just generated, once: it is taken out of the session as it is shown and
    the page is never cached; a reload shows that it was shown already."""

    template_name = "organization/password_once.html"

    def get(self, request, *args, **kwargs):
        person = get_object_or_404(visible_to(request.user, User), pk=kwargs["pk"])
        kept = request.session.get(PASSWORD_ONCE) or {}
        password = None
        if kept.get("pk") == person.pk:
            password = kept.get("password")
            del request.session[PASSWORD_ONCE]
        response = self.render_to_response(self.get_context_data(person=person, password=password))
        response["Cache-Control"] = "no-store"
        return response


# --- sensitive rights --------------------------------------------------------------------------------


class GrantReaderMixin:
    """The grants page is the street office's (``rules.may_read_grants``): 403 otherwise."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not rules.may_read_grants(request.user):
            raise PermissionDenied(_("敏感权限仅供街道专项办查看。"))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class GrantListView(GrantReaderMixin, LoginRequiredMixin, TemplateView):
    """Who holds 查看举报人身份 among the street office's staff; grant and withdraw it."""

    template_name = "organization/grant_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["people"] = selectors.grant_candidates()
        context["service_holders"] = selectors.service_reveal_holders()
        context["may_read_reveals"] = rules.may_read_reveal_log(self.request.user)
        return context


class _GrantView(ActionView):
    model = User
    form_class = ReasonForm

    def get_queryset(self):
        return super().get_queryset().select_related("unit")

    def cancel_url(self) -> str:
        return reverse("organization:grant_list")

    def get_success_url(self, result: Any = None) -> str:
        return reverse("organization:grant_list")


class GrantRevealView(_GrantView):
    action = "organization.grant_reveal"
    success_message = _("已授予“查看举报人身份”权限。")

    def perform(self, form):
        return services.reveal_grant(person=self.object, user=self.request.user, reason=form.cleaned_data["reason"])


class WithdrawRevealView(_GrantView):
    action = "organization.withdraw_reveal"
    success_message = _("已收回“查看举报人身份”权限。")

    def perform(self, form):
        return services.reveal_withdraw(person=self.object, user=self.request.user, reason=form.cleaned_data["reason"])
