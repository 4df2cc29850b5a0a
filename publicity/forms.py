"""Forms of the publicity area. They check what a person can fix on the page; the services check
permissions and the models' constraints again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.selectors import linkable_typical_cases, publicity_label, visible_cases
from core.concurrency import VersionedFormMixin
from core.forms import MultipleFileField
from organization.models import Unit, User

from .choices import OpinionStatus
from .models import AWARENESS_KINDS, ELDERLY_TOO_MANY, Activity, AwarenessSurvey, MediaReport, OpinionEntry
from .rules import communities_to_record_for, own_community, records_all, units_to_record_for

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]


def link_cases(form: forms.ModelForm, name: str, cases) -> None:
    """Offer the cases the user may see; without any (community staff), no case field at all,
    and a case linked by someone else stays as it is."""
    if cases.exists():
        form.fields[name].queryset = cases.order_by("-opened_on")
    else:
        del form.fields[name]


class MonthInput(forms.DateInput):
    """A month picker (``<input type="month">``, value ``2022-06``)."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class ServiceForm(VersionedFormMixin, forms.ModelForm):
    """A model form whose cleaned fields go to a service instead of ``save()``; it carries the
    version the record had when the form was shown."""

    extra_service_fields: tuple[str, ...] = ()

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        names = [*self._meta.fields, *self.extra_service_fields]
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}

    def own_units(self):
        """The units the user may record for (publicity/rules.py): all for the publicity group and
        the street office, their own for others."""
        return units_to_record_for(self.user)


class ActivityForm(ServiceForm):
    photos = MultipleFileField(images_only=True, label=_("照片"))
    extra_service_fields = ("photos",)

    class Meta:
        model = Activity
        fields = [
            "date",
            "title",
            "activity_type",
            "venue",
            "organiser",
            "community",
            "people_reached",
            "elderly_reached",
            "materials",
            "messages",
            "description",
            "typical_case",
        ]
        widgets = {"date": DATE_INPUT, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = self.own_units()
        communities = Unit.objects.communities()
        community = own_community(self.user)  # a community's staff record their own community's
        if community is not None:
            communities = communities.filter(pk=community)
            self.fields["community"].required = True
            self.fields["community"].empty_label = None
            self.fields["organiser"].empty_label = None
            self.initial.setdefault("community", community)
            self.initial.setdefault("organiser", community)
        elif not self.instance.pk:
            self.initial.setdefault("organiser", self.user.unit_id)
        self.fields["community"].queryset = communities
        if not self.instance.pk:
            self.initial.setdefault("date", timezone.localdate())
        link_cases(self, "typical_case", linkable_typical_cases(self.user))
        if "typical_case" in self.fields:  # named by the publicity title once cleared
            self.fields["typical_case"].label_from_instance = publicity_label

    def clean(self):
        data = super().clean()
        people, elderly = data.get("people_reached"), data.get("elderly_reached")
        if people is not None and elderly is not None and elderly > people:
            self.add_error("elderly_reached", ELDERLY_TOO_MANY)
        return data


class SurveyForm(ServiceForm):
    month = forms.DateField(
        label=_("月份"), input_formats=MONTH_FORMATS, widget=MonthInput(), help_text=_("格式：2022-06")
    )

    class Meta:
        model = AwarenessSurvey
        fields = ["community", "month", *(f for k in AWARENESS_KINDS for f in (k.surveyed, k.aware)), "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        communities = communities_to_record_for(self.user)
        if not records_all(self.user):  # only the user's own: nothing else to choose
            self.fields["community"].empty_label = None
        self.fields["community"].queryset = communities

    def clean_month(self):
        month = self.cleaned_data["month"]
        return month.replace(day=1) if month else month

    def clean(self):
        data = super().clean()
        for kind in AWARENESS_KINDS:
            surveyed, aware = data.get(kind.surveyed), data.get(kind.aware)
            if surveyed is not None and aware is not None and aware > surveyed:
                self.add_error(kind.aware, kind.too_many)
        return data


class UnitRecordForm(ServiceForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = self.own_units()
        self.fields["unit"].empty_label = None
        if not self.instance.pk:
            self.initial.setdefault("unit", self.user.unit_id)


class MediaReportForm(UnitRecordForm):
    url = forms.URLField(label=_("链接"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = MediaReport
        fields = ["date", "outlet", "level", "title", "url", "unit", "note"]
        widgets = {"date": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 2})}


class OpinionForm(UnitRecordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        link_cases(self, "case", visible_cases(self.user))

    class Meta:
        model = OpinionEntry
        fields = ["date", "source", "risk_level", "summary", "response", "case", "case_reference", "unit"]
        widgets = {
            "date": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 3}),
        }


class OpinionFollowUpForm(forms.Form):
    """A follow-up of a public-opinion entry and the status it moves the entry to."""

    date = forms.DateField(label=_("日期"), widget=DATE_INPUT)
    note = forms.CharField(label=_("跟进情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    status = forms.ChoiceField(
        label=_("处置状态"), choices=[(s.value, s.label) for s in (OpinionStatus.FOLLOWING, OpinionStatus.RESOLVED)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("上报理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
