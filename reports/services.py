"""Writes of the reports area: unit submissions, the monthly report (exactly once), reminders
and the campaign summary. Views, the management command and Celery tasks all call these."""

from __future__ import annotations

import datetime
import logging
import threading
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import locks
from core import rules as core_rules
from core.audit import audit_context, record_action
from core.exceptions import DomainError
from core.mail import absolute_url, queue_mail
from core.visibility import require_own_street
from core.xlsx import XLSX_MIME
from organization import contacts
from organization.choices import UnitKind
from organization.models import Campaign, Unit

from . import rules, selectors
from .choices import ReportStatus, SubmissionStatus, SummaryKind
from .models import MonthlyReport, ReportRecipient, SummarySubmission, Supervision, UnitSubmission
from .workbook import monthly_workbook

log = logging.getLogger(__name__)


def _require_campaign(campaign: Campaign | None, user: Any = None) -> Campaign:
    """The given campaign, else the current one (its dates contain today), else between
    campaigns the one that ended last (its last report month closes after its end). Never one
    that has not started: a campaign saved for next year changes nothing until its start. With
    ``user``: of the campaigns the user's office runs (a street of a city: its implementation)."""
    campaign = campaign or Campaign.objects.shown(user=user)
    if campaign is None:
        raise DomainError(_("尚未设置专项行动。"))
    return campaign


def reporting_campaigns(today: datetime.date) -> list[Campaign]:
    """The campaigns that have a report month holding ``today``: begun (not withdrawn) and not
    past their last report month. Usually one; two when a campaign's last period is still open
    after the next one has started. A future campaign is never one."""
    return [
        c
        for c in Campaign.objects.started(today).order_by("-start_date", "-pk")
        if selectors.report_month_for(c, today) in selectors.report_months(c)
    ]


def _require(user: Any, action: str, obj: Any = None) -> None:
    """``rules.require`` for a user; the scheduled job and the command act as the system (None)."""
    if user is not None:
        core_rules.require(user, action, obj)


def _require_for_unit(user: Any, unit: Unit) -> None:
    if not rules.may_report_for(user, unit):
        raise core_rules.Refused(_("您只能填报本单位的材料。"))


# --- unit monthly submissions ---------------------------------------------------------------------


def submission_start(
    *, user: Any, unit: Unit, month: datetime.date, campaign: Campaign | None = None
) -> UnitSubmission:
    """The unit's submission for ``month`` (a draft is created the first time), with its figures
    filled in from the system. A unit its own; the street office any reporting unit."""
    core_rules.require(user, "reports.submission_start")
    require_own_street(user, unit=unit)
    _require_for_unit(user, unit)
    campaign = _require_campaign(campaign, user)
    if unit.kind not in rules.REPORTING_KINDS:
        raise DomainError(_("只有社区和成员单位报送月度材料。"), field="unit")
    month = selectors.month_start(month)
    open_month = selectors.open_month(campaign)
    allowed = [] if open_month is None else [open_month, selectors.add_months(open_month, -1)]
    allowed = [m for m in allowed if m in selectors.report_months(campaign)]
    if month not in allowed:
        raise DomainError(
            _("只能报送本期或上一期（逾期）的月度材料：%(months)s。")
            % {"months": _("、").join(f"{m:%Y-%m}" for m in allowed) or _("专项行动尚未开始")},
            field="month",
        )
    existing = UnitSubmission.objects.filter(campaign=campaign, unit=unit, month=month).first()
    if existing:
        return existing
    start, end = selectors.report_period(campaign, month)
    try:
        with audit_context(actor=user, reason=_("新建月度报送")), transaction.atomic():
            return UnitSubmission.objects.create(
                campaign=campaign,
                unit=unit,
                month=month,
                due_date=selectors.due_date(campaign, month),
                figures=selectors.section_figures(start=start, end=end, units=[unit.pk]),
                created_by=user,
            )
    except IntegrityError:  # two clicks at once: the other one created it
        return UnitSubmission.objects.get(campaign=campaign, unit=unit, month=month)


TEXT_FIELDS = ("work_done", "problems", "next_steps")


def _texts(work_done: str | None, problems: str | None, next_steps: str | None) -> dict[str, str]:
    values = {"work_done": work_done, "problems": problems, "next_steps": next_steps}
    return {name: value for name, value in values.items() if value is not None}


def _require_fresh(locked: UnitSubmission, seen: datetime.datetime | None) -> None:
    """A form loaded before the row last changed (another tab, another person) is stale."""
    if seen is not None and locked.updated_at != seen:
        raise DomainError(
            _("此报送已在别处修改（%(at)s），您的内容未保存。请核对后再保存。")
            % {"at": f"{timezone.localtime(locked.updated_at):%Y-%m-%d %H:%M:%S}"}
        )


