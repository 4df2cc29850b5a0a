"""Units, people and their roles, the campaign and its phases (plan §三 and §四)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.visibility import ScopedQuerySet

from .choices import CampaignStatus, JurisdictionLevel, PhaseKind, Role, UnitKind


class Jurisdiction(models.Model):
    """A special office's jurisdiction (辖区): a city (市专项办) over its streets and towns
    (镇街专项办), or one street on its own. Each unit belongs to one; what a user sees is bounded by
    the jurisdictions of their ``Scope`` (``core.visibility``). A street without a parent is a
    deployment of one street (today's case): its users are not bounded at all."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    level = models.CharField(
        _("级别"), max_length=10, choices=JurisdictionLevel.choices, default=JurisdictionLevel.STREET
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = "pk"

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(level=JurisdictionLevel.STREET),
                name="jurisdiction_city_has_no_parent",
                violation_error_message=_("市级辖区没有上级辖区。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organization:street_detail", args=[self.pk])

    @property
    def is_city(self) -> bool:
        return self.level == JurisdictionLevel.CITY

    @property
    def is_street_of_city(self) -> bool:
        return self.level == JurisdictionLevel.STREET and self.parent_id is not None

    def street_office(self) -> Unit | None:
        """The street's office (镇街专项办). One query."""
        return self.units.filter(kind=UnitKind.STREET_OFFICE).order_by("pk").first()

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q()  # bounded by the scope's jurisdictions (``jurisdiction_path``)


class UnitQuerySet(ScopedQuerySet):
    def communities(self) -> UnitQuerySet:
        return self.filter(kind=UnitKind.COMMUNITY, is_active=True)

    def member_units(self) -> UnitQuerySet:
        return self.filter(kind=UnitKind.MEMBER_UNIT, is_active=True)

    def working_groups(self) -> UnitQuerySet:
        return self.filter(kind=UnitKind.WORKING_GROUP, is_active=True)

    def street_office(self) -> Unit | None:
        """One query."""
        return self.filter(kind=UnitKind.STREET_OFFICE, is_active=True).first()

    def of_street(self, user: Any) -> UnitQuerySet:
        """The units of the user's own jurisdiction (a street's choice lists in a city, issue 19);
        all of them in a deployment of one street."""
        scope = getattr(user, "scope", None) if user is not None and user.is_authenticated else None
        if scope is None or scope.jurisdiction_ids is None:
            return self
        return self.filter(jurisdiction_id=scope.jurisdiction_id)

    def receivers(self) -> UnitQuerySet:
        """Units a lead or a task can be referred to: working groups, member units, communities."""
        return self.filter(kind__in=[UnitKind.WORKING_GROUP, UnitKind.MEMBER_UNIT, UnitKind.COMMUNITY], is_active=True)


class Unit(models.Model):
    """A unit taking part in the campaign: the street office, a working group, a member unit,
    a community or a higher office."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.SlugField(
        _("代码"),
        max_length=40,
        null=True,
        blank=True,
        help_text=_("系统内部识别用，例如 group_crackdown（打击组）。见 organization.choices.UnitCode。"),
    )
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices, db_index=True)
    host_unit = models.ForeignKey(
        "self",
        verbose_name=_("挂靠单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_groups",
        help_text=_("工作组的挂靠单位。"),
    )
    liaison = models.ForeignKey(
        "organization.User",
        verbose_name=_("联络员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="liaison_for",
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    #: Deactivated with its street (``services_streets.street_deactivate``): the street's
    #: reactivation brings exactly these units back (``street_reactivate``), not one the street
    #: office had deactivated on its own before.
    deactivated_with_street = models.BooleanField(_("随镇街停用"), default=False, editable=False)

    objects = UnitQuerySet.as_manager()
    jurisdiction_path = "jurisdiction"

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(host_unit__isnull=True) | Q(kind__in=[UnitKind.WORKING_GROUP, UnitKind.STREET_OFFICE]),
                name="unit_host_only_for_groups",
                violation_error_message=_("只有工作组和专项办才有挂靠单位。"),
            ),
            # A code (``UnitCode``) names one unit of a jurisdiction: each street has its crackdown group.
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(jurisdiction__isnull=True),
                name="unit_code_unique",
                violation_error_message=_("代码已被使用。"),
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "code"],
                name="unit_code_unique_in_jurisdiction",
                violation_error_message=_("代码已被本辖区的其他单位使用。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organization:unit_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        # Outside the street office, a unit sees itself and the units that coordinate the campaign.
        return Q(pk=scope.unit_id) | Q(kind__in=[UnitKind.STREET_OFFICE, UnitKind.WORKING_GROUP])


@dataclass(frozen=True)
class Scope:
    """What one user may see and do, computed once per request from the user's unit and role.

    Every app's ``scope_q`` receives this, so the rules about units live in one place.
    """

    user_id: int | None
    role: str
    unit_id: int | None
    unit_kind: str | None
    sees_all: bool
    can_write: bool
    group_ids: frozenset[int] = field(default_factory=frozenset)
    #: The codes (``UnitCode``) of the user's unit and of the groups it hosts: what rules ask of
    #: named units ("the crackdown group, the police and the tribunal handle cases").
    unit_codes: frozenset[str] = field(default_factory=frozenset)
    #: The jurisdiction of the user's unit (None: none, a deployment of one street).
    jurisdiction_id: int | None = None
    #: The jurisdictions whose rows the user may see: a street in a city its own, the city its
    #: own and every street under it. None: not bounded (a street on its own, today's case).
    jurisdiction_ids: frozenset[int] | None = None
    #: The user works in a city special office (市专项办): reads its streets, writes only its own.
    is_city: bool = False

    @property
    def is_street_office(self) -> bool:
        return not self.is_city and (self.role == Role.STREET_OFFICE or (self.sees_all and self.can_write))

    @property
    def is_community(self) -> bool:
        return self.unit_kind == UnitKind.COMMUNITY

    @property
    def unit_ids(self) -> frozenset[int]:
        """The user's own unit and the working groups it hosts (a host unit works in its group)."""
        ids = set(self.group_ids)
        if self.unit_id:
            ids.add(self.unit_id)
        return frozenset(ids)


class UserQuerySet(ScopedQuerySet):
    pass


class HulaoUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Django's user manager over a ``ScopedQuerySet``: people are seen as ``User.scope_q`` says.

    **People only**: an API token's service user (``User.is_service``, set by
    ``api.services.token_issue``) is no person, so this default manager leaves it out, and with
    it every list, count, export, search, e-mail recipient and choice of people that starts from
    ``User.objects`` / ``visible_to(user, User)`` / ``unit.people`` (assignees, supervisors,
    reviewers, liaisons, grants). The token still acts as it: its ``user`` is read through the
    foreign key (Django's base manager), never through this one, and so are the audit trail's
    actors and a lead's ``registered_by``. A password sign-in goes through this manager too
    (``ModelBackend``): a service user cannot sign in on the web even by name."""

    def get_queryset(self) -> UserQuerySet:
        qs = super().get_queryset()
        # (a migration's historical model before the field: every account)
        if any(f.name == "is_service" for f in self.model._meta.concrete_fields):
            qs = qs.filter(is_service=False)
        return qs


class User(AbstractUser):
    """A person working in the campaign. Belongs to one unit with one role."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("所属单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    #: An API token's own service user (``api.ApiToken.user``), not a person: left out of every
    #: list and choice of people (``HulaoUserManager``).
    is_service = models.BooleanField(
        _("接口账号"), default=False, editable=False, help_text=_("接口令牌的服务账号，不是人员。")
    )

    objects = HulaoUserManager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["unit__sort_order", "username"]
        #: held by the street office's head: grants and withdraws sensitive rights (organization/rules.py)
        permissions = [("manage_grants", _("授予敏感权限"))]

    def __str__(self) -> str:
        return self.name or self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return reverse("organization:person_detail", args=[self.pk])

    def has_perm(self, perm, obj=None) -> bool:
        """As Django's, but the user's permissions (their own and their groups') are read with
        one query instead of two, into the cache Django's ``ModelBackend`` reads them from."""
        if obj is None and self.is_active and not self.is_superuser and not hasattr(self, "_perm_cache"):
            from django.contrib.auth.models import Permission

            rows = (
                Permission.objects.filter(Q(user=self) | Q(group__user=self))
                .values_list("content_type__app_label", "codename")
                .distinct()
                .order_by()
            )
            self._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return super().has_perm(perm, obj)

    @cached_property
    def scope(self) -> Scope:
        """The user's visibility scope. Costs one query the first time (hosted groups)."""
        if not self.is_active:
            return Scope(None, "", None, None, sees_all=False, can_write=False)
        if self.is_superuser:
            return Scope(self.pk, Role.STREET_OFFICE, self.unit_id, None, sees_all=True, can_write=True)
        unit_kind = self.unit.kind if self.unit_id else None
        group_ids: frozenset[int] = frozenset()
        codes: set[str] = set()
        jurisdiction_id = self.unit.jurisdiction_id if self.unit_id else None
        bounded: frozenset[int] | None = None
        is_city = False
        if self.unit_id:
            rows = Unit.objects.filter(Q(host_unit_id=self.unit_id) | Q(pk=self.unit_id)).values_list(
                "pk", "code", "host_unit_id", "jurisdiction__level", "jurisdiction__parent_id"
            )
            group_ids = frozenset(pk for pk, _c, host, _l, _p in rows if host == self.unit_id and pk != self.unit_id)
            codes = {code for _pk, code, _h, _l, _p in rows if code}
            own = [(level, parent) for pk, _c, _h, level, parent in rows if pk == self.unit_id]
            level, parent = own[0] if own else (None, None)
            if jurisdiction_id is not None and level == JurisdictionLevel.CITY:
                is_city = True
                children = Jurisdiction.objects.filter(parent_id=jurisdiction_id).values_list("pk", flat=True)
                bounded = frozenset({jurisdiction_id, *children})
            elif jurisdiction_id is not None and parent is not None:
                bounded = frozenset({jurisdiction_id})
        sees_all = (
            self.role in (Role.STREET_OFFICE, Role.LEADER, Role.CITY_OFFICE)
            or unit_kind in (UnitKind.STREET_OFFICE, UnitKind.CITY_OFFICE)
            or is_city
        )
        # The city office reads its streets; it writes only its own actions (its predicates).
        can_write = self.role not in (Role.LEADER, Role.CITY_OFFICE) and bool(self.role) and not is_city
        return Scope(
            self.pk,
            self.role,
            self.unit_id,
            unit_kind,
            sees_all,
            can_write,
            group_ids,
            frozenset(codes),
            jurisdiction_id=jurisdiction_id,
            jurisdiction_ids=bounded,
            is_city=is_city,
        )

    jurisdiction_path = "unit__jurisdiction"

    @property
    def in_city(self) -> bool:
        """Works in a city deployment (a street of a city, or the city office): the pages show
        the city's transfers (issue 19). No query beyond the scope's."""
        return self.scope.jurisdiction_ids is not None

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(unit_id__in=scope.unit_ids)


class CampaignQuerySet(ScopedQuerySet):
    """Which campaign is "current" is a matter of dates, not of which one was saved last.

    - ``in_effect(day)``: the campaigns whose dates contain ``day`` (no end date: open-ended,
      a standing 常态化 campaign), not withdrawn (``is_active``);
    - ``current(day)``: of those, the one with the newest start: what the dashboard, the reports
      and the submissions work on. A campaign saved for next year is 即将开始 and changes nothing
      until its start date; between two campaigns there is none;
    - ``started(day)``: not withdrawn and begun by ``day`` (current or finished): what may be
      looked at, reported on (a finished campaign's last report month closes after its end) and
      chosen with ``?campaign=``;
    - ``shown(day)``: what a page shows by default: the current one, else the one begun last.
    """

    def for_user(self, user: Any) -> CampaignQuerySet:
        """The campaigns a user's office runs (issue 19): in a city, those of the user's own
        jurisdiction (a street its implementation, the city its campaign) and the ones shared by
        every jurisdiction (none); in a deployment of one street (or without a user) all of them."""
        scope = getattr(user, "scope", None) if user is not None and user.is_authenticated else None
        if scope is None or scope.jurisdiction_ids is None:
            return self
        return self.filter(Q(jurisdiction_id=scope.jurisdiction_id) | Q(jurisdiction__isnull=True))

    def in_effect(self, day: datetime.date | None = None, user: Any = None) -> CampaignQuerySet:
        day = day or timezone.localdate()
        return self.for_user(user).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day), is_active=True, start_date__lte=day
        )

    def current(self, day: datetime.date | None = None, user: Any = None) -> Campaign | None:
        """The campaign whose dates contain ``day`` (today), the newest start if several; with
        ``user``, of those their office runs (``for_user``). One query."""
        return self.in_effect(day, user).order_by("-start_date", "-pk").first()

    def started(self, day: datetime.date | None = None, user: Any = None) -> CampaignQuerySet:
        return self.for_user(user).filter(is_active=True, start_date__lte=day or timezone.localdate())

    def shown(self, day: datetime.date | None = None, user: Any = None) -> Campaign | None:
        """The current campaign, or between campaigns the one begun last (finished). At most two queries."""
        return self.current(day, user) or self.started(day, user).order_by("-start_date", "-pk").first()


