from django import forms
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedFormMixin
from core.forms import MultipleFileField
from organization.models import Campaign

from . import rules
from .choices import SummaryKind
from .models import ReportRecipient, SummarySubmission, Supervision, UnitSubmission
from .selectors import parse_month, reporting_units


class SubmissionForm(forms.ModelForm):
    #: the row's ``updated_at`` when the form was loaded: a save from a stale page is refused
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    #: the unit's own written report and other material (size and type checked by content)
    files = MultipleFileField(label=_("附件（书面报告等）"))

    class Meta:
        model = UnitSubmission
        fields = ["work_done", "problems", "next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["seen"] = self.instance.updated_at.isoformat()

    def clean_seen(self):
        """The time the page was loaded at; garbage is no time (the save is then not checked)."""
        from django.utils.dateparse import parse_datetime

        try:
            return parse_datetime(self.cleaned_data.get("seen") or "")
        except ValueError:
            return None


class MonthField(forms.CharField):
    default_error_messages = {"invalid": _("请按 YYYY-MM 格式填写月份。")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class MonthForm(forms.Form):
    month = MonthField(label=_("月份"), widget=forms.TextInput(attrs={"type": "month", "data-testid": "month-input"}))


class StartForm(MonthForm):
    """The month, and the unit for a user who may fill in for several (the street office): the
    choices are the reporting units the rules let the user fill in for. Left empty, the user's
    own unit."""

    unit = forms.ModelChoiceField(label=_("报送单位"), queryset=reporting_units().none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = rules.units_reportable_by(user, reporting_units())

    def clean_unit(self):
        unit = self.cleaned_data.get("unit")
        if unit is None:
            unit = rules.default_reporting_unit(self.user)
        if unit is None:
            raise forms.ValidationError(_("请选择报送单位。"), code="required")
        return unit


class GenerateForm(MonthForm):
    regenerate = forms.BooleanField(label=_("重新生成（新版本，重新发送邮件）"), required=False)


GROUP_FIELDS = ["results", "experience", "typical_cases"]
UNIT_FIELDS = ["loopholes", "weaknesses", "rules"]


class SummaryForm(forms.ModelForm):
    class Meta:
        model = SummarySubmission
        fields = GROUP_FIELDS + UNIT_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in GROUP_FIELDS + UNIT_FIELDS}

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        keep = GROUP_FIELDS if kind == SummaryKind.GROUP else UNIT_FIELDS
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


class RecipientForm(forms.ModelForm):
    """A recipient of the monthly report: a person or an office (e.g. the city office)."""

    class Meta:
        model = ReportRecipient
        fields = ["email", "name", "note"]
        help_texts = {"name": _("例如：区专项办、街道分管领导。"), "note": _("例如：职务、联系电话。")}


class ThresholdForm(forms.ModelForm):
    """The scorecard's threshold: a score (of 100) below which a unit is named a laggard."""

    class Meta:
        model = Campaign
        fields = ["laggard_score"]
        widgets = {"laggard_score": forms.NumberInput(attrs={"min": 0, "max": 100, "data-testid": "threshold-input"})}


class SupervisionForm(forms.ModelForm):
    """The city office's 通报 or 约谈 of one of its streets (issue 19)."""

    street = forms.ModelChoiceField(label=_("镇街"), queryset=None)
    reason = forms.CharField(label=_("理由"), max_length=200, required=False)

    class Meta:
        model = Supervision
        fields = ["kind", "date", "text", "rectify_by"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "rectify_by": forms.DateInput(attrs={"type": "date"}),
            "text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, city_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        from organization.models import Jurisdiction

        self.fields["street"].queryset = Jurisdiction.objects.filter(parent_id=city_id)
        self.order_fields(["street", "kind", "date", "text", "rectify_by", "reason"])


class SupervisionEditForm(VersionedFormMixin, forms.ModelForm):
    """The city office corrects a supervision not yet rectified, with a reason (the audit trail)."""

    reason = forms.CharField(label=_("修改理由"), max_length=200)

    class Meta:
        model = Supervision
        fields = ["kind", "date", "text", "rectify_by"]
        widgets = SupervisionForm.Meta.widgets


class SupervisionReportForm(forms.ModelForm):
    """The street office's report of its rectification: what it did and when it was done."""

    class Meta:
        model = Supervision
        fields = ["rectification", "rectified_on"]
        widgets = {
            "rectification": forms.Textarea(attrs={"rows": 5}),
            "rectified_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rectification"].required = True
        self.fields["rectified_on"].required = True


class SupervisionConfirmForm(forms.Form):
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)


class SupervisionReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
