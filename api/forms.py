"""The street office's forms for API tokens (api/rules.py says who; api/services.py saves)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from organization.forms import ReasonMixin
from organization.models import Unit

from .models import TokenKind, TokenRight
from .services import ROLE_OF_KIND


class TokenIssueForm(ReasonMixin):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如：区12345热线、某社区网格系统。"))
    kind = forms.ChoiceField(label=_("类型"), choices=TokenKind.choices, initial=TokenKind.SYSTEM)
    unit = forms.ModelChoiceField(
        label=_("代表单位"),
        queryset=Unit.objects.filter(is_active=True, kind__in=list(ROLE_OF_KIND)),
        help_text=_("令牌以该单位的范围读取和登记，与该单位人员相同。"),
    )
    rights = forms.MultipleChoiceField(
        label=_("权限"),
        choices=TokenRight.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenRight.READ],
        help_text=_("“查看举报人身份”只能由有“授予敏感权限”权限的人员授予代表街道专项办的令牌。"),
    )

    field_order = ["name", "kind", "unit", "rights", "reason"]

    def service_kwargs(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "kind", "unit", "rights", "reason")}


class TokenRevokeForm(ReasonMixin):
    """Just the reason."""