def submission_save(
    *,
    submission: UnitSubmission,
    user: Any,
    work_done: str,
    problems: str,
    next_steps: str,
    seen: datetime.datetime | None = None,
) -> UnitSubmission:
    """Save a draft's texts (``reports.submission_edit``); refused when ``seen`` (the row's
    ``updated_at`` when the form was loaded) is stale."""

    def fields(locked: UnitSubmission) -> dict[str, Any]:
        _require_fresh(locked, seen)
        return _texts(work_done, problems, next_steps)

    return core_rules.transition(
        submission,
        user=user,
        action="reports.submission_edit",
        fields=fields,
        save=lambda s: s.save(update_fields=[*TEXT_FIELDS, "updated_at"]),
    )


def submission_refresh_figures(*, submission: UnitSubmission, user: Any) -> UnitSubmission:
    """Fill in the unit's figures again from the system (a draft only)."""

    def figures(locked: UnitSubmission) -> dict[str, Any]:
        start, end = selectors.report_period(locked.campaign, locked.month)
        return {"figures": selectors.section_figures(start=start, end=end, units=[locked.unit_id])}

    return core_rules.transition(
        submission,
        user=user,
        action="reports.submission_refresh",
        fields=figures,
        save=lambda s: s.save(update_fields=["figures", "updated_at"]),
    )


def submission_submit(
    *,
    submission: UnitSubmission,
    user: Any,
    now: datetime.datetime | None = None,
    work_done: str | None = None,
    problems: str | None = None,
    next_steps: str | None = None,
    seen: datetime.datetime | None = None,
) -> UnitSubmission:
    """draft → submitted, with the texts typed in the same form when given (refused when ``seen``
    is stale, as ``submission_save``). Late when submitted after the due date (local time). The
    unit's figures are fixed as they are now."""
    at = now or timezone.now()

    def fields(locked: UnitSubmission) -> dict[str, Any]:
        _require_fresh(locked, seen)
        texts = _texts(work_done, problems, next_steps)
        if not (texts.get("work_done", locked.work_done) or "").strip():
            raise DomainError(_("请填写本月工作开展情况。"), field="work_done")
        start, end = selectors.report_period(locked.campaign, locked.month)
        return {
            **texts,
            "submitted_at": at,
            "submitted_by": user,
            "late": timezone.localtime(at).date() > locked.due_date,
            "figures": selectors.section_figures(start=start, end=end, units=[locked.unit_id]),
        }

    return core_rules.transition(submission, user=user, action="reports.submission_submit", fields=fields)


# --- reminders ------------------------------------------------------------------------------------


def unit_addresses(unit: Unit) -> list[str]:
    """Where a reminder to ``unit`` goes: its liaisons and its mailbox (``organization.contacts``)."""
    return contacts.unit_addresses(unit)


def reminders_send(*, today: datetime.date | None = None, campaign: Campaign | None = None) -> int:
    """E-mail every reporting unit that has not submitted this month's report yet. The key
    ``submission-reminder:<unit>:<YYYY-MM>`` makes a second run a no-op. Returns the count.
    Without ``campaign``: the campaign whose report month holds today (the newest if several)."""
    today = today or timezone.localdate()
    if campaign is None:
        campaign = next(iter(reporting_campaigns(today)), None)
    if campaign is None:
        return 0
    month = selectors.report_month_for(campaign, today)
    submitted = set(
        UnitSubmission.objects.filter(campaign=campaign, month=month, status=SubmissionStatus.SUBMITTED).values_list(
            "unit_id", flat=True
        )
    )
    count = 0
    for unit in contacts.with_addresses(selectors.reporting_units()):
        if unit.pk in submitted:
            continue
        to = unit_addresses(unit)
        if not to:
            continue
        with transaction.atomic():
            mail = queue_mail(
                "reports-reminder",
                to=to,
                context={
                    "unit": unit.name,
                    "campaign": campaign.name,
                    "month": f"{month:%Y-%m}",
                    "due": selectors.due_date(campaign, month),
                    "submissions_url": absolute_url(reverse("reports:submission_list")),
                },
                key=f"submission-reminder:{unit.pk}:{month:%Y-%m}",
                jurisdiction_id=unit.jurisdiction_id,
            )
        count += int(mail is not None)
    return count


# --- the monthly report ---------------------------------------------------------------------------


def configured_recipients() -> list[str]:
    """The addresses set in the environment (``REPORTS_RECIPIENTS``), besides those kept in the app."""
    return sorted({a.strip() for a in getattr(settings, "REPORTS_RECIPIENTS", []) if a and a.strip()})


