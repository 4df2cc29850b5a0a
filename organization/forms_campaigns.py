"""Forms of the campaign pages: a campaign with its phases (one form holding a formset), and the
copy form (a new name and start date)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import PhaseKind
from .models import Campaign
from .services_campaigns import PhaseSpec

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PhaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("环节"), choices=[("", "---------"), *PhaseKind.choices], required=False)
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    start_date = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=DATE)
    runs_throughout = forms.BooleanField(
        label=_("贯穿始终"), required=False, widget=forms.CheckboxInput(attrs={"aria-label": _("贯穿始终")})
    )
    description = forms.CharField(label=_("工作要求"), max_length=2000, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("kind"):  # an empty row is no phase
            if any(data.get(k) for k in ("name", "start_date", "end_date", "description")):
                raise forms.ValidationError(_("请选择工作环节的类型。"))
            return data
        for key in ("name", "start_date", "end_date"):
            if not data.get(key):
                self.add_error(key, _("请填写此项。"))
        return data

    def spec(self) -> PhaseSpec | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return PhaseSpec(
            kind=data["kind"],
            name=data["name"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            runs_throughout=bool(data.get("runs_throughout")),
            description=data.get("description") or "",
        )


PhaseFormSet = forms.formset_factory(PhaseForm, extra=0, max_num=len(PhaseKind.values), absolute_max=10)


class CampaignForm(forms.ModelForm):
    """The campaign's fields, its phases (``self.phases``, a formset with one row per phase kind)
    and the reason that goes into the audit trail."""

    reason = forms.CharField(label=_("原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Campaign
        fields = ["name", "short_name", "start_date", "end_date", "report_day", "laggard_score", "description"]
        widgets = {"start_date": DATE, "end_date": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, with_active: bool = False, needs_reason: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["report_day"].min_value = 1
        self.fields["report_day"].widget.attrs.update(min=1, max=31)
        if with_active:
            self.fields["is_active"] = forms.BooleanField(
                label=Campaign._meta.get_field("is_active").verbose_name,
                help_text=Campaign._meta.get_field("is_active").help_text,
                required=False,
                initial=self.instance.is_active,
            )
        self.fields["reason"].required = needs_reason
        instance = self.instance
        existing = {p.kind: p for p in instance.phases.all()} if instance.pk else {}
        initial = []
        for kind in PhaseKind.values:
            p = existing.get(kind)
            initial.append(
                {
                    "kind": kind if p else "",
                    "name": p.name if p else "",
                    "start_date": p.start_date if p else None,
                    "end_date": p.end_date if p else None,
                    "runs_throughout": p.runs_throughout if p else False,
                    "description": p.description if p else "",
                }
            )
        self.phases = PhaseFormSet(self.data if self.is_bound else None, initial=initial, prefix="phase")

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and not self.phases.is_valid():
            self.add_error(None, _("请检查工作环节。"))

    def _post_clean(self) -> None:
        # the service validates and saves the campaign (the model's own check would also ask
        # for the unique name, which the service answers with its own message)
        pass

    def phase_specs(self) -> list[PhaseSpec]:
        return [s for s in (f.spec() for f in self.phases.forms) if s is not None]

    def campaign_fields(self) -> dict[str, Any]:
        keys = [*self.Meta.fields, *(["is_active"] if "is_active" in self.fields else [])]
        return {k: self.cleaned_data.get(k) for k in keys}


class CampaignCopyForm(forms.Form):
    name = forms.CharField(label=_("新专项行动名称"), max_length=200)
    short_name = forms.CharField(label=_("简称"), max_length=50, required=False)
    start_date = forms.DateField(
        label=_("新的开始日期"), widget=DATE, help_text=_("工作环节按开始日期整体平移，月报截止日和后进线不变。")
    )
    reason = forms.CharField(label=_("原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
