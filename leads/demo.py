"""Demo leads in bulk: every status and outcome, dates across the campaign, referrals with
working-day deadlines, some major, some overdue, each with its timeline (the audit entries the
services would have written: 登记, 分派, 签收, 反馈, 退回, 办结 …) and one in twenty with an
attachment (a few shared small files). No query per row (1,000,000 leads must take minutes on
PostgreSQL): numbers are reserved in one block a year, rows go in with ``bulk_insert`` (COPY on
PostgreSQL) in batches, deadlines come from one in-memory calendar. The timelines and
attachments draw nothing from the random generator: the rest of the demo stays the same."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from core.audit import record_action
from core.fields import keyed_hash
from core.models import Attachment, AuditEntry
from core.workdays import WorkCalendar
from organization.choices import Role, UnitKind
from organization.demo import DemoContext, bulk_insert, demo_files, insert_values

from .choices import CaseKind, Channel, FraudType, LeadSource, LeadStatus, Outcome, ReviewState
from .models import Lead, LeadSupplement, SourceDeadline
from .services import REVEAL_MARK, normalise_phone, reserve_numbers

BATCH = 2000
#: PostgreSQL takes larger batches well (COPY); SQLite keeps bulk_create's.
PG_BATCH = 10000
#: One lead in this many has an attachment.
ATTACHMENT_EVERY = 20

SUBJECTS = [
    ("福寿康养老服务中心", "养老床位预售，收取高额“会员费”"),
    ("夕阳红康养科技有限公司", "以投资养老公寓为名高息揽储"),
    ("益寿堂保健品店", "免费体检后向老人推销高价保健品"),
    ("安居以房养老咨询公司", "诱导老人抵押房产购买理财产品"),
    ("老来宝社保代办点", "声称可代办提高养老保险待遇，收取手续费"),
    ("银龄互助会", "以养老帮扶名义收取入会费"),
    ("乐游老年旅行社", "低价老年游后强制购物"),
    ("鸿运艺术品交易中心", "向老人高价出售所谓收藏品"),
    ("康宁中医理疗馆", "无资质开展医疗理疗并收费"),
    ("晋安养老地产项目部", "以“养老社区”名义宣传销售商品房"),
]
FRAUD_BY_SUBJECT = [
    FraudType.SERVICE,
    FraudType.PROJECT,
    FraudType.PRODUCT,
    FraudType.HOUSE,
    FraudType.INSURANCE,
    FraudType.ASSISTANCE,
    FraudType.OTHER,
    FraudType.PRODUCT,
    FraudType.SERVICE,
    FraudType.PROJECT,
]
SURNAMES = "陈林黄张李王吴刘蔡杨许郑谢洪郭"
STATUS_WEIGHTS = [
    (LeadStatus.REGISTERED, 8),
    (LeadStatus.REFERRED, 12),
    (LeadStatus.VERIFYING, 18),
    (LeadStatus.FED_BACK, 10),
    (LeadStatus.RETURNED, 4),
    (LeadStatus.CLOSED, 48),
]
OUTCOME_WEIGHTS = [
    (Outcome.CRACKDOWN, 12),
    (Outcome.RECTIFICATION, 25),
    (Outcome.TRANSFERRED, 12),
    (Outcome.PARTLY, 15),
    (Outcome.UNFOUNDED, 28),
    (Outcome.DUPLICATE, 8),
]
SOURCE_WEIGHTS = [
    (LeadSource.HIGHER, 20),
    (LeadSource.PUBLIC, 40),
    (LeadSource.COMMUNITY, 20),
    (LeadSource.MEMBER_UNIT, 12),
    (LeadSource.REVIEW, 8),
]


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    total = ctx.scale.get("leads", 0)
    SourceDeadline.objects.bulk_create(
        [SourceDeadline(source=s, workdays=settings.LEADS_DEADLINE_WORKDAYS[s]) for s in LeadSource.values],
        ignore_conflicts=True,
    )
    if total <= 0:
        return
    calendar = WorkCalendar()
    add_days: dict[tuple[datetime.date, int], datetime.date] = {}

    def workdays_after(day: datetime.date, n: int) -> datetime.date:
        key = (day, n)
        if key not in add_days:
            add_days[key] = calendar.add_workdays(day, n)
        return add_days[key]

    start = ctx.campaign.start_date
    span = max((ctx.today - start).days, 1)
    street = ctx.units.get("street_office")
    city = ctx.units.get("city_office")
    receivers = ctx.communities + ctx.member_units + [u for u in ctx.units.values() if u.kind == UnitKind.WORKING_GROUP]
    filers = ctx.communities + ctx.member_units
    staff = ctx.users.get("zhuanban")
    reviewer = ctx.users.get("admin")
    phone_hashes = [keyed_hash(normalise_phone(f"1380595{i:04d}")) for i in range(len(SUBJECTS))]
    # Informants: plain values here; the field encrypts each on insert.
    informants = [
        (
            rng.choice(SURNAMES) + rng.choice(["秀英", "建国", "美华", "志强", "淑珍"]),
            f"139{rng.randrange(10**7, 10**8)}",
        )
        for _ in range(50)
    ]
    days_by_source = settings.LEADS_DEADLINE_WORKDAYS
    received_dates = sorted(start + datetime.timedelta(days=rng.randrange(span + 1)) for _ in range(total))
    numbers: list[str] = []
    for year in sorted({d.year for d in received_dates}):
        numbers += reserve_numbers(year, sum(1 for d in received_dates if d.year == year))
    now = timezone.now()
    tz = timezone.get_current_timezone()
    created_pks: list[int] = []
    counts = {"leads": 0, "major": 0, "overdue": 0, "audit": 0, "attachments": 0}
    timeline = _Timeline(ctx)
    size = PG_BATCH if connection.vendor == "postgresql" else BATCH
    # the first batch as small as on SQLite: duplicates (merged into an earlier lead) need leads
    # already written, and a small demo is then the same on both databases
    bounds = [0, *range(min(BATCH, total), total, size), total]
    for offset, end in zip(bounds, bounds[1:], strict=False):
        batch: list[Lead] = []
        for i in range(offset, end):
            received = received_dates[i]
            k = rng.randrange(len(SUBJECTS))
            subject, summary = SUBJECTS[k]
            source = _pick(rng, SOURCE_WEIGHTS)
            status = _pick(rng, STATUS_WEIGHTS)
            filer = street if source in (LeadSource.HIGHER, LeadSource.PUBLIC) else rng.choice(filers)
            at = datetime.datetime.combine(received, datetime.time(9 + rng.randrange(8)), tzinfo=tz)
            lead = Lead(
                number=numbers[i],
                status=status,
                source=source,
                received_on=received,
                summary=summary,
                description=f"{summary}。涉及老人多名，请核查。",
                fraud_type=FRAUD_BY_SUBJECT[k],
                subject_name=subject,
                subject_phone=f"1380595{k:04d}",
                subject_phone_hash=phone_hashes[k],
                money_lost=Decimal(rng.randrange(0, 200) * 500),
                elderly_affected=rng.randrange(1, 30),
                filed_by_unit=filer,
                created_by=staff,
                community=filer if filer in ctx.communities else rng.choice(ctx.communities),
                channel=rng.choice(Channel.values) if source == LeadSource.PUBLIC else "",
            )
            if source == LeadSource.HIGHER:
                lead.higher_reference = f"晋专办〔{received.year}〕{i + 1}号"
                lead.higher_deadline = workdays_after(received, 20)
                lead.filed_by_unit = city or street
            if source == LeadSource.REVIEW:
                lead.original_case_kind = rng.choice(CaseKind.values)
            if source == LeadSource.PUBLIC and rng.random() < 0.1:
                lead.fraud_type = FraudType.UNKNOWN  # the informant could not tell
            if source == LeadSource.PUBLIC and status != LeadStatus.CLOSED and rng.random() < 0.15:
                lead.supplemented_at = now - datetime.timedelta(hours=rng.randrange(1, 24 * 10))  # 新补充
            if rng.random() < 0.3:
                lead.is_anonymous = False
                lead.informant_name, lead.informant_phone = rng.choice(informants)
            if rng.random() < 0.04:
                lead.is_major, lead.supervisor = True, staff
                counts["major"] += 1
            if status != LeadStatus.REGISTERED:
                unit = rng.choice(receivers)
                lead.assigned_unit = unit
                lead.referred_at = at + datetime.timedelta(days=1)
                lead.deadline = workdays_after(received + datetime.timedelta(days=1), days_by_source[source])
                lead.deadline_workdays = days_by_source[source]  # counted from the referral day
                if lead.deadline < ctx.today and status in (LeadStatus.REFERRED, LeadStatus.VERIFYING):
                    counts["overdue"] += 1
                    if (ctx.today - lead.deadline).days > 10:
                        lead.publicly_named = True
                    lead.reminder_count, lead.last_reminded_on = 1, lead.deadline + datetime.timedelta(days=1)
            if status in (LeadStatus.VERIFYING, LeadStatus.FED_BACK, LeadStatus.RETURNED, LeadStatus.CLOSED):
                lead.acknowledged_at = at + datetime.timedelta(days=2)
            if status in (LeadStatus.FED_BACK, LeadStatus.RETURNED, LeadStatus.CLOSED):
                lead.findings = "经走访核查，已了解相关情况并固定证据。"
                lead.fed_back_at = min(at + datetime.timedelta(days=rng.randrange(3, 20)), now)
            if status == LeadStatus.CLOSED:
                outcome = _pick(rng, OUTCOME_WEIGHTS)
                if outcome == Outcome.DUPLICATE and not created_pks:
                    outcome = Outcome.PARTLY
                lead.outcome = outcome
                lead.closed_at = min(at + datetime.timedelta(days=rng.randrange(10, 40)), now)
                if outcome == Outcome.DUPLICATE:
                    lead.merged_into_id = rng.choice(created_pks)
                elif outcome == Outcome.RECTIFICATION:
                    lead.institution_name = subject
                elif outcome == Outcome.TRANSFERRED:
                    lead.transferred_to = "晋江市市场监督管理局"
                elif outcome == Outcome.UNFOUNDED and (lead.is_major or rng.random() < 0.2):
                    lead.review_state = rng.choice([ReviewState.PENDING, ReviewState.CONFIRMED])
                    lead.reviewer = reviewer
                if source == LeadSource.HIGHER and rng.random() < 0.7:
                    lead.reported_up_at = lead.closed_at + datetime.timedelta(days=2)
            batch.append(lead)
        bulk_insert(Lead, batch)
        created_pks.extend(lead.pk for lead in batch if lead.pk)
        bulk_insert(
            LeadSupplement,
            [
                LeadSupplement(lead=lead, text="举报人补充：对方又上门推销了一次，留下了宣传单。", from_public=True)
                for lead in batch
                if lead.supplemented_at and lead.pk
            ],
        )
        counts["audit"] += timeline.write(batch)
        counts["attachments"] += timeline.attach(batch, offset)
        counts["leads"] += len(batch)
    ctx.counts["leads"] = counts["leads"]
    ctx.counts["lead_audit_entries"] = counts["audit"]
    ctx.counts["lead_attachments"] = counts["attachments"]
    ctx.counts["leads_major"] = counts["major"]
    ctx.counts["leads_overdue"] = counts["overdue"]
    _seed_reveal(ctx)
    _seed_import_job(ctx)


AUDIT_COLUMNS = [
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "action",
    "changes_text",
    "changes",
    "timestamp",
    "additional_data",
    "actor_id",
    "actor_email",
    "reason",
]
_CREATE, _UPDATE = 0, 1


def _stamp(moment: datetime.datetime | None) -> str | None:
    """A moment as django-auditlog writes it into ``changes`` (UTC, no zone)."""
    if moment is None:
        return None
    return str(moment.astimezone(datetime.UTC).replace(tzinfo=None))


class _Timeline:
    """Each lead's audit entries as ``leads.services`` would have written them (the creation,
    then one update per step with the action's name, its label as reason, the fields changed and
    who did it: the street office refers and closes, the receiving unit's liaison signs for and
    feeds back), consistent with the lead's status. ``core.audit.timeline_for`` reads them."""

    def __init__(self, ctx: DemoContext):
        self.ct = ContentType.objects.get_for_model(Lead).pk
        self.staff = ctx.users.get("zhuanban")
        self.liaisons = {unit.pk: ctx.user_of_unit(unit) for unit in ctx.units.values()}
        self.liaisons.update({unit.pk: ctx.user_of_unit(unit) for unit in ctx.communities})
        self.now = timezone.now()
        self.files = demo_files()
        self.uploader = ctx.users.get("shequ1") or self.staff

    def write(self, leads: list[Lead]) -> int:
        rows: list[tuple] = []
        add = rows.append
        staff = self.staff
        staff_id, staff_email = (staff.pk, staff.email) if staff else (None, None)
        now = self.now

        def when(moment, after):
            """Steps in order and none in the future (a lead received today is referred tomorrow
            in the demo's fields)."""
            return max(min(moment, now), after)

        for lead in leads:
            pk = lead.pk
            head = (self.ct, str(pk), pk, f"{lead.number} {lead.summary}"[:200])
            received = lead.referred_at - datetime.timedelta(days=1) if lead.referred_at else None
            created = received or timezone.make_aware(datetime.datetime.combine(lead.received_on, datetime.time(9)))
            changes = {
                "number": [None, lead.number],
                "status": [None, LeadStatus.REGISTERED],
                "source": [None, lead.source],
                "summary": [None, lead.summary],
                "fraud_type": [None, lead.fraud_type],
                "received_on": [None, lead.received_on.isoformat()],
                "filed_by_unit": [None, lead.filed_by_unit_id],
                "community": [None, lead.community_id],
                "is_anonymous": [None, lead.is_anonymous],
                "is_major": [None, lead.is_major],
                "id": [None, pk],
            }
            created = min(created, now)
            add((*head, _CREATE, "", changes, created, None, staff_id, staff_email, "登记线索"))
            status = lead.status
            if status == LeadStatus.REGISTERED:
                continue
            add(
                (
                    *head,
                    _UPDATE,
                    "",
                    {
                        "status": [LeadStatus.REGISTERED, LeadStatus.REFERRED],
                        "assigned_unit": [None, lead.assigned_unit_id],
                        "referred_at": [None, _stamp(lead.referred_at)],
                        "deadline": [None, lead.deadline.isoformat() if lead.deadline else None],
                        "deadline_workdays": [None, lead.deadline_workdays],
                    },
                    (referred := when(lead.referred_at, created)),
                    {"action": "leads.refer", "note": ""},
                    staff_id,
                    staff_email,
                    "分派",
                )
            )
            if status == LeadStatus.REFERRED:
                continue
            liaison = self.liaisons.get(lead.assigned_unit_id)
            who = (liaison.pk, liaison.email or None) if liaison else (None, None)
            add(
                (
                    *head,
                    _UPDATE,
                    "",
                    {
                        "status": [LeadStatus.REFERRED, LeadStatus.VERIFYING],
                        "acknowledged_at": [None, _stamp(lead.acknowledged_at)],
                    },
                    (acknowledged := when(lead.acknowledged_at, referred)),
                    {"action": "leads.acknowledge", "note": ""},
                    *who,
                    "签收",
                )
            )
            if status == LeadStatus.VERIFYING:
                continue
            fed_back = when(lead.fed_back_at, acknowledged)
            add(
                (
                    *head,
                    _UPDATE,
                    "",
                    {
                        "status": [LeadStatus.VERIFYING, LeadStatus.FED_BACK],
                        "findings": ["", lead.findings],
                        "fed_back_at": [None, _stamp(lead.fed_back_at)],
                    },
                    fed_back,
                    {"action": "leads.feedback", "note": ""},
                    *who,
                    "反馈",
                )
            )
            if status == LeadStatus.RETURNED:
                note = "核查情况不够具体，请补充走访记录后重新反馈。"
                add(
                    (
                        *head,
                        _UPDATE,
                        "",
                        {"status": [LeadStatus.FED_BACK, LeadStatus.RETURNED]},
                        when(fed_back + datetime.timedelta(hours=20), fed_back),
                        {"action": "leads.return", "note": note},
                        staff_id,
                        staff_email,
                        f"退回：{note}",
                    )
                )
            elif status == LeadStatus.CLOSED and lead.outcome == Outcome.DUPLICATE:
                add(
                    (
                        *head,
                        _UPDATE,
                        "",
                        {
                            "status": [LeadStatus.FED_BACK, LeadStatus.CLOSED],
                            "outcome": ["", Outcome.DUPLICATE],
                            "merged_into": [None, lead.merged_into_id],
                            "closed_at": [None, _stamp(lead.closed_at)],
                        },
                        when(lead.closed_at, fed_back),
                        {"action": "leads.merge", "note": ""},
                        staff_id,
                        staff_email,
                        "合并",
                    )
                )
            elif status == LeadStatus.CLOSED:
                add(
                    (
                        *head,
                        _UPDATE,
                        "",
                        {
                            "status": [LeadStatus.FED_BACK, LeadStatus.CLOSED],
                            "outcome": ["", lead.outcome],
                            "closed_at": [None, _stamp(lead.closed_at)],
                            "closed_by": [None, staff_id],
                        },
                        when(lead.closed_at, fed_back),
                        {"action": "leads.close", "note": ""},
                        staff_id,
                        staff_email,
                        "办结",
                    )
                )
        return insert_values(AuditEntry, AUDIT_COLUMNS, rows)

    def attach(self, leads: list[Lead], offset: int) -> int:
        """One lead in ``ATTACHMENT_EVERY`` gets a file (the shared demo files, by turn): a photo
        of the leaflet at registration, or the verification report with the feedback."""
        rows = []
        for index, lead in enumerate(leads, start=offset):
            if index % ATTACHMENT_EVERY != 7:
                continue
            spec = self.files[(index // ATTACHMENT_EVERY) % len(self.files)]
            fed_back = lead.fed_back_at is not None and spec["extension"] == "pdf"
            rows.append(
                Attachment(
                    content_type_id=self.ct,
                    object_id=lead.pk,
                    file=spec["name"],
                    original_name=spec["original_name"],
                    extension=spec["extension"],
                    mime=spec["mime"],
                    size=spec["size"],
                    is_image=spec["is_image"],
                    note="核查反馈" if fed_back else "",
                    uploaded_by=self.uploader,
                    uploaded_at=lead.fed_back_at if fed_back else (lead.referred_at or self.now),
                )
            )
        bulk_insert(Attachment, rows)
        return len(rows)


def _seed_reveal(ctx: DemoContext) -> None:
    """One reveal of an informant by the street office's head, with its reason, so that the page
    of reveals (leads:reveal_log) shows what it records (never the identity)."""
    head = ctx.users.get("zhuren")
    lead = Lead.objects.filter(is_anonymous=False).order_by("pk").first()
    if head is None or lead is None:
        return
    record_action(
        lead,
        actor=head,
        action_text="查看举报人身份",
        reason="核实举报内容，需回访举报人（演示）",
        changes=REVEAL_MARK,
    )
    ctx.counts["informant_reveals"] = 1


def _seed_import_job(ctx: DemoContext) -> None:
    """A finished import job of the street office (issue 17): its page shows the report."""
    from core.choices import JobState
    from core.models import Job

    owner = ctx.users.get("zhuanban") or next((u for u in ctx.users.values() if u.role == Role.STREET_OFFICE), None)
    if owner is None:
        return
    now = timezone.now()
    Job.objects.create(
        kind="leads.import",
        title="导入上级转办线索",
        owner=owner,
        state=JobState.DONE,
        done=42,
        total=42,
        message="已完成。",
        params={"valid_only": True},
        result={
            "total": 42,
            "created": 40,
            "errors": [[7, "“线索摘要”不能为空"], [19, "文号“市专办〔2026〕3号-2”已登记过（重复线索）"]],
        },
        started_at=now,
        finished_at=now,
    )
    ctx.counts["jobs"] = ctx.counts.get("jobs", 0) + 1
