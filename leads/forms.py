from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedFormMixin
from core.forms import MoneyField, MultipleFileField
from core.identity import hint_labels, identity_hints
from core.uploads import validate_workbook
from core.visibility import visible_to
from organization.models import Unit, User

from . import rules as lead_rules
from .choices import CaseKind, Channel, FraudType, LeadSource, Outcome
from .models import Lead
from .services import EDIT_FIELDS, INTAKE_FIELDS, TRANSFER_FIELDS

DATE = forms.DateInput(attrs={"type": "date"})
TEL = forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"})
TIMESTAMP_SALT = "leads.tip-form"
HOLD_SALT = "leads.tip-hold"


class _HeldFiles(MultipleFileField):
    """The tip form's files: not checked here but held by ``leads.public.hold_files`` (which
    checks each file and the caps, and keeps the good ones when the form comes back)."""

    def clean(self, data, initial=None):
        return []


def _hold_token() -> str:
    return secrets.token_urlsafe(24)


def keep_identity_field() -> forms.BooleanField:
    """Shown (as a tick box) only once the warning below is: hidden before."""
    return forms.BooleanField(
        label=_("确认保留：这些号码不是举报人本人的（如被举报对象的电话），保留在描述中"),
        required=False,
        widget=forms.HiddenInput,
    )


class IdentityHintMixin:
    """Free text that looks like it holds a phone or ID number (``core.identity``) is sent back
    with a warning (issue 16.7): the informant's own details belong in the contact fields, which
    are encrypted; a number that is not the informant's (the company's phone) is kept once the
    user ticks ``keep_identity``."""

    identity_fields: tuple[str, ...] = ("description",)
    fields: dict
    cleaned_data: dict

    def check_identity(self, data: dict) -> None:
        if data.get("keep_identity"):
            return
        kinds = identity_hints(*(str(data.get(name) or "") for name in self.identity_fields))
        if not kinds:
            return
        self.fields["keep_identity"].widget = forms.CheckboxInput()
        where = next(n for n in self.identity_fields if identity_hints(str(data.get(n) or "")))
        self.add_error(  # type: ignore[attr-defined]
            where,
            forms.ValidationError(
                _(
                    "这里似乎写有%(kinds)s。如是举报人本人的，请删去并填到联系方式栏（加密保存，只有经授权的人员能看到）；"
                    "如不是举报人的（如被举报对象的电话）确需保留，请勾选“确认保留”后再提交。"
                ),
                code="identity",
                params={"kinds": hint_labels(kinds)},
            ),
        )


