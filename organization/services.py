"""Writes for the organisation: loading the plan's structure, and the street office's pages that
keep units, people and sensitive rights (every change asks organization/rules.py and is audited
with its reason)."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core import rules as core_rules
from core.audit import audit_context, record_action
from core.exceptions import DomainError

from .choices import PhaseKind, Role, UnitCode, UnitKind
from .models import Campaign, Phase, Unit, User
from .signals import campaign_initialised

# The plan (seed/000_22361fdd052d7265.txt) §三: the member units, in the plan's order.
MEMBER_UNITS: list[tuple[str, str, str]] = [
    (UnitCode.COMMUNITY_GOVERNANCE, "社区治理办", ""),
    (UnitCode.SOCIAL_AFFAIRS, "社会事务办", ""),
    (UnitCode.DEVELOPMENT_CENTRE, "发展服务中心", ""),
    (UnitCode.ENTERPRISE_CENTRE, "企业服务中心", ""),
    (UnitCode.CULTURE_CENTRE, "文体服务中心", ""),
    # the plan writes 卫计办 once (§(六)), the unit's old name: it is not its short name
    (UnitCode.HEALTH_OFFICE, "卫健办", ""),
    (UnitCode.ELDERLY_OFFICE, "涉老办", ""),
    (UnitCode.LAND_OFFICE, "国土所", ""),
    (UnitCode.JUSTICE_OFFICE, "司法所", ""),
    (UnitCode.LAW_ENFORCEMENT, "综合执法中队", ""),
    (UnitCode.POLICE, "新塘派出所", "派出所"),
    (UnitCode.MARKET_REGULATION, "市场监督管理所", ""),
    (UnitCode.TRIBUNAL, "青阳法庭", ""),
    (UnitCode.RURAL_BANK, "农商银行新塘支行", "农商银行"),
]

# §三: the four working groups and the unit each is hosted by.
WORKING_GROUPS: list[tuple[str, str, str]] = [
    (UnitCode.GROUP_GENERAL, "综合组", UnitCode.COMMUNITY_GOVERNANCE),
    (UnitCode.GROUP_CRACKDOWN, "打击组", UnitCode.POLICE),
    (UnitCode.GROUP_RECTIFICATION, "整治组", UnitCode.COMMUNITY_GOVERNANCE),
    (UnitCode.GROUP_PUBLICITY, "宣教组", UnitCode.CULTURE_CENTRE),
]

CAMPAIGN_NAME = "新塘街道打击整治养老诈骗专项行动"
CAMPAIGN_START = datetime.date(2022, 4, 21)  # 宣传发动 "4月下旬开始"
CAMPAIGN_END = datetime.date(2022, 10, 31)  # "为期半年"

# §四: three phases that overlap; mobilisation and crackdown run throughout the campaign.
PHASES: list[tuple[str, str, datetime.date, datetime.date, bool, str]] = [
    (
        PhaseKind.MOBILISATION,
        "宣传发动",
        datetime.date(2022, 4, 21),
        CAMPAIGN_END,
        True,
        "各社区、各成员单位充分开展宣教，提升群众识骗防骗能力，发动群众提供违法犯罪线索。",
    ),
    (
        PhaseKind.CRACKDOWN,
        "打击整治",
        datetime.date(2022, 5, 1),
        datetime.date(2022, 8, 30),
        True,
        "按照“稳、准、狠”要求依法打击养老诈骗违法犯罪，清存案、破新案；整治以“养老”为名的涉诈问题隐患。",
    ),
    (
        PhaseKind.SUMMARY,
        "总结提升",
        datetime.date(2022, 9, 1),
        datetime.date(2022, 9, 20),
        False,
        "各工作组总结经验成效、典型案例；各成员单位总结漏洞、短板和不足，健全监管机制。",
    ),
]


@dataclass
class InitResult:
    units_created: int = 0
    units_updated: int = 0
    phases_created: int = 0
    campaign_created: bool = False


def home_jurisdiction_id() -> int | None:
    """The jurisdiction of the plan's street (the first street office): None in a deployment of
    one street that has none. Each street of a city has its own units with the same codes."""
    return (
        Unit.objects.filter(code=UnitCode.STREET_OFFICE, kind=UnitKind.STREET_OFFICE)
        .order_by("pk")
        .values_list("jurisdiction_id", flat=True)
        .first()
    )


def _unit(code: str, name: str, kind: str, order: int, result: InitResult, **extra) -> Unit:
    home = extra.pop("jurisdiction_id", None)
    if code == UnitCode.CITY_OFFICE:  # the city office above the street (a city's own, once a city is set up)
        lookup: dict[str, Any] = {"code": code}
        existing = Unit.objects.filter(code=code).order_by("pk").first()
        if existing is not None:
            if existing.kind == UnitKind.CITY_OFFICE:
                result.units_updated += 1
                return existing
            lookup = {"pk": existing.pk}
    else:
        lookup = {"code": code, "jurisdiction_id": home}
    unit, created = Unit.objects.update_or_create(
        **lookup, defaults={"name": name, "kind": kind, "sort_order": order, "is_active": True, **extra}
    )
    if created:
        result.units_created += 1
    else:
        result.units_updated += 1
    return unit


@transaction.atomic
def init_campaign() -> InitResult:
    """Load the plan's real structure. Idempotent: run twice, get everything once."""
    result = InitResult()
    home = home_jurisdiction_id()
    by_code: dict[str, Unit] = {}
    for order, (code, name, short) in enumerate(MEMBER_UNITS, start=1):
        by_code[code] = _unit(code, name, UnitKind.MEMBER_UNIT, order, result, short_name=short, jurisdiction_id=home)
    by_code[UnitCode.STREET_OFFICE] = _unit(
        UnitCode.STREET_OFFICE,
        "街道专项办",
        UnitKind.STREET_OFFICE,
        1,
        result,
        short_name="专项办",
        host_unit=by_code[UnitCode.COMMUNITY_GOVERNANCE],
        jurisdiction_id=home,
    )
    for order, (code, name, host) in enumerate(WORKING_GROUPS, start=1):
        by_code[code] = _unit(
            code, name, UnitKind.WORKING_GROUP, order, result, host_unit=by_code[host], jurisdiction_id=home
        )
    _unit(UnitCode.CITY_OFFICE, "晋江市专项办", UnitKind.HIGHER_OFFICE, 1, result, short_name="市专项办")

    campaign, result.campaign_created = Campaign.objects.get_or_create(
        name=CAMPAIGN_NAME,
        defaults={"short_name": "2022专项行动", "start_date": CAMPAIGN_START, "end_date": CAMPAIGN_END},
    )
    for order, (kind, name, start, end, throughout, description) in enumerate(PHASES, start=1):
        _phase, created = Phase.objects.update_or_create(
            campaign=campaign,
            kind=kind,
            defaults={
                "name": name,
                "start_date": start,
                "end_date": end,
                "runs_throughout": throughout,
                "description": description,
                "order": order,
            },
        )
        result.phases_created += int(created)
    campaign_initialised.send(sender=InitResult, result=result)
    return result


