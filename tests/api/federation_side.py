"""One side of the federation test (tests/api/test_federation.py), run in its own process against
its own database (``DATABASE_URL``): ``python -m tests.api.federation_side <step> '<json>'``
prints the step's answer as JSON on its last line. Celery runs eagerly (config.settings.test), so
a delivery is a real HTTP call to the other side's live server, made before the step returns."""

from __future__ import annotations

import json
import sys


def _setup() -> None:
    import django

    django.setup()


def _street_office_user(username: str):
    from organization.choices import Role, UnitCode
    from organization.models import Unit, User
    from organization.services import init_campaign

    if not Unit.objects.filter(code=UnitCode.STREET_OFFICE).exists():
        init_campaign()
    unit = Unit.objects.get(code=UnitCode.STREET_OFFICE)
    user, _created = User.objects.get_or_create(
        username=username, defaults={"name": username, "unit": unit, "role": Role.STREET_OFFICE}
    )
    return user, unit


def seed(args: dict) -> dict:
    """This office, its staff member, and the token the other deployment will present here."""
    from api import services

    user, unit = _street_office_user(args["username"])
    token, secret = services.token_issue(
        user=user,
        name=args["token_name"],
        kind="office",
        unit=unit,
        rights=["read", "create_lead", "peer"],
        reason="对接上下级护老系统",
    )
    answer = {"token_id": token.pk, "secret": secret}
    if args.get("link"):  # the other side's token is known already: name it as our peer at once
        answer.update(link({**args["link"], "username": args["username"], "token_id": token.pk}))
    return answer


def link(args: dict) -> dict:
    """The other deployment as a peer: its address, the token it issued us, the token of ours it uses."""
    from api import federation
    from api.models import ApiToken

    user, _unit = _street_office_user(args["username"])
    peer = federation.peer_add(
        user=user,
        name=args["name"],
        base_url=args["base_url"],
        direction=args["direction"],
        secret=args["secret"],
        inbound_token=ApiToken.objects.get(pk=args["token_id"]),
        reason="对接上下级护老系统",
    )
    return {"peer_id": peer.pk}


def transfer(args: dict) -> dict:
    """The city files a lead (with a named informant) and transfers it down; the delivery is
    then repeated, as a retry would, which must not make a second lead there."""
    import datetime

    from api import federation
    from api.models import Peer
    from leads import services as lead_services

    user, _unit = _street_office_user(args["username"])
    lead, _code = lead_services.lead_create(
        user=user,
        data={
            "source": "public",
            "channel": "phone",
            "summary": "某养老服务公司以高息为名向老人集资",
            "subject_name": "某养老服务有限公司",
            "informant_name": "林秘密",
            "informant_phone": "13912340987",
        },
    )
    t = federation.transfer_down(
        lead=lead,
        user=user,
        peer=Peer.objects.get(pk=args["peer_id"]),
        reference=args["reference"],
        deadline=datetime.date.today() + datetime.timedelta(days=15),
    )
    t.refresh_from_db()
    first = {"state": t.state, "remote_id": t.remote_id, "error": t.error, "retry_at": t.retry_at}
    if args.get("peer_down"):  # the delivery failed: the hourly job will send it again
        return {"lead_id": lead.pk, "transfer_id": t.pk, "first": first}
    federation.Transfer.objects.filter(pk=t.pk).update(state="queued")  # as if the answer had been lost
    again = federation.deliver_transfer(t.pk)
    lead.refresh_from_db()
    return {
        "lead_id": lead.pk,
        "status": lead.status,
        "deadline": lead.deadline.isoformat(),
        "first": first,
        "again": {"state": again.state, "remote_id": again.remote_id},
    }