def recipients(jurisdiction_id: int | None = None) -> list[str]:
    """The monthly report's recipients: the active ones kept on the page
    (``reports:recipient_list``) plus ``REPORTS_RECIPIENTS`` from the environment. Of a street's
    or the city's report in a city (issue 19), that jurisdiction's only; of a report of no
    jurisdiction (a deployment of one street) every kept one — in a city only those of no
    jurisdiction, so that no street's report reaches another street's. One query (two for None)."""
    configured = list(getattr(settings, "REPORTS_RECIPIENTS", []))
    kept = ReportRecipient.objects.filter(is_active=True)
    if jurisdiction_id is not None:
        kept = kept.filter(jurisdiction_id=jurisdiction_id)
    elif selectors.report_jurisdictions() != [None]:  # a city: a report of nobody's is nobody's
        kept = kept.filter(jurisdiction__isnull=True)
    configured += list(kept.values_list("email", flat=True))
    return sorted({address.strip() for address in configured if address and address.strip()})


RECIPIENT_FIELDS = ("email", "name", "note")


def _save_recipient(recipient: ReportRecipient, bounded: bool = False) -> None:
    """Save after checking; the same address twice in one jurisdiction (``bounded``: a city's;
    else anywhere) is a form error, not a 500. Two streets of a city may share an address."""
    recipient.email = (recipient.email or "").strip()
    twins = ReportRecipient.objects.filter(email__iexact=recipient.email).exclude(pk=recipient.pk)
    if bounded:
        twins = twins.filter(jurisdiction=recipient.jurisdiction_id)
    if recipient.email and twins.exists():
        raise DomainError(_("该邮箱的月报收件人已存在。"), field="email")
    recipient.full_clean()
    recipient.save()


def recipient_add(*, user: Any, email: str, name: str = "", note: str = "") -> ReportRecipient:
    """Add a recipient of the monthly report (``reports.recipient_add``)."""
    core_rules.require(user, "reports.recipient_add")
    recipient = ReportRecipient(email=email, name=name, note=note, jurisdiction_id=user.scope.jurisdiction_id)
    with audit_context(actor=user, reason=_("添加月报收件人")), transaction.atomic():
        _save_recipient(recipient, bounded=user.scope.jurisdiction_ids is not None)
    return recipient


def recipient_update(*, recipient: ReportRecipient, user: Any, email: str, name: str, note: str) -> ReportRecipient:
    """Change a recipient's address, name or note (``reports.recipient_edit``)."""
    return core_rules.transition(
        recipient,
        user=user,
        action="reports.recipient_edit",
        fields={"email": email, "name": name, "note": note},
        save=lambda r: _save_recipient(r, bounded=user.scope.jurisdiction_ids is not None),
    )


def recipient_set_active(*, recipient: ReportRecipient, user: Any, active: bool) -> ReportRecipient:
    """Deactivate (``reports.recipient_deactivate``) or activate again (``…_activate``) a
    recipient: a deactivated one receives no monthly report; the row and its history stay."""
    action = "reports.recipient_activate" if active else "reports.recipient_deactivate"
    return core_rules.transition(
        recipient,
        user=user,
        action=action,
        fields={"is_active": active},
        save=lambda r: r.save(update_fields=["is_active"]),
    )


def _stale_before() -> datetime.datetime:
    """A claim whose heartbeat (``claimed_at``) is older than this is a dead worker's."""
    return timezone.now() - datetime.timedelta(seconds=settings.REPORTS_STALE_SECONDS)