def unit_by_code(code: str) -> Unit:
    """One query. Raises Unit.DoesNotExist when init_campaign has not run."""
    return Unit.objects.get(code=code)


# --- the street office keeps the organisation (organization/rules.py) ------------------------------

#: What the unit form edits (``code`` is internal and never changes on a page).
UNIT_FIELDS = ("name", "short_name", "kind", "host_unit", "liaison", "phone", "email", "address", "sort_order", "code")
#: The codes a unit may be given on the unit form: the plan's member units and working groups.
PLAN_UNIT_CODES = frozenset(code for code, *_rest in (*MEMBER_UNITS, *WORKING_GROUPS))


def _plan_code(code: Any) -> str | None:
    code = (code or "").strip() or None
    if code is not None and code not in PLAN_UNIT_CODES:
        raise DomainError(_("实施方案中没有该单位。"), field="code")
    return code


#: What the person form edits (``username`` only when the person is added).
PERSON_FIELDS = ("name", "unit", "role", "phone", "email")

#: The unit kinds each role belongs to: a role that sees everything (the street office) never
#: sits in a community, and community staff never outside one.
ROLE_KINDS: dict[str, frozenset[str]] = {
    Role.STREET_OFFICE: frozenset({UnitKind.STREET_OFFICE}),
    Role.LEADER: frozenset({UnitKind.STREET_OFFICE, UnitKind.HIGHER_OFFICE, UnitKind.CITY_OFFICE}),
    Role.GROUP_MEMBER: frozenset({UnitKind.WORKING_GROUP, UnitKind.MEMBER_UNIT}),
    Role.UNIT_LIAISON: frozenset({UnitKind.MEMBER_UNIT, UnitKind.WORKING_GROUP, UnitKind.HIGHER_OFFICE}),
    Role.COMMUNITY_STAFF: frozenset({UnitKind.COMMUNITY}),
    Role.CITY_OFFICE: frozenset({UnitKind.CITY_OFFICE}),
}

