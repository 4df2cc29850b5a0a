"""Every write of the publicity area. Views, forms, the admin and imports call these.

Each asks ``core.rules`` first (``publicity/rules.py`` declares who may): a create requires its
action and then that what is recorded is the user's to hold; a change goes through
``rules.transition`` (lock the row, require the action on it, bump the version, save with the
audit entry), and what the record becomes must still be the user's.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.selectors import linkable_typical_cases, visible_cases
from core import rules
from core.audit import audit_context
from core.exceptions import DomainError
from core.services import attachments_add
from core.visibility import require_own_street
from organization.choices import UnitKind
from organization.models import Unit, User

from . import rules as publicity_rules
from .choices import ESCALATED_RISK_LEVELS, OpinionStatus
from .models import Activity, AwarenessSurvey, MediaReport, OpinionEntry, OpinionFollowUp, first_of_month

R = TypeVar("R", Activity, AwarenessSurvey, MediaReport, OpinionEntry)
U = TypeVar("U", MediaReport, OpinionEntry)


def _photos_add(activity: Activity, *, user: User, photos: Iterable[Any]) -> None:
    photos = list(photos)
    if photos:
        rules.require(user, "publicity.activity_photos", activity)
        attachments_add(obj=activity, files=photos, user=user, images_only=True)


def _create(obj: R, *, user: User, action: str, reason: str, then: Callable[[R], Any] | None = None) -> R:
    """Validate (the model's constraints with their Chinese messages), then save with the audit
    entry, in one transaction with ``then(obj)`` (photos)."""
    _check_street(obj, user)
    obj.full_clean()
    with transaction.atomic(), audit_context(actor=user, reason=rules.audit_reason(rules.get(action), reason)):
        obj.save()
        if then is not None:
            then(obj)
    return obj


def _update(
    obj: R,
    *,
    user: User,
    action: str,
    reason: str,
    fields: dict[str, Any],
    expected_version: int | None,
    check: Callable[[R, R], None],
    then: Callable[[R], Any] | None = None,
) -> R:
    """Change ``obj`` through ``rules.transition``: the action is required on the locked row;
    ``check(before, after)`` then judges what the record becomes (raising ``DomainError``) before
    it is validated and saved; an edit made from a stale form is refused (``ConcurrentEditError``)."""
    before: list[R] = []

    def values(locked: R) -> dict[str, Any]:
        before.append(type(locked)(**{f.attname: getattr(locked, f.attname) for f in locked._meta.concrete_fields}))
        return fields

    def save(locked: R) -> None:
        _check_street(locked, user)
        check(before[0], locked)
        locked.full_clean()
        locked.save()
        if then is not None:
            then(locked)

    return rules.transition(
        obj, user=user, action=action, reason=reason, fields=values, expected_version=expected_version, save=save
    )


def _check_street(obj: Any, user: User) -> None:
    """The record's units (organiser, community, unit) are of the user's street (issue 19); no
    query in a deployment of one street."""
    if user.scope.jurisdiction_ids is None:
        return
    names = [name for name in ("organiser", "community", "unit") if getattr(obj, f"{name}_id", None) is not None]
    require_own_street(user, **{name: getattr(obj, name) for name in names})


def _check_case_link(obj: Activity | OpinionEntry, name: str, user: User, stored: Any = None) -> None:
    """A user links only a case they may see (or, for an exposure, a typical case cleared for
    publicity that they may read); a link made by someone else may stay."""
    case_id = getattr(obj, f"{name}_id")
    if case_id is None or (stored is not None and getattr(stored, f"{name}_id") == case_id):
        return
    linkable = linkable_typical_cases(user) if name == "typical_case" else visible_cases(user)
    if not linkable.filter(pk=case_id).exists():
        raise DomainError(_("您无权关联该案件。"), code="case_not_visible", field=name)


def _is_community(unit_id: int | None) -> bool:
    """One query (none without a unit)."""
    return unit_id is not None and Unit.objects.filter(pk=unit_id, kind=UnitKind.COMMUNITY).exists()


def _check_activity(activity: Activity, user: User) -> None:
    """What the activity is (or becomes) must be the user's to hold (``activity_holder``)."""
    community = publicity_rules.own_community(user)
    if community is not None:
        # Community staff record their own community's activities, organised by their community.
        if activity.community_id is None:
            activity.community_id = community
        if activity.organiser_id is None:
            activity.organiser_id = community
        if activity.community_id != community:
            raise DomainError(_("只能登记本社区的宣传活动。"), code="not_own_community", field="community")
    if activity.organiser_id is None:
        raise DomainError(_("请选择组织单位。"), code="no_organiser", field="organiser")
    if not publicity_rules.activity_holder(user, activity):
        raise DomainError(_("只能登记本单位组织的宣传活动。"), code="not_own_unit", field="organiser")
    if activity.community_id is not None and not _is_community(activity.community_id):
        raise DomainError(_("“社区”须选择一个社区。"), code="not_a_community", field="community")


def activity_create(*, user: User, photos: Iterable[Any] = (), reason: str = "", **fields: Any) -> Activity:
    """Record a publicity activity (and its photos) for the user's unit or community."""
    rules.require(user, "publicity.activity_create")
    activity = Activity(created_by=user, **fields)
    _check_activity(activity, user)
    _check_case_link(activity, "typical_case", user)
    return _create(
        activity,
        user=user,
        action="publicity.activity_create",
        reason=reason,
        then=lambda a: _photos_add(a, user=user, photos=photos),
    )


def activity_update(
    *,
    activity: Activity,
    user: User,
    photos: Iterable[Any] = (),
    reason: str = "",
    expected_version: int | None = None,
    **fields: Any,
) -> Activity:
    """Change an activity the user holds (and add photos); it must stay theirs."""

    def check(stored: Activity, changed: Activity) -> None:
        _check_activity(changed, user)
        _check_case_link(changed, "typical_case", user, stored)

    return _update(
        activity,
        user=user,
        action="publicity.activity_update",
        reason=reason,
        fields=fields,
        expected_version=expected_version,
        check=check,
        then=lambda a: _photos_add(a, user=user, photos=photos),
    )


def _check_survey(survey: AwarenessSurvey, user: User) -> None:
    if not _is_community(survey.community_id):
        raise DomainError(_("“社区”须选择一个社区。"), code="not_a_community", field="community")
    if not publicity_rules.survey_holder(user, survey):
        raise DomainError(_("只能登记本社区的知晓率调查。"), code="not_own_unit", field="community")
    survey.month = first_of_month(survey.month)


def survey_create(*, user: User, reason: str = "", **fields: Any) -> AwarenessSurvey:
    """Record a community's awareness survey of one month (one per community and month)."""
    rules.require(user, "publicity.survey_create")
    survey = AwarenessSurvey(created_by=user, **fields)
    if survey.community_id is None:
        survey.community_id = publicity_rules.own_community(user)
    _check_survey(survey, user)
    return _create(survey, user=user, action="publicity.survey_create", reason=reason)


def survey_update(
    *, survey: AwarenessSurvey, user: User, reason: str = "", expected_version: int | None = None, **fields: Any
) -> AwarenessSurvey:
    """Change a survey of the user's community; it must stay theirs."""
    return _update(
        survey,
        user=user,
        action="publicity.survey_update",
        reason=reason,
        fields=fields,
        expected_version=expected_version,
        check=lambda stored, changed: _check_survey(changed, user),
    )


def _check_unit_record(obj: MediaReport | OpinionEntry, user: User) -> None:
    if not publicity_rules.unit_record_holder(user, obj):
        raise DomainError(_("只能登记或修改本单位的记录。"), code="not_own_unit", field="unit")


def _unit_record_create(model: type[U], *, user: User, action: str, reason: str, fields: dict[str, Any]) -> U:
    rules.require(user, action)
    if fields.get("unit") is None and fields.get("unit_id") is None:
        fields["unit_id"] = user.scope.unit_id
    obj = model(created_by=user, **fields)
    _check_unit_record(obj, user)
    if isinstance(obj, OpinionEntry):
        _check_case_link(obj, "case", user)
    return _create(obj, user=user, action=action, reason=reason)


def _unit_record_check(user: User) -> Callable[[Any, Any], None]:
    def check(stored: MediaReport | OpinionEntry, changed: MediaReport | OpinionEntry) -> None:
        _check_unit_record(changed, user)
        if isinstance(changed, OpinionEntry):
            _check_case_link(changed, "case", user, stored)

    return check


def media_report_create(*, user: User, reason: str = "", **fields: Any) -> MediaReport:
    """Record a media report on the campaign, reported by the user's unit (by default)."""
    return _unit_record_create(MediaReport, user=user, action="publicity.media_create", reason=reason, fields=fields)


def media_report_update(
    *, report: MediaReport, user: User, reason: str = "", expected_version: int | None = None, **fields: Any
) -> MediaReport:
    """Change a media report of the user's unit (any, for the street office and the publicity group)."""
    return _update(
        report,
        user=user,
        action="publicity.media_update",
        reason=reason,
        fields=fields,
        expected_version=expected_version,
        check=_unit_record_check(user),
    )


def opinion_create(*, user: User, reason: str = "", **fields: Any) -> OpinionEntry:
    """Record a public-opinion (舆情) entry, by the user's unit (by default). An entry at risk
    高 or 重大 is escalated to the street office at once (``opinion_escalate``)."""
    with transaction.atomic():
        entry = _unit_record_create(
            OpinionEntry, user=user, action="publicity.opinion_create", reason=reason, fields=fields
        )
        return _auto_escalate(entry, user)


def opinion_update(
    *, entry: OpinionEntry, user: User, reason: str = "", expected_version: int | None = None, **fields: Any
) -> OpinionEntry:
    """Change an entry of the user's unit (any, for the street office and the publicity group).
    Raising it to 高 or 重大 escalates it (once)."""
    with transaction.atomic():
        entry = _update(
            entry,
            user=user,
            action="publicity.opinion_update",
            reason=reason,
            fields=fields,
            expected_version=expected_version,
            check=_unit_record_check(user),
        )
        return _auto_escalate(entry, user)


def _auto_escalate(entry: OpinionEntry, user: User) -> OpinionEntry:
    if entry.risk_level in ESCALATED_RISK_LEVELS and entry.escalated_at is None:
        return opinion_escalate(
            entry=entry,
            user=user,
            reason=_("风险等级为“%(level)s”，自动上报。") % {"level": entry.get_risk_level_display()},
        )
    return entry


def opinion_follow_up(
    *, entry: OpinionEntry, user: User, date: datetime.date, note: str, status: str
) -> OpinionFollowUp:
    """Add a follow-up to an entry (what was done) and move it to ``status`` (跟进中 or 已处置);
    the follow-up row and the entry's audit entry keep who, when and what."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请填写跟进情况。"), code="note", field="note")
    if status not in (OpinionStatus.FOLLOWING, OpinionStatus.RESOLVED):
        raise DomainError(_("请选择处置状态。"), code="status", field="status")
    if date > timezone.localdate():
        raise DomainError(_("日期不能晚于今天。"), code="future_date", field="date")
    created: list[OpinionFollowUp] = []

    def save(locked: OpinionEntry) -> None:
        locked.save()
        created.append(OpinionFollowUp.objects.create(entry=locked, date=date, note=note, status=status, by=user))

    rules.transition(
        entry, user=user, action="publicity.opinion_follow_up", reason=note, fields={"status": status}, save=save
    )
    return created[0]


def opinion_escalate(*, entry: OpinionEntry, user: User, reason: str) -> OpinionEntry:
    """Escalate a 高 or 重大 entry to the street office (上报街道专项办): recorded on the entry and
    in its audit trail, and an e-mail to the street office's addresses (its people and mailbox;
    the outbox keeps it once per entry). The e-mail names the entry, not its text."""
    from core.mail import queue_mail
    from organization.contacts import unit_addresses, with_addresses

    def save(locked: OpinionEntry) -> None:
        locked.save()
        offices = Unit.objects.filter(kind=UnitKind.STREET_OFFICE, is_active=True)
        street = locked.unit.jurisdiction_id if locked.unit_id else None
        if street is not None:  # in a city: the office of the entry's street
            offices = offices.filter(jurisdiction_id=street)
        office = with_addresses(offices).first()
        if office is not None:
            queue_mail(
                "publicity-opinion-escalated",
                to=unit_addresses(office),
                context={"entry": locked, "unit": locked.unit, "by": user, "reason": reason},
                key=f"opinion-escalated:{locked.pk}",
                jurisdiction_id=office.jurisdiction_id,
            )

    return rules.transition(
        entry,
        user=user,
        action="publicity.opinion_escalate",
        reason=reason,
        fields={"escalated_at": timezone.now(), "escalated_by": user},
        save=save,
    )
