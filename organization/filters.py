import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import UnitKind
from .models import Unit


class UnitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=UnitKind.choices)
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="icontains")

    class Meta:
        model = Unit
        fields = ["kind", "q"]
