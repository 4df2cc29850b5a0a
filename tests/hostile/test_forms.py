"""Every form of the project, posted through its real view with hostile input (hypothesis).

Whatever is typed, the answer is never a server error: either the write goes through (a
redirect, or a success page), or the form comes back with a Chinese error and the text fields
still hold what was typed (every write view is a ``core.views.ActionView``). A form refused by the
object's state at the moment of posting comes back the same way, with 409."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from .strategies import CJK, HOSTILE, form_data, hostile_text

pytestmark = pytest.mark.django_db

HYPOTHESIS = HOSTILE


@dataclass
class Target:
    url: str
    form: object  # an unbound form like the one the view builds (its fields give the strategy)
    fixed: dict = field(default_factory=dict)  # field -> strategy, instead of the form's own
    context_key: str = "form"
    success_templates: tuple[str, ...] = ()  # a 200 page that is a success, not an invalid form
    session: dict = field(default_factory=dict)
    also_allowed: tuple[int, ...] = ()  # e.g. 404 for a tampered hidden id
    keeps_typed: Callable[[dict], bool] = lambda data: True  # whether the page can show the typed text


# --- objects the forms work on (built inside each example, rolled back after it) ---------------


def lead(ctx, status="registered", **data):
    from leads import services

    data.setdefault("source", "public")
    data.setdefault("channel", "phone")
    data.setdefault("summary", "某公司以养老项目名义集资")
    data.setdefault("informant_name", "张大爷")
    obj, _code = services.lead_create(user=ctx.p.street, data=data)
    if status == "registered":
        return obj
    obj = services.lead_refer(lead=obj, user=ctx.p.street, unit=ctx.org.community_a)
    if status == "referred":
        return obj
    obj = services.lead_acknowledge(lead=obj, user=ctx.p.community_a)
    if status == "verifying":
        return obj
    obj = services.lead_feedback(lead=obj, user=ctx.p.community_a, findings="经核查，情况属实。")
    if status == "fed_back":
        return obj
    return services.lead_close(lead=obj, user=ctx.p.street, outcome="partly")


def case(ctx):
    from tests.cases.factories import CaseFactory

    return CaseFactory()


def institution(ctx):
    from tests.rectification.factories import InstitutionFactory

    return InstitutionFactory(community=ctx.org.community_a)


def problem(ctx):
    from tests.rectification.factories import MeasureFactory, ProblemFactory

    obj = ProblemFactory(institution=institution(ctx))
    MeasureFactory(problem=obj)
    return obj


def plan(ctx):
    from rectification import services

    inst = institution(ctx)
    return services.plan_save(
        user=ctx.p.street,
        institution=inst,
        plan=None,
        title="应急预案",
        lead_unit=inst.supervising_unit,
        **_plan_defaults(),
    )


def _plan_defaults():
    from rectification.services import PLAN_FIELDS

    values = {"risk_assessment": "风险评估", "trigger": "触发条件", "response": "处置措施"}
    return {k: v for k, v in values.items() if k in PLAN_FIELDS}


def started():
    from leads.forms import TIMESTAMP_SALT

    return st.one_of(st.just(signing.dumps(time.time() - 60, salt=TIMESTAMP_SALT)), hostile_text)


# --- the forms ----------------------------------------------------------------------------------


def _lead_action(action, form_class, status="registered", persona="street", fixed=None):
    def build(ctx):
        obj = lead(ctx, status)
        if action in ("reopen", "review_confirm"):  # a second review by another street-office user
            type(obj).objects.filter(pk=obj.pk).update(review_state="pending", reviewer=None, closed_by=ctx.p.leader)
        return getattr(ctx.p, persona), Target(
            reverse("leads:action", args=[obj.pk, action]),
            form_class(),
            fixed=fixed or {},
            also_allowed=(409,),  # refused by the lead's state now: the form again, with the reason
        )

    return build


def _leads():
    from leads import forms

    def tip(ctx):
        return None, Target(
            reverse("tip:form"),
            forms.TipForm(),
            fixed={"started": started(), "website": st.sampled_from(["", "", "", "bot"])},
            success_templates=(),
        )

    def receipt(ctx):
        return None, Target(reverse("tip:receipt"), forms.ReceiptForm())

    def supplement(ctx):
        from leads.views import PUBLIC_SESSION_KEY

        obj = lead(ctx)
        return None, Target(reverse("tip:status"), forms.SupplementForm(), session={PUBLIC_SESSION_KEY: obj.pk})

    def intake(ctx):
        return ctx.p.street, Target(
            reverse("leads:create"), forms.LeadForm(user=ctx.p.street), success_templates=("leads/receipt_issued.html",)
        )

    def intake_community(ctx):
        return ctx.p.community_a, Target(
            reverse("leads:create"),
            forms.LeadForm(user=ctx.p.community_a),
            success_templates=("leads/receipt_issued.html",),
        )

    def reveal(ctx):
        from django.contrib.auth.models import Permission

        ctx.p.street.user_permissions.add(Permission.objects.get(codename="view_informant"))
        obj = lead(ctx)
        return ctx.p.street, Target(
            reverse("leads:reveal", args=[obj.pk]),
            forms.RevealReasonForm(),
            success_templates=("leads/informant.html",),
        )

    def link(ctx):
        other = lead(ctx)
        build = _lead_action("link", forms.LinkForm, fixed={"other": st.one_of(st.just(other.number), hostile_text)})
        return build(ctx)

    def higher(ctx):
        lead(ctx, "closed", source="higher", higher_reference="上级-1")
        return ctx.p.street, Target(reverse("leads:higher"), forms.ReasonForm())

    def edit(ctx):
        obj = lead(ctx, source="higher", higher_reference="上级-2")
        return ctx.p.street, Target(
            reverse("leads:update", args=[obj.pk]),
            forms.LeadEditForm(instance=obj),
            fixed={"version": st.sampled_from([str(obj.version), str(obj.version), "", "x"])},
        )

    def transfer(ctx):  # issue 19: the city office transfers a lead to one of its streets
        from organization.models import Jurisdiction, Unit
        from tests.factories import UserFactory

        city = Jurisdiction.objects.create(name="晋江市", level="city")
        street = Jurisdiction.objects.create(name="新塘街道", parent=city)
        office = Unit.objects.create(
            name="晋江市专项办（市级）", kind="city_office", code="city_office", jurisdiction=city
        )
        user = UserFactory(username="city", unit=office, role="city_office")
        return user, Target(
            reverse("leads:transfer"),
            forms.TransferForm(user=user),
            fixed={"street": st.one_of(st.just(str(street.pk)), hostile_text)},
        )

    return {
        "lead_edit": edit,
        "tip": tip,
        "tip_receipt": receipt,
        "tip_supplement": supplement,
        "lead_intake": intake,
        "lead_intake_community": intake_community,
        "lead_reveal": reveal,
        "lead_refer": _lead_action("refer", forms.ReferForm),
        "lead_acknowledge": _lead_action("acknowledge", forms.ReasonForm, "referred", "community_a"),
        "lead_feedback": _lead_action("feedback", forms.FeedbackForm, "verifying", "community_a"),
        "lead_close": _lead_action("close", forms.CloseForm, "fed_back"),
        "lead_return": _lead_action("return", forms.RequiredReasonForm, "fed_back"),
        "lead_reopen": _lead_action("reopen", forms.RequiredReasonForm, "closed"),
        "lead_review_confirm": _lead_action("review_confirm", forms.ReasonForm, "closed"),
        "lead_extension_request": _lead_action(
            "extension_request", forms.ExtensionRequestForm, "verifying", "community_a"
        ),
        "lead_extension_decide": _lead_action("extension_decide", forms.ExtensionDecideForm, "verifying"),
        "lead_supervise": _lead_action("supervise", forms.SuperviseForm),
        "lead_link": link,
        "lead_report_up": _lead_action("report_up", forms.ReasonForm, "closed"),
        "lead_higher_report_up": higher,
        "lead_transfer": transfer,
    }


def _cases():
    from cases import forms

    def create(ctx):
        return ctx.p.crackdown, Target(reverse("cases:create"), forms.CaseForm(user=ctx.p.crackdown))

    def update(ctx):
        obj = case(ctx)
        return ctx.p.crackdown, Target(
            reverse("cases:update", args=[obj.pk]),
            forms.CaseForm(instance=obj, creating=False),
            fixed={"version": st.sampled_from([str(obj.version), str(obj.version), "", "-1", "x"])},
        )

    def opinion_plan(ctx):
        obj = case(ctx)
        return ctx.p.crackdown, Target(reverse("cases:opinion_plan", args=[obj.pk]), forms.OpinionPlanForm())

    def on_case(url, make_form, args=None, extra=None, keeps_typed=None):
        def build(ctx):
            from leads import services
            from organization.choices import UnitCode

            obj = case(ctx)
            if url == "cases:link_leads":
                referred = services.lead_refer(
                    lead=lead(ctx), user=ctx.p.street, unit=ctx.org.units[UnitCode.GROUP_CRACKDOWN]
                )
                assert (
                    forms.LinkLeadsForm(user=ctx.p.crackdown, case=obj).fields["leads"].queryset.filter(pk=referred.pk)
                )
            return ctx.p.crackdown, Target(
                reverse(url, args=args(ctx, obj) if args else [obj.pk]),
                make_form(ctx, obj),
                fixed=extra(ctx, obj) if extra else {},
                also_allowed=(409,),  # refused by the case's state when posted: the form again
            )

        return build

    def on_typical_case(url, form_class):
        def build(ctx):
            from cases.models import Case

            obj = case(ctx)
            Case.objects.filter(pk=obj.pk).update(is_typical=True)
            return ctx.p.crackdown, Target(reverse(url, args=[obj.pk]), form_class(), also_allowed=(409,))

        return build

    def entry_of(ctx, obj):
        from tests.cases.factories import LedgerEntryFactory

        return [LedgerEntryFactory(case=obj).pk]

    return {
        "case_create": create,
        "case_update": update,
        "case_opinion_plan": opinion_plan,
        "case_advance": on_case(
            "cases:step", lambda ctx, c: forms.StepForm(), args=lambda ctx, c: [c.pk, "investigate"]
        ),
        "case_ledger": on_case("cases:ledger_add", lambda ctx, c: forms.LedgerEntryForm()),
        "case_reverse": on_case("cases:ledger_reverse", lambda ctx, c: forms.ReverseForm(), args=entry_of),
        "case_link_leads": on_case(
            "cases:link_leads", lambda ctx, c: forms.LinkLeadsForm(user=ctx.p.crackdown, case=c)
        ),
        "case_publicity_clear": on_typical_case("cases:publicity_clear", forms.PublicityClearForm),
    }


def _rectification():
    from rectification import forms

    def inst_create(ctx):
        return ctx.p.street, Target(reverse("rectification:institution_create"), forms.InstitutionForm())

    def inst_update(ctx):
        obj = institution(ctx)
        return ctx.p.street, Target(
            reverse("rectification:institution_update", args=[obj.pk]),
            forms.InstitutionForm(instance=obj),
            fixed={"version": st.sampled_from([str(obj.version), str(obj.version), "", "x"])},
        )

    def on_institution(name, form_class, persona="street"):
        def build(ctx):
            obj = institution(ctx)
            return getattr(ctx.p, persona), Target(reverse(f"rectification:{name}", args=[obj.pk]), form_class())

        return build

    def plan_update(ctx):
        obj = plan(ctx)
        return ctx.p.street, Target(reverse("rectification:plan_update", args=[obj.pk]), forms.PlanForm(instance=obj))

    def plan_status(ctx):
        obj = plan(ctx)
        return ctx.p.street, Target(
            reverse("rectification:plan_status", args=[obj.pk]),
            forms.PlanStatusForm(),
            also_allowed=(404,),  # no (or an unknown) status: no such action
        )

    def transition(ctx):
        obj = problem(ctx)
        return ctx.p.street, Target(
            reverse("rectification:problem_transition", args=[obj.pk, "start"]),
            forms.TransitionForm(),
            fixed={"version": st.sampled_from([str(obj.version), "", "x", "99999999999999999999"])},
        )

    def transfer(ctx):
        obj = problem(ctx)
        obj.status = "rectified"
        obj.save()
        return ctx.p.street, Target(
            reverse("rectification:problem_transition", args=[obj.pk, "transfer"]),
            forms.TransitionForm(),
            fixed={"version": st.sampled_from([str(obj.version), ""])},
            also_allowed=(409,),  # a rectified problem is not transferred: the form again, with the reason
        )

    def measure_add(ctx):
        obj = problem(ctx)
        return ctx.p.street, Target(reverse("rectification:measure_add", args=[obj.pk]), forms.MeasureForm())

    def measure_complete(ctx):
        obj = problem(ctx)
        measure = obj.measures.first()
        return ctx.p.street, Target(
            reverse("rectification:measure_complete", args=[obj.pk, measure.pk]),
            forms.MeasureCompleteForm(),
        )

    def sectors_edit(ctx):
        from rectification import services

        return ctx.p.street, Target(
            reverse("rectification:sectors_edit"), forms.SectorsForm(current=services.sector_units())
        )

    return {
        "institution_create": inst_create,
        "institution_update": inst_update,
        "institution_grade": on_institution("institution_grade", forms.GradeForm),
        "inspection_create": on_institution("inspection_create", forms.InspectionForm),
        "inspection_create_community": on_institution("inspection_create", forms.InspectionForm, "community_a"),
        "problem_create": on_institution("problem_create", forms.ProblemForm),
        "plan_create": on_institution("plan_create", forms.PlanForm),
        "plan_update": plan_update,
        "plan_status": plan_status,
        "problem_start": transition,
        "problem_transfer": transfer,
        "measure_add": measure_add,
        "measure_complete": measure_complete,
        "supervisor_override": on_institution("institution_supervisor", forms.SupervisorOverrideForm),
        "sectors_edit": sectors_edit,
    }


def _publicity():
    from publicity import forms

    def create(name, form_class, persona="street"):
        def build(ctx):
            user = getattr(ctx.p, persona)
            return user, Target(reverse(f"publicity:{name}_create"), form_class(user=user))

        return build

    def on_opinion(name, form_class, **data):
        def build(ctx):
            from tests.publicity.factories import OpinionFactory

            obj = OpinionFactory(unit=ctx.org.community_a, **data)
            return ctx.p.street, Target(reverse(f"publicity:{name}", args=[obj.pk]), form_class())

        return build

    def activity_update(ctx):
        from tests.publicity.factories import ActivityFactory

        obj = ActivityFactory(community=ctx.org.community_a)
        return ctx.p.community_a, Target(
            reverse("publicity:activity_update", args=[obj.pk]),
            forms.ActivityForm(user=ctx.p.community_a, instance=obj),
            fixed={"version": st.sampled_from([str(obj.version), ""])},
        )

    return {
        "activity_create": create("activity", forms.ActivityForm),
        "activity_create_community": create("activity", forms.ActivityForm, "community_a"),
        "activity_update": activity_update,
        "survey_create": create("survey", forms.SurveyForm),
        "media_create": create("media", forms.MediaReportForm),
        "opinion_create": create("opinion", forms.OpinionForm),
        "opinion_follow_up": on_opinion("opinion_follow_up", forms.OpinionFollowUpForm),
        "opinion_escalate": on_opinion("opinion_escalate", forms.EscalateForm, risk_level="high"),
    }


def _reports():
    from reports import forms

    def start(ctx):
        return ctx.p.community_a, Target(reverse("reports:submission_start"), forms.StartForm(user=ctx.p.community_a))

    def generate(ctx):
        return ctx.p.street, Target(reverse("reports:report_generate"), forms.GenerateForm())

    def submission(ctx, st_verb="submission_edit"):
        from organization.models import Campaign
        from reports import selectors, services

        sub = services.submission_start(  # a month open to submissions: the campaign's open period
            user=ctx.p.community_a, unit=ctx.org.community_a, month=selectors.open_month(Campaign.objects.shown())
        )
        return ctx.p.community_a, Target(
            reverse("reports:submission_action", args=[sub.pk, st_verb]),
            forms.SubmissionForm(instance=sub),
        )

    def summary(ctx):
        _current_campaign()  # a finished campaign's summary is read-only
        return ctx.p.crackdown, Target(
            reverse("reports:summary_edit"),
            forms.SummaryForm(kind="group"),
            fixed={
                "unit": st.one_of(st.just(str(ctx.p.crackdown.unit_id)), hostile_text),
                "action": st.sampled_from(["save", "submit"]),
            },
            also_allowed=(404,),  # a unit id that is not a number
        )

    def recipient(ctx, edit=False):
        from reports.models import ReportRecipient

        if not edit:
            return ctx.p.street, Target(reverse("reports:recipient_add"), forms.RecipientForm())
        r = ReportRecipient.objects.create(email="city@example.invalid", name="区专项办")
        return ctx.p.street, Target(reverse("reports:recipient_edit", args=[r.pk]), forms.RecipientForm(instance=r))

    def threshold(ctx):

        campaign = _current_campaign()
        return ctx.p.street, Target(
            reverse("reports:scorecard_threshold", args=[campaign.pk]), forms.ThresholdForm(instance=campaign)
        )

    def city(ctx):
        """Issue 19: the personas' street as one of a city's, and the city office's user."""
        from organization.models import Jurisdiction, Unit
        from tests.factories import UserFactory

        jinjiang = Jurisdiction.objects.create(name="晋江市", level="city")
        street = Jurisdiction.objects.create(name="新塘街道", parent=jinjiang)
        Unit.objects.update(jurisdiction=street)
        street_id = street.pk
        office = Unit.objects.create(
            name="晋江市专项办（市级）", kind="city_office", code="city_office", jurisdiction=jinjiang
        )
        return jinjiang, street_id, UserFactory(username="city", unit=office, role="city_office")

    def supervision(ctx, verb):
        import datetime

        from django.utils import timezone

        from reports.models import Supervision

        jinjiang, street_id, user = city(ctx)
        if verb == "record":
            return user, Target(
                reverse("reports:supervision_add"),
                forms.SupervisionForm(city_id=jinjiang.pk),
                fixed={"street": st.one_of(st.just(str(street_id)), hostile_text)},
            )
        today = timezone.localdate()
        reported = {"status": "reported", "rectified_on": today} if verb == "return" else {}
        obj = Supervision.objects.create(
            jurisdiction_id=street_id,
            kind="notice",
            date=today,
            text="线索反馈超期",
            rectify_by=today + datetime.timedelta(days=30),
            **reported,
        )
        if verb == "edit":
            return user, Target(
                reverse("reports:supervision_edit", args=[obj.pk]),
                forms.SupervisionEditForm(instance=obj),
                fixed={"version": st.sampled_from([str(obj.version), str(obj.version), "", "x"])},
            )
        if verb == "report":
            return ctx.p.street, Target(
                reverse("reports:supervision_report", args=[obj.pk]), forms.SupervisionReportForm(instance=obj)
            )
        return user, Target(reverse("reports:supervision_return", args=[obj.pk]), forms.SupervisionReturnForm())

    return {
        "supervision_record": lambda ctx: supervision(ctx, "record"),
        "supervision_edit": lambda ctx: supervision(ctx, "edit"),
        "supervision_report": lambda ctx: supervision(ctx, "report"),
        "supervision_return": lambda ctx: supervision(ctx, "return"),
        "scorecard_threshold": threshold,
        "recipient_add": recipient,
        "recipient_edit": lambda ctx: recipient(ctx, edit=True),
        "submission_start": start,
        "report_generate": generate,
        "submission_save": submission,
        "submission_submit": lambda ctx: submission(ctx, "submission_submit"),
        "summary_save": summary,
    }


