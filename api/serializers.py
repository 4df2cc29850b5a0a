"""What the API shows of each record, and what it accepts for a new lead.

Never an informant's identity: a lead says only ``has_informant`` (a named tip); the identity is
given only by ``POST leads/{id}/reveal`` (the reveal right, logged as on the web)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.models import Case
from leads.choices import CaseKind, Channel, FraudType, LeadSource, Outcome
from leads.models import INFORMANT_FIELDS, Lead
from organization.models import Unit
from rectification.models import Institution


class LeadSerializer(serializers.ModelSerializer):
    has_informant = serializers.SerializerMethodField(help_text="实名举报（身份只能经查看接口获得）")

    class Meta:
        model = Lead
        fields = [
            "id",
            "number",
            "status",
            "source",
            "channel",
            "higher_reference",
            "higher_deadline",
            "original_case_kind",
            "summary",
            "description",
            "fraud_type",
            "subject_name",
            "subject_address",
            "subject_phone",
            "subject_credit_code",
            "subject_person",
            "money_lost",
            "occurred",
            "elderly_affected",
            "received_on",
            "filed_by_unit",
            "community",
            "assigned_unit",
            "referred_at",
            "deadline",
            "fed_back_at",
            "outcome",
            "closed_at",
            "is_major",
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


class LeadCreateSerializer(serializers.Serializer):
    """A new lead. The informant's identity may be given (a hotline caller who gave a name); it is
    stored encrypted and never shown back."""

    source = serializers.ChoiceField(choices=list(API_SOURCE_LABELS.items()), label=_("来源"))
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True, label=_("举报方式"))
    summary = serializers.CharField(max_length=200, label=_("线索摘要"))
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000, label=_("反映情况"))
    fraud_type = serializers.ChoiceField(choices=FraudType.choices, required=False, label=_("诈骗类型"))
    higher_reference = serializers.CharField(required=False, allow_blank=True, max_length=100, label=_("上级转办文号"))
    higher_deadline = serializers.DateField(required=False, allow_null=True, label=_("上级反馈期限"))
    original_case_kind = serializers.ChoiceField(
        choices=CaseKind.choices, required=False, allow_blank=True, label=_("原案件类型")
    )
    subject_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    subject_address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    subject_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    subject_credit_code = serializers.CharField(required=False, allow_blank=True, max_length=18)
    subject_person = serializers.CharField(required=False, allow_blank=True, max_length=100)
    money_lost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    occurred = serializers.CharField(required=False, allow_blank=True, max_length=100)
    elderly_affected = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100000)
    community = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.communities(), required=False, allow_null=True, label=_("所在社区")
    )
    is_major = serializers.BooleanField(required=False, default=False)
    informant_name = serializers.CharField(required=False, allow_blank=True, max_length=100, write_only=True)
    informant_phone = serializers.CharField(required=False, allow_blank=True, max_length=40, write_only=True)
    informant_id_number = serializers.CharField(required=False, allow_blank=True, max_length=30, write_only=True)
    informant_address = serializers.CharField(required=False, allow_blank=True, max_length=200, write_only=True)

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
