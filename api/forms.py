"""The street office's forms for API tokens (api/rules.py says who; api/services.py saves)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from organization.forms import ReasonMixin
from organization.models import Unit

from .models import ApiToken, Peer, PeerDirection, TokenKind, TokenRight
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


class PeerAddForm(ReasonMixin):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如：某街道护老系统、市护老系统。"))
    base_url = forms.URLField(
        label=_("系统地址"), max_length=300, assume_scheme="https", help_text=_("如 https://hulao.example.gov.cn")
    )
    direction = forms.ChoiceField(label=_("方向"), choices=PeerDirection.choices)
    secret = forms.CharField(
        label=_("对方签发的令牌"),
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("对方系统的街道专项办签发给我方的接口令牌（加密保存，不再显示）。"),
    )
    inbound_token = forms.ModelChoiceField(
        label=_("对方使用的我方令牌"),
        queryset=ApiToken.objects.active(),
        required=False,
        help_text=_("我方签发给对方系统的令牌：对方凭它转办线索或报送办结情况（须有“上下级系统对接”权限）。"),
    )

    field_order = ["name", "base_url", "direction", "secret", "inbound_token", "reason"]

    def service_kwargs(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "base_url", "direction", "secret", "inbound_token", "reason")}


class PeerDeactivateForm(ReasonMixin):
    """Just the reason."""


class TransferDownForm(forms.Form):
    peer = forms.ModelChoiceField(label=_("下级系统"), queryset=Peer.objects.none())
    reference = forms.CharField(label=_("转办文号"), max_length=100)
    deadline = forms.DateField(label=_("反馈期限"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, lead=None, **kwargs):
        from .federation import down_peers

        super().__init__(*args, **kwargs)
        self.fields["peer"].queryset = down_peers()
        if lead is not None:
            self.fields["reference"].initial = lead.number
            if lead.higher_deadline:
                self.fields["deadline"].initial = lead.higher_deadline

    def service_kwargs(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("peer", "reference", "deadline", "reason")}


class TransferRetryForm(forms.Form):
    reason = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