def _current_campaign():
    """A campaign whose dates contain today (the plan's 2022 one has finished)."""
    import datetime

    from organization.models import Campaign

    today = datetime.date.today()
    return Campaign.objects.current() or Campaign.objects.create(
        name="当前专项行动（测试）",
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=60),
    )


def _campaigns():
    from organization import forms_campaigns as forms

    def create(ctx):
        return ctx.p.street, Target(reverse("organization:campaign_create"), forms.CampaignForm())

    def edit(ctx):
        c = _current_campaign()
        form = forms.CampaignForm(instance=c, with_active=True, needs_reason=True)
        return ctx.p.street, Target(reverse("organization:campaign_edit", args=[c.pk]), form)

    def copy(ctx):
        c = _current_campaign()
        return ctx.p.street, Target(reverse("organization:campaign_copy", args=[c.pk]), forms.CampaignCopyForm())

    return {"campaign_create": create, "campaign_edit": edit, "campaign_copy": copy}


def _organization():
    from organization import forms
    from organization.models import Unit

    def unit(ctx, edit=False):
        if not edit:
            return ctx.p.street, Target(reverse("organization:unit_add"), forms.UnitForm())
        obj = Unit.objects.create(name="锦里社区", kind="community")
        return ctx.p.street, Target(reverse("organization:unit_edit", args=[obj.pk]), forms.UnitForm(instance=obj))

    def person(ctx, edit=False):
        if not edit:
            return ctx.p.street, Target(reverse("organization:person_add"), forms.PersonForm())
        obj = ctx.p.community_b
        return ctx.p.street, Target(reverse("organization:person_edit", args=[obj.pk]), forms.PersonForm(instance=obj))

    def on_person(url):
        def build(ctx):
            return ctx.p.street, Target(reverse(url, args=[ctx.p.community_b.pk]), forms.ReasonForm())

        return build

    def grant(ctx):
        from django.contrib.auth.models import Permission

        from organization.choices import Role, UnitCode
        from tests.factories import UserFactory

        ctx.p.street.user_permissions.add(Permission.objects.get(codename="manage_grants"))
        colleague = UserFactory(unit=ctx.org.units[UnitCode.STREET_OFFICE], role=Role.STREET_OFFICE)
        return ctx.p.street, Target(reverse("organization:grant_reveal", args=[colleague.pk]), forms.ReasonForm())

    def street(ctx, edit=False):  # issue 19: the city office keeps its streets
        from organization import forms_streets
        from organization.models import Jurisdiction
        from tests.factories import UserFactory

        city = Jurisdiction.objects.create(name="晋江市", level="city")
        Unit.objects.update(jurisdiction=Jurisdiction.objects.create(name="新塘街道", parent=city))
        office = Unit.objects.create(
            name="晋江市专项办（市级）", kind="city_office", code="city_office", jurisdiction=city
        )
        user = UserFactory(username="city", unit=office, role="city_office")
        if not edit:
            return user, Target(reverse("organization:street_add"), forms_streets.StreetForm())
        obj = Jurisdiction.objects.get(name="新塘街道")
        target = Target(reverse("organization:street_edit", args=[obj.pk]), forms_streets.StreetForm(street=obj))
        return user, target

    return {
        "street_add": street,
        "street_edit": lambda ctx: street(ctx, edit=True),
        "unit_add": unit,
        "unit_edit": lambda ctx: unit(ctx, edit=True),
        "person_add": person,
        "person_edit": lambda ctx: person(ctx, edit=True),
        "person_deactivate": on_person("organization:person_deactivate"),
        "person_reset_password": on_person("organization:person_reset_password"),
        "grant_reveal": grant,
    }


