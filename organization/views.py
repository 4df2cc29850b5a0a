from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from core.views import ScopedDetailView, ScopedListView
from core.xlsx import Column

from .filters import UnitFilter
from .models import Unit, User


class UnitListView(ScopedListView):
    """The campaign's unit directory (通讯录) with each unit's liaison."""

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
        Column(_("人数"), lambda u: u.people_count, 8),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(is_active=True)
            .select_related("host_unit", "liaison")
            .annotate(people_count=Count("people", filter=Q(people__is_active=True)))
            .order_by("kind", "sort_order", "name")
        )


class UnitDetailView(ScopedDetailView):
    model = Unit
    template_name = "organization/unit_detail.html"

    def get_queryset(self):
        people = User.objects.filter(is_active=True).order_by("username")
        return (
            super()
            .get_queryset()
            .select_related("host_unit", "liaison")
            .prefetch_related(Prefetch("people", queryset=people), "hosted_groups")
        )
