"""Who keeps a city's streets (issue 19; core/rules.py; docs/permissions.md): the city office
(市专项办) adds a street office (镇街专项办: its jurisdiction and its office unit), opens accounts
for its office's staff (a new or reactivated street has nobody who could sign in), edits one and
deactivates one that has no active people left, and reactivates one
(with the units deactivated with it). It reads each street's units and people; what
lies inside a street stays the street office's to change. Every change needs a reason.

Imported at the end of ``organization/rules.py`` (it needs ``city_office``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import rules
from core.rules import Action, Guard

from .models import Jurisdiction, User
from .rules import city_office


def _no_active_people(street: Jurisdiction) -> bool:
    return not User.objects.filter(unit__jurisdiction=street, is_active=True).exists()


is_street = Guard(lambda j: j.is_street_of_city, _("只能维护本市下辖的镇街。"))


def _office_in_use(street: Jurisdiction) -> bool:
    """(A deactivated street is told so by its own guard.)"""
    if not street.is_active:
        return True
    office = street.street_office()
    return office is not None and office.is_active


rules.register(
    Action(
        "organization.street_add",
        _("新增镇街专项办"),
        model=None,
        who=city_office,
        needs_reason=True,
        url="organization:street_add",
        doc="市专项办新增下辖镇街：建立其辖区和镇街专项办（名称、简称、电话、邮箱、地址）。",
    ),
    Action(
        "organization.street_staff_add",
        _("为镇街专项办开设账号"),
        model=Jurisdiction,
        who=city_office,
        guards=(
            is_street,
            Guard(lambda j: j.is_active, _("该镇街已停用，请先恢复启用。")),
            Guard(_office_in_use, _("该镇街没有在用的镇街专项办。")),
        ),
        needs_reason=True,
        url="organization:street_staff_add",
        doc="市专项办为下辖镇街专项办开设工作人员账号（角色为镇街专项办，初始密码生成后只显示一次），"
        "新设或恢复启用的镇街由此有人登录；此后镇街的人员由镇街专项办自行维护。",
    ),
    Action(
        "organization.street_edit",
        _("修改镇街专项办"),
        model=Jurisdiction,
        who=city_office,
        guards=(is_street,),
        needs_reason=True,
        url="organization:street_edit",
        doc="改镇街名称、镇街专项办的名称、简称、联络员、电话、邮箱、地址。",
    ),
    Action(
        "organization.street_deactivate",
        _("停用镇街"),
        model=Jurisdiction,
        who=city_office,
        guards=(
            is_street,
            Guard(lambda j: j.is_active, _("该镇街已停用。")),
            Guard(_no_active_people, _("该镇街还有在用的人员，请先由镇街专项办停用或调整这些人员。")),
        ),
        needs_reason=True,
        url="organization:street_deactivate",
        doc="停用镇街及其全部单位（记录保留、仍可查看）；镇街还有在用人员时不能停用。",
    ),
    Action(
        "organization.street_reactivate",
        _("恢复启用镇街"),
        model=Jurisdiction,
        who=city_office,
        guards=(is_street, Guard(lambda j: not j.is_active, _("该镇街在用中。"))),
        needs_reason=True,
        url="organization:street_reactivate",
        doc="恢复启用已停用的镇街：镇街专项办和随镇街一并停用的单位恢复启用；"
        "此前已由镇街自行停用的单位和全部人员仍为停用，由镇街专项办逐一恢复。",
    ),
)
