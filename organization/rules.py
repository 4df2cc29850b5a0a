"""Who may change the organisation (core/rules.py; docs/permissions.md).

- Units and communities: the street office adds, edits (name, kind, short name, host unit of a
  working group, liaison, phone, e-mail, address, order), deactivates and activates them again.
  Nothing is deleted: a deactivated unit keeps its records, stays readable and leaves the choice
  lists. The street office itself is never deactivated.
- People: the street office adds a person (with a generated password shown once), changes the
  unit, role and contact details, resets the password, deactivates and activates again. The
  superuser's account is kept in the admin site only.
- Sensitive rights: the holder of ``organization.manage_grants`` (授予敏感权限; the street
  office's head) grants and withdraws ``leads.view_informant`` (查看举报人身份), only to
  street-office staff.

Every change needs a reason (the audit entry says who, when, what and why). Reading is
visibility (``scope_q``): every unit reads the directory as before.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import rules
from core.rules import Action, Guard, street_office

from . import rules_campaigns  # noqa: F401  # organization.campaign_* (campaigns), declared in their own module
from .choices import Role, UnitKind
from .models import Unit, User


@rules.predicate("市专项办")
def city_office(user: Any, scope: Any, obj: Any) -> bool:
    """Staff of a city special office (市专项办): its own actions over its streets (issue 19).
    Its leaders read only."""
    return bool(scope.is_city and scope.role == Role.CITY_OFFICE)


#: The right granted on the grants page, and the right to grant it.
REVEAL_PERM = ("leads", "view_informant")
GRANT_PERM = "organization.manage_grants"

grant_keeper = street_office & rules.has_perm("有“授予敏感权限”权限", GRANT_PERM)


def reveal_permission() -> Permission:
    """One query."""
    app_label, codename = REVEAL_PERM
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def holds_reveal(person: User) -> bool:
    """Does ``person`` hold the reveal right granted here (directly)? Reads the ``holds_reveal``
    annotation of the grants page, or asks (one query)."""
    held = getattr(person, "holds_reveal", None)
    if held is None:
        app_label, codename = REVEAL_PERM
        held = person.user_permissions.filter(content_type__app_label=app_label, codename=codename).exists()
    return bool(held)


def may_read_grants(user: Any) -> bool:
    """The grants page (who holds the reveal right) and its link: the street office reads it; only
    the holder of ``organization.manage_grants`` is offered to grant and withdraw. (No permission
    is asked here: the link is on every page and costs no query.)"""
    return bool(street_office(user))


#: The page of reveals (who revealed which informant, when, why; never the identity): for the
#: street office's grant holders (``organization.manage_grants``) and the holders of the reveal
#: right themselves, who see each other's reveals and their reasons.
reveal_log_reader = street_office & (
    rules.has_perm("有“授予敏感权限”权限", GRANT_PERM) | rules.has_perm("有“查看举报人身份”权限", ".".join(REVEAL_PERM))
)


def may_read_reveal_log(user: Any) -> bool:
    return bool(reveal_log_reader(user))


def _street_staff(person: User | None) -> bool:
    if person is None:  # "may grant at all"
        return True
    unit = person.unit if person.unit_id is not None else None
    return bool(person.is_active and person.role == Role.STREET_OFFICE and unit and unit.kind == UnitKind.STREET_OFFICE)


def _not_superuser(person: User | None) -> bool:
    return person is None or not person.is_superuser


def _not_street_office(unit: Unit) -> bool:
    return unit.kind != UnitKind.STREET_OFFICE


def _no_active_people(unit: Unit) -> bool:
    return not unit.people.filter(is_active=True).exists()


SENSITIVE_PERMS = (("organization", "manage_grants"), REVEAL_PERM)


def holds_sensitive(person: User) -> bool:
    """Does ``person`` hold a sensitive right (to grant, or to reveal informants)? One query the
    first time for this object (a page asks for each action it may offer: once, not per action;
    a write re-reads the row it locks, so it asks afresh)."""
    cached = person.__dict__.get("_holds_sensitive")
    if cached is None:
        q = Q()
        for app_label, codename in SENSITIVE_PERMS:
            q |= Q(content_type__app_label=app_label, codename=codename)
        cached = person.__dict__["_holds_sensitive"] = person.user_permissions.filter(q).exists()
    return cached


@rules.predicate("对象无敏感权限，或本人有“授予敏感权限”权限")
def may_keep_account(user: Any, scope: Any, obj: Any) -> bool:
    """Whoever resets a password signs in as that person: the account of a holder of a sensitive
    right is kept only by a holder of the right to grant (no way around the grants page)."""
    return obj is None or not holds_sensitive(obj) or bool(user.has_perm(GRANT_PERM))


#: Who keeps a person's account: the street office; a holder of a sensitive right's, its head.
account_keeper = street_office & may_keep_account

superuser_kept_apart = Guard(_not_superuser, _("系统管理员账号只能由系统管理员维护。"))

rules.register(
    # units and communities
    Action(
        "organization.unit_add",
        _("新增单位"),
        model=None,
        who=street_office,
        needs_reason=True,
        url="organization:unit_add",
        doc="新增社区、成员单位、工作组或上级机关。",
    ),
    Action(
        "organization.unit_edit",
        _("修改单位"),
        model=Unit,
        who=street_office,
        needs_reason=True,
        url="organization:unit_edit",
        doc="改名称、类型、简称、挂靠单位、联络员、电话、邮箱、地址、排序。",
    ),
    Action(
        "organization.unit_deactivate",
        _("停用单位"),
        model=Unit,
        who=street_office,
        guards=(
            Guard(lambda u: u.is_active, _("该单位已停用。")),
            Guard(_not_street_office, _("街道专项办不能停用。")),
            Guard(_no_active_people, _("该单位还有在用的人员，请先停用或调整这些人员。")),
        ),
        needs_reason=True,
        url="organization:unit_deactivate",
        doc="停用后不再出现在选择列表中，记录保留、仍可查看，可再启用。",
    ),
    Action(
        "organization.unit_activate",
        _("启用单位"),
        model=Unit,
        who=street_office,
        guards=(Guard(lambda u: not u.is_active, _("该单位已启用。")),),
        needs_reason=True,
        url="organization:unit_activate",
    ),
    # people
    Action(
        "organization.person_add",
        _("新增人员"),
        model=None,
        who=street_office,
        needs_reason=True,
        url="organization:person_add",
        doc="新增账号（用户名、姓名、单位、角色、电话、邮箱），初始密码生成后只显示一次；可同时设为本单位联络员。",
    ),
    Action(
        "organization.person_edit",
        _("修改人员"),
        model=User,
        who=account_keeper,
        guards=(superuser_kept_apart,),
        needs_reason=True,
        url="organization:person_edit",
        doc="改姓名、单位、角色、电话、邮箱；可设为本单位联络员。",
    ),
    Action(
        "organization.person_deactivate",
        _("停用人员"),
        model=User,
        who=account_keeper,
        guards=(Guard(lambda p: p.is_active, _("该人员已停用。")), superuser_kept_apart),
        needs_reason=True,
        url="organization:person_deactivate",
        doc="停用后不能登录，记录保留；不能停用自己的账号。",
    ),
    Action(
        "organization.person_activate",
        _("启用人员"),
        model=User,
        who=account_keeper,
        guards=(Guard(lambda p: not p.is_active, _("该人员已启用。")), superuser_kept_apart),
        needs_reason=True,
        url="organization:person_activate",
    ),
    Action(
        "organization.person_reset_password",
        _("重置密码"),
        model=User,
        who=account_keeper,
        guards=(Guard(lambda p: p.is_active, _("该人员已停用，请先启用。")), superuser_kept_apart),
        needs_reason=True,
        url="organization:person_reset_password",
        doc="生成新密码，重定向后只显示一次（页面不缓存）。",
    ),
    # sensitive rights
    Action(
        "organization.grant_reveal",
        _("授予查看举报人身份权限"),
        model=User,
        who=grant_keeper,
        guards=(
            Guard(_street_staff, _("只能授予街道专项办在用的工作人员，其他单位的人员不能查看举报人身份。")),
            Guard(lambda p: p is None or not holds_reveal(p), _("该人员已有此权限。")),
        ),
        needs_reason=True,
        url="organization:grant_reveal",
        denied=_("只有有“授予敏感权限”权限的街道专项办人员才能授予或收回此权限。"),
        doc="授予街道专项办工作人员“查看举报人身份”权限，记入操作记录。",
    ),
    Action(
        "organization.withdraw_reveal",
        _("收回查看举报人身份权限"),
        model=User,
        who=grant_keeper,
        guards=(Guard(lambda p: p is None or holds_reveal(p), _("该人员没有此权限。")),),
        needs_reason=True,
        url="organization:withdraw_reveal",
        denied=_("只有有“授予敏感权限”权限的街道专项办人员才能授予或收回此权限。"),
    ),
)

from . import rules_streets  # noqa: E402,F401  # organization.street_* (the city's streets), needs city_office