#: Letters and digits that cannot be misread (no 0/O, 1/l/I).
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password() -> str:
    """A random password to read out or hand over once: three groups of four, e.g. ``k7Pq-xR3m-9Tfa``."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def _reason(action: str, reason: str) -> str:
    """The reason the action needs (``DomainError`` on the ``reason`` field when it is empty)."""
    return core_rules.require_reason(core_rules.get(action), reason)


def _save_unit(unit: Unit) -> None:
    if unit.kind != UnitKind.WORKING_GROUP and unit.kind != UnitKind.STREET_OFFICE:
        unit.host_unit = None  # only a working group (and the street office) has a host unit
    if unit.host_unit_id is not None and unit.host_unit_id == unit.pk:
        raise DomainError(_("单位不能挂靠在自己名下。"), field="host_unit")
    if unit.host_unit is not None and not unit.host_unit.is_active:
        raise DomainError(_("挂靠单位已停用。"), field="host_unit")
    if unit.liaison is not None and (unit.liaison.unit_id != unit.pk or not unit.liaison.is_active):
        raise DomainError(_("联络员须是本单位在用的人员。"), field="liaison")
    unit.email = (unit.email or "").strip()
    unit.full_clean()  # a second unit of the same name is a form error, not a 500
    unit.save()


def _new_kind_allowed(kind: str, current: str | None = None) -> None:
    if kind == UnitKind.STREET_OFFICE and current != UnitKind.STREET_OFFICE:
        raise DomainError(_("街道专项办只有一个，不能新增或改为街道专项办。"), field="kind")
    if current == UnitKind.STREET_OFFICE and kind != UnitKind.STREET_OFFICE:
        raise DomainError(_("街道专项办的类型不能修改。"), field="kind")


def unit_add(*, user: Any, reason: str, **fields: Any) -> Unit:
    """Add a unit: a community, a member unit (e.g. another bank), a working group or a higher
    office (``organization.unit_add``)."""
    core_rules.require(user, "organization.unit_add")
    reason = _reason("organization.unit_add", reason)
    fields.pop("liaison", None)  # a new unit has nobody yet: its liaison is set with its first person
    _new_kind_allowed(fields.get("kind", ""))
    fields["code"] = _plan_code(fields.get("code"))
    unit = Unit(**{k: v for k, v in fields.items() if k in UNIT_FIELDS})
    unit.jurisdiction_id = user.scope.jurisdiction_id  # a street's new unit is its own (issue 19)
    audit_reason = core_rules.audit_reason(core_rules.get("organization.unit_add"), reason)
    with audit_context(actor=user, reason=audit_reason), transaction.atomic():
        _save_unit(unit)
    return unit


def unit_update(*, unit: Unit, user: Any, reason: str, **fields: Any) -> Unit:
    """Change a unit's name, kind, short name, host unit, liaison or contact details
    (``organization.unit_edit``)."""
    values = {k: v for k, v in fields.items() if k in UNIT_FIELDS and k != "code"}
    code = _plan_code(fields.get("code"))

    def checked(locked: Unit) -> dict[str, Any]:
        if "kind" in values:
            _new_kind_allowed(values["kind"], locked.kind)
        if code is not None and not locked.code:  # a code is set once: never changed or cleared here
            return {**values, "code": code}
        return values

    return core_rules.transition(
        unit, user=user, action="organization.unit_edit", reason=reason, fields=checked, save=_save_unit
    )


def unit_set_active(*, unit: Unit, user: Any, active: bool, reason: str) -> Unit:
    """Deactivate a unit (``organization.unit_deactivate``: it leaves the choice lists, its
    records stay and it stays readable) or activate it again (``…_activate``). Never a delete."""
    action = "organization.unit_activate" if active else "organization.unit_deactivate"
    return core_rules.transition(
        unit,
        user=user,
        action=action,
        reason=reason,
        fields={"is_active": active},
        save=lambda u: u.save(update_fields=["is_active"]),
    )


def _check_person(person: User) -> None:
    unit = person.unit
    if unit is None:
        raise DomainError(_("请选择所属单位。"), field="unit")
    if not unit.is_active:
        raise DomainError(_("所选单位已停用。"), field="unit")
    kinds = ROLE_KINDS.get(person.role)
    if kinds is None:
        raise DomainError(_("请选择角色。"), field="role")
    if unit.kind not in kinds:
        raise DomainError(
            _("“%(role)s”不能属于%(kind)s“%(unit)s”。")
            % {"role": person.get_role_display(), "kind": unit.get_kind_display(), "unit": unit.name},
            field="role",
        )
    person.email = (person.email or "").strip()


def _make_liaison(person: User, user: Any, reason: str) -> None:
    if person.unit_id is None:
        return
    unit = Unit.objects.select_for_update().get(pk=person.unit_id)
    core_rules.require(user, "organization.unit_edit", unit)
    if unit.liaison_id == person.pk:
        return
    unit.liaison = person
    with audit_context(actor=user, reason=core_rules.audit_reason(core_rules.get("organization.unit_edit"), reason)):
        unit.save(update_fields=["liaison"])


def person_add(*, user: Any, username: str, reason: str, make_liaison: bool = False, **fields: Any) -> tuple[User, str]:
    """Add a person with a generated password (``organization.person_add``); returns the person
    and the password, which the page shows once. ``make_liaison`` makes the person the liaison
    of the unit (e-mail to the unit reaches the liaison)."""
    action = core_rules.require(user, "organization.person_add")
    reason = _reason("organization.person_add", reason)
    person = User(username=(username or "").strip(), **{k: v for k, v in fields.items() if k in PERSON_FIELDS})
    _check_person(person)
    password = generate_password()
    person.set_password(password)
    with transaction.atomic():
        with audit_context(actor=user, reason=core_rules.audit_reason(action, reason)):
            person.full_clean(exclude=["password"])  # a username already taken is a form error
            person.save()
        if make_liaison:
            _make_liaison(person, user, reason)
    return person, password


def person_update(*, person: User, user: Any, reason: str, make_liaison: bool = False, **fields: Any) -> User:
    """Change a person's name, unit, role or contact details (``organization.person_edit``)."""
    values = {k: v for k, v in fields.items() if k in PERSON_FIELDS}

    def save(locked: User) -> None:
        _check_person(locked)
        locked.full_clean(exclude=["password"])
        locked.save()

    with transaction.atomic():
        person = core_rules.transition(
            person, user=user, action="organization.person_edit", reason=reason, fields=values, save=save
        )
        if make_liaison:
            _make_liaison(person, user, reason)
    return person


