"""Shared view mechanics: every list, detail, export and write view starts from visibility."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from .audit import timeline_for
from .models import ExportLog
from .visibility import can_write, visible_to
from .xlsx import Column, xlsx_response


class ScopedQuerysetMixin(LoginRequiredMixin):
    """``get_queryset`` starts from what the user may see; ``list_queryset`` adds joins."""

    model: Any = None

    def scoped_queryset(self):
        return visible_to(self.request.user, self.model)

    def get_queryset(self):
        return self.scoped_queryset()


class WriteAccessMixin(LoginRequiredMixin):
    """Refuses users who may not change anything (leaders are read-only)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_write(request.user):
            raise PermissionDenied(_("您的账号为只读权限。"))
        return super().dispatch(request, *args, **kwargs)


class ScopedListView(ScopedQuerysetMixin, FilterView):
    """A filtered, paginated list; ``?export=xlsx`` downloads exactly the filtered rows.

    Subclasses set ``model``, ``filterset_class``, ``export_columns`` and ``export_title``.
    """

    paginate_by = 25
    export_columns: list[Column] = []
    export_title: Any = ""
    strict = False

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and self.export_columns:
            return self.export()
        return super().get(request, *args, **kwargs)

    def export_queryset(self):
        filterset = self.get_filterset(self.get_filterset_class())
        return filterset.qs if filterset.is_valid() else filterset.queryset.none()

    def export(self):
        qs = self.export_queryset()
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        rows = qs.iterator(chunk_size=2000)
        response, count = xlsx_response(
            f"{self.export_title}-{stamp}.xlsx", str(self.export_title), self.export_columns, rows
        )
        filters = {k: v for k, v in self.request.GET.lists() if k not in ("export", "page")}
        ExportLog.objects.create(user=self.request.user, what=str(self.export_title), filters=filters, row_count=count)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        context["can_write"] = can_write(self.request.user)
        return context


class ScopedDetailView(ScopedQuerysetMixin, DetailView):
    """A detail page of a visible object (404 otherwise) with its audit timeline."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timeline"] = timeline_for(self.object)
        context["can_write"] = can_write(self.request.user)
        return context
