"""What the API shows of each record, and what it accepts for a new lead.

Never an informant's identity: a lead says only ``has_informant`` (a named tip); the identity is
given only by ``POST leads/{id}/reveal`` (the reveal right, logged as on the web)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import Case
from leads.choices import Channel, LeadSource, Outcome
from leads.models import INFORMANT_FIELDS, Lead
from leads.services import INTAKE_FIELDS
from organization.models import Unit
from rectification.models import Institution

#: The intake fields (``leads.services.INTAKE_FIELDS``, what a lead is registered with) are the
#: API's: a field added to intake is shown and taken here without a second edit, but these:
#: the informant's identity is never shown (only ``POST leads/{id}/reveal``, logged); a new lead
#: may carry it (a hotline caller who gave a name), write-only.
INTAKE_NOT_SHOWN: tuple[str, ...] = tuple(INFORMANT_FIELDS)
#: Intake fields a new lead through the API may not carry (none today).
INTAKE_NOT_TAKEN: tuple[str, ...] = ()
SHOWN_INTAKE_FIELDS = [f for f in INTAKE_FIELDS if f not in INTAKE_NOT_SHOWN]
TAKEN_INTAKE_FIELDS = [f for f in INTAKE_FIELDS if f not in INTAKE_NOT_TAKEN]


class LeadSerializer(serializers.ModelSerializer):
    has_informant = serializers.SerializerMethodField(help_text="实名举报（身份只能经查看接口获得）")

    class Meta:
        model = Lead
        fields = [
            "id",
            "number",
            "status",
            *SHOWN_INTAKE_FIELDS,
            # what the lead's handling added since
            "received_on",
            "filed_by_unit",
            "assigned_unit",
            "referred_at",
            "deadline",
            "fed_back_at",
            "outcome",
            "closed_at",
            "has_informant",
            "institution",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_informant(self, lead: Lead) -> bool:
        return not lead.is_anonymous


assert not set(INFORMANT_FIELDS) & set(LeadSerializer.Meta.fields)  # never, by construction


#: The sources a calling system files under: a 12345 hotline's work order is a 群众举报 by
#: phone, a 网格 system's report a 社区移送; the lead sources themselves are accepted as well.
API_SOURCES: dict[str, tuple[str, str]] = {
    "hotline_12345": (LeadSource.PUBLIC, Channel.PHONE),
    "grid": (LeadSource.COMMUNITY, ""),
    **{value: (value, "") for value in LeadSource.values},
}
API_SOURCE_LABELS = {
    "hotline_12345": _("12345热线"),
    "grid": _("网格系统"),
    **dict(LeadSource.choices),
}


class LeadCreateSerializer(serializers.ModelSerializer):
    """A new lead: every intake field (``TAKEN_INTAKE_FIELDS``), each as the model says but where
    the API says more below. The informant's identity may be given (a hotline caller who gave a
    name); it is stored encrypted and never shown back. ``leads.services.lead_create`` checks the
    rest (what each source asks)."""

    source = serializers.ChoiceField(choices=list(API_SOURCE_LABELS.items()), label=_("来源"))
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000, label=_("反映情况"))
    elderly_affected = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100000, label=_("涉及老人人数")
    )
    community = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.communities(), required=False, allow_null=True, label=_("所在社区")
    )
    is_major = serializers.BooleanField(required=False, default=False, label=_("重大线索"))

    class Meta:
        model = Lead
        fields = TAKEN_INTAKE_FIELDS
        validators: list = []  # the service decides (lead_create), not the model's constraints here
        extra_kwargs = {
            "informant_name": {"write_only": True, "max_length": 100},
            "informant_phone": {"write_only": True, "max_length": 40},
            "informant_id_number": {"write_only": True, "max_length": 30},
            "informant_address": {"write_only": True, "max_length": 200},
        }

    def intake_data(self) -> dict:
        """The intake data of ``leads.services.lead_create`` (its validation decides the rest)."""
        data = dict(self.validated_data)
        source, channel = API_SOURCES[data.pop("source")]
        data["source"] = source
        if channel and not data.get("channel"):
            data["channel"] = channel
        return data


class RevealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, label=_("原因"))


class InformantSerializer(serializers.Serializer):
    informant_name = serializers.CharField()
    informant_phone = serializers.CharField()
    informant_id_number = serializers.CharField()
    informant_address = serializers.CharField()


class CaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = [
            "id",
            "title",
            "number",
            "kind",
            "step",
            "step_date",
            "opened_on",
            "closed_on",
            "fraud_type",
            "handling_unit",
            "suspects",
            "detained",
            "victims",
            "elderly_victims",
            "amount_involved",
            "is_major",
            "is_typical",
            "institution",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InstitutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "credit_code",
            "type",
            "sector",
            "address",
            "community",
            "status",
            "supervising_unit",
            "risk_grade",
            "last_inspection_date",
            "next_inspection_due",
            "collapse_risk",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FiguresSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    units = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    sections = serializers.ListField(child=serializers.DictField())


class ClosureSerializer(serializers.Serializer):
    """A lower deployment's closure of a lead we transferred to it."""

    outcome = serializers.ChoiceField(choices=Outcome.choices, label=_("办结结果"))
    findings = serializers.CharField(required=False, allow_blank=True, max_length=20000, label=_("核查情况"))
    closed_at = serializers.DateTimeField(required=False, allow_null=True, label=_("办结时间"))
    number = serializers.CharField(required=False, allow_blank=True, max_length=30, label=_("对方线索编号"))


class ClosureReceiptSerializer(serializers.Serializer):
    reference = serializers.CharField()
    number = serializers.CharField()
    reported_back_at = serializers.DateTimeField()
