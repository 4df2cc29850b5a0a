"""Failed deliveries to another deployment (api/federation.py): the hourly job sends again what
failed for a reason that may pass (the peer down, 5xx), at a growing interval and for a week at
most; a refusal (4xx) waits for a person, who sends it again from the lead's page or the peers
page (audited). The peers page counts the failures and shows the last reason, never our token."""

from __future__ import annotations

import datetime
import io
import json
import urllib.error
import urllib.parse

import pytest
from django.urls import reverse
from django.utils import timezone

from api import federation, tasks
from api.models import Arrival, Transfer
from core.exceptions import DomainError
from core.models import AuditEntry
from core.rules import Refused
from leads import services as lead_services
from tests.api.test_federation import HIGHER, _client, _peer, _token, chinese_left

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def unreachable(reason="[Errno 111] Connection refused"):
    return urllib.error.URLError(reason)


def http(code, body=b"{}"):
    return code, body


class FakePeer:
    """Stands in for the other deployment under ``urllib.request.urlopen`` (so ``federation._call``
    itself decides what may pass): answers each reference (or closure path) as told — ``unreachable()``,
    ``http(503)``, ``http(400, body)`` — or with a new lead."""

    def __init__(self):
        self.answers: dict[str, object] = {}
        self.calls: list[str] = []

    def __call__(self, request, timeout=None):
        payload = json.loads(request.data)
        reference = payload.get("higher_reference") or urllib.parse.unquote(request.full_url.split("/transfers/")[-1])
        self.calls.append(reference)
        answer = self.answers.get(reference)
        if isinstance(answer, Exception):
            raise answer
        if answer is not None:
            code, body = answer
            raise urllib.error.HTTPError(request.full_url, code, "error", {}, io.BytesIO(body))
        return io.BytesIO(json.dumps({"id": 700 + len(self.calls), "number": f"XT{len(self.calls)}"}).encode())


@pytest.fixture
def fake_peer(monkeypatch):
    fake = FakePeer()
    monkeypatch.setattr(federation.urllib.request, "urlopen", fake)
    return fake


def _transfer(personas, peer, reference, capture):
    lead, _code = lead_services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": f"转办 {reference}"}
    )
    with capture(execute=True):  # the delivery task (eager)
        transfer = federation.transfer_down(
            lead=lead,
            user=personas.street,
            peer=peer,
            reference=reference,
            deadline=datetime.date.today() + datetime.timedelta(days=10),
        )
    transfer.refresh_from_db()
    return transfer


def _make_due(*transfers):
    Transfer.objects.filter(pk__in=[t.pk for t in transfers]).update(retry_at=timezone.now() - HOUR)


def test_the_interval_grows_from_an_hour_to_a_day_and_stops_after_a_week():
    now = timezone.now()
    assert federation.next_retry(now, now) == now + HOUR
    assert federation.next_retry(now - 3 * HOUR, now) == now + 3 * HOUR
    assert federation.next_retry(now - 30 * HOUR, now) == now + 24 * HOUR
    assert federation.next_retry(now - federation.RETRY_FOR, now) is None


def test_the_hourly_job_sends_a_5xx_failure_again_but_not_a_refusal_nor_one_past_the_cap(
    personas, org, fake_peer, django_capture_on_commit_callbacks
):
    peer = _peer(personas, "down")
    fake_peer.answers = {
        "R-503": http(503),
        "R-400": http(400, '{"summary": ["该字段不能为空。"]}'.encode()),
        "R-old": unreachable(),
    }
    down, refused, old = (
        _transfer(personas, peer, ref, django_capture_on_commit_callbacks) for ref in ("R-503", "R-400", "R-old")
    )
    assert down.state == refused.state == old.state == "failed"
    assert down.retry_at is not None and down.failing_since == down.failed_at
    assert down.retry_at - down.failed_at == HOUR  # the first automatic retry an hour after the failure
    assert refused.retry_at is None and refused.error.startswith("HTTP 400")
    # the old one has been failing for longer than the cap: its next failure is the last automatic one
    Transfer.objects.filter(pk=old.pk).update(failing_since=timezone.now() - federation.RETRY_FOR - HOUR)
    _make_due(old)
    with django_capture_on_commit_callbacks(execute=True):
        assert federation.retry_failed() == 1
    old.refresh_from_db()
    assert old.state == "failed" and old.retry_at is None and old.attempts == 2

    # not due yet: nothing is sent
    with django_capture_on_commit_callbacks(execute=True):
        assert federation.retry_failed() == 0
    assert fake_peer.calls == ["R-503", "R-400", "R-old", "R-old"]

    # the peer is up again and the hour has passed: the 5xx one is delivered, the others are not tried
    fake_peer.answers = {}
    Transfer.objects.update(retry_at=None)
    _make_due(down)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_failed_deliveries() == 1
    assert fake_peer.calls[-1] == "R-503" and fake_peer.calls.count("R-400") == 1
    down.refresh_from_db()
    assert (down.state, down.remote_number, down.retry_at, down.failing_since, down.error) == (
        "delivered",
        "XT5",
        None,
        None,
        "",
    )
    assert Transfer.objects.get(pk=refused.pk).state == Transfer.objects.get(pk=old.pk).state == "failed"


