"""Two Hulao deployments of different levels linked peer to peer (issue 19): a city that runs its
own instance transfers leads down to a street that runs another, and the street reports each
closure back up. One deployment for both levels needs none of this; one per level links them here.

- **Peers** (``Peer``): the street office adds the other deployment (``api.peer_add``): its
  address, the direction, the token it issued us (kept encrypted, never shown or logged) and the
  token of ours it presents (``inbound_token``).
- **Down** (the higher side): ``transfer_down`` (``api.transfer_down``) marks our lead 已分派 to the
  peer with the reference and deadline (a ``Transfer``) and queues ``api.tasks.deliver_transfer``,
  which POSTs it to the peer's ``/api/v1/leads/`` (source 上级转办, never the informant) with the
  transfer's idempotency key: a retry finds the lead it made (``receive_lead`` dedups by token and
  key, and by token and reference).
- **Up** (the lower side): when a lead that came that way is finally closed (the leads area's
  ``lead_finally_closed`` signal), ``api.tasks.deliver_closure`` POSTs the outcome, findings and
  closure time to the higher peer's ``/api/v1/transfers/{reference}/closure/`` and records the
  report (``leads.report_up``, so ``reported_up_at`` and the higher-office list agree);
  ``receive_closure`` on the higher side closes our lead with them (``api.transfer_closure``),
  once.
- **Failures**: a delivery is retried inside Celery with exponential backoff (``api.tasks``); a
  refusal (4xx) or the last retry marks it failed (``transfer_failed`` / ``closure_failed``: the
  reason, when, and, for a failure that may pass — the peer unreachable, 5xx, 429, the broker
  down — when to send it again).
  The hourly beat job ``retry_failed`` claims each due failure with a conditional ``UPDATE``
  (failed → queued) and queues one more attempt, at a growing interval (``RETRY_MIN`` doubling to
  ``RETRY_MAX``) for ``RETRY_FOR`` after the first failure; a refusal, or one past that, stays
  failed for a person: the street office sends it again (``api.transfer_retry`` /
  ``api.closure_retry``, on the lead's page and the peers page), which starts the clock again.
  Every path that queues a delivery records when (``queued_at`` / ``report_queued_at``); the same
  job queues again one still queued after ``STALE_QUEUED`` (its Celery message lost: the broker
  restarted), claimed the same way on the old time. One
  delivery of a row at a time (the claim, and ``core.locks.held_while_alive`` around the call);
  the receiving side files a lead once per key or reference (``receive_lead``) and takes a closure
  once (``receive_closure``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import locks
from core import rules as core_rules
from core.audit import audit_context
from core.exceptions import DomainError
from leads import services as lead_services
from leads.choices import LeadSource, Outcome, ReviewState
from leads.models import INFORMANT_FIELDS, Lead

from .lead_page import forget_down_peers
from .models import ApiToken, Arrival, Peer, PeerDirection, Transfer, TransferState

log = logging.getLogger(__name__)

#: Seconds to wait for the other deployment's answer.
TIMEOUT = 15
#: What of a lead goes down with a transfer: what a city's transfer gives a street in one
#: deployment (``leads.services.TRANSFER_FIELDS``: the summary and the subject, never the
#: informant), but the reference and deadline, which are the transfer's own.
TRANSFER_FIELDS_OF_THE_TRANSFER = ("higher_reference", "higher_deadline")
TRANSFER_FIELDS = tuple(f for f in lead_services.TRANSFER_FIELDS if f not in TRANSFER_FIELDS_OF_THE_TRANSFER)
assert not set(TRANSFER_FIELDS) & set(INFORMANT_FIELDS)  # never, by construction

#: The hourly job sends a failure that may pass again: first an hour after it, then after as
#: long as it has been failing (1, 1, 2, 4 … hours), at most a day apart; after RETRY_FOR since
#: the first failure it stops, and the delivery waits for a person.
RETRY_MIN = datetime.timedelta(hours=1)
RETRY_MAX = datetime.timedelta(hours=24)
RETRY_FOR = datetime.timedelta(days=7)
#: Failures claimed per run of the hourly job (the rest wait for the next run).
RETRY_BATCH = 200
#: A delivery still queued this long after it was queued lost its Celery message (the broker
#: restarted, the message dropped): the hourly job queues it again. Longer than the retries inside
#: Celery of one message (about 17 hours, ``api.tasks.MAX_RETRIES``), during which it stays queued.
STALE_QUEUED = datetime.timedelta(hours=24)


class TryLater(Exception):
    """The other deployment could not be reached or answered 5xx/429: the task retries."""


class Refusal(Exception):
    """The other deployment refused the call (4xx): retrying would not help."""


# --- peers --------------------------------------------------------------------------------------


def peer_add(
    *,
    user: Any,
    name: str,
    base_url: str,
    direction: str,
    secret: str,
    inbound_token: ApiToken | None,
    reason: str,
) -> Peer:
    action = core_rules.require(user, "api.peer_add")
    reason = core_rules.require_reason(action, reason)
    name, base_url, secret = (name or "").strip(), (base_url or "").strip(), (secret or "").strip()
    if not name:
        raise DomainError(_("请填写名称。"), code="name", field="name")
    if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
        raise DomainError(_("系统地址应以 http:// 或 https:// 开头。"), code="base_url", field="base_url")
    if direction not in PeerDirection.values:
        raise DomainError(_("方向无效。"), code="direction", field="direction")
    if not secret:
        raise DomainError(_("请填写对方签发的令牌。"), code="secret", field="secret")
    if inbound_token is not None and inbound_token.is_revoked:
        raise DomainError(_("该令牌已吊销。"), code="inbound_token", field="inbound_token")
    with transaction.atomic(), audit_context(actor=user, reason=core_rules.audit_reason(action, reason)):
        peer = Peer.objects.create(
            name=name,
            base_url=base_url,
            direction=direction,
            secret=secret,
            inbound_token=inbound_token,
            created_by=user,
        )
        forget_down_peers()
        transaction.on_commit(forget_down_peers)
    return peer


def peer_deactivate(*, peer: Peer, user: Any, reason: str) -> Peer:
    return core_rules.transition(
        peer,
        user=user,
        action="api.peer_deactivate",
        reason=reason,
        fields={"is_active": False},
        effects=[lambda _peer: forget_down_peers()],
        save=_save_and_forget,
    )


def _save_and_forget(peer: Peer) -> None:
    peer.save()
    forget_down_peers()


def _call(peer: Peer, path: str, payload: dict[str, Any], key: str) -> dict[str, Any]:
    """POST ``payload`` as JSON to the peer with our token there; the answer's JSON. Never logs the
    token or the body."""
    request = urllib.request.Request(
        peer.endpoint(path),
        data=json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8"),
        method="POST",
        headers={
            "Authorization": f"Bearer {peer.secret}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "zh-hans",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # http(s) only: peer_add
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise TryLater(f"HTTP {exc.code}") from None
        try:
            detail = json.loads(exc.read() or b"{}")
        except ValueError:
            detail = {}
        raise Refusal(
            _without_secret(peer, f"HTTP {exc.code} {json.dumps(detail, ensure_ascii=False)[:200]}")
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = str(getattr(exc, "reason", exc))[:200]
        raise TryLater(_without_secret(peer, type(exc).__name__ + ": " + reason)) from None


def _without_secret(peer: Peer, text: str) -> str:
    """A failure's reason is shown on the pages: never with our token there (should the peer echo it)."""
    return text.replace(peer.secret, "***") if peer.secret else text