def close(args: dict) -> dict:
    """The street finds the transferred lead, refers it, its community feeds back, the street
    closes it: the closure goes up by itself."""
    from api.models import Arrival
    from leads import services as lead_services
    from leads.models import Lead
    from organization.choices import Role, UnitKind
    from organization.models import Unit, User

    if args.get("link"):
        link({**args["link"], "username": args["username"]})
    user, _unit = _street_office_user(args["username"])
    leads = list(Lead.objects.filter(higher_reference=args["reference"]))
    lead = leads[0]
    seen = {
        "count": len(leads),
        "source": lead.source,
        "higher_deadline": lead.higher_deadline.isoformat() if lead.higher_deadline else None,
        "summary": lead.summary,
        "is_anonymous": lead.is_anonymous,
        "informant": [lead.informant_name, lead.informant_phone],
    }
    community = Unit.objects.filter(kind=UnitKind.COMMUNITY).first() or Unit.objects.create(
        name="新塘社区", kind=UnitKind.COMMUNITY, code="community_a"
    )
    staff, _c = User.objects.get_or_create(
        username="community", defaults={"name": "社区", "unit": community, "role": Role.COMMUNITY_STAFF}
    )
    lead = lead_services.lead_refer(lead=lead, user=user, unit=community)
    lead = lead_services.lead_acknowledge(lead=lead, user=staff)
    lead = lead_services.lead_feedback(lead=lead, user=staff, findings="经核查，该公司已停止集资并退款。")
    lead_services.lead_close(lead=lead, user=user, outcome="partly")
    lead.refresh_from_db()
    arrival = Arrival.objects.get(lead=lead)
    from core.models import AuditEntry

    seen["audited"] = AuditEntry.objects.filter(
        content_type__model="lead", object_pk=str(lead.pk), reason__contains="已自动报送上级系统"
    ).exists()
    return {
        **seen,
        "status": lead.status,
        "reported_up_at": lead.reported_up_at.isoformat() if lead.reported_up_at else None,
        "report_state": arrival.report_state,
        "report_error": arrival.report_error,
        "report_retry_at": arrival.report_retry_at,
    }


def retry_due(args: dict) -> dict:
    """The hourly job's run once the failures' time has come (as if an hour had passed): what it
    sent, and the deliveries' states after."""
    from django.utils import timezone

    from api import tasks
    from api.models import Arrival, Transfer

    Transfer.objects.filter(retry_at__isnull=False).update(retry_at=timezone.now())
    Arrival.objects.filter(report_retry_at__isnull=False).update(report_retry_at=timezone.now())
    sent = tasks.retry_failed_deliveries()
    return {
        "sent": sent,
        "transfers": [
            {"state": t.state, "attempts": t.attempts, "remote_number": t.remote_number, "error": t.error}
            for t in Transfer.objects.order_by("pk")
        ],
        "reports": [
            {"state": a.report_state, "attempts": a.report_attempts, "reported_at": a.reported_at}
            for a in Arrival.objects.exclude(reference="").order_by("pk")
        ],
    }


def check(args: dict) -> dict:
    """The city's lead after the street's report, and what the lead's page shows of it."""
    from django.test import Client

    from api.models import Transfer
    from core.models import AuditEntry
    from leads.models import Lead

    user, _unit = _street_office_user(args["username"])
    lead = Lead.objects.select_related("closed_by").get(pk=args["lead_id"])
    transfer = Transfer.objects.get(lead=lead)
    client = Client()
    client.force_login(user)
    page = client.get(f"/leads/{lead.pk}/", HTTP_HOST="127.0.0.1").content.decode()
    return {
        "status": lead.status,
        "outcome": lead.outcome,
        "findings": lead.findings,
        "closed_by": str(lead.closed_by),
        "reported_back_at": transfer.reported_back_at.isoformat() if transfer.reported_back_at else None,
        "transfer_state": transfer.state,
        "remote_number": transfer.remote_number,
        "page_shows_closure": "transfer-closure" in page and "经核查，该公司已停止集资并退款。" in page,
        "audited": AuditEntry.objects.filter(
            content_type__model="lead", object_pk=str(lead.pk), reason__startswith="下级系统报送办结"
        ).exists(),
    }


if __name__ == "__main__":
    _setup()
    step, payload = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(globals()[step](payload), ensure_ascii=False, default=str))