def test_a_failed_retry_waits_longer_and_a_deactivated_peer_is_not_tried(
    personas, org, fake_peer, django_capture_on_commit_callbacks
):
    peer = _peer(personas, "down")
    fake_peer.answers = {"R-1": http(502)}
    transfer = _transfer(personas, peer, "R-1", django_capture_on_commit_callbacks)
    Transfer.objects.filter(pk=transfer.pk).update(failing_since=timezone.now() - 5 * HOUR)
    _make_due(transfer)
    with django_capture_on_commit_callbacks(execute=True):
        assert federation.retry_failed() == 1
    transfer.refresh_from_db()
    assert transfer.state == "failed" and transfer.attempts == 2  # one attempt per run, no retries in Celery
    assert abs((transfer.retry_at - transfer.failed_at) - 5 * HOUR) < datetime.timedelta(seconds=5)
    federation.peer_deactivate(peer=peer, user=personas.street, reason="对方系统停用")
    _make_due(transfer)
    with django_capture_on_commit_callbacks(execute=True):
        assert federation.retry_failed() == 0


def test_a_claimed_failure_is_sent_once_however_often_it_is_asked(personas, org, monkeypatch):
    peer = _peer(personas, "down")
    lead, _code = lead_services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "x"}
    )
    queued: list[tuple[str, int]] = []
    monkeypatch.setattr(federation, "_queue", lambda name, pk, again=False: queued.append((name, pk)))
    transfer = federation.transfer_down(
        lead=lead,
        user=personas.street,
        peer=peer,
        reference="R-2",
        deadline=datetime.date.today() + datetime.timedelta(days=3),
    )
    federation.transfer_failed(transfer.pk, "HTTP 500", may_pass=True)
    _make_due(transfer)
    queued.clear()
    assert federation.retry_failed() == 1
    assert federation.retry_failed() == 0  # a second run (another beat, a slow one) finds it claimed
    with pytest.raises(DomainError):  # and a person's 重新发送 meanwhile is refused: it is no longer failed
        federation.transfer_retry(transfer=transfer, user=personas.street)
    assert queued == [("deliver_transfer", transfer.pk)]
    assert Transfer.objects.get(pk=transfer.pk).state == "queued"


