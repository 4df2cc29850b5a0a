from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedFormMixin
from core.forms import RecentModelChoiceField, RecentModelMultipleChoiceField
from organization.choices import UnitKind
from organization.models import Unit

from .choices import LedgerKind
from .models import Case, PublicOpinionPlan
from .services import CASE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

#: How many leads a lead picker lists (the most recent first); any eligible lead is accepted.
LEAD_CHOICES = 100
#: How many institutions the case form lists (by name): every one of a street office's, a
#: bounded list at city scale (20,000 institutions would be a 2 MB page). Any visible one is accepted.
INSTITUTION_CHOICES = 1000


def lead_choices(leads):
    """Leads for a picker: newest first, only what the label needs (no informant fields)."""
    return leads.only("pk", "number", "summary").order_by("-received_on", "-pk")


class CaseForm(VersionedFormMixin, forms.ModelForm):
    """What a case records. The model's ``clean`` refuses a missing contingency plan (the field
    error keeps everything typed); the service checks again."""

    date = forms.DateField(label=_("立案/受理日期"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("说明"), required=False, max_length=500)

    class Meta:
        model = Case
        fields = list(CASE_FIELDS)
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "case_plan": forms.Textarea(attrs={"rows": 3}),
            "contingency_plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, creating: bool = True, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if creating and user is not None:
            from .services import eligible_leads

            self.fields["source_leads"] = RecentModelMultipleChoiceField(
                label=_("来源线索"),
                required=False,
                queryset=lead_choices(eligible_leads(user)),
                limit=LEAD_CHOICES,
                help_text=_("移送打击组的线索（列出最近的 %(n)s 条）；可不选（直接立案）。") % {"n": LEAD_CHOICES},
            )
            self.order_fields(["source_leads"])
        self.fields["handling_unit"].queryset = Unit.objects.filter(
            is_active=True, kind__in=[UnitKind.WORKING_GROUP, UnitKind.MEMBER_UNIT]
        ).order_by("kind", "sort_order")
        if "institution" in self.fields:
            field = self.fields["institution"]
            self.fields["institution"] = RecentModelChoiceField(
                label=field.label,
                required=field.required,
                queryset=field.queryset.order_by("name", "pk"),
                limit=INSTITUTION_CHOICES,
                help_text=field.help_text,
            )
        if not creating:
            del self.fields["date"]
            if self.instance.kind_is_locked:
                self.fields["kind"].disabled = True


class StepForm(forms.Form):
    """Moving a case to the step its URL names (``cases.rules.STEP_ACTIONS``): the date and why."""

    prefix = "advance"
    date = forms.DateField(label=_("日期"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("说明"), required=False, max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("说明"), required=False, max_length=500)


class PublicityClearForm(forms.ModelForm):
    """What a typical case shows the publicity group: written for the public, without names."""

    reason = forms.CharField(label=_("说明"), max_length=500)

    class Meta:
        model = Case
        fields = ["publicity_title", "publicity_summary", "publicity_show_amount"]
        widgets = {"publicity_summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publicity_title"].required = True
        self.fields["publicity_summary"].required = True

    def _post_clean(self):
        pass  # the service saves, through the rules


class LedgerEntryForm(forms.Form):
    prefix = "ledger"
    kind = forms.ChoiceField(label=_("类别"), choices=LedgerKind.choices)
    date = forms.DateField(label=_("日期"), widget=DATE, initial=timezone.localdate)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    note = forms.CharField(label=_("说明"), required=False, max_length=300)
    confirm_excess = forms.BooleanField(label=_("确认超过涉案金额"), required=False)
    excess_reason = forms.CharField(label=_("超过涉案金额的理由"), required=False, max_length=300)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲正原因"), max_length=300)


class OpinionPlanForm(forms.ModelForm):
    class Meta:
        model = PublicOpinionPlan
        fields = ["assessment", "monitoring", "response", "owner"]
        widgets = {
            "assessment": forms.Textarea(attrs={"rows": 3}),
            "monitoring": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 3}),
        }


class LinkLeadsForm(forms.Form):
    prefix = "link"
    leads = RecentModelMultipleChoiceField(label=_("关联线索"), queryset=None, limit=LEAD_CHOICES)

    def __init__(self, *args, user, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import eligible_leads

        self.fields["leads"].queryset = lead_choices(eligible_leads(user).exclude(cases=case))
        self.fields["leads"].help_text = _("列出最近的 %(n)s 条可关联线索。") % {"n": LEAD_CHOICES}
