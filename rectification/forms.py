"""Forms of the rectification area. They collect input; the services apply the rules."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedFormMixin
from core.forms import MultipleFileField
from core.uploads import validate_workbook
from organization.models import Unit

from .choices import Horizon, MeasureKind, PlanStatus, ProblemCategory, RiskGrade, Sector
from .models import ContingencyPlan, Institution
from .services import PLAN_FIELDS
from .validators import normalize_credit_code, validate_credit_code

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def supervising_units():
    return Unit.objects.filter(is_active=True, kind__in=["member_unit", "working_group", "street_office"])


class InstitutionForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Institution
        fields = [
            "name",
            "credit_code",
            "type",
            "sector",
            "supervising_unit",
            "address",
            "community",
            "legal_representative",
            "contact_phone",
            "status",
            "collapse_risk",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    reason = forms.CharField(label=_("修改说明"), required=False, max_length=500)
    confirm_not_duplicate = forms.BooleanField(
        label=_("确认不是重复登记"),
        required=False,
        help_text=_("已有名称和地址相同的机构时，核实确为另一家机构后勾选。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervising_unit"].required = False
        self.fields["supervising_unit"].queryset = supervising_units()
        self.fields["supervising_unit"].help_text = _(
            "须为监管该整治领域的单位（见“领域监管单位”）；留空则由该领域的牵头单位监管。"
        )
        self.fields["community"].queryset = Unit.objects.communities()
        self.fields["sector"].widget.attrs["data-sector-select"] = "1"
        self.fields["supervising_unit"].widget.attrs["data-unit-select"] = "1"
        if self.instance.pk is None:
            del self.fields["reason"]

    def clean_credit_code(self):
        value = normalize_credit_code(self.cleaned_data.get("credit_code"))
        if value:
            validate_credit_code(value)
        return value

    def _post_clean(self):
        # Uniqueness and the defaults are the service's job; skip ModelForm's model validation of
        # the blank supervising unit.
        pass


class SupervisorOverrideForm(forms.Form):
    """The street office's explicit choice of a supervising unit, with the reason."""

    unit = forms.ModelChoiceField(label=_("监管单位"), queryset=Unit.objects.none())
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.member_units().order_by("sort_order", "name")