def test_a_failed_closure_report_is_sent_again_by_the_hourly_job(
    personas, org, fake_peer, django_capture_on_commit_callbacks
):
    from leads.models import Lead

    token, secret = _token(personas, org)
    _peer(personas, "up", token=token)
    lead_id = _client(secret).post(reverse("api:leads"), HIGHER, content_type="application/json").json()["id"]
    fake_peer.answers = {HIGHER["higher_reference"] + "/closure/": http(503)}
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_close(lead=Lead.objects.get(pk=lead_id), user=personas.street, outcome="partly")
    arrival = Arrival.objects.get(lead_id=lead_id)
    assert arrival.report_state == "failed" and arrival.report_retry_at is not None
    fake_peer.answers = {}
    Arrival.objects.filter(pk=arrival.pk).update(report_retry_at=timezone.now() - HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        assert federation.retry_failed() == 1
    arrival.refresh_from_db()
    assert arrival.report_state == "delivered" and arrival.reported_at and arrival.report_retry_at is None
    assert Lead.objects.get(pk=lead_id).reported_up_at is not None


def test_the_peers_page_counts_the_failures_and_sends_one_again_audited(
    personas, org, client_for, fake_peer, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    peer = _peer(personas, "down")
    token, secret = _token(personas, org)
    up = _peer(personas, "up", token=token)
    fake_peer.answers = {
        "R-a": http(503),
        "R-b": http(403, b'{"detail": "Bearer hl_their-token is not ours"}'),
    }
    first = _transfer(personas, peer, "R-a", django_capture_on_commit_callbacks)
    second = _transfer(personas, peer, "R-b", django_capture_on_commit_callbacks)
    _transfer(personas, peer, "R-ok", django_capture_on_commit_callbacks)
    lead_id = _client(secret).post(reverse("api:leads"), HIGHER, content_type="application/json").json()["id"]
    arrival = Arrival.objects.get(lead_id=lead_id)
    federation.closure_failed(arrival.pk, "HTTP 502", may_pass=True)
    street = client_for(personas.street)
    with django_assert_max_num_queries(8):  # the same with 1 failure or 100
        page = street.get(reverse("api:peer_list")).content.decode()
    cell = page.split(f'data-testid="peer-failed-{peer.pk}"', 1)[1].split("</td>", 1)[0]
    assert "2 件" in cell and "HTTP 403" in cell  # the last failure's reason
    up_cell = page.split(f'data-testid="peer-failed-{up.pk}"', 1)[1].split("</td>", 1)[0]
    assert "1 件" in up_cell and "HTTP 502" in up_cell
    assert f'data-testid="failed-transfer-{first.pk}"' in page and f'data-testid="failed-report-{arrival.pk}"' in page
    assert "hl_their-token" not in page and "***" in page  # the peer echoed our token: never shown
    assert "不再自动重发" in page  # the refusal waits for a person

    url = reverse("api:transfer_retry", args=[second.pk]) + "?from=peers"
    assert url in page
    fake_peer.answers = {}
    with django_capture_on_commit_callbacks(execute=True):
        done = street.post(url, {"reason": "对方已修正接收配置"})
    assert done.status_code == 302 and done["Location"] == reverse("api:peer_list")
    second.refresh_from_db()
    assert second.state == "delivered"
    entry = AuditEntry.objects.filter(content_type__model="transfer", object_pk=str(second.pk)).latest("timestamp")
    assert entry.actor == personas.street and "对方已修正接收配置" in entry.reason
    # the lead's page says when the other one is sent again
    panel = street.get(first.lead.get_absolute_url()).content.decode()
    assert 'data-testid="next-retry"' in panel and "下次自动重发时间" in panel


def test_a_community_cannot_send_a_delivery_again(
    personas, org, client_for, fake_peer, django_capture_on_commit_callbacks
):
    peer = _peer(personas, "down")
    fake_peer.answers = {"R-c": http(503)}
    transfer = _transfer(personas, peer, "R-c", django_capture_on_commit_callbacks)
    with pytest.raises(Refused):
        federation.transfer_retry(transfer=transfer, user=personas.community_a)
    assert client_for(personas.community_a).get(reverse("api:peer_list")).status_code == 403


def test_the_beat_schedule_runs_the_retry_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["api-retry-deliveries"]
    assert entry["task"] == tasks.retry_failed_deliveries.name == "api.tasks.retry_failed_deliveries"
    assert entry["schedule"].hour == set(range(24))


def test_the_failed_deliveries_in_english_show_no_chinese(
    personas, org, client_for, fake_peer, settings, django_capture_on_commit_callbacks
):
    peer = _peer(personas, "down", name="Street system", reason="Link the street")
    fake_peer.answers = {"R-e": http(503), "R-f": http(400)}
    for reference in ("R-e", "R-f"):
        lead, _code = lead_services.lead_create(
            user=personas.street, data={"source": "public", "channel": "phone", "summary": "Lead"}
        )
        with django_capture_on_commit_callbacks(execute=True):
            federation.transfer_down(
                lead=lead, user=personas.street, peer=peer, reference=reference, deadline=datetime.date.today()
            )
    street = client_for(personas.street)
    street.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = street.get(reverse("api:peer_list")).content.decode()
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    assert "Failed transfers and closure reports" in main and "No more automatic retries" in main
    assert not chinese_left(main), chinese_left(main)
    panel = street.get(lead.get_absolute_url()).content.decode()
    panel = panel.split('data-testid="lead-federation"', 1)[1].split("</div></div>", 1)[0]
    assert "No more automatic retries" in panel and not chinese_left(panel), panel


def test_a_delivery_whose_message_was_lost_is_queued_again_once_after_a_day(personas, org, monkeypatch):
    """The broker restarted and dropped the message: the row stays 待发送 with nothing to send it.
    The hourly job queues it again once it has been queued longer than the retries inside Celery
    last (``STALE_QUEUED``); a second run finds it claimed, and one queued an hour ago is left."""
    peer = _peer(personas, "down")
    queued: list[tuple[str, int, bool]] = []
    monkeypatch.setattr(federation, "_queue", lambda name, pk, again=False: queued.append((name, pk, again)))
    transfers = []
    for reference in ("R-lost", "R-recent", "R-before"):
        lead, _code = lead_services.lead_create(
            user=personas.street, data={"source": "public", "channel": "phone", "summary": reference}
        )
        before = timezone.now()
        transfers.append(
            federation.transfer_down(
                lead=lead,
                user=personas.street,
                peer=peer,
                reference=reference,
                deadline=datetime.date.today() + datetime.timedelta(days=3),
            )
        )
    lost, recent, older = transfers
    assert Transfer.objects.get(pk=older.pk).queued_at >= before  # recorded when it was queued
    Transfer.objects.filter(pk=lost.pk).update(queued_at=timezone.now() - 25 * HOUR)
    Transfer.objects.filter(pk=recent.pk).update(queued_at=timezone.now() - HOUR)
    Transfer.objects.filter(pk=older.pk).update(queued_at=None)  # queued before the time was recorded
    queued.clear()
    assert federation.retry_failed() == 2
    assert sorted(queued) == sorted([("deliver_transfer", lost.pk, True), ("deliver_transfer", older.pk, True)])
    assert federation.retry_failed() == 0  # a second run: both were queued again just now
    assert len(queued) == 2
    lost.refresh_from_db()
    assert lost.state == "queued" and timezone.now() - lost.queued_at < datetime.timedelta(minutes=1)
    # a day later, still no answer from that message either: queued once more
    assert federation.retry_failed(now=timezone.now() + 25 * HOUR) == 3


def test_a_sent_again_delivery_records_when_it_was_queued(personas, org, monkeypatch):
    peer = _peer(personas, "down")
    monkeypatch.setattr(federation, "_queue", lambda name, pk, again=False: None)
    lead, _code = lead_services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "x"}
    )
    transfer = federation.transfer_down(
        lead=lead, user=personas.street, peer=peer, reference="R-q", deadline=datetime.date.today()
    )
    long_ago = timezone.now() - 30 * HOUR
    federation.transfer_failed(transfer.pk, "HTTP 500", may_pass=True)
    Transfer.objects.filter(pk=transfer.pk).update(queued_at=long_ago, retry_at=timezone.now() - HOUR)
    assert federation.retry_failed() == 1  # the due failure, not also as a stale one
    assert Transfer.objects.get(pk=transfer.pk).queued_at > long_ago
    federation.transfer_failed(transfer.pk, "HTTP 400")
    Transfer.objects.filter(pk=transfer.pk).update(queued_at=long_ago)
    federation.transfer_retry(transfer=Transfer.objects.get(pk=transfer.pk), user=personas.street, reason="再发")
    assert Transfer.objects.get(pk=transfer.pk).queued_at > long_ago  # 重新发送 starts the day again


