"""Issue 19, results up: a lead the city transferred that the street merges into another lead (a
duplicate) is closed for the city too, reported up with the lead it was merged into, as a final
closure is; a federated transfer's merge goes up to the higher deployment through
``lead_finally_closed`` like a closure."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import Lead
from leads.signals import lead_finally_closed

pytestmark = pytest.mark.django_db


def _transfer(world, reference="晋专办〔2026〕21号"):
    return services.lead_transfer(
        user=world.city,
        street=world.xintang,
        data={
            "higher_reference": reference,
            "higher_deadline": timezone.localdate() + datetime.timedelta(days=15),
            "summary": "某养生馆以体验为名推销保健品",
            "fraud_type": "product",
        },
    )


def test_a_merged_transfer_is_reported_up_with_the_lead_it_went_into(
    city_world, client, django_capture_on_commit_callbacks
):
    transferred = _transfer(city_world)
    surviving, _code = services.lead_create(
        user=city_world.street,
        data={"source": "public", "channel": "phone", "summary": "群众举报：某养生馆推销保健品"},
    )
    announced = []

    def listen(sender, lead, **kwargs):
        announced.append(lead.pk)

    lead_finally_closed.connect(listen, dispatch_uid="test-merge-announced")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.lead_merge(lead=transferred, into=surviving, user=city_world.street)
    finally:
        lead_finally_closed.disconnect(dispatch_uid="test-merge-announced")
    merged = Lead.objects.get(pk=transferred.pk)
    assert merged.is_final and merged.merged_into == surviving
    assert merged.reported_up_at is not None  # reported up by itself, as a final closure is
    assert announced == [merged.pk]  # the layers above are told, as after a closure
    assert surviving.pk not in announced

    client.force_login(city_world.city)
    page = client.get(reverse("leads:city")).content.decode()
    assert f"合并至 {surviving.number}" in page
    assert timezone.localtime(merged.reported_up_at).strftime("%Y-%m-%d %H:%M") in page
    export = client.get(reverse("leads:city") + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).worksheets[0]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert f"重复线索，已合并 合并至 {surviving.number}" in cells


def test_merging_a_lead_of_the_street_reports_nothing_up(city_world):
    first, _c = services.lead_create(
        user=city_world.street, data={"source": "public", "channel": "phone", "summary": "a"}
    )
    second, _c = services.lead_create(
        user=city_world.street, data={"source": "public", "channel": "phone", "summary": "b"}
    )
    services.lead_merge(lead=first, into=second, user=city_world.street)
    assert Lead.objects.get(pk=first.pk).reported_up_at is None


def test_a_federated_transfer_merged_goes_up_with_the_lead_it_went_into(
    personas, org, monkeypatch, django_capture_on_commit_callbacks
):
    """The lower deployment: a lead that arrived from the higher system (an ``up`` peer) and is
    merged here is delivered up like a closure, its findings naming the lead it went into, and
    then recorded as reported."""
    from django.test import Client

    from api import federation
    from api import services as api_services
    from api.models import Arrival
    from organization.choices import UnitCode

    token, secret = api_services.token_issue(
        user=personas.street,
        name="市护老系统",
        kind="office",
        unit=org.units[UnitCode.STREET_OFFICE],
        rights=["read", "create_lead", "peer"],
        reason="对接上下级系统",
    )
    federation.peer_add(
        user=personas.street,
        name="市护老系统",
        base_url="http://127.0.0.1:9",
        direction="up",
        secret="hl_their-token",
        inbound_token=token,
        reason="对接上下级系统",
    )
    body = {"source": "higher", "summary": "上级转办：某公司集资", "higher_reference": "市〔2026〕31号"}
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    lead_id = api.post(reverse("api:leads"), body, content_type="application/json").json()["id"]
    surviving, _code = services.lead_create(
        user=personas.street, data={"source": "public", "channel": "phone", "summary": "群众举报：某公司集资"}
    )
    sent = []
    monkeypatch.setattr(federation, "_call", lambda peer, path, payload, key: sent.append((path, payload)) or {})
    with django_capture_on_commit_callbacks(execute=True):  # the signal, then the report task (eager)
        services.lead_merge(lead=Lead.objects.get(pk=lead_id), into=surviving, user=personas.street)
    assert len(sent) == 1
    path, payload = sent[0]
    assert path.endswith("/closure/") and payload["outcome"] == "duplicate"
    assert surviving.number in payload["findings"]
    arrival = Arrival.objects.get(lead_id=lead_id)
    assert arrival.report_state == "delivered" and arrival.reported_at is not None
    assert Lead.objects.get(pk=lead_id).reported_up_at is not None


def test_the_citys_list_of_merged_transfers_keeps_its_query_count(city_world, client):
    from tests.querycount import assert_constant_queries

    made = []

    def add_rows(n):
        for _ in range(n):
            lead = _transfer(city_world, reference=f"晋专办〔2026〕{len(made) + 100}号")
            into, _c = services.lead_create(
                user=city_world.street, data={"source": "public", "channel": "phone", "summary": "重复"}
            )
            services.lead_merge(lead=lead, into=into, user=city_world.street)
            made.append(lead)

    client.force_login(city_world.city)
    assert_constant_queries(client, reverse("leads:city"), add_rows)