class Campaign(models.Model):
    """A campaign: the 2022 special action, the next one, or a standing (常态化) one.

    In a city (issue 19) a campaign belongs to a jurisdiction: the city's campaign, and each
    street's implementation of it (``parent``: the city's) with its own dates, phases and report
    day. A deployment of one street: no jurisdiction, no parent, as before."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("常态化工作可不填。"))
    # Not "the current campaign" (that is a matter of dates, ``CampaignQuerySet.current``): a
    # manual switch to withdraw a campaign saved by mistake; a withdrawn one is never current.
    is_active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用的专项行动不会成为当前专项行动（用于撤回误建的专项行动）。")
    )
    report_day = models.PositiveSmallIntegerField(
        _("月报截止日"), default=20, help_text=_("各社区、成员单位每月此日前报送。")
    )
    description = models.TextField(_("说明"), blank=True)
    laggard_score = models.PositiveSmallIntegerField(
        _("后进线"),
        default=60,
        validators=[MaxValueValidator(100)],
        help_text=_("督导考评得分（满分 100）低于此分的单位列为后进单位。"),
    )

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("空：各辖区共用（单个街道部署）。"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级专项行动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="implementations",
        help_text=_("镇街实施方案所依据的市专项行动。"),
    )

    objects = CampaignQuerySet.as_manager()
    #: seen by its own jurisdiction and the city over it; a street also sees the city's campaign
    #: it implements (``jurisdiction_rows``); one without a jurisdiction by everyone.
    jurisdiction_path = "jurisdiction"

    class Meta:
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="campaign_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
            models.UniqueConstraint(
                fields=["parent", "jurisdiction"],
                condition=Q(parent__isnull=False),
                name="campaign_one_implementation_per_jurisdiction",
                violation_error_message=_("该镇街已有此专项行动的实施方案。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("organization:campaign_detail", args=[self.pk])

    @classmethod
    def jurisdiction_rows(cls, ids: frozenset[int]) -> Q:
        """The campaigns seen by the jurisdictions ``ids`` (``core.visibility.jurisdiction_q``):
        their own, the shared ones, and the campaigns of the city over them (what a street
        implements)."""
        above = Jurisdiction.objects.filter(children__in=sorted(ids)).values("pk")
        return Q(jurisdiction__isnull=True) | Q(jurisdiction_id__in=sorted(ids)) | Q(jurisdiction_id__in=above)

    def in_jurisdictions(self, ids: frozenset[int]) -> bool:
        """``jurisdiction_rows`` for one campaign (``core.visibility.in_jurisdiction``)."""
        if self.jurisdiction_id is None or self.jurisdiction_id in ids:
            return True
        return Jurisdiction.objects.filter(pk=self.jurisdiction_id, children__in=sorted(ids)).exists()

    @property
    def is_implementation(self) -> bool:
        return self.parent_id is not None

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q()  # the campaign and its phases are public to every signed-in user

    def contains(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def status(self, day: datetime.date | None = None) -> str:
        """即将开始 before its start, 进行中 while its dates contain ``day``, 已结束 after its end;
        已停用 when withdrawn. (Whether it is *the* current one is ``Campaign.objects.current``:
        two may overlap.)"""
        day = day or timezone.localdate()
        if not self.is_active:
            return CampaignStatus.WITHDRAWN
        if day < self.start_date:
            return CampaignStatus.UPCOMING
        if self.end_date is not None and day > self.end_date:
            return CampaignStatus.FINISHED
        return CampaignStatus.CURRENT

    def status_label(self, day: datetime.date | None = None) -> str:
        return str(CampaignStatus(self.status(day)).label)

    @property
    def is_finished(self) -> bool:
        return self.status() == CampaignStatus.FINISHED


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name=_("专项行动"), on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("环节"), max_length=20, choices=PhaseKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    runs_throughout = models.BooleanField(
        _("贯穿始终"), default=False, help_text=_("该环节在结束日期后仍持续推进，直至专项行动结束。")
    )
    description = models.TextField(_("工作要求"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)

    objects = ScopedQuerySet.as_manager()
    jurisdiction_path = ""

    class Meta:
        verbose_name = _("工作环节")
        verbose_name_plural = _("工作环节")
        ordering = ["campaign", "order", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="phase_unique_kind_per_campaign"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="phase_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.short_name or self.campaign.name} · {self.name}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q()

    def is_current(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        end = self.end_date
        if self.runs_throughout and self.campaign.end_date:
            end = max(end, self.campaign.end_date)
        return self.start_date <= today <= end
