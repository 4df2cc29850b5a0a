"""The city office's forms for its streets (issue 19): organization/rules_streets.py says who,
organization/services_streets.py what is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import ReasonMixin
from .models import Jurisdiction, User


class StreetForm(ReasonMixin):
    name = forms.CharField(label=_("镇街名称"), max_length=100, help_text=_("例如：东石镇。"))
    office_name = forms.CharField(
        label=_("镇街专项办名称"), max_length=100, required=False, help_text=_("不填则为“镇街名称＋专项办”。")
    )
    short_name = forms.CharField(label=_("简称"), max_length=30, required=False)
    liaison = forms.ModelChoiceField(label=_("联络员"), queryset=User.objects.none(), required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)

    def __init__(self, *args: Any, street: Jurisdiction | None = None, **kwargs: Any):
        office = street.street_office() if street is not None else None
        if office is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": street.name,
                "office_name": office.name,
                "short_name": office.short_name,
                "liaison": office.liaison_id,
                "phone": office.phone,
                "email": office.email,
                "address": office.address,
            }
        super().__init__(*args, **kwargs)
        if office is not None:  # the office's active people (nobody yet in a new street)
            self.fields["liaison"].queryset = User.objects.filter(unit=office, is_active=True).order_by("username")
        else:
            del self.fields["liaison"]
        self.order_fields(["name", "office_name", "short_name", "liaison", "phone", "email", "address", "reason"])

    def street_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


class StreetStaffForm(ReasonMixin):
    """An account for a street office's staff, opened by the city (the role and unit are fixed:
    镇街专项办 of that street)."""

    username = forms.CharField(
        label=_("登录用户名"), max_length=150, widget=forms.TextInput(attrs={"data-testid": "person-username"})
    )
    name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs={"data-testid": "person-name"}))
    phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    make_liaison = forms.BooleanField(
        label=_("设为镇街专项办联络员"),
        required=False,
        help_text=_("发给镇街专项办的转办、通报等邮件将发给联络员，请同时填写电子邮箱。"),
    )

    def staff_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}