def test_a_closure_report_whose_message_was_lost_is_queued_again_once_after_a_day(
    personas, org, monkeypatch, django_capture_on_commit_callbacks
):
    from leads.models import Lead

    token, secret = _token(personas, org)
    _peer(personas, "up", token=token)
    queued: list[tuple[str, int, bool]] = []
    monkeypatch.setattr(federation, "_queue", lambda name, pk, again=False: queued.append((name, pk, again)))
    lead_id = _client(secret).post(reverse("api:leads"), HIGHER, content_type="application/json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):  # the final closure's signal
        lead_services.lead_close(lead=Lead.objects.get(pk=lead_id), user=personas.street, outcome="partly")
    arrival = Arrival.objects.get(lead_id=lead_id)
    assert arrival.report_state == "queued" and arrival.report_queued_at is not None
    assert queued == [("deliver_closure", arrival.pk, False)]
    queued.clear()
    Arrival.objects.filter(pk=arrival.pk).update(report_queued_at=timezone.now() - HOUR)
    assert federation.retry_failed() == 0 and queued == []  # an hour: its message may still be retrying
    Arrival.objects.filter(pk=arrival.pk).update(report_queued_at=timezone.now() - 25 * HOUR)
    assert federation.retry_failed() == 1
    assert federation.retry_failed() == 0
    assert queued == [("deliver_closure", arrival.pk, True)]
    arrival.refresh_from_db()
    assert timezone.now() - arrival.report_queued_at < datetime.timedelta(minutes=1)
    # closure_retry (重新发送 of a failed report) records the time too
    federation.closure_failed(arrival.pk, "HTTP 400")
    Arrival.objects.filter(pk=arrival.pk).update(report_queued_at=timezone.now() - 30 * HOUR)
    federation.closure_retry(arrival=Arrival.objects.get(pk=arrival.pk), user=personas.street, reason="再发")
    assert timezone.now() - Arrival.objects.get(pk=arrival.pk).report_queued_at < datetime.timedelta(minutes=1)


def test_a_delivery_lost_end_to_end_arrives_after_the_sweep(
    personas, org, fake_peer, django_capture_on_commit_callbacks
):
    """A real send through the task (eager) once the sweep queues it: delivered, one lead there."""
    peer = _peer(personas, "down")
    lead, _code = lead_services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "lost"}
    )
    transfer = federation.transfer_down(  # outside the on-commit capture: its message is never sent
        lead=lead, user=personas.street, peer=peer, reference="R-drop", deadline=datetime.date.today()
    )
    assert fake_peer.calls == []
    Transfer.objects.filter(pk=transfer.pk).update(queued_at=timezone.now() - 25 * HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        assert federation.retry_failed() == 1
    transfer.refresh_from_db()
    assert transfer.state == "delivered" and fake_peer.calls == ["R-drop"]