def _accounts():
    from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

    def login(ctx):
        return None, Target(reverse("login"), AuthenticationForm())

    def password(ctx):
        return ctx.p.community_a, Target(reverse("password_change"), PasswordChangeForm(ctx.p.community_a))

    return {"login": login, "password_change": password}


def _core():
    def calendar(ctx):
        from core.views_calendar import CalendarEnterForm

        return ctx.p.street, Target(reverse("core:calendar_enter"), CalendarEnterForm())

    return {"calendar_enter": calendar}


def _api():
    from api import forms, services

    def issue(ctx):
        return ctx.p.street, Target(reverse("api:token_issue"), forms.TokenIssueForm())

    def revoke(ctx):
        token, _secret = services.token_issue(
            user=ctx.p.street, name="热线", kind="system", unit=ctx.org.community_a, rights=["read"], reason="对接热线"
        )
        return ctx.p.street, Target(reverse("api:token_revoke", args=[token.pk]), forms.TokenRevokeForm())

    def peer(ctx):
        return ctx.p.street, Target(reverse("api:peer_add"), forms.PeerAddForm())

    def transfer(ctx):
        from api import federation
        from leads import services as lead_services

        federation.peer_add(
            user=ctx.p.street,
            name="下级系统",
            base_url="http://127.0.0.1:9/",
            direction="down",
            secret="hl_x",
            inbound_token=None,
            reason="对接下级系统",
        )
        lead, _code = lead_services.lead_create(
            user=ctx.p.street, data={"source": "public", "channel": "phone", "summary": "转办"}
        )
        return ctx.p.street, Target(reverse("api:transfer_down", args=[lead.pk]), forms.TransferDownForm(lead=lead))

    return {"api_token_issue": issue, "api_token_revoke": revoke, "api_peer_add": peer, "api_transfer_down": transfer}


