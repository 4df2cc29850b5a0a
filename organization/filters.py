import django_filters
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from core.visibility import visible_to

from .choices import Role, UnitKind
from .models import Jurisdiction, Unit, User

STATUS_CHOICES = [("active", _("启用")), ("inactive", _("已停用")), ("all", _("全部"))]


def _status(queryset, name, value):
    """Active rows unless asked otherwise: deactivated ones stay readable on request."""
    if value == "all":
        return queryset
    return queryset.filter(is_active=value != "inactive")


class StatusFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=STATUS_CHOICES, method="filter_status", empty_label=None
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is None or not data.get("status"):
            data = data.copy() if data is not None else QueryDict(mutable=True)
            data["status"] = "active"
        super().__init__(data, *args, **kwargs)

    def filter_status(self, queryset, name, value):
        return _status(queryset, name, value)


def _visible_units(request):
    if request is None:
        return Unit.objects.none()
    return visible_to(request.user, Unit).order_by("kind", "sort_order", "name")


def _visible_jurisdictions(request):
    if request is None:
        return Jurisdiction.objects.none()
    return visible_to(request.user, Jurisdiction)


class UnitFilter(StatusFilterSet):
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=UnitKind.choices)
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="icontains")
    #: a city (issue 19): the city office browses each street's units; not shown to a street on its own
    jurisdiction = django_filters.ModelChoiceFilter(label=_("所属辖区"), queryset=_visible_jurisdictions)

    class Meta:
        model = Unit
        fields = ["kind", "q", "status", "jurisdiction"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if not (user is not None and user.is_authenticated and user.in_city):
            self.filters.pop("jurisdiction", None)


class PersonFilter(StatusFilterSet):
    q = django_filters.CharFilter(label=_("姓名或用户名"), method="filter_q")
    unit = django_filters.ModelChoiceFilter(label=_("所属单位"), queryset=_visible_units)
    role = django_filters.ChoiceFilter(label=_("角色"), choices=Role.choices)

    class Meta:
        model = User
        fields = ["q", "unit", "role", "status"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(username__icontains=value))
