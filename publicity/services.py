"""Every write of the publicity area. Views, forms, the admin and imports call these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case
from core.audit import audit_context
from core.concurrency import VersionedModel, save_versioned
from core.exceptions import DomainError
from core.services import attachments_add
from core.visibility import visible_to
from organization.choices import UnitCode, UnitKind
from organization.models import Unit, User

from .models import Activity, AwarenessSurvey, MediaReport, OpinionEntry, first_of_month


def sees_all_publicity(user: User) -> bool:
    """Street office, leaders and the publicity group (宣教组 and its host unit). One query at most."""
    scope = user.scope
    if scope.sees_all:
        return True
    return Unit.objects.filter(pk__in=scope.unit_ids, code=UnitCode.GROUP_PUBLICITY).exists()


def _require_writer(user: User) -> None:
    if not user.scope.can_write:
        raise PermissionDenied(_("您的账号为只读权限。"))


def _require_own_unit(user: User, unit: Unit | None, message: str) -> None:
    if (unit is None or unit.pk not in user.scope.unit_ids) and not sees_all_publicity(user):
        raise DomainError(message, code="not_own_unit")


def _save(
    obj: VersionedModel, *, user: User, reason: str, photos: Iterable[Any] = (), expected_version: int | None = None
) -> Any:
    """Validate (the model's constraints with their Chinese messages), then save with the audit
    entry; an edit made from a stale form is refused (``ConcurrentEditError``)."""
    obj.full_clean()
    with transaction.atomic(), audit_context(actor=user, reason=reason):
        save_versioned(obj, expected_version=expected_version)
        photos = list(photos)
        if photos:
            attachments_add(obj=obj, files=photos, user=user, images_only=True)
    return obj


def _apply(obj: VersionedModel, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(obj, name, value)


def _check_case_link(obj: Activity | OpinionEntry, name: str, user: User, stored: Any = None) -> None:
    """A user links only a case they may see; a link made by someone else may stay."""
    case_id = getattr(obj, f"{name}_id")
    if case_id is None or (stored is not None and getattr(stored, f"{name}_id") == case_id):
        return
    if not visible_to(user, Case).filter(pk=case_id).exists():
        raise DomainError(_("您无权关联该案件。"), code="case_not_visible")


def _check_activity(activity: Activity, user: User) -> None:
    scope = user.scope
    if scope.is_community and not sees_all_publicity(user):
        # Community staff record their own community's activities, organised by their community.
        if activity.community_id is None:
            activity.community_id = scope.unit_id
        if activity.community_id != scope.unit_id:
            raise DomainError(_("只能登记本社区的宣传活动。"), code="not_own_community")
        if activity.organiser_id is None:
            activity.organiser_id = scope.unit_id
    if activity.organiser_id is None:
        raise DomainError(_("请选择组织单位。"), code="no_organiser")
    _require_own_unit(user, Unit.objects.get(pk=activity.organiser_id), _("只能登记本单位组织的宣传活动。"))
    if activity.community_id is not None:
        community = Unit.objects.get(pk=activity.community_id)
        if community.kind != UnitKind.COMMUNITY:
            raise DomainError(_("“社区”须选择一个社区。"), code="not_a_community")


def activity_create(*, user: User, photos: Iterable[Any] = (), reason: str = "", **fields: Any) -> Activity:
    """Record a publicity activity (and its photos) for the user's unit or community."""
    _require_writer(user)
    activity = Activity(created_by=user, **fields)
    _check_activity(activity, user)
    _check_case_link(activity, "typical_case", user)
    return _save(activity, user=user, reason=reason, photos=photos)


def activity_update(
    *,
    activity: Activity,
    user: User,
    photos: Iterable[Any] = (),
    reason: str = "",
    expected_version: int | None = None,
    **fields: Any,
) -> Activity:
    _require_writer(user)
    stored = Activity.objects.get(pk=activity.pk)
    _check_activity(stored, user)  # the user may change what is stored …
    _apply(activity, fields)
    _check_activity(activity, user)  # … and what it becomes
    _check_case_link(activity, "typical_case", user, stored)
    return _save(activity, user=user, reason=reason, photos=photos, expected_version=expected_version)


def _check_survey(survey: AwarenessSurvey, user: User) -> None:
    community = Unit.objects.get(pk=survey.community_id) if survey.community_id else None
    if community is None or community.kind != UnitKind.COMMUNITY:
        raise DomainError(_("“社区”须选择一个社区。"), code="not_a_community")
    _require_own_unit(user, community, _("只能登记本社区的知晓率调查。"))
    survey.month = first_of_month(survey.month)


def survey_create(*, user: User, reason: str = "", **fields: Any) -> AwarenessSurvey:
    """Record a community's awareness survey of one month (one per community and month)."""
    _require_writer(user)
    survey = AwarenessSurvey(created_by=user, **fields)
    if user.scope.is_community and survey.community_id is None:
        survey.community_id = user.scope.unit_id
    _check_survey(survey, user)
    return _save(survey, user=user, reason=reason)


def survey_update(
    *, survey: AwarenessSurvey, user: User, reason: str = "", expected_version: int | None = None, **fields: Any
) -> AwarenessSurvey:
    _require_writer(user)
    _check_survey(AwarenessSurvey.objects.get(pk=survey.pk), user)
    _apply(survey, fields)
    _check_survey(survey, user)
    return _save(survey, user=user, reason=reason, expected_version=expected_version)


def _check_unit_record(obj: MediaReport | OpinionEntry, user: User) -> None:
    unit = Unit.objects.filter(pk=obj.unit_id).first()
    _require_own_unit(user, unit, _("只能登记或修改本单位的记录。"))


def _unit_record_create(model: type[MediaReport | OpinionEntry], *, user: User, reason: str, fields: dict) -> Any:
    _require_writer(user)
    if fields.get("unit") is None and fields.get("unit_id") is None:
        fields["unit_id"] = user.scope.unit_id
    obj = model(created_by=user, **fields)
    _check_unit_record(obj, user)
    if isinstance(obj, OpinionEntry):
        _check_case_link(obj, "case", user)
    return _save(obj, user=user, reason=reason)


def _unit_record_update(
    obj: MediaReport | OpinionEntry, *, user: User, reason: str, expected_version: int | None, fields: dict
) -> Any:
    _require_writer(user)
    stored = type(obj).objects.get(pk=obj.pk)
    _check_unit_record(stored, user)
    _apply(obj, fields)
    _check_unit_record(obj, user)
    if isinstance(obj, OpinionEntry):
        _check_case_link(obj, "case", user, stored)
    return _save(obj, user=user, reason=reason, expected_version=expected_version)


def media_report_create(*, user: User, reason: str = "", **fields: Any) -> MediaReport:
    """Record a media report on the campaign, reported by the user's unit (by default)."""
    return _unit_record_create(MediaReport, user=user, reason=reason, fields=fields)


def media_report_update(
    *, report: MediaReport, user: User, reason: str = "", expected_version: int | None = None, **fields: Any
) -> MediaReport:
    return _unit_record_update(report, user=user, reason=reason, expected_version=expected_version, fields=fields)


def opinion_create(*, user: User, reason: str = "", **fields: Any) -> OpinionEntry:
    """Record a public-opinion (舆情) entry, by the user's unit (by default)."""
    return _unit_record_create(OpinionEntry, user=user, reason=reason, fields=fields)


def opinion_update(
    *, entry: OpinionEntry, user: User, reason: str = "", expected_version: int | None = None, **fields: Any
) -> OpinionEntry:
    return _unit_record_update(entry, user=user, reason=reason, expected_version=expected_version, fields=fields)