FORMS: dict[str, Callable] = {
    **_accounts(),
    **_leads(),
    **_cases(),
    **_rectification(),
    **_publicity(),
    **_reports(),
    **_core(),
    **_campaigns(),
    **_organization(),
    **_api(),
}


# --- the property -------------------------------------------------------------------------------


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def check_response(target: Target, data: dict, response) -> None:
    assert response.status_code < 500, f"{response.status_code} for {data!r}"
    if response.status_code in target.also_allowed:
        return
    assert response.status_code in (200, 302, 303), f"{response.status_code} for {data!r}"
    for message in messages_of(response):
        assert CJK.search(message), f"message not in Chinese: {message!r}"
    if response.status_code != 200:
        return
    form = response.context.get(target.context_key) if response.context else None
    templates = {t.name for t in response.templates}
    if form is None or not form.is_bound or not form.errors:
        assert templates & set(target.success_templates), f"200 without an error for {data!r}"
        return
    errors = [str(e) for errs in form.errors.values() for e in errs]
    html = response.content.decode()
    for error in errors:
        assert CJK.search(error), f"error not in Chinese: {error!r}"
    assert any(escape(error) in html for error in errors), f"errors {errors} not shown"
    if not target.keeps_typed(data):
        return
    for name, value in data.items():
        field_name = name.removeprefix(f"{form.prefix}-") if form.prefix else name
        if field_name not in form.fields:
            continue
        bound = form[field_name]
        widget = bound.field.widget
        text_input = type(widget).__name__ in ("TextInput", "Textarea", "EmailInput", "URLInput")
        if not text_input or bound.field.disabled or not isinstance(value, str) or not value.strip():
            continue
        assert escape(value) in html, f"typed {field_name}={value[:80]!r} not kept"


@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_survives_hostile_input(name, org, personas):
    ctx = type("Ctx", (), {"org": org, "p": personas})()

    @HYPOTHESIS
    @given(data=st.data())
    def run(data):
        with transaction.atomic():
            user, target = FORMS[name](ctx)
            payload = data.draw(form_data(target.form, target.fixed), label="post")
            client = Client()
            if user is not None:
                client.force_login(user)
            if target.session:
                session = client.session
                session.update(target.session)
                session.save()
            response = client.post(target.url, payload)
            check_response(target, payload, response)
            transaction.set_rollback(True)

    run()