class _Heartbeat:
    """While a generation runs, a thread touches the claim's ``claimed_at`` every
    ``REPORTS_HEARTBEAT_SECONDS``; a claim whose heartbeat stopped (the worker was killed) goes
    stale after ``REPORTS_STALE_SECONDS`` (a few heartbeats) and the pending-reports job takes it
    over. The thread writes only the row claimed with ``token`` and still generating. Not
    started inside a caller's transaction: the claim is not visible to another connection."""

    def __init__(self, report_pk: int, token: str) -> None:
        self.report_pk, self.token = report_pk, token
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def beat(self) -> int:
        return MonthlyReport.objects.filter(
            pk=self.report_pk, claim_token=self.token, status=ReportStatus.GENERATING
        ).update(claimed_at=timezone.now())

    def _run(self) -> None:
        from django.db import connection

        interval = float(settings.REPORTS_HEARTBEAT_SECONDS)
        try:
            while not self.stop.wait(interval):
                try:
                    if not self.beat():
                        return  # finished, failed or taken over
                except Exception:  # a lost connection: try again at the next beat
                    log.warning("Monthly report %s: heartbeat failed.", self.report_pk, exc_info=True)
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        if not transaction.get_connection().in_atomic_block:
            self.thread = threading.Thread(target=self._run, name=f"report-heartbeat-{self.report_pk}", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


def require_official_month(campaign: Campaign, month: datetime.date, now: datetime.datetime | None = None) -> None:
    """The one check of every path to an official report (the page, ``manage.py monthly_report``,
    the scheduled job): the month is one of the campaign's and its period has ended (the report
    day at ``REPORTS_SEND_HOUR``). Before that the page offers a preview (``selectors.report_data``
    with ``until``), which is never stored."""
    now = now or timezone.now()
    months = selectors.report_months(campaign)
    if month not in months:
        raise DomainError(
            _("%(month)s 不在专项行动期间（月报月份 %(first)s 至 %(last)s）。")
            % {"month": f"{month:%Y-%m}", "first": f"{months[0]:%Y-%m}", "last": f"{months[-1]:%Y-%m}"},
            field="month",
        )
    closes = selectors.period_closes_at(campaign, month)
    if now < closes:
        raise DomainError(
            _("%(month)s 的统计期尚未结束（截至 %(end)s），%(at)s 起才能生成正式月报；此前可查看预览。")
            % {
                "month": f"{month:%Y-%m}",
                "end": f"{selectors.due_date(campaign, month):%Y-%m-%d}",
                "at": f"{timezone.localtime(closes):%Y-%m-%d %H:%M}",
            },
            field="month",
        )


#: ``jurisdiction_id`` left out: the user's (their street's or city's report; none for the system).
FROM_USER: Any = object()


def report_prepare(
    *,
    month: datetime.date,
    user: Any = None,
    regenerate: bool = False,
    campaign: Campaign | None = None,
    jurisdiction_id: Any = FROM_USER,
) -> MonthlyReport:
    """The report row of ``month`` (created once); with ``regenerate`` a ready or failed report
    becomes a new, pending version (and so gets a new e-mail key). In a city (issue 19) each
    street's report and the city's are rows of their own (``jurisdiction_id``, by default the
    user's); a deployment of one street has one (None)."""
    _require(user, "reports.report_generate")
    campaign = _require_campaign(campaign, user)
    month = selectors.month_start(month)
    require_official_month(campaign, month)
    if jurisdiction_id is FROM_USER:
        jurisdiction_id = selectors.report_jurisdiction_of(user)
    start, end = selectors.report_period(campaign, month)
    try:
        with transaction.atomic():
            report, _created = MonthlyReport.objects.get_or_create(
                campaign=campaign,
                month=month,
                jurisdiction_id=jurisdiction_id,
                defaults={"period_start": start, "period_end": end, "requested_by": user},
            )
    except IntegrityError:
        report = MonthlyReport.objects.get(campaign=campaign, month=month, jurisdiction_id=jurisdiction_id)
    if regenerate:
        _require(user, "reports.report_regenerate", report)
    if regenerate and report.status in (ReportStatus.READY, ReportStatus.FAILED):
        with audit_context(actor=user, reason=_("重新生成月报")), transaction.atomic():
            changed = MonthlyReport.objects.filter(pk=report.pk, status=report.status, version=report.version).update(
                status=ReportStatus.PENDING, version=F("version") + 1, requested_by=user, error=""
            )
            if changed:
                report.refresh_from_db()
                record_action(report, actor=user, action_text=_("重新生成月报（第%(v)s版）") % {"v": report.version})
    elif regenerate and report.status == ReportStatus.GENERATING and not _claim_is_stale(report):
        raise DomainError(_("月报正在生成，请稍候。"))
    return report


def _claim_is_stale(report: MonthlyReport) -> bool:
    """Generating, but its heartbeat stopped: the claiming task is gone."""
    return report.status == ReportStatus.GENERATING and (
        report.claimed_at is None or report.claimed_at < _stale_before()
    )


def _claim(report: MonthlyReport, token: str) -> bool:
    """Claim the generation with a conditional UPDATE: only one worker wins. A generation
    left behind by a dead worker is taken over by the same task (same token) or once stale."""
    claimable = (
        Q(status__in=[ReportStatus.PENDING, ReportStatus.FAILED])
        | Q(status=ReportStatus.GENERATING, claimed_at__lt=_stale_before())
        | Q(status=ReportStatus.GENERATING, claimed_at__isnull=True)
    )
    if token:
        claimable |= Q(status=ReportStatus.GENERATING, claim_token=token)
    return bool(
        MonthlyReport.objects.filter(claimable, pk=report.pk).update(
            status=ReportStatus.GENERATING, claim_token=token, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    )


def _queue_report_mail(report: MonthlyReport, content: bytes | None = None, key: str | None = None):
    """The report's e-mail, once per version (the outbox key; ``key`` for one sent again)."""
    if content is None:
        if not report.file:
            return None
        with report.file.open("rb") as fh:
            content = fh.read()
    return queue_mail(
        "reports-monthly",
        to=recipients(report.jurisdiction_id),
        context={
            "campaign": report.campaign.name,
            "month": f"{report.month:%Y-%m}",
            "period_start": report.period_start,
            "period_end": report.period_end,
            "version": report.version,
            "data": report.data,
            "report_url": absolute_url(reverse("reports:report_detail", args=[report.pk])),
        },
        key=key or report.mail_key,
        attachment=(report.filename, content, XLSX_MIME),
        jurisdiction_id=_report_jurisdiction(report),
    )


def _report_jurisdiction(report: MonthlyReport) -> int | None:
    """The street (or city) whose report it is, for the outbox in a city (issue 19): the report's
    own, else (a deployment of one street) its requester's."""
    if report.jurisdiction_id is not None:
        return report.jurisdiction_id
    if report.requested_by_id is None:
        return None
    from organization.models import User

    return User.objects.filter(pk=report.requested_by_id).values_list("unit__jurisdiction_id", flat=True).first()


#: Test hook: called between building the workbook and committing (a crash here is a crash
#: mid-job). Left None in production.
_after_build_hook = None


def report_generate(
    *,
    month: datetime.date,
    user: Any = None,
    regenerate: bool = False,
    campaign: Campaign | None = None,
    token: str = "",
    today: datetime.date | None = None,
    jurisdiction_id: Any = FROM_USER,
) -> MonthlyReport:
    """Compile the monthly report of ``month``, store it with its .xlsx and queue its e-mail,
    exactly once: a second run of the same month returns the stored report and queues nothing
    new (the outbox key), unless ``regenerate`` asks for a new version. The web button, the
    ``monthly_report`` command and the scheduled job all come here."""
    report = report_prepare(
        month=month, user=user, regenerate=regenerate, campaign=campaign, jurisdiction_id=jurisdiction_id
    )
    if report.status == ReportStatus.READY:
        if report.email_id is None:  # e.g. no recipients were configured when it was generated
            with transaction.atomic():
                mail = _queue_report_mail(report)  # the outbox key: a no-op when queued already
                if mail is not None:
                    MonthlyReport.objects.filter(pk=report.pk).update(email=mail)
            report.refresh_from_db()
        return report
    token = token or uuid.uuid4().hex
    # A live generation holds this lock on its database session (released when its worker dies):
    # the same message delivered to two workers (same task id, so the same token) or a takeover
    # of a claim that only looks stale cannot generate a second time while the first is alive.
    with locks.held_while_alive("reports.monthly_report", report.pk) as got_lock:
        if not got_lock or not _claim(report, token):
            log.info("Monthly report %s is being generated by another worker.", report.pk)
            report.refresh_from_db()
            return report
        _generate_claimed(report, user=user, token=token, today=today)
    report.refresh_from_db()
    return report


def _generate_claimed(report: MonthlyReport, *, user: Any, token: str, today: datetime.date | None) -> None:
    """Build, store and mail the report this call has claimed (``token``) and holds the lock of."""
    report.refresh_from_db()
    try:
        with _Heartbeat(report.pk, token):
            data = selectors.report_data(report.campaign, report.month, today=today, jurisdiction=report.jurisdiction)
            content = monthly_workbook(data)
            if _after_build_hook is not None:
                _after_build_hook(report)
        with audit_context(actor=user, reason=_("生成月报")), transaction.atomic():
            name = report.file.field.generate_filename(report, report.filename)
            storage = report.file.storage
            if storage.exists(name):  # a retry overwrites what a dead worker left behind
                storage.delete(name)
            report.file.save(name, ContentFile(content), save=False)
            now = timezone.now()
            changed = MonthlyReport.objects.filter(pk=report.pk, claim_token=token).update(
                status=ReportStatus.READY,
                data=data,
                file=report.file.name,
                generated_at=now,
                filed_at=Coalesce(F("filed_at"), Value(now)),  # first filed: kept by a new version
                error="",
            )
            if not changed:
                raise DomainError(_("月报生成已被其他任务接管。"))
            report.refresh_from_db()
            mail = _queue_report_mail(report, content)
            if mail is not None:
                MonthlyReport.objects.filter(pk=report.pk).update(email=mail)
            record_action(report, actor=user, action_text=_("生成月报（第%(v)s版）") % {"v": report.version})
    except Exception as exc:
        MonthlyReport.objects.filter(pk=report.pk, claim_token=token, status=ReportStatus.GENERATING).update(
            status=ReportStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def report_request(
    *, month: datetime.date, user: Any, regenerate: bool = False, campaign: Campaign | None = None
) -> MonthlyReport:
    """From the web page: prepare the report row now, generate it in a Celery task."""
    from .tasks import generate_monthly_report

    report = report_prepare(month=month, user=user, regenerate=regenerate, campaign=campaign)

    def enqueue() -> None:
        try:
            generate_monthly_report.delay(f"{report.month:%Y-%m}", user.pk, report.campaign_id)
        except Exception:  # broker down: the report stays pending, the periodic job generates it
            log.warning("Monthly report %s could not be queued; the broker is unreachable.", report.pk)

    if report.status != ReportStatus.READY:
        transaction.on_commit(enqueue)
    return report


def reports_generate_pending() -> int:
    """Periodic: generate the reports asked for on the web page whose task never reached a worker
    (the broker was down), and those whose claiming task is gone (generating, but the heartbeat
    stopped ``REPORTS_STALE_SECONDS`` ago: the worker was killed). The claim in
    ``report_generate`` keeps it exactly once if the queued task runs after all; a live
    generation keeps its claim fresh and is left alone. Returns how many were generated."""
    done = 0
    waiting = Q(status=ReportStatus.PENDING) | Q(status=ReportStatus.GENERATING, claimed_at__lt=_stale_before())
    waiting |= Q(status=ReportStatus.GENERATING, claimed_at__isnull=True)
    for report in MonthlyReport.objects.filter(waiting).select_related("requested_by", "campaign", "jurisdiction"):
        try:
            result = report_generate(
                month=report.month,
                user=report.requested_by,
                campaign=report.campaign,
                jurisdiction_id=report.jurisdiction_id,
            )
        except DomainError as exc:  # e.g. a row left from before its period had ended
            log.warning("Pending monthly report %s not generated: %s", report.pk, exc)
            continue
        done += result.status == ReportStatus.READY
    return done


def report_due(*, today: datetime.date | None = None, token: str = "") -> MonthlyReport | None:
    """The scheduled job (daily at ``REPORTS_SEND_HOUR``): on the campaign's report day, compile
    and send that month's report (a month of the campaign: ``require_official_month``). Every
    campaign with a report month due today: a finished campaign's last report (its period closes
    after its end) is sent even when the next campaign has begun; a future one is never asked."""
    today = today or timezone.localdate()
    month = selectors.month_start(today)
    report = None
    for campaign in reversed(reporting_campaigns(today)):  # the newest last: it is the one returned
        if today == selectors.due_date(campaign, month) and month in selectors.report_months(campaign):
            # in a city (issue 19) each street's report is filed, then the city's rolls them up
            for jurisdiction in selectors.report_jurisdictions(campaign):
                report = report_generate(
                    month=month,
                    campaign=campaign,
                    token=f"{token}:{jurisdiction.pk}" if token and jurisdiction else token,
                    today=today,
                    jurisdiction_id=jurisdiction.pk if jurisdiction else None,
                )
    return report


def report_mail_retry(*, report: MonthlyReport, user: Any) -> MonthlyReport:
    """Send the report's failed e-mail again: the same outbox row goes back to pending."""
    from core import mail

    with transaction.atomic():
        locked = MonthlyReport.objects.select_for_update(of=("self",)).select_related("email").get(pk=report.pk)
        core_rules.require(user, "reports.mail_retry", locked)
        assert locked.email_id is not None  # the rule's guard: a failed e-mail
        record_action(locked, actor=user, action_text=_("重新发送月报邮件"))
        mail.retry(locked.email_id)
    return locked


def report_mail_again(*, report: MonthlyReport, user: Any) -> MonthlyReport:
    """E-mail a ready report once more: a new outbox row with a new key, one per press, in the
    audit trail. (A report never e-mailed, e.g. no recipients at the time, gets its first one.)"""
    with transaction.atomic():
        locked = (
            MonthlyReport.objects.select_for_update(of=("self",)).select_related("email", "campaign").get(pk=report.pk)
        )
        core_rules.require(user, "reports.mail_again", locked)
        if locked.email_id is None:
            mail = _queue_report_mail(locked)
            text = _("发送月报邮件")
        else:
            locked.resends += 1
            mail = _queue_report_mail(locked, key=locked.resend_key(locked.resends))
            text = _("再次发送月报邮件（第%(n)s次）") % {"n": locked.resends}
        if mail is None:
            raise DomainError(_("未配置收件人：请先在“月报收件人”中添加。"))
        MonthlyReport.objects.filter(pk=locked.pk).update(email=mail, resends=locked.resends)
        record_action(locked, actor=user, action_text=text)
    locked.refresh_from_db()
    return locked


# --- the campaign summary (总结提升) --------------------------------------------------------------


def summary_kind_for(unit: Unit) -> str:
    return SummaryKind.GROUP if unit.kind == UnitKind.WORKING_GROUP else SummaryKind.UNIT


def summary_for(*, unit: Unit, campaign: Campaign | None = None) -> SummarySubmission:
    """The unit's summary of the campaign, or a new (unsaved) draft. One query."""
    campaign = _require_campaign(campaign)
    summary = SummarySubmission.objects.filter(campaign=campaign, unit=unit).first()
    return summary or SummarySubmission(campaign=campaign, unit=unit, kind=summary_kind_for(unit))


SUMMARY_FIELDS = frozenset({"results", "experience", "typical_cases", "loopholes", "weaknesses", "rules"})


def summary_save(
    *, user: Any, unit: Unit, fields: dict[str, str], submit: bool = False, campaign: Campaign | None = None
) -> SummarySubmission:
    """Save (and with ``submit``, hand in) a group's or a unit's summary: ``reports.summary_save``
    / ``reports.summary_submit`` on the unit's draft (created the first time)."""
    action = "reports.summary_submit" if submit else "reports.summary_save"
    campaign = _require_campaign(campaign, user)
    core_rules.require(user, action, SummarySubmission(campaign=campaign, unit=unit, kind=summary_kind_for(unit)))
    reason = _("报送总结") if submit else _("保存总结草稿")
    with audit_context(actor=user, reason=reason), transaction.atomic():
        summary, _created = SummarySubmission.objects.select_for_update().get_or_create(
            campaign=campaign, unit=unit, defaults={"kind": summary_kind_for(unit)}
        )
        core_rules.require(user, action, summary)  # the locked row: handed in meanwhile?
        for name, value in fields.items():
            if name in SUMMARY_FIELDS:
                setattr(summary, name, value)
        if submit:
            if summary.kind == SummaryKind.GROUP and not summary.results.strip():
                raise DomainError(_("请填写工作成效。"), field="results")
            if summary.kind == SummaryKind.UNIT and not (summary.loopholes.strip() or summary.weaknesses.strip()):
                raise DomainError(_("请填写发现的漏洞或短板。"), field="loopholes")
            summary.status = SubmissionStatus.SUBMITTED
            summary.submitted_at = timezone.now()
            summary.submitted_by = user
        summary.save()
    return summary


def scorecard_threshold_set(*, campaign: Campaign, user: Any, laggard_score: int) -> Campaign:
    """Set the scorecard's threshold (``reports.scorecard_threshold``): the units scoring below
    ``laggard_score`` (of 100) are named laggards."""
    core_rules.require(user, "reports.scorecard_threshold", campaign)
    if not 0 <= laggard_score <= 100:
        raise DomainError(_("后进线应在 0 到 100 之间。"), field="laggard_score")
    with audit_context(actor=user, reason=_("设置后进线为 %(n)d 分") % {"n": laggard_score}), transaction.atomic():
        campaign.laggard_score = laggard_score
        campaign.save(update_fields=["laggard_score"])
    return campaign


SUPERVISION_TEXT = {
    "subject": gettext_lazy("市专项办通报约谈"),
    "recorded": gettext_lazy("市专项办对本镇街进行了通报或约谈，请按期整改并在护老系统中报告整改情况。"),
    "changed": gettext_lazy("市专项办修改了对本镇街通报约谈的整改期限，请按新的期限整改。"),
    "kind": gettext_lazy("方式"),
    "date": gettext_lazy("日期"),
    "deadline": gettext_lazy("整改期限"),
    "closing": gettext_lazy("请登录护老系统查看内容并报告整改情况："),
}


def _mail_supervision(supervision: Supervision, *, changed: bool = False) -> None:
    """E-mail the street's office (its liaisons and mailbox, through the outbox) that the city
    recorded a 通报/约谈 of it, or changed its deadline: the kind, date, deadline and the link,
    never the text (free text stays in the system). Once per version (``supervision:<pk>:v<n>``)."""
    from organization.choices import UnitKind

    offices = Unit.objects.filter(
        kind=UnitKind.STREET_OFFICE, is_active=True, jurisdiction_id=supervision.jurisdiction_id
    )
    office = contacts.with_addresses(offices).first()
    if office is None:
        return
    queue_mail(
        "reports-supervision",
        to=contacts.unit_addresses(office),
        context={
            "unit": office.name,
            "intro": SUPERVISION_TEXT["changed" if changed else "recorded"],
            "supervision": supervision,
            "t": SUPERVISION_TEXT,
            "url": absolute_url(supervision.get_absolute_url()),
        },
        key=f"supervision:{supervision.pk}:v{supervision.version}",
        jurisdiction_id=supervision.jurisdiction_id,
    )


def _check_supervision(*, date: datetime.date, text: str, rectify_by: datetime.date) -> str:
    if rectify_by < date:
        raise DomainError(_("整改期限不能早于通报/约谈日期。"), field="rectify_by")
    if not (text or "").strip():
        raise DomainError(_("请填写通报/约谈内容。"), field="text")
    return text.strip()


def supervision_record(
    *,
    user: Any,
    street: Any,
    kind: str,
    date: datetime.date,
    text: str,
    rectify_by: datetime.date,
    reason: str = "",
) -> Supervision:
    """The city office records a 通报 or 约谈 of one of its streets (``reports.supervision_record``,
    issue 19) with what it found and the deadline for rectification; in the audit trail, and the
    street's office is e-mailed (``_mail_supervision``)."""
    core_rules.require(user, "reports.supervision_record")
    if street.parent_id != user.scope.jurisdiction_id:
        raise DomainError(_("只能通报约谈本市的镇街。"), field="street")
    text = _check_supervision(date=date, text=text, rectify_by=rectify_by)
    supervision = Supervision(
        jurisdiction=street, kind=kind, date=date, text=text, rectify_by=rectify_by, created_by=user
    )
    with audit_context(actor=user, reason=reason or _("通报约谈镇街")), transaction.atomic():
        supervision.full_clean()
        supervision.save()
        record_action(
            supervision,
            actor=user,
            action_text=_("%(kind)s%(street)s，整改期限 %(deadline)s")
            % {"kind": supervision.get_kind_display(), "street": street.name, "deadline": f"{rectify_by:%Y-%m-%d}"},
        )
        _mail_supervision(supervision)
    return supervision


def supervision_update(
    *,
    supervision: Supervision,
    user: Any,
    kind: str,
    date: datetime.date,
    text: str,
    rectify_by: datetime.date,
    reason: str,
    expected_version: int | None = None,
) -> Supervision:
    """The city office corrects a supervision not yet rectified (``reports.supervision_edit``,
    with a reason); a new deadline is e-mailed to the street's office."""
    moved: list[bool] = []

    def fields(locked: Supervision) -> dict[str, Any]:
        cleaned = _check_supervision(date=date, text=text, rectify_by=rectify_by)
        moved.append(locked.rectify_by != rectify_by)
        return {"kind": kind, "date": date, "text": cleaned, "rectify_by": rectify_by}

    def save(locked: Supervision) -> None:
        locked.full_clean()
        locked.save()
        if moved and moved[0]:
            _mail_supervision(locked, changed=True)

    return core_rules.transition(
        supervision,
        user=user,
        action="reports.supervision_edit",
        reason=reason,
        fields=fields,
        expected_version=expected_version,
        save=save,
    )


def supervision_report(
    *,
    supervision: Supervision,
    user: Any,
    rectification: str,
    rectified_on: datetime.date,
    today: datetime.date | None = None,
) -> Supervision:
    """The street's office reports how it rectified (``reports.supervision_report``: its own
    street's, 待整改 or 退回 → 已报整改情况); the city then confirms or returns it."""
    today = today or timezone.localdate()

    def fields(locked: Supervision) -> dict[str, Any]:
        if not (rectification or "").strip():
            raise DomainError(_("请填写整改情况。"), field="rectification")
        if rectified_on > today:
            raise DomainError(_("整改完成日期不能晚于今天。"), field="rectified_on")
        if rectified_on < locked.date:
            raise DomainError(_("整改完成日期不能早于通报/约谈日期。"), field="rectified_on")
        return {
            "rectification": rectification.strip(),
            "rectified_on": rectified_on,
            "reported_at": timezone.now(),
            "reported_by": user,
        }

    return core_rules.transition(supervision, user=user, action="reports.supervision_report", fields=fields)


def supervision_confirm(*, supervision: Supervision, user: Any, reason: str = "") -> Supervision:
    """The city office confirms the street's rectification (``reports.supervision_confirm``: 已整改)."""
    return core_rules.transition(
        supervision,
        user=user,
        action="reports.supervision_confirm",
        reason=reason,
        fields=lambda locked: {"confirmed_at": timezone.now(), "confirmed_by": user},
    )


def supervision_return(*, supervision: Supervision, user: Any, reason: str) -> Supervision:
    """The city office returns the street's rectification (``reports.supervision_return``, with the
    reason): the street rectifies and reports again."""
    return core_rules.transition(
        supervision,
        user=user,
        action="reports.supervision_return",
        reason=reason,
        fields={"return_reason": (reason or "").strip()},
    )