class TipForm(IdentityHintMixin, forms.Form):
    """The public tip form: plain words, few required fields, anonymous allowed.

    Two signed hidden fields: ``started`` (when we issued the form; only its signature and an age
    of at most ``LEADS_TIP_FORM_MAX_AGE_HOURS`` are checked, plus ``LEADS_TIP_MIN_SECONDS`` if a
    deployment sets it) and ``hold`` (the random token the files sent with this form are held
    under, and that makes the form send one lead only). A refused form comes back with fresh
    tokens (``refresh_tokens``) and everything typed and attached kept."""

    description = forms.CharField(
        label=_("发生了什么？"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_("请尽量写清楚：谁、在哪里、用什么说法、让老人交了什么钱。"),
    )
    # Nothing preselected (issue 16.5): the informant picks one, or 不清楚.
    fraud_type = forms.ChoiceField(label=_("属于哪一类？"), choices=[("", _("请选择")), *FraudType.choices])
    subject_name = forms.CharField(label=_("机构或个人名称"), max_length=200, required=False)
    subject_address = forms.CharField(label=_("地址"), max_length=200, required=False)
    subject_phone = forms.CharField(label=_("对方电话"), max_length=40, required=False, widget=TEL)
    subject_credit_code = forms.CharField(label=_("统一社会信用代码（如知道）"), max_length=18, required=False)
    money_lost = MoneyField(label=_("损失金额（元）"), required=False, help_text=_("可写“2万”“20000元”“2.5万元”。"))
    occurred = forms.CharField(label=_("什么时候发生的？"), max_length=100, required=False)
    elderly_affected = forms.IntegerField(label=_("大约有多少位老人受骗？"), min_value=0, required=False)
    files = _HeldFiles(label=_("照片、录音或材料（可不传）"))
    informant_name = forms.CharField(label=_("您的姓名（可不填）"), max_length=50, required=False)
    informant_phone = forms.CharField(
        label=_("您的电话（可不填）"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    keep_identity = keep_identity_field()
    # Anti-bot: a field people do not see, and a signed time the form was shown.
    website = forms.CharField(
        required=False, label=_("请勿填写"), widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    hold = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _("最多 %(n)s 个文件，合计不超过 %(size)s。") % {
            "n": settings.LEADS_TIP_MAX_FILES,
            "size": filesizeformat(settings.LEADS_TIP_MAX_BYTES),
        }
        token = None
        if self.is_bound:
            try:
                token = signing.loads(str(self.data.get("hold", "")), salt=HOLD_SALT)
            except signing.BadSignature:
                token = None
        from organization.models import Jurisdiction

        from .services import tip_streets

        streets = tip_streets()
        if streets:  # a city: the informant says which street it happened in (issue 19)
            self.fields["street"] = forms.ModelChoiceField(
                label=_("事情发生在哪个镇街？"),
                queryset=Jurisdiction.objects.filter(pk__in=[s.pk for s in streets]),
                empty_label=_("请选择"),
            )
            self.order_fields(["street"])
        #: the token the files of this form are held under (new if the form is new or tampered)
        self.hold: str = token if isinstance(token, str) and token else _hold_token()
        if not self.is_bound:
            self.initial["started"] = signing.dumps(time.time(), salt=TIMESTAMP_SALT)
            self.initial["hold"] = signing.dumps(self.hold, salt=HOLD_SALT)

    def refresh_tokens(self) -> None:
        """Before the form is shown again: a new issue time, the same files' token."""
        self.data = self.data.copy()
        self.data["started"] = signing.dumps(time.time(), salt=TIMESTAMP_SALT)
        self.data["hold"] = signing.dumps(self.hold, salt=HOLD_SALT)

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("提交未成功，请稍后再试。"), code="bot")
        max_age = settings.LEADS_TIP_FORM_MAX_AGE_HOURS * 3600
        try:
            started = float(signing.loads(str(self.data.get("started", "")), salt=TIMESTAMP_SALT, max_age=max_age))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(
                _("页面打开的时间较长，已为您保留填写的内容，请核对后再点一次“提交举报”。"), code="stale"
            ) from None
        if time.time() - started < settings.LEADS_TIP_MIN_SECONDS:
            raise forms.ValidationError(_("请核对填写的内容，再点一次“提交举报”。"), code="too_fast")
        self.check_identity(data)
        return data

    def lead_data(self) -> dict:
        d = self.cleaned_data
        summary = (d["description"].strip().splitlines() or [""])[0][:80]
        return {
            "summary": summary,
            **{
                k: d.get(k) or ("" if k not in ("money_lost", "elderly_affected") else None)
                for k in (
                    "description",
                    "fraud_type",
                    "subject_name",
                    "subject_address",
                    "subject_phone",
                    "subject_credit_code",
                    "money_lost",
                    "occurred",
                    "elderly_affected",
                    "informant_name",
                    "informant_phone",
                )
            },
        }


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    )


class SupplementForm(forms.Form):
    text = forms.CharField(
        label=_("补充情况"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    files = MultipleFileField(label=_("补充文件"))


class LeadForm(IdentityHintMixin, forms.ModelForm):
    """Staff intake."""

    identity_fields = ("summary", "description")
    files = MultipleFileField()
    issue_receipt = forms.BooleanField(label=_("发放查询码（电话或来访举报）"), required=False)
    keep_identity = keep_identity_field()

    class Meta:
        model = Lead
        fields = INTAKE_FIELDS
        widgets = {
            "higher_deadline": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
            "informant_name": forms.TextInput,
            "informant_phone": forms.TextInput,
            "informant_id_number": forms.TextInput,
            "informant_address": forms.TextInput,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Unit.objects.communities().of_street(user)
        sources = lead_rules.intake_sources(user) if user is not None else None
        if sources is not None:
            self.fields["source"].choices = [(source, LeadSource(source).label) for source in sources]
        self.fields["channel"].choices = [("", "---------"), *Channel.choices]
        self.fields["original_case_kind"].choices = [("", "---------"), *CaseKind.choices]

    def clean(self):
        data = super().clean()
        self.check_identity(data)
        return data

    def lead_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("files", "issue_receipt", "keep_identity")}


class TransferForm(forms.ModelForm):
    """The city special office transfers a lead to one of its streets (issue 19)."""

    street = forms.ModelChoiceField(label=_("转办镇街"), queryset=None)

    class Meta:
        model = Lead
        fields = TRANSFER_FIELDS
        widgets = {"higher_deadline": DATE, "description": forms.Textarea(attrs={"rows": 4})}
        labels = {"higher_reference": _("转办文号"), "higher_deadline": _("反馈期限")}

    def __init__(self, *args, user=None, **kwargs):
        from organization.models import Jurisdiction

        super().__init__(*args, **kwargs)
        # the streets the user sees (the city: its own; the service checks they are the city's)
        self.fields["street"].queryset = Jurisdiction.objects.visible_to(user).filter(parent__isnull=False)
        self.order_fields(["street", "higher_reference", "higher_deadline"])
        self.fields["higher_reference"].required = True
        self.fields["higher_deadline"].required = True

    def lead_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in TRANSFER_FIELDS and v is not None}


class LeadEditForm(VersionedFormMixin, forms.ModelForm):
    """Staff correct a lead's facts after intake (``services.lead_update``), with a reason. The
    hidden version makes a save over someone else's newer change fail instead of erasing it."""

    reason = forms.CharField(label=_("修改原因"), max_length=500)

    class Meta:
        model = Lead
        fields = EDIT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        communities = Unit.objects.communities()
        if self.instance.jurisdiction_id is not None:  # a street in a city: its own communities
            communities = communities.filter(jurisdiction_id=self.instance.jurisdiction_id)
        self.fields["community"].queryset = communities
        self.fields["channel"].choices = [("", "---------"), *Channel.choices]
        self.fields["original_case_kind"].choices = [("", "---------"), *CaseKind.choices]
        # Only the source's own fields: the document number of a higher office's referral, the
        # original case kind of a lead found in a department's review.
        if self.instance.source != LeadSource.HIGHER:
            del self.fields["higher_reference"]
        if self.instance.source != LeadSource.REVIEW:
            del self.fields["original_case_kind"]

    def lead_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDIT_FIELDS if name in self.fields}


class PageChoices:
    """The choice lists of the action forms shown together on one page (the lead page's panels),
    each read once as plain ``(value, label)`` tuples: one light query per list for the page
    instead of a queryset of model instances per select. An action's own page and every POST
    use the fields' querysets as usual (they validate the choice)."""

    def __init__(self) -> None:
        self._lists: dict[str, list[Any]] = {}

    def get(self, key: str, read: Callable[[], list[Any]]) -> list[Any]:
        if key not in self._lists:
            self._lists[key] = read()
        return self._lists[key]


def _staff_rows() -> list[Any]:
    """Active users with a role, as (pk, role, label), in the users' order: one query."""
    rows = (
        User.objects.filter(is_active=True)
        .exclude(role="")
        .values_list("pk", "role", "name", "first_name", "last_name", "username")
    )
    return [(pk, role, name or f"{first} {last}".strip() or username) for pk, role, name, first, last, username in rows]


class LeadActionForm(forms.Form):
    """The form of one action on a lead (``views.ACTIONS``): its cleaned data are the keyword
    arguments of the action's service (``service_kwargs``), besides ``lead`` and ``user``.
    ``choices`` (a ``PageChoices``) shares the selects' lists between the forms of one page."""

    def __init__(self, *args, lead: Lead | None = None, user=None, choices: PageChoices | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead, self.user, self.page_choices = lead, user, choices

    def share_choices(self, name: str, key: str, read: Callable[[], list[tuple[Any, str]]]) -> None:
        """On a page of several forms, the select ``name`` lists the page's shared ``key`` list."""
        if self.page_choices is None or self.is_bound:
            return
        field = self.fields[name]
        empty = [("", field.empty_label)] if getattr(field, "empty_label", None) is not None else []
        field.choices = [*empty, *self.page_choices.get(key, read)]

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ReasonForm(LeadActionForm):
    reason = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class RequiredReasonForm(LeadActionForm):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RevealReasonForm(RequiredReasonForm):
    """Revealing an informant needs a reason of a few words (``services.REVEAL_REASON_MIN``),
    which the reveals page shows to the grant holders."""

    reason = forms.CharField(
        label=_("查看原因"),
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "reveal-reason"}),
        max_length=2000,
        help_text=_("写明为什么需要查看（至少 4 个字），将记入查看记录。"),
    )

    def clean_reason(self) -> str:
        from .services import REVEAL_REASON_MIN, reveal_reason_error

        reason = self.cleaned_data["reason"].strip()
        if len(reason) < REVEAL_REASON_MIN:
            raise forms.ValidationError(reveal_reason_error(), code="reason_short")
        return reason


class ReferForm(ReasonForm):
    unit = forms.ModelChoiceField(label=_("分派至"), queryset=Unit.objects.receivers())
    deadline = forms.DateField(
        label=_("反馈期限"), required=False, widget=DATE, help_text=_("不填则按来源的默认期限（工作日）计算。")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.receivers().of_street(self.user)
        self.share_choices("unit", "receivers", lambda: list(self.fields["unit"].queryset.values_list("pk", "name")))


class FeedbackForm(LeadActionForm):
    findings = forms.CharField(label=_("核查情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    files = MultipleFileField()


def _street_users():
    return User.objects.filter(is_active=True, role__in=sorted(lead_rules.REVIEWER_ROLES))


def _staff_choices(page: PageChoices | None) -> list[tuple[Any, str]]:
    """Who may supervise (active users with a role), from the page's one read of the staff."""
    rows = page.get("staff_rows", _staff_rows) if page is not None else _staff_rows()
    return [(pk, label) for pk, _role, label in rows]


def _street_choices(page: PageChoices | None) -> list[tuple[Any, str]]:
    """The street office's users (``_street_users``), from the same read of the staff."""
    rows = page.get("staff_rows", _staff_rows) if page is not None else _staff_rows()
    return [(pk, label) for pk, role, label in rows if role in lead_rules.REVIEWER_ROLES]


class CloseForm(ReasonForm):
    outcome = forms.ChoiceField(label=_("办结结果"), choices=[c for c in Outcome.choices if c[0] != Outcome.DUPLICATE])
    institution_name = forms.CharField(label=_("整治机构名称"), max_length=200, required=False)
    institution_credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    transferred_to = forms.CharField(label=_("移交部门"), max_length=100, required=False)
    reviewer = forms.ModelChoiceField(label=_("二次核查人（查否时）"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = _street_users()
        self.share_choices("reviewer", "street_users", lambda: _street_choices(self.page_choices))


class ExtensionRequestForm(RequiredReasonForm):
    until = forms.DateField(label=_("延期至"), widget=DATE)


class ExtensionDecideForm(ReasonForm):
    approve = forms.TypedChoiceField(
        label=_("审批"), choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )


class SuperviseForm(ReasonForm):
    is_major = forms.BooleanField(label=_("重大线索，挂牌督办"), required=False)
    supervisor = forms.ModelChoiceField(label=_("督办人"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = User.objects.filter(is_active=True).exclude(role="")
        self.share_choices("supervisor", "staff", lambda: _staff_choices(self.page_choices))
        if self.lead is not None and not self.is_bound:
            self.initial.update(is_major=self.lead.is_major, supervisor=self.lead.supervisor_id)


class LinkForm(ReasonForm):
    other = forms.CharField(label=_("线索编号"), max_length=30)
    merge = forms.BooleanField(label=_("本线索为重复线索，合并到上述线索"), required=False)

    def clean_other(self):
        """The lead of that number, among those the user may see."""
        number = self.cleaned_data["other"].strip()
        other = visible_to(self.user, Lead).filter(number=number).first() if self.user is not None else None
        if other is None:
            raise forms.ValidationError(_("找不到编号为“%(n)s”的线索。") % {"n": number}, code="unknown")
        return other


class RedactForm(RequiredReasonForm):
    """The passage to remove from the lead's text (``services.lead_redact``): irreversible."""

    passage = forms.CharField(
        label=_("要删除的原文"),
        max_length=500,
        help_text=_(
            "照原样粘贴要删除的文字（如举报人的电话号码）。线索、补充材料和操作记录中的这段文字都将替换为“【已删除】”，不可恢复。"
        ),
    )

    field_order = ["passage", "reason"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    valid_only = forms.BooleanField(label=_("只导入校验通过的行"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_workbook(upload)  # size, type by content, zip bomb: before it is stored and queued
        return upload