def _queue(task_name: str, pk: int, *, again: bool = False) -> None:
    """Queue a delivery after commit; with the broker down it is marked failed (the retry button,
    and the hourly job). ``again``: the hourly job's one attempt (no retries inside Celery)."""
    from . import tasks

    def send() -> None:
        try:
            getattr(tasks, task_name).delay(pk, again=again)
        except Exception:  # the broker is down: marked failed with the reason, so the page offers a retry
            log.warning("api.federation: could not queue %s for %s", task_name, pk)
            failed = transfer_failed if task_name == "deliver_transfer" else closure_failed
            failed(pk, gettext("任务队列不可用，请稍后重新发送。"), may_pass=True)

    transaction.on_commit(send)


def next_retry(failing_since: datetime.datetime, now: datetime.datetime) -> datetime.datetime | None:
    """When the hourly job sends a failure that may pass again; None once RETRY_FOR is over."""
    failing_for = now - failing_since
    if failing_for >= RETRY_FOR:
        return None
    return now + min(max(failing_for, RETRY_MIN), RETRY_MAX)


def retry_failed(now: datetime.datetime | None = None) -> int:
    """The hourly beat job (``api.tasks.retry_failed_deliveries``): queue one more attempt of each
    delivery whose automatic retry is due (its peer still in use). Each row is claimed with a
    conditional ``UPDATE`` (failed → queued), so two runs, or a person's 重新发送 at the same time,
    never send it twice. Returns how many were queued."""
    now = now or timezone.now()
    queued = 0
    transfers = (
        Transfer.objects.filter(state=TransferState.FAILED, retry_at__lte=now, peer__is_active=True)
        .order_by("retry_at")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
    for pk in list(transfers):  # one claim per row: the winner queues it
        claimed = Transfer.objects.filter(pk=pk, state=TransferState.FAILED, retry_at__lte=now).update(
            state=TransferState.QUEUED, retry_at=None, queued_at=now
        )
        if claimed:
            _queue("deliver_transfer", pk, again=True)
            queued += 1
    up = Peer.objects.filter(direction=PeerDirection.UP, is_active=True, inbound_token_id=OuterRef("token_id"))
    arrivals = (
        Arrival.objects.filter(report_state=TransferState.FAILED, report_retry_at__lte=now, reported_at__isnull=True)
        .filter(Exists(up))
        .order_by("report_retry_at")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
    for pk in list(arrivals):
        claimed = Arrival.objects.filter(pk=pk, report_state=TransferState.FAILED, report_retry_at__lte=now).update(
            report_state=TransferState.QUEUED, report_retry_at=None, report_queued_at=now
        )
        if claimed:
            _queue("deliver_closure", pk, again=True)
            queued += 1
    queued += _requeue_stale(now, up)
    if queued:
        log.info("api.federation: %s failed or stale deliveries sent again", queued)
    return queued


def _requeue_stale(now: datetime.datetime, up: Any) -> int:
    """``retry_failed``'s sweep of deliveries still queued ``STALE_QUEUED`` after they were queued
    (no time recorded: queued before it was, long ago): their message was lost. Each is claimed on
    its old queued time, so two runs never queue it twice; the delivery is safe to repeat (the
    lock, the delivered check, the idempotency key)."""
    stale = now - STALE_QUEUED
    queued = 0
    transfers = (
        Transfer.objects.filter(Q(queued_at__lt=stale) | Q(queued_at__isnull=True))
        .filter(state=TransferState.QUEUED, peer__is_active=True)
        .order_by(F("queued_at").asc(nulls_first=True), "pk")
        .values_list("pk", "queued_at")[:RETRY_BATCH]
    )
    for pk, queued_at in list(transfers):
        if Transfer.objects.filter(pk=pk, state=TransferState.QUEUED, queued_at=queued_at).update(queued_at=now):
            _queue("deliver_transfer", pk, again=True)
            queued += 1
    arrivals = (
        Arrival.objects.filter(Q(report_queued_at__lt=stale) | Q(report_queued_at__isnull=True))
        .filter(report_state=TransferState.QUEUED, reported_at__isnull=True)
        .filter(Exists(up))
        .order_by(F("report_queued_at").asc(nulls_first=True), "pk")
        .values_list("pk", "report_queued_at")[:RETRY_BATCH]
    )
    for pk, queued_at in list(arrivals):
        claimed = Arrival.objects.filter(pk=pk, report_state=TransferState.QUEUED, report_queued_at=queued_at).update(
            report_queued_at=now
        )
        if claimed:
            _queue("deliver_closure", pk, again=True)
            queued += 1
    return queued


# --- down: the higher side transfers a lead ----------------------------------------------------


def down_peers():
    return Peer.objects.filter(direction=PeerDirection.DOWN, is_active=True)


def transfer_down(
    *, lead: Lead, user: Any, peer: Peer, reference: str, deadline: datetime.date, reason: str = ""
) -> Transfer:
    """Transfer ``lead`` to a lower deployment (``api.transfer_down``): it stays our lead, 已分派 to
    the peer, with the reference and the deadline the peer feeds back by."""
    reference = (reference or "").strip()
    if peer is None or not peer.is_active or peer.direction != PeerDirection.DOWN:
        raise DomainError(_("请选择在用的下级系统。"), code="peer", field="peer")
    if not reference:
        raise DomainError(_("请填写转办文号。"), code="reference", field="reference")
    if deadline is None or deadline < timezone.localdate():
        raise DomainError(_("反馈期限不能早于今天。"), code="deadline", field="deadline")
    if Transfer.objects.filter(peer=peer, reference=reference).exists():
        raise DomainError(_("该转办文号已用于向该系统转办的其他线索。"), code="reference", field="reference")
    with transaction.atomic():
        lead = core_rules.transition(
            lead,
            user=user,
            action="api.transfer_down",
            reason=reason
            or gettext("转办至“%(peer)s”，文号 %(reference)s") % {"peer": peer.name, "reference": reference},
            fields={
                "assigned_unit": None,
                "referred_at": timezone.now(),
                "deadline": deadline,
                "deadline_workdays": None,
            },
        )
        with audit_context(actor=user, reason=str(core_rules.get("api.transfer_down").label)):
            transfer = Transfer.objects.create(
                lead=lead,
                peer=peer,
                reference=reference,
                deadline=deadline,
                key=secrets.token_hex(16),
                created_by=user,
                queued_at=timezone.now(),
            )
        _queue("deliver_transfer", transfer.pk)
    return transfer


def transfer_retry(*, transfer: Transfer, user: Any, reason: str = "") -> Transfer:
    with transaction.atomic():
        transfer = core_rules.transition(
            transfer,
            user=user,
            action="api.transfer_retry",
            reason=reason,
            fields={
                "state": TransferState.QUEUED,
                "error": "",
                "retry_at": None,
                "failing_since": None,
                "queued_at": timezone.now(),
            },
        )
        _queue("deliver_transfer", transfer.pk)
    return transfer


def transfer_payload(transfer: Transfer) -> dict[str, Any]:
    lead = transfer.lead
    payload: dict[str, Any] = {name: _plain(getattr(lead, name)) for name in TRANSFER_FIELDS}
    payload.update(
        source=LeadSource.HIGHER,
        higher_reference=transfer.reference,
        higher_deadline=transfer.deadline.isoformat(),
    )
    return {k: v for k, v in payload.items() if v not in (None, "")}


def _plain(value: Any) -> Any:
    """A lead's value as JSON carries it: an amount and a date as text (as the API reads them)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def deliver_transfer(transfer_id: int) -> Transfer:
    """One delivery attempt: POST the lead to the peer (idempotent: the same key every time).
    ``TryLater`` when the peer cannot be reached (the task retries); a refusal marks it failed."""
    with locks.held_while_alive("api.deliver_transfer", transfer_id) as alone:
        transfer = Transfer.objects.select_related("lead", "peer").get(pk=transfer_id)
        if not alone or transfer.state == TransferState.DELIVERED:  # another live worker is sending it
            return transfer
        Transfer.objects.filter(pk=transfer.pk).update(attempts=transfer.attempts + 1)
        if not transfer.peer.is_active:
            return transfer_failed(transfer_id, gettext("该对接系统已停用。"))
        try:
            answer = _call(transfer.peer, "/api/v1/leads/", transfer_payload(transfer), transfer.key)
        except Refusal as exc:
            return transfer_failed(transfer_id, str(exc))
        Transfer.objects.filter(pk=transfer.pk).update(
            state=TransferState.DELIVERED,
            error="",
            remote_id=answer.get("id"),
            remote_number=str(answer.get("number") or "")[:30],
            delivered_at=timezone.now(),
            retry_at=None,
            failing_since=None,
        )
        return Transfer.objects.get(pk=transfer.pk)


def transfer_failed(transfer_id: int, error: str, *, may_pass: bool = False) -> Transfer:
    """Mark a transfer's delivery failed with the reason; ``may_pass`` (the peer unreachable, 5xx,
    the broker down): the hourly job sends it again later (``next_retry``), else it waits for a person."""
    now = timezone.now()
    since = Transfer.objects.filter(pk=transfer_id).values_list("failing_since", flat=True).first() or now
    Transfer.objects.filter(pk=transfer_id).exclude(state=TransferState.DELIVERED).update(
        state=TransferState.FAILED,
        error=error[:300],
        failed_at=now,
        failing_since=since,
        retry_at=next_retry(since, now) if may_pass else None,
    )
    return Transfer.objects.get(pk=transfer_id)


def receive_closure(
    *, token: ApiToken, reference: str, outcome: str, findings: str, closed_at: datetime.datetime | None
) -> Transfer:
    """The lower deployment reports the closure of our transfer: our lead is closed with its
    outcome and findings (``api.transfer_closure``, as the token's service user). Once: the same
    report again changes nothing."""
    transfer = (
        Transfer.objects.select_related("lead", "peer")
        .filter(reference=reference, peer__inbound_token=token, peer__direction=PeerDirection.DOWN)
        .first()
    )
    if transfer is None:
        raise LookupError(reference)
    if transfer.reported_back_at is not None:
        return transfer
    if outcome not in Outcome.values:
        raise DomainError(_("办结结果无效。"), code="outcome", field="outcome")
    now = timezone.now()
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.reported_back_at is not None:
            return locked
        core_rules.transition(
            transfer.lead,
            user=token.user,
            action="api.transfer_closure",
            reason=gettext("“%(peer)s”报送办结") % {"peer": transfer.peer.name},
            fields={
                "outcome": outcome,
                "findings": findings,
                "fed_back_at": now,
                "closed_at": closed_at or now,
                "closed_by": token.user,
                "review_state": ReviewState.NONE,
            },
            effects=[lead_services.announce_if_final],
        )
        locked.outcome = outcome
        locked.findings = findings
        locked.closed_at = closed_at or now
        locked.reported_back_at = now
        if locked.state != TransferState.DELIVERED:
            locked.state = TransferState.DELIVERED
        locked.save()
    return locked


# --- the lower side: a lead filed through the API, once ----------------------------------------


def arrival_of(token: ApiToken, *, key: str, reference: str) -> Arrival | None:
    """The lead an earlier call of this token made with this key or this reference."""
    if key:
        found = Arrival.objects.select_related("lead").filter(token=token, key=key).first()
        if found is not None:
            return found
    if reference:
        return Arrival.objects.select_related("lead").filter(token=token, reference=reference).first()
    return None


def receive_lead(*, token: ApiToken, data: dict[str, Any], key: str, reason: str) -> tuple[Lead, bool]:
    """File a lead for a call, once per idempotency key (``Idempotency-Key``) and, for a higher
    office's transfer, once per reference: the same call again answers with the first lead.
    Returns the lead and whether it is new."""
    key = (key or "").strip()[:100]
    reference = (data.get("higher_reference") or "").strip() if data.get("source") == LeadSource.HIGHER else ""
    found = arrival_of(token, key=key, reference=reference)
    if found is not None:
        return found.lead, False
    try:
        with transaction.atomic():
            lead, _code = lead_services.lead_create(user=token.user, data=data, reason=reason)
            if key or reference:
                Arrival.objects.create(token=token, key=key, reference=reference, lead=lead)
    except IntegrityError:  # the same call, at the same time: the other one made the lead
        found = arrival_of(token, key=key, reference=reference)
        if found is None:
            raise
        return found.lead, False
    return lead, True


def up_peer_for(token_id: int) -> Peer | None:
    return Peer.objects.filter(direction=PeerDirection.UP, is_active=True, inbound_token_id=token_id).first()


def on_final_closure(sender: Any, lead: Lead, **kwargs: Any) -> None:
    """``leads.signals.lead_finally_closed``: a higher deployment's transfer closed here is
    reported back to it (when the higher office is a peer of ours)."""
    arrival = Arrival.objects.filter(lead_id=lead.pk).exclude(reference="").first()
    if arrival is None or arrival.reported_at is not None or up_peer_for(arrival.token_id) is None:
        return
    Arrival.objects.filter(pk=arrival.pk).update(
        report_state=TransferState.QUEUED, report_error="", report_queued_at=timezone.now()
    )
    _queue("deliver_closure", arrival.pk)


def closure_retry(*, arrival: Arrival, user: Any, reason: str = "") -> Arrival:
    """Send a closure report that failed again (``api.closure_retry``)."""
    with transaction.atomic():
        arrival = core_rules.transition(
            arrival,
            user=user,
            action="api.closure_retry",
            reason=reason,
            fields={
                "report_state": TransferState.QUEUED,
                "report_error": "",
                "report_retry_at": None,
                "report_failing_since": None,
                "report_queued_at": timezone.now(),
            },
        )
        _queue("deliver_closure", arrival.pk)
    return arrival


def closure_payload(lead: Lead) -> dict[str, Any]:
    return {
        "outcome": lead.outcome,
        "findings": lead.reported_findings,  # a merged lead's name the lead it went into
        "closed_at": lead.closed_at.isoformat() if lead.closed_at else None,
        "number": lead.number,
    }


def deliver_closure(arrival_id: int) -> Arrival:
    """One attempt to report a closure up; on success the lead is recorded as reported
    (``leads.report_up``, in the name of who closed it)."""
    with locks.held_while_alive("api.deliver_closure", arrival_id) as alone:
        arrival = Arrival.objects.select_related("lead", "token").get(pk=arrival_id)
        if not alone or arrival.reported_at is not None:  # another live worker is sending it
            return arrival
        peer = up_peer_for(arrival.token_id)
        Arrival.objects.filter(pk=arrival.pk).update(report_attempts=arrival.report_attempts + 1)
        if peer is None:
            return closure_failed(arrival_id, gettext("没有在用的上级系统。"))
        lead = arrival.lead
        path = "/api/v1/transfers/" + urllib.parse.quote(arrival.reference, safe="") + "/closure/"
        key = "closure-" + hashlib.sha256(arrival.reference.encode()).hexdigest()[:32]
        try:
            _call(peer, path, closure_payload(lead), key)
        except Refusal as exc:
            return closure_failed(arrival_id, str(exc))
        now = timezone.now()
        with transaction.atomic():
            Arrival.objects.filter(pk=arrival.pk).update(
                report_state=TransferState.DELIVERED,
                reported_at=now,
                report_error="",
                report_retry_at=None,
                report_failing_since=None,
            )
            actor = lead.closed_by
            if actor is not None and core_rules.check(actor, "leads.report_up", lead):
                lead_services.lead_report_up(
                    lead=lead, user=actor, reason=gettext("已自动报送上级系统“%(peer)s”") % {"peer": peer.name}
                )
        return Arrival.objects.get(pk=arrival.pk)


def closure_failed(arrival_id: int, error: str, *, may_pass: bool = False) -> Arrival:
    """As ``transfer_failed``, for a closure report."""
    now = timezone.now()
    since = Arrival.objects.filter(pk=arrival_id).values_list("report_failing_since", flat=True).first() or now
    Arrival.objects.filter(pk=arrival_id, reported_at__isnull=True).update(
        report_state=TransferState.FAILED,
        report_error=error[:300],
        report_failed_at=now,
        report_failing_since=since,
        report_retry_at=next_retry(since, now) if may_pass else None,
    )
    return Arrival.objects.get(pk=arrival_id)


def parse_closed_at(value: Any) -> datetime.datetime | None:
    if not value:
        return None
    moment = parse_datetime(str(value))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
