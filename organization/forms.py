"""The street office's forms for units, people and sensitive rights. Who may use them is
organization/rules.py; what they save is organization/services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import UnitCode, UnitKind
from .models import Unit, User

#: The least a reason says ("核实线索" is four characters).
REASON_MIN_LENGTH = 4


class ReasonMixin(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "reason-input"}),
        max_length=2000,
        help_text=_("记入操作记录：谁、何时、改了什么、为什么。"),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < REASON_MIN_LENGTH:
            raise forms.ValidationError(
                _("请写明原因（至少 %(n)d 个字）。") % {"n": REASON_MIN_LENGTH}, code="reason_short"
            )
        return reason


#: The plan's units (``organization.services.MEMBER_UNITS``, ``WORKING_GROUPS``): what a unit is
#: in the plan, by which the rules (the crackdown group, the police…) and the sector table's
#: defaults find it; a new street's units are told here (issue 19).
PLAN_UNIT_CHOICES = [
    ("", _("（不对应）")),
    (UnitCode.COMMUNITY_GOVERNANCE, _("社区治理办")),
    (UnitCode.SOCIAL_AFFAIRS, _("社会事务办")),
    (UnitCode.DEVELOPMENT_CENTRE, _("发展服务中心")),
    (UnitCode.ENTERPRISE_CENTRE, _("企业服务中心")),
    (UnitCode.CULTURE_CENTRE, _("文体服务中心")),
    (UnitCode.HEALTH_OFFICE, _("卫健办")),
    (UnitCode.ELDERLY_OFFICE, _("涉老办")),
    (UnitCode.LAND_OFFICE, _("国土所")),
    (UnitCode.JUSTICE_OFFICE, _("司法所")),
    (UnitCode.LAW_ENFORCEMENT, _("综合执法中队")),
    (UnitCode.POLICE, _("派出所")),
    (UnitCode.MARKET_REGULATION, _("市场监督管理所")),
    (UnitCode.TRIBUNAL, _("人民法庭")),
    (UnitCode.RURAL_BANK, _("农商银行")),
    (UnitCode.GROUP_GENERAL, _("综合组")),
    (UnitCode.GROUP_CRACKDOWN, _("打击组")),
    (UnitCode.GROUP_RECTIFICATION, _("整治组")),
    (UnitCode.GROUP_PUBLICITY, _("宣教组")),
]


class UnitForm(ReasonMixin, forms.ModelForm):
    """A unit's name, kind, host unit (working groups), liaison and contact details, with the reason."""

    class Meta:
        model = Unit
        fields = ["name", "short_name", "kind", "host_unit", "liaison", "phone", "email", "address", "sort_order"]
        widgets = {"name": forms.TextInput(attrs={"data-testid": "unit-name"})}

    code = forms.ChoiceField(
        label=_("实施方案中的单位"),
        choices=PLAN_UNIT_CHOICES,
        required=False,
        help_text=_(
            "新镇街的单位请选择它在实施方案中对应的单位（如打击组、市场监督管理所）：系统据此分派案件、设置整治领域的默认监管单位。设定后不再修改。"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.code:  # set once (the rules find the unit by it)
            del self.fields["code"]
        else:
            names = [n for n in self.fields if n != "code"]
            self.order_fields([*names[: names.index("kind") + 1], "code", *names[names.index("kind") + 1 :]])
        self.fields["kind"].choices = [c for c in UnitKind.choices if c[0] != UnitKind.STREET_OFFICE]
        if self.instance.pk and self.instance.kind == UnitKind.STREET_OFFICE:
            self.fields["kind"].choices = UnitKind.choices
            self.fields["kind"].disabled = True
        hosts = Unit.objects.filter(is_active=True, kind__in=[UnitKind.MEMBER_UNIT, UnitKind.STREET_OFFICE])
        if self.instance.pk:
            hosts = hosts.exclude(pk=self.instance.pk)
        self.fields["host_unit"].queryset = hosts.order_by("kind", "sort_order", "name")
        self.fields["host_unit"].help_text = _("只有工作组填写，例如打击组挂靠派出所。")
        if self.instance.pk:
            self.fields["liaison"].queryset = User.objects.filter(unit=self.instance, is_active=True).order_by(
                "username"
            )
            self.fields["liaison"].help_text = _("本单位在用的人员；发给本单位的邮件会发给联络员。")
        else:  # nobody belongs to a new unit yet: its first person can be made its liaison
            del self.fields["liaison"]
        self.fields["kind"].widget.attrs["data-testid"] = "unit-kind"
        self.order_fields([*self.Meta.fields, "reason"])


class PersonForm(ReasonMixin, forms.ModelForm):
    """A person's name, unit, role and contact details; ``make_liaison`` makes them the liaison
    of their unit."""

    make_liaison = forms.BooleanField(
        label=_("设为本单位联络员"),
        required=False,
        help_text=_("发给本单位的提醒、督办等邮件将发给联络员，请同时填写电子邮箱。"),
        widget=forms.CheckboxInput(attrs={"data-testid": "make-liaison"}),
    )

    class Meta:
        model = User
        fields = ["username", "name", "unit", "role", "phone", "email"]
        widgets = {
            "username": forms.TextInput(attrs={"data-testid": "person-username"}),
            "name": forms.TextInput(attrs={"data-testid": "person-name"}),
            "email": forms.EmailInput(attrs={"data-testid": "person-email"}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("kind", "sort_order", "name")
        self.fields["unit"].required = True
        self.fields["unit"].widget.attrs["data-testid"] = "person-unit"
        self.fields["role"].required = True
        self.fields["role"].widget.attrs["data-testid"] = "person-role"
        self.fields["name"].required = True
        if self.instance.pk:
            del self.fields["username"]  # the sign-in name stays
            self.fields["make_liaison"].initial = bool(
                self.instance.unit_id and Unit.objects.filter(pk=self.instance.unit_id, liaison=self.instance).exists()
            )
        else:
            self.fields["username"].help_text = _(
                "登录用的名称：字母、数字或 @ . + - _。初始密码由系统生成，只显示一次。"
            )
        self.order_fields([*self.Meta.fields, "make_liaison", "reason"])

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "username"}
        if "username" in self.cleaned_data:
            data["username"] = self.cleaned_data["username"]
        return data


class ReasonForm(ReasonMixin):
    """Just the reason: deactivate, activate, reset a password, grant or withdraw a right."""