def person_set_active(*, person: User, user: Any, active: bool, reason: str) -> User:
    """Deactivate a person (cannot sign in; the records stay) or activate again."""
    if not active and person.pk == getattr(user, "pk", None):
        raise DomainError(_("不能停用自己的账号。"))
    action = "organization.person_activate" if active else "organization.person_deactivate"
    if active:

        def save(p: User) -> None:
            if p.unit is not None and not p.unit.is_active:
                raise DomainError(_("该人员所属单位已停用，请先修改其单位。"))
            p.save(update_fields=["is_active"])
    else:

        def save(p: User) -> None:
            p.save(update_fields=["is_active"])

    return core_rules.transition(
        person, user=user, action=action, reason=reason, fields={"is_active": active}, save=save
    )


def person_reset_password(*, person: User, user: Any, reason: str) -> str:
    """Give ``person`` a new generated password (``organization.person_reset_password``); the
    page shows it once. The audit entry says who reset it and why, never the password."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=person.pk)
        action = core_rules.require(user, "organization.person_reset_password", locked)
        reason = _reason(action.name, reason)
        password = generate_password()
        locked.set_password(password)
        locked.save(update_fields=["password"])
        record_action(locked, actor=user, action_text=str(action.label), reason=reason)
    return password


def _set_reveal(*, person: User, user: Any, reason: str, grant: bool) -> User:
    from .rules import reveal_permission

    name = "organization.grant_reveal" if grant else "organization.withdraw_reveal"
    with transaction.atomic():
        locked = User.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
        action = core_rules.require(user, name, locked)
        reason = _reason(name, reason)
        if grant:
            locked.user_permissions.add(reveal_permission())
        else:
            locked.user_permissions.remove(reveal_permission())
        record_action(locked, actor=user, action_text=str(action.label), reason=reason)
    return locked


def reveal_grant(*, person: User, user: Any, reason: str) -> User:
    """Grant ``leads.view_informant`` (查看举报人身份) to a street-office person
    (``organization.grant_reveal``, for the holder of ``organization.manage_grants``); audited."""
    return _set_reveal(person=person, user=user, reason=reason, grant=True)


def reveal_withdraw(*, person: User, user: Any, reason: str) -> User:
    """Withdraw it again (``organization.withdraw_reveal``); audited."""
    return _set_reveal(person=person, user=user, reason=reason, grant=False)