class SectorsForm(forms.Form):
    """Each sector's lead unit and its other supervising units, and why the table changes."""

    reason = forms.CharField(label=_("修改理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.member_units().order_by("sort_order", "name")
        for sector, label in Sector.choices:
            assigned = current.get(sector, [])
            self.fields[f"lead_{sector}"] = forms.ModelChoiceField(
                label=format_lazy(_("{sector}：牵头单位"), sector=label),
                queryset=units,
                initial=assigned[0].pk if assigned else None,
            )
            self.fields[f"units_{sector}"] = forms.ModelMultipleChoiceField(
                label=format_lazy(_("{sector}：其他监管单位"), sector=label),
                queryset=units,
                required=False,
                initial=[u.pk for u in assigned[1:]],
                widget=forms.CheckboxSelectMultiple,
            )
        self.order_fields([*(f for s in Sector.values for f in (f"lead_{s}", f"units_{s}")), "reason"])

    def mapping(self) -> dict:
        return {
            sector: (self.cleaned_data[f"lead_{sector}"], list(self.cleaned_data.get(f"units_{sector}") or []))
            for sector in Sector.values
        }


class GradeForm(forms.Form):
    grade = forms.TypedChoiceField(label=_("风险等级"), choices=RiskGrade.choices, coerce=int)
    reason = forms.CharField(label=_("定级理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, **kwargs):
        from .services import grade_settings

        super().__init__(*args, **kwargs)
        labels = grade_settings()  # the configured labels (one query)
        self.fields["grade"].choices = [(value, labels[value].label) for value, _label in RiskGrade.choices]


class InspectionForm(forms.Form):
    date = forms.DateField(label=_("检查日期"), widget=DATE)
    unit = forms.ModelChoiceField(label=_("检查单位"), queryset=Unit.objects.none())
    inspectors = forms.CharField(label=_("检查人员"), max_length=200)
    findings = forms.CharField(label=_("检查情况"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("现场照片"), images_only=True)

    raise_problem = forms.BooleanField(label=_("发现问题，列入问题清单"), required=False)
    problem_description = forms.CharField(label=_("问题描述"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    problem_category = forms.ChoiceField(label=_("问题类别"), choices=ProblemCategory.choices, required=False)
    problem_horizon = forms.ChoiceField(label=_("整治类型"), choices=Horizon.choices, initial=Horizon.IMMEDIATE)
    problem_owner_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none(), required=False)
    problem_owner_person = forms.CharField(label=_("责任人"), max_length=50, required=False)
    measure_kind = forms.ChoiceField(label=_("整改措施"), choices=MeasureKind.choices, required=False)
    measure_deadline = forms.DateField(label=_("完成期限"), required=False, widget=DATE)
    measure_detail = forms.CharField(label=_("措施内容"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.receivers()
        self.fields["unit"].queryset = units
        self.fields["problem_owner_unit"].queryset = units
        self.fields["date"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("raise_problem"):
            required = {
                "problem_description": _("请填写问题描述。"),
                "problem_category": _("请选择问题类别。"),
                "problem_owner_unit": _("请选择责任单位。"),
                "problem_owner_person": _("请填写责任人。"),
                "measure_kind": _("请选择整改措施。"),
                "measure_deadline": _("请填写完成期限。"),
            }
            for name, message in required.items():
                if not data.get(name):
                    self.add_error(name, message)
        return data


class ProblemForm(forms.Form):
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ChoiceField(label=_("问题类别"), choices=ProblemCategory.choices)
    horizon = forms.ChoiceField(label=_("整治类型"), choices=Horizon.choices)
    owner_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    owner_person = forms.CharField(label=_("责任人"), max_length=50)
    measure_kind = forms.ChoiceField(label=_("整改措施"), choices=MeasureKind.choices)
    measure_deadline = forms.DateField(label=_("完成期限"), widget=DATE)
    measure_detail = forms.CharField(label=_("措施内容"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = Unit.objects.receivers()


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("整改措施"), choices=MeasureKind.choices)
    deadline = forms.DateField(label=_("完成期限"), widget=DATE)
    detail = forms.CharField(label=_("措施内容"), max_length=500, required=False)


class MeasureCompleteForm(forms.Form):
    result = forms.CharField(label=_("落实情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class TransitionForm(forms.Form):
    """A move of a problem: the reason (required when the rule says so), the department for a
    transfer, and the version the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)
    department = forms.CharField(label=_("移交的主管部门"), max_length=100, required=False)

    def __init__(self, *args, needs_reason: bool = False, with_department: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = needs_reason
        if with_department:
            self.fields["department"].required = True
        else:
            del self.fields["department"]


class PlanForm(forms.ModelForm):
    class Meta:
        model = ContingencyPlan
        fields = list(PLAN_FIELDS)
        widgets = {
            "risk_assessment": forms.Textarea(attrs={"rows": 3}),
            "trigger": forms.Textarea(attrs={"rows": 2}),
            "response": forms.Textarea(attrs={"rows": 4}),
            "review_date": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = Unit.objects.receivers()
        self.fields["amount_involved"].min_value = 0


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=PlanStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("说明"), required=False, max_length=500)


class ImportForm(forms.Form):
    MODE_ALL = "all"
    MODE_VALID = "valid_only"
    MODE_CHECK = "check"
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=[
            (MODE_CHECK, _("仅校验，不导入")),
            (MODE_ALL, _("全部行校验通过才导入")),
            (MODE_VALID, _("只导入校验通过的行")),
        ],
        initial=MODE_CHECK,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件。"))
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 10 MB。"))
        validate_workbook(upload)  # type by content, zip bomb: before it is stored and queued
        return upload
