"""One field list: what a lead is registered with (``leads.services.INTAKE_FIELDS``) is what the
API shows and takes, and what a city gives a street (``leads.services.TRANSFER_FIELDS``) is what
goes to a lower deployment; each difference is named. A field added to intake and not to the API
(nor to its named exclusions) fails here."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from api import federation, serializers
from leads import services as lead_services
from leads.models import INFORMANT_FIELDS
from tests.api.test_federation import _peer


def test_every_intake_field_is_shown_by_the_api_or_named_as_never_shown():
    shown = set(serializers.LeadSerializer.Meta.fields)
    missing = [f for f in lead_services.INTAKE_FIELDS if f not in shown and f not in serializers.INTAKE_NOT_SHOWN]
    assert not missing, f"intake fields the API neither shows nor names in INTAKE_NOT_SHOWN: {missing}"
    assert set(INFORMANT_FIELDS) <= set(serializers.INTAKE_NOT_SHOWN)  # the informant: never
    assert not set(serializers.INTAKE_NOT_SHOWN) & shown


def test_every_intake_field_is_taken_by_the_api_or_named_as_not_taken():
    taken = set(serializers.LeadCreateSerializer().fields)
    missing = [f for f in lead_services.INTAKE_FIELDS if f not in taken and f not in serializers.INTAKE_NOT_TAKEN]
    assert not missing, f"intake fields a new lead through the API cannot carry: {missing}"
    assert taken <= set(lead_services.INTAKE_FIELDS)  # and nothing intake does not know
    assert all(serializers.LeadCreateSerializer().fields[f].write_only for f in INFORMANT_FIELDS)


def test_every_transfer_field_goes_down_and_the_peer_takes_it(personas, org, db):
    """A lead with every transfer field filled: each is in the payload but those the transfer
    itself carries, none is the informant's, and the peer's API takes the payload as it is."""
    lead, _code = lead_services.lead_create(
        user=personas.street,
        data={
            "source": "higher",
            "higher_reference": "省〔2026〕3号",
            "higher_deadline": datetime.date.today() + datetime.timedelta(days=20),
            "summary": "某公司以以房养老为名集资",
            "description": "多名老人反映。",
            "fraud_type": "house",
            "subject_name": "某投资公司",
            "subject_address": "新塘路1号",
            "subject_phone": "13900000000",
            "subject_credit_code": "91350582MA2XXXXXX1",
            "subject_person": "张某",
            "money_lost": Decimal("12000.50"),
            "occurred": "2026年3月",
            "elderly_affected": 4,
            "is_major": True,
            "informant_name": "林秘密",
        },
    )
    transfer = federation.transfer_down(
        lead=lead,
        user=personas.street,
        peer=_peer(personas, "down"),
        reference="市〔2026〕9号",
        deadline=datetime.date.today() + datetime.timedelta(days=10),
    )
    payload = federation.transfer_payload(transfer)
    for name in lead_services.TRANSFER_FIELDS:
        assert name in payload, name
    assert payload["higher_reference"] == "市〔2026〕9号"  # the transfer's own, not the lead's
    assert payload["money_lost"] == "12000.50" and payload["is_major"] is True
    assert not set(INFORMANT_FIELDS) & set(payload)
    assert set(federation.TRANSFER_FIELDS_OF_THE_TRANSFER) <= set(lead_services.TRANSFER_FIELDS)
    form = serializers.LeadCreateSerializer(data=payload)
    assert form.is_valid(), form.errors
    assert set(payload) <= set(form.validated_data)


@pytest.mark.parametrize("name", ["informant_name", "informant_phone", "informant_id_number", "informant_address"])
def test_the_schema_never_shows_an_informant_field(name):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert name not in schema["components"]["schemas"]["Lead"]["properties"]
    assert schema["components"]["schemas"]["LeadCreateRequest"]["properties"][name]["writeOnly"] is True


def test_a_field_added_to_intake_reaches_the_api_without_a_second_edit(monkeypatch):
    import importlib

    monkeypatch.setattr(lead_services, "INTAKE_FIELDS", [*lead_services.INTAKE_FIELDS, "institution_name"])
    try:
        grown = importlib.reload(serializers)
        assert "institution_name" in grown.LeadSerializer.Meta.fields
        assert "institution_name" in grown.LeadCreateSerializer().fields
    finally:
        monkeypatch.undo()
        importlib.reload(serializers)
    assert "institution_name" not in serializers.LeadSerializer.Meta.fields
