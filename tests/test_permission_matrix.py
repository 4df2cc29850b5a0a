"""The permission matrix of docs/permissions.md, checked persona by persona through the real views.

The matrix is data (``VISIBLE`` for what each persona sees, ``ACTIONS`` for what it may do) over a
small world built once per module: objects of every area that belong to different units, so that
each persona has rows inside and outside its scope. Eleven personas: the street office, a leader,
the crackdown, rectification and publicity groups, market regulation, the police, the tribunal,
the bank and two communities. For each persona:

- lists show exactly the rows in its scope, and exports (``?export=xlsx``) hold exactly those
  rows and never an informant's identity;
- detail pages answer 200 inside the scope and 404 outside it;
- attachment downloads answer 200 or 404 like the object they belong to;
- ``ACTIONS`` is keyed by the declared actions (``core.rules``, each area's ``rules.py``): a
  declared action without an entry fails ``test_every_declared_action_is_in_the_matrix``. For
  every action and persona: the rules allow exactly the personas listed; the page offers the
  action (a link or form to its URL) exactly when the rules allow it; the GET of its form answers
  200 to them and 403/404 to everyone else; the POST succeeds and changes the database for them
  and is refused (403/404, or 409 when only the object's state stands in the way) with the
  database unchanged for everyone else.

``test_every_post_url_is_in_the_matrix`` walks the urlconfs: a new URL that the matrix does not
list fails it.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

PERSONAS = (
    "street",
    "leader",
    "crackdown",
    "rectification",
    "publicity",
    "liaison",
    "police",
    "tribunal",
    "bank",
    "community_a",
    "community_b",
)
SL = frozenset({"street", "leader"})
EVERYONE = frozenset(PERSONAS)
WRITERS = EVERYONE - {"leader"}

INFORMANT_NAME = "举报人林秘密"
INFORMANT_PHONE = "13912345678"

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def mark(key: str) -> str:
    """The unique text an object of the world carries in a listed field ("[[lead_ca]]")."""
    return f"[[{key}]]"


# --- the matrix: who sees what -----------------------------------------------------------------

#: object of the world → the personas that see it (docs/permissions.md, row by row).
VISIBLE: dict[str, frozenset[str]] = {
    # leads: filed by or referred to the persona's unit (a host unit works in its group)
    "lead_ca": SL | {"community_a"},  # filed by community A
    "lead_cb": SL | {"community_b"},  # filed by the street office, referred to community B
    "lead_li": SL | {"liaison"},  # referred to market regulation
    "lead_cr": SL | {"crackdown", "police"},  # referred to the crackdown group (hosted by the police)
    "lead_so": SL,  # filed by the street office, not referred
    # cases, ledger: crackdown group, police and tribunal; never a community or another unit
    "case": SL | {"crackdown", "police", "tribunal"},
    "ledger": SL | {"crackdown", "police", "tribunal"},
    # institutions and what hangs on them: the rectification group, the supervising unit, the community
    "inst_a": SL | {"rectification", "liaison", "community_a"},  # market regulation's sector, in A
    "inst_b": SL | {"rectification", "bank", "community_b"},  # fund-raising (enterprise centre; banks too), in B
    "inspection_a": SL | {"rectification", "liaison", "community_a"},
    "inspection_b": SL | {"rectification", "bank", "community_b"},
    "problem_a": SL | {"rectification", "liaison", "community_a"},
    "problem_b": SL | {"rectification", "bank", "community_b"},
    "plan_a": SL | {"rectification", "liaison", "community_a"},
    "plan_b": SL | {"rectification", "bank", "community_b"},
    # publicity: the publicity group all; a unit what it organised or recorded; a community its own
    "activity_ca": SL | {"publicity", "community_a"},
    "activity_li": SL | {"publicity", "liaison"},
    "activity_cb": SL | {"publicity", "community_b"},  # organised by the publicity group, held in B
    "survey_a": SL | {"publicity", "community_a"},
    "survey_b": SL | {"publicity", "community_b"},
    "media": EVERYONE,  # published anyway
    "opinion_ca": SL | {"publicity", "community_a"},
    "opinion_li": SL | {"publicity", "liaison"},
    # monthly submissions: the unit's own; the monthly report: everyone
    "submission_ca": SL | {"community_a"},
    "submission_li": SL | {"liaison"},
    "report": EVERYONE,  # every unit views the monthly report; only the street office changes it
    # unit directory: own unit, the street office and the working groups
    "unit_ca": SL | {"community_a"},
    "unit_li": SL | {"liaison"},
    "unit_so": EVERYONE,
    "unit_pg": EVERYONE,
}

#: attachment → the object it belongs to (downloads follow the owner's visibility).
ATTACHMENTS = {
    "att_lead": "lead_ca",
    "att_case": "case",
    "att_inspection": "inspection_b",
    "att_activity": "activity_ca",
}


@dataclass(frozen=True)
class ListPage:
    url: str
    keys: tuple[str, ...]  # the world's objects of this kind
    export: bool = True
    refused: frozenset[str] = frozenset()  # personas refused the whole page (403)


LISTS = {
    "leads": ListPage("leads:index", ("lead_ca", "lead_cb", "lead_li", "lead_cr", "lead_so")),
    "cases": ListPage("cases:index", ("case",)),
    "typical_cases": ListPage("cases:typical", ("case",)),
    "ledger": ListPage("cases:ledger", ("ledger",)),
    "institutions": ListPage("rectification:index", ("inst_a", "inst_b")),
    "control_list": ListPage("rectification:control_list", ("inst_a", "inst_b")),
    "overdue": ListPage("rectification:overdue_list", ("inst_a", "inst_b")),
    "inspections": ListPage("rectification:inspection_list", ("inspection_a", "inspection_b")),
    "problems": ListPage("rectification:problem_list", ("problem_a", "problem_b")),
    "plans": ListPage("rectification:plan_list", ("plan_a", "plan_b")),
    "activities": ListPage("publicity:activity_list", ("activity_ca", "activity_li", "activity_cb")),
    "surveys": ListPage("publicity:survey_list", ("survey_a", "survey_b")),
    "media": ListPage("publicity:media_list", ("media",)),
    "opinion": ListPage("publicity:opinion_list", ("opinion_ca", "opinion_li")),
    "submissions": ListPage("reports:submission_list", ("submission_ca", "submission_li")),
    "reports": ListPage("reports:report_list", ("report",), export=False),
    "units": ListPage("organization:unit_list", ("unit_ca", "unit_li", "unit_so", "unit_pg")),
}

DETAILS = {
    "lead_ca": "leads:detail",
    "lead_cr": "leads:detail",
    "case": "cases:detail",
    "inst_b": "rectification:institution_detail",
    "problem_a": "rectification:problem_detail",
    "plan_b": "rectification:plan_detail",
    "activity_cb": "publicity:activity_detail",
    "survey_a": "publicity:survey_detail",
    "survey_b": "publicity:survey_detail",
    "media": "publicity:media_detail",
    "opinion_li": "publicity:opinion_detail",
    "submission_ca": "reports:submission_detail",
    "submission_li": "reports:submission_detail",
    "report": "reports:report_detail",
    "unit_ca": "organization:unit_detail",
    "unit_so": "organization:unit_detail",
}

#: objects whose list rows show no text of their own: found by the link to their page.
LINKED = {"survey_a", "survey_b", "submission_ca", "submission_li", "report"}
#: objects whose export rows show no text of their own: found by another cell (the community).
EXPORT_MARK = {"survey_a": mark("unit_ca"), "survey_b": mark("unit_cb")}


# --- the world, built once per module ------------------------------------------------------------


def build_world() -> SimpleNamespace:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from cases.models import Case, CaseStep, LedgerEntry
    from core.choices import MailStatus
    from core.models import Attachment, OutboundEmail
    from leads import services as lead_services
    from organization.choices import JurisdictionLevel, Role, UnitCode, UnitKind
    from organization.models import Campaign, Jurisdiction, Unit
    from organization.services import init_campaign
    from publicity.models import Activity, AwarenessSurvey, MediaReport, OpinionEntry
    from rectification.choices import Horizon, InstitutionType, ProblemCategory, Sector
    from rectification.models import ContingencyPlan, Inspection, Institution, Problem
    from reports.choices import ReportStatus
    from reports.models import MonthlyReport, UnitSubmission
    from tests.factories import UserFactory

    init_campaign()
    # Issue 19: the street is one of a city's (晋江市): its personas are bounded by its jurisdiction,
    # and everything below holds for a street in a city as for a street on its own.
    city = Jurisdiction.objects.create(name="晋江市", level=JurisdictionLevel.CITY)
    xintang = Jurisdiction.objects.create(name="新塘街道", parent=city)
    Unit.objects.update(jurisdiction=xintang)
    u = {x.code: x for x in Unit.objects.exclude(code=None)}
    ca = Unit.objects.create(
        name="新塘社区" + mark("unit_ca"), kind=UnitKind.COMMUNITY, code="community_a", jurisdiction=xintang
    )
    cb = Unit.objects.create(
        name="梧垵社区" + mark("unit_cb"), kind=UnitKind.COMMUNITY, code="community_b", jurisdiction=xintang
    )
    Unit.objects.filter(pk=u[UnitCode.MARKET_REGULATION].pk).update(name="市场监督管理所" + mark("unit_li"))
    Unit.objects.filter(pk=u[UnitCode.STREET_OFFICE].pk).update(name="街道专项办" + mark("unit_so"))
    Unit.objects.filter(pk=u[UnitCode.GROUP_PUBLICITY].pk).update(name="宣教组" + mark("unit_pg"))
    u = {x.code: x for x in Unit.objects.exclude(code=None)}
    campaign = Campaign.objects.get()  # init_campaign's (2022), made current by its dates
    campaign.start_date = timezone.localdate() - datetime.timedelta(days=200)
    campaign.end_date = timezone.localdate() + datetime.timedelta(days=200)
    # issue 19: the city's campaign, and the street's own implementation of it (init_campaign's)
    city_campaign = Campaign.objects.create(
        name="晋江市打击整治养老诈骗专项行动",
        start_date=campaign.start_date - datetime.timedelta(days=1),
        end_date=campaign.end_date + datetime.timedelta(days=1),
        jurisdiction=city,
    )
    campaign.jurisdiction, campaign.parent = xintang, city_campaign
    campaign.save()

    def person(name, unit, role):
        return UserFactory(username=name, unit=unit, role=role)

    p = SimpleNamespace(
        street=person("street", u[UnitCode.STREET_OFFICE], Role.STREET_OFFICE),
        leader=person("leader", u[UnitCode.STREET_OFFICE], Role.LEADER),
        crackdown=person("crackdown", u[UnitCode.GROUP_CRACKDOWN], Role.GROUP_MEMBER),
        rectification=person("rectification", u[UnitCode.GROUP_RECTIFICATION], Role.GROUP_MEMBER),
        publicity=person("publicity", u[UnitCode.GROUP_PUBLICITY], Role.GROUP_MEMBER),
        liaison=person("liaison", u[UnitCode.MARKET_REGULATION], Role.UNIT_LIAISON),
        police=person("police", u[UnitCode.POLICE], Role.UNIT_LIAISON),
        tribunal=person("tribunal", u[UnitCode.TRIBUNAL], Role.UNIT_LIAISON),
        bank=person("bank", u[UnitCode.RURAL_BANK], Role.UNIT_LIAISON),
        community_a=person("community_a", ca, Role.COMMUNITY_STAFF),
        community_b=person("community_b", cb, Role.COMMUNITY_STAFF),
        street2=person("street2", u[UnitCode.STREET_OFFICE], Role.STREET_OFFICE),
    )
    # The city office and a second street (东石镇) with its office and a community.
    dongshi = Jurisdiction.objects.create(name="东石镇", parent=city)
    city_office = Unit.objects.create(
        name="晋江市专项办" + mark("unit_city"), kind=UnitKind.CITY_OFFICE, code="city_office", jurisdiction=city
    )
    x_office = Unit.objects.create(
        name="东石镇专项办" + mark("unit_xo"), kind=UnitKind.STREET_OFFICE, code="street_office", jurisdiction=dongshi
    )
    cx = Unit.objects.create(
        name="东石社区" + mark("unit_cx"), kind=UnitKind.COMMUNITY, code="community_x", jurisdiction=dongshi
    )
    p.city = person("city", city_office, Role.CITY_OFFICE)
    p.street_x = person("street_x", x_office, Role.STREET_OFFICE)
    p.community_x = person("community_x", cx, Role.COMMUNITY_STAFF)
    view_informant = Permission.objects.get(
        content_type=ContentType.objects.get(app_label="leads", model="lead"), codename="view_informant"
    )
    p.street.user_permissions.add(view_informant)
    p.street_x.user_permissions.add(view_informant)  # holds the right in its own street only
    p.street.user_permissions.add(  # the street office's head: grants the reveal right (organization)
        Permission.objects.get(content_type__app_label="organization", codename="manage_grants")
    )
    informant = {"informant_name": INFORMANT_NAME, "informant_phone": INFORMANT_PHONE}

    def lead(key, user, unit=None, **data):
        data = {"source": "community", "summary": "以养老名义集资" + mark(key), **informant, **data}
        obj, _code = lead_services.lead_create(user=user, data=data)
        if unit is not None:
            obj = lead_services.lead_refer(lead=obj, user=p.street, unit=unit)
        return obj

    o: dict[str, Any] = {}
    o["lead_ca"] = lead("lead_ca", p.community_a)
    o["lead_cb"] = lead("lead_cb", p.street, cb)
    o["lead_li"] = lead("lead_li", p.street, u[UnitCode.MARKET_REGULATION])
    o["lead_cr"] = lead("lead_cr", p.street, u[UnitCode.GROUP_CRACKDOWN])
    o["lead_so"] = lead("lead_so", p.street)
    # the second street's own rows
    o["lead_x"] = lead("lead_x", p.community_x)
    o["activity_x"] = Activity.objects.create(
        title="讲座" + mark("activity_x"),
        community=cx,
        organiser=cx,
        date=timezone.localdate() - datetime.timedelta(days=3),
        activity_type="talk",
        venue="community",
        people_reached=10,
        elderly_reached=5,
    )

    case = Case.objects.create(
        title="保健品诈骗案" + mark("case"),
        kind="criminal",
        step="filed",
        step_date=timezone.localdate() - datetime.timedelta(days=30),
        opened_on=timezone.localdate() - datetime.timedelta(days=30),
        fraud_type="product",
        handling_unit=u[UnitCode.POLICE],
        is_typical=True,
        amount_involved=Decimal("50000"),
    )
    CaseStep.objects.create(case=case, step=case.step, date=case.step_date)
    o["case"] = case
    o["ledger"] = LedgerEntry.objects.create(
        case=case, kind="frozen", date=timezone.localdate(), amount=Decimal("1000"), note=mark("ledger")
    )

    overdue = timezone.localdate() - datetime.timedelta(days=5)
    o["inst_a"] = Institution.objects.create(
        name="康乐养老院" + mark("inst_a"),
        type=InstitutionType.ELDERLY_HOME,
        sector=Sector.FOOD_HEALTH,
        supervising_unit=u[UnitCode.MARKET_REGULATION],
        community=ca,
        address="新塘路1号",
        risk_grade=3,
        next_inspection_due=overdue,
    )
    o["inst_b"] = Institution.objects.create(
        name="福寿投资公司" + mark("inst_b"),
        type=InstitutionType.ELDERLY_HOME,
        sector=Sector.FUND_RAISING,
        supervising_unit=u[UnitCode.ENTERPRISE_CENTRE],
        community=cb,
        address="梧垵路2号",
        risk_grade=3,
        next_inspection_due=overdue,
    )
    for key, inst in (("a", o["inst_a"]), ("b", o["inst_b"])):
        o[f"inspection_{key}"] = Inspection.objects.create(
            institution=inst,
            date=timezone.localdate(),
            unit=inst.supervising_unit,
            inspectors="李四",
            findings="现场检查" + mark(f"inspection_{key}"),
        )
        o[f"problem_{key}"] = Problem.objects.create(
            institution=inst,
            description="夸大宣传" + mark(f"problem_{key}"),
            category=ProblemCategory.FALSE_ADVERT,
            horizon=Horizon.IMMEDIATE,
            owner_unit=inst.supervising_unit,
            owner_person="赵六",
        )
        o[f"plan_{key}"] = ContingencyPlan.objects.create(
            institution=inst,
            title="应急预案" + mark(f"plan_{key}"),
            risk_assessment="评估",
            trigger="触发",
            response="处置",
            lead_unit=inst.supervising_unit,
            responsible_person="王五",
            review_date=timezone.localdate() + datetime.timedelta(days=30),
        )

    day = timezone.localdate() - datetime.timedelta(days=3)
    activity = {"date": day, "activity_type": "talk", "venue": "community", "people_reached": 10, "elderly_reached": 5}
    o["activity_ca"] = Activity.objects.create(
        title="讲座" + mark("activity_ca"), community=ca, organiser=ca, **activity
    )
    o["activity_li"] = Activity.objects.create(
        title="讲座" + mark("activity_li"), organiser=u[UnitCode.MARKET_REGULATION], **activity
    )
    o["activity_cb"] = Activity.objects.create(
        title="讲座" + mark("activity_cb"), community=cb, organiser=u[UnitCode.GROUP_PUBLICITY], **activity
    )
    survey = {"month": day.replace(day=1), "households_surveyed": 10, "households_aware": 5}
    o["survey_a"] = AwarenessSurvey.objects.create(community=ca, note=mark("survey_a"), **survey)
    o["survey_b"] = AwarenessSurvey.objects.create(community=cb, note=mark("survey_b"), **survey)
    o["media"] = MediaReport.objects.create(
        date=day, outlet="晋江经济报", level="local", title="报道" + mark("media"), unit=u[UnitCode.GROUP_PUBLICITY]
    )
    o["opinion_ca"] = OpinionEntry.objects.create(
        date=day, source="weibo", risk_level="medium", summary="网传" + mark("opinion_ca"), unit=ca
    )
    o["opinion_li"] = OpinionEntry.objects.create(
        date=day,
        source="weibo",
        risk_level="medium",
        summary="网传" + mark("opinion_li"),
        unit=u[UnitCode.MARKET_REGULATION],
    )

    month = timezone.localdate().replace(day=1)
    for key, unit in (("submission_ca", ca), ("submission_li", u[UnitCode.MARKET_REGULATION])):
        o[key] = UnitSubmission.objects.create(
            campaign=campaign, unit=unit, month=month, due_date=month + datetime.timedelta(days=19), work_done=mark(key)
        )
    report = MonthlyReport.objects.create(
        campaign=campaign,
        requested_by=p.street,
        jurisdiction=xintang,  # the street's report, filed to the city (issue 19)
        month=(month - datetime.timedelta(days=70)).replace(day=1),  # a month whose period has ended
        status=ReportStatus.READY,
        period_start=month - datetime.timedelta(days=10),
        period_end=month + datetime.timedelta(days=19),
    )
    report.file.save("permission-matrix.xlsx", ContentFile(b"PK-not-really"), save=False)
    report.email = OutboundEmail.objects.create(
        template="monthly-report",
        subject="月报",
        body_text="月报",
        to=["a@example.invalid"],
        status=MailStatus.FAILED,
        jurisdiction=xintang,
    )
    report.save()
    o["report"] = report
    o["unit_ca"], o["unit_li"], o["unit_so"], o["unit_pg"] = (
        ca,
        u[UnitCode.MARKET_REGULATION],
        u[UnitCode.STREET_OFFICE],
        u[UnitCode.GROUP_PUBLICITY],
    )

    for key, owner in ATTACHMENTS.items():
        obj = o[owner]
        att = Attachment(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=obj.pk,
            original_name="photo.png",
            extension="png",
            mime="image/png",
            size=len(PNG),
            is_image=True,
        )
        att.file.save("upload", ContentFile(PNG), save=False)
        att.save()
        o[key] = att

    o["unit_cx"], o["unit_xo"] = cx, x_office
    return SimpleNamespace(p=p, u=u, ca=ca, cb=cb, cx=cx, campaign=campaign, o=o, city=city, dongshi=dongshi)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built inside a transaction rolled back after the module; each test runs in a
    savepoint of it (``db``), so what an action changes is undone. One test client for the module
    (its middleware, WhiteNoise's scan of the static files included, is loaded once) and one
    session per persona, signed in once."""
    from django.conf import settings
    from django.test import Client

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            world.client = Client()
            world.sessions = {}
            for persona in (*PERSONAS, *CITY_PERSONAS):
                world.client.cookies.clear()  # a new session each (logging in another user flushes it)
                world.client.force_login(getattr(world.p, persona))
                world.sessions[persona] = world.client.cookies[settings.SESSION_COOKIE_NAME].value
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def w(world, db, settings):
    settings.LEADS_SECOND_REVIEW_SHARE = 0.0
    settings.REPORTS_RECIPIENTS = ["zhuanban@example.invalid"]
    return world


def login(w, persona: str):
    """The module's client with the persona's session."""
    from django.conf import settings

    w.client.cookies.clear()
    w.client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[persona]
    return w.client


def listed(w, content: str, keys, export: bool = False) -> set[str]:
    def marker(k):
        if export and k in EXPORT_MARK:
            return EXPORT_MARK[k]
        if not export and k in LINKED:
            return f'href="{reverse(DETAILS[k], args=[w.o[k].pk])}"'
        return mark(k)

    return {k for k in keys if marker(k) in content}


# --- lists, details, exports, downloads ----------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", list(LISTS))
def test_list_shows_exactly_the_rows_in_scope(w, page, persona):
    spec = LISTS[page]
    response = login(w, persona).get(reverse(spec.url))
    if persona in spec.refused:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    content = response.content.decode()
    expected = {k for k in spec.keys if persona in VISIBLE[k]}
    assert listed(w, content, spec.keys) == expected
    assert INFORMANT_NAME not in content and INFORMANT_PHONE not in content


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", [name for name, spec in LISTS.items() if spec.export])
def test_export_holds_exactly_the_rows_in_scope_and_no_informant(w, page, persona):
    from openpyxl import load_workbook

    from core.models import ExportLog

    spec = LISTS[page]
    response = login(w, persona).get(reverse(spec.url), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content])))
    cells = [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    text = "\n".join(cells)
    expected = {k for k in spec.keys if persona in VISIBLE[k]}
    assert listed(w, text, spec.keys, export=True) == expected
    assert INFORMANT_NAME not in text and INFORMANT_PHONE not in text
    log = ExportLog.objects.filter(user=getattr(w.p, persona)).latest("pk")
    assert log.row_count >= len(expected)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", list(DETAILS))
def test_detail_is_200_in_scope_and_404_outside(w, key, persona):
    url = reverse(DETAILS[key], args=[w.o[key].pk])
    response = login(w, persona).get(url)
    assert response.status_code == (200 if persona in VISIBLE[key] else 404)
    if key.startswith("lead_"):
        assert INFORMANT_NAME not in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", [*ATTACHMENTS, "report_file"])
def test_download_follows_the_owner(w, key, persona):
    if key == "report_file":
        url, owner = reverse("reports:report_download", args=[w.o["report"].pk]), "report"
    else:
        url, owner = reverse("core:attachment", args=[w.o[key].pk]), ATTACHMENTS[key]
    response = login(w, persona).get(url)
    assert response.status_code == (200 if persona in VISIBLE[owner] else 404)


# --- the matrix: who may do what -----------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One POST action. ``setup(w, persona)`` makes what it acts on (inside the test's savepoint)
    and returns (url args, POST data, snapshot): ``snapshot()`` reads the state the action changes.

    ``sees``: who sees the object acted on (outside it: 404); ``None`` for a create.
    ``soft``: the view shows the service's refusal as a message or form error (200/302) instead
    of a 403; the database must be unchanged all the same.
    """

    url: str
    allowed: frozenset[str]
    setup: Callable[[Any, str], tuple[list, dict, Callable[[], Any]]]
    sees: frozenset[str] | None = None
    soft: bool = False
    hidden_status: tuple[int, ...] = (404,)
    #: who is offered the form, when it is more than who succeeds with the data posted here (a
    #: create whose form lets each unit choose only its own: the rule lets every writer open it)
    offered_to: frozenset[str] | None = None
    slug: str | None = None  # the URL's action slug, when it is not the rule's verb

    @property
    def opens(self) -> frozenset[str]:
        return self.allowed if self.offered_to is None else self.offered_to


def _db(obj: models.Model, *names: str) -> Callable[[], Any]:
    model = type(obj)
    return lambda: tuple(model.objects.filter(pk=obj.pk).values_list(*names).get())


def _count(model_path: str) -> Callable[[], Any]:
    def count():
        from django.apps import apps

        return apps.get_model(model_path).objects.count()

    return count


def _attachment_count(obj: models.Model) -> Callable[[], Any]:
    def count():
        from django.contrib.contenttypes.models import ContentType

        from core.models import Attachment

        return Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
        ).count()

    return count


def _audit_count(obj: models.Model) -> Callable[[], Any]:
    def count():
        from django.contrib.contenttypes.models import ContentType

        from core.models import AuditEntry

        return AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_pk=str(obj.pk)
        ).count()

    return count


# leads, moved through the real services

CA_LEAD = SL | {"community_a"}


def _lead(w, *, by="community_a", to=None, **data):
    from leads import services

    data = {"source": "community", "summary": "新线索", "informant_name": INFORMANT_NAME, **data}
    lead, _code = services.lead_create(user=getattr(w.p, by), data=data)
    if to is not None:
        lead = services.lead_refer(lead=lead, user=w.p.street, unit=to)
    return lead


def _lead_at(w, status: str):
    """A lead filed by the street office, referred to community A and moved on to ``status``."""
    from leads import services

    lead = _lead(w, by="street", to=w.ca)
    if status in ("verifying", "fed_back"):
        lead = services.lead_acknowledge(lead=lead, user=w.p.community_a)
    if status == "fed_back":
        lead = services.lead_feedback(lead=lead, user=w.p.community_a, findings="属实")
    return lead


def lead_action(status: str, data: dict | Callable, *fields: str):
    def setup(w, persona):
        lead = _lead(w) if status == "registered" else _lead_at(w, status)
        posted = data(w, lead) if callable(data) else data
        return [lead.pk], posted, _db(lead, *(fields or ("status",)))

    return setup


def _pending_review(w):
    from leads import services

    lead = _lead(w, by="street", is_major=True)
    return services.lead_close(lead=lead, user=w.p.street2, outcome="unfounded")


def setup_reopen(w, persona):
    lead = _pending_review(w)
    return [lead.pk], {"reason": "复核不同意"}, _db(lead, "status", "review_state")


def setup_group_acknowledge(w, persona):
    from organization.choices import UnitCode

    lead = _lead(w, by="street", to=w.u[UnitCode.GROUP_CRACKDOWN])
    return [lead.pk], {}, _db(lead, "status")


def setup_extension_decide(w, persona):
    from leads import services

    lead = _lead_at(w, "referred")
    lead = services.lead_request_extension(
        lead=lead, user=w.p.community_a, until=lead.deadline + datetime.timedelta(days=10), reason="需要时间"
    )
    return [lead.pk], {"approve": "1", "reason": "同意"}, _db(lead, "extension_state", "deadline")


def setup_link(*, merge: bool):
    def setup(w, persona):
        lead, other = _lead(w), _lead(w)
        data = {"other": other.number, **({"merge": "on"} if merge else {})}
        return [lead.pk], data, _db(lead, "status", "merged_into") if merge else _count("leads.Lead_related")

    return setup


def _higher_closed(w):
    from leads import services

    lead = _lead(w, by="street", source="higher", higher_reference="晋专办〔2026〕1号")
    return services.lead_close(lead=lead, user=w.p.street, outcome="partly")


def setup_report_up(w, persona):
    lead = _higher_closed(w)
    return [lead.pk], {}, _db(lead, "reported_up_at")


def setup_higher_post(w, persona):
    lead = _higher_closed(w)
    return [], {"reason": "已报送"}, _db(lead, "reported_up_at")


def setup_reveal(w, persona):
    lead = _lead(w)
    return [lead.pk], {"reason": "核实举报内容"}, _audit_count(lead)


def setup_redact(w, persona):
    lead = _lead(w, description="举报人电话13900001111，请联系")
    return [lead.pk], {"passage": "13900001111", "reason": "举报人电话误填"}, _db(lead, "description")


def setup_receipt(w, persona):
    lead = _lead(w, source="public", channel="phone")
    return [lead.pk], {}, _db(lead, "receipt_hash")


def setup_lead_create(w, persona):
    data = {
        "source": "public",
        "channel": "phone",
        "summary": "电话举报" + persona,
        "fraud_type": "service",
        "received_on": "",
    }
    return [], data, _count("leads.Lead")


def setup_lead_transfer(w, persona):
    data = {
        "street": w.dongshi.pk,
        "higher_reference": "晋专办〔2026〕" + persona,
        "higher_deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "summary": "市专项办转办" + persona,
        "fraud_type": "service",
    }
    return [], data, _count("leads.Lead")


def setup_transfer_import(w, persona):
    from leads import imports
    from tests.factories import xlsx_upload

    rows = imports.transfer_template_rows([w.dongshi.name])
    rows[1][1] = "晋专办〔2026〕清单" + persona
    upload = xlsx_upload(rows[0], rows[1:], name="transfers.xlsx")
    return [], {"file": upload}, _count("leads.Lead")


def setup_lead_update(w, persona):
    from leads.forms import LeadEditForm

    lead = _lead(w)
    data = form_data(LeadEditForm(instance=lead), summary="改正后的摘要", reason="更正")
    return [lead.pk], data, _db(lead, "summary")


def setup_lead_import(w, persona):
    from core.xlsx import Column, write_rows
    from leads import imports

    rows = imports.template_rows()
    buffer = io.BytesIO()
    write_rows(buffer, "线索", [Column(h, lambda r, i=i: r[i], 18) for i, h in enumerate(rows[0])], rows[1:])
    upload = ContentFile(buffer.getvalue(), name="leads.xlsx")
    return [], {"file": upload, "valid_only": "on"}, _count("leads.Lead")


# cases

CASES = SL | {"crackdown", "police", "tribunal"}
CASE_HANDLERS = frozenset({"street", "crackdown", "police", "tribunal"})


def case_step(step: str, kind: str = "criminal"):
    """The world's case, put at ``step`` (of a case of ``kind``) for the action that moves it on."""

    def setup(w, persona):
        from cases.models import Case

        case = w.o["case"]
        Case.objects.filter(pk=case.pk).update(step=step, kind=kind)
        data = {"advance-date": timezone.localdate().isoformat(), "advance-reason": "推进"}
        return [case.pk], data, _db(case, "step")

    return setup


def setup_typical(typical: bool):
    def setup(w, persona):
        from cases.models import Case

        case = w.o["case"]
        Case.objects.filter(pk=case.pk).update(is_typical=typical)
        return [case.pk], {"reason": "典型"}, _db(case, "is_typical")

    return setup


def setup_publicity(cleared: bool):
    def setup(w, persona):
        from cases.models import Case

        case = w.o["case"]
        Case.objects.filter(pk=case.pk).update(
            is_typical=True, publicity_cleared=cleared, publicity_title="案例", publicity_summary="摘要"
        )
        data = {"publicity_title": "公开标题", "publicity_summary": "公开摘要", "reason": "宣传"}
        return [case.pk], data, _db(case, "publicity_cleared")

    return setup


def setup_ledger_add(w, persona):
    data = {"ledger-kind": "frozen", "ledger-date": timezone.localdate().isoformat(), "ledger-amount": "10.00"}
    return [w.o["case"].pk], data, _count("cases.LedgerEntry")


def setup_ledger_reverse(w, persona):
    return [w.o["ledger"].pk], {"reason": "录错"}, _count("cases.LedgerEntry")


def setup_link_leads(w, persona):
    return [w.o["case"].pk], {"link-leads": [w.o["lead_cr"].pk]}, _count("cases.Case_leads")


def _case_form_data(w, **changes):
    from cases.forms import CaseForm

    return form_data(CaseForm(instance=w.o["case"], creating=False), **changes)


def setup_case_create(w, persona):
    data = _case_form_data(w, title="新立案件", number="", date=timezone.localdate().isoformat(), version="")
    return [], data, _count("cases.Case")


def setup_case_update(w, persona):
    return [w.o["case"].pk], _case_form_data(w, title="改名的案件", reason="更正"), _db(w.o["case"], "title")


def setup_opinion_plan(w, persona):
    data = {"assessment": "评估", "monitoring": "监测", "response": "应对", "owner": "张三"}
    return [w.o["case"].pk], data, _count("cases.PublicOpinionPlan")


# rectification

INST_A = SL | {"rectification", "liaison", "community_a"}
SUPERVISORS_A = frozenset({"street", "rectification", "liaison"})
ACTORS_A = SUPERVISORS_A | {"community_a"}


def _inst_form_data(w, inst=None, **changes):
    from rectification.forms import InstitutionForm

    return form_data(InstitutionForm(instance=inst), **changes)


def setup_institution_create(w, persona):
    from organization.choices import UnitCode

    data = _inst_form_data(
        w,
        name="新登记的养老院",
        type="elderly_home",
        sector="food_health",
        supervising_unit=w.u[UnitCode.MARKET_REGULATION].pk,
        address="新塘路9号",
        community=w.ca.pk,
        status="operating",
        collapse_risk="",
    )
    return [], data, _count("rectification.Institution")


def setup_institution_update(w, persona):
    inst = w.o["inst_a"]
    return [inst.pk], _inst_form_data(w, inst, note="补充说明", reason="补充"), _db(inst, "note")


def setup_grade(w, persona):
    inst = w.o["inst_a"]
    return [inst.pk], {"grade": "1", "reason": "复评"}, _db(inst, "risk_grade")


def _own_unit(w, persona):
    from organization.choices import UnitCode

    unit = getattr(w.p, persona).unit
    return w.u[UnitCode.MARKET_REGULATION] if unit.kind == "street_office" else unit


def setup_inspection(w, persona):
    inst = w.o["inst_a"]
    data = {
        "date": timezone.localdate().isoformat(),
        "unit": _own_unit(w, persona).pk,
        "inspectors": "李四",
        "findings": "检查情况",
        "problem_horizon": "immediate",
    }
    return [inst.pk], data, _count("rectification.Inspection")


def _problem_data(w):
    from organization.choices import UnitCode

    return {
        "description": "新问题",
        "category": "false_advert",
        "horizon": "immediate",
        "owner_unit": w.u[UnitCode.MARKET_REGULATION].pk,
        "owner_person": "赵六",
        "measure_kind": "order_rectify",
        "measure_deadline": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
    }


def setup_problem_create(w, persona):
    return [w.o["inst_a"].pk], _problem_data(w), _count("rectification.Problem")


def _plan_data(w, plan=None, **changes):
    from rectification.forms import PlanForm

    form = PlanForm(instance=plan or w.o["plan_a"])
    return form_data(form, **changes)


def setup_plan_create(w, persona):
    from rectification.models import ContingencyPlan

    ContingencyPlan.objects.filter(pk=w.o["plan_a"].pk).update(status="archived")
    return [w.o["inst_a"].pk], _plan_data(w, title="新预案"), _count("rectification.ContingencyPlan")


def setup_plan_update(w, persona):
    plan = w.o["plan_a"]
    return [plan.pk], _plan_data(w, plan, title="改过的预案"), _db(plan, "title")


def setup_plan_status(status: str):
    def setup(w, persona):
        plan = w.o["plan_a"]
        return [plan.pk], {"status": status, "reason": "办理"}, _db(plan, "status")

    return setup


def problem_action(action: str, status: str, **data):
    def setup(w, persona):
        from rectification.models import Problem

        problem = w.o["problem_a"]
        Problem.objects.filter(pk=problem.pk).update(status=status)
        return [problem.pk, action], {"reason": "办理", **data}, _db(problem, "status")

    return setup


def setup_measure_add(w, persona):
    problem = w.o["problem_a"]
    data = {"kind": "order_rectify", "deadline": (timezone.localdate() + datetime.timedelta(days=5)).isoformat()}
    return [problem.pk], data, _count("rectification.Measure")


def setup_measure_complete(w, persona):
    from rectification.models import Measure

    problem = w.o["problem_a"]
    measure = Measure.objects.create(
        problem=problem, kind="order_rectify", deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    return [problem.pk, measure.pk], {"result": "已整改"}, _db(measure, "done_at")


def setup_institution_import(w, persona):
    from openpyxl import load_workbook

    from rectification import imports

    book = load_workbook(io.BytesIO(imports.template_workbook()))
    book.active["A2"] = "导入的养生馆"  # the template's example row, made a real one
    buffer = io.BytesIO()
    book.save(buffer)
    upload = ContentFile(buffer.getvalue(), name="institutions.xlsx")
    return [], {"file": upload, "mode": "valid_only"}, _count("rectification.Institution")


def setup_sectors_edit(w, persona):
    from organization.choices import UnitCode
    from rectification import services
    from rectification.forms import SectorsForm
    from rectification.models import SectorSupervisor

    form = SectorsForm(current=services.sector_units())
    data = form_data(form, units_food_health=[w.u[UnitCode.HEALTH_OFFICE].pk], reason="调整")
    return [], data, lambda: sorted(SectorSupervisor.objects.values_list("sector", "unit_id", "is_lead"))


def setup_supervisor_override(w, persona):
    from organization.choices import UnitCode

    inst = w.o["inst_a"]
    return [inst.pk], {"unit": w.u[UnitCode.LAND_OFFICE].pk, "reason": "例外"}, _db(inst, "supervising_unit")


# publicity

PUBLICITY_A = frozenset({"street", "publicity", "community_a"})


def _pub_form_data(form_class, w, obj, **changes):
    return form_data(form_class(instance=obj, user=w.p.street), **changes)


def setup_activity_create(w, persona):
    from publicity.forms import ActivityForm

    data = _pub_form_data(ActivityForm, w, w.o["activity_ca"], title="新活动", version="")
    return [], data, _count("publicity.Activity")


def setup_activity_update(w, persona):
    from publicity.forms import ActivityForm

    obj = w.o["activity_ca"]
    return [obj.pk], _pub_form_data(ActivityForm, w, obj, title="改过的活动"), _db(obj, "title")


def setup_activity_photos(w, persona):
    from publicity.forms import ActivityForm

    obj = w.o["activity_ca"]
    data = _pub_form_data(ActivityForm, w, obj, reason="补充照片")
    data["photos"] = ContentFile(PNG, name="photo.png")
    return [obj.pk], data, _attachment_count(obj)


def setup_survey_create(w, persona):
    from publicity.forms import SurveyForm

    month = (w.o["survey_a"].month - datetime.timedelta(days=1)).strftime("%Y-%m")
    data = _pub_form_data(SurveyForm, w, w.o["survey_a"], month=month, version="")
    return [], data, _count("publicity.AwarenessSurvey")


def setup_survey_update(w, persona):
    from publicity.forms import SurveyForm

    obj = w.o["survey_a"]
    return [obj.pk], _pub_form_data(SurveyForm, w, obj, note="改过"), _db(obj, "note")


def setup_media_create(w, persona):
    from publicity.forms import MediaReportForm

    unit = getattr(w.p, persona).unit
    data = _pub_form_data(MediaReportForm, w, w.o["media"], title="新报道", unit=unit.pk, version="")
    return [], data, _count("publicity.MediaReport")


def setup_media_update(w, persona):
    from publicity.forms import MediaReportForm

    obj = w.o["media"]
    return [obj.pk], _pub_form_data(MediaReportForm, w, obj, title="改过的报道"), _db(obj, "title")


def setup_opinion_create(w, persona):
    from publicity.forms import OpinionForm

    unit = getattr(w.p, persona).unit
    data = _pub_form_data(OpinionForm, w, w.o["opinion_ca"], summary="新舆情", unit=unit.pk, version="")
    return [], data, _count("publicity.OpinionEntry")


def setup_opinion_update(w, persona):
    from publicity.forms import OpinionForm

    obj = w.o["opinion_ca"]
    return [obj.pk], _pub_form_data(OpinionForm, w, obj, summary="改过的舆情"), _db(obj, "summary")


def setup_opinion_follow_up(w, persona):
    obj = w.o["opinion_ca"]
    data = {"date": timezone.localdate().isoformat(), "note": "跟进" + persona, "status": "following"}
    return [obj.pk], data, _db(obj, "status")


def setup_opinion_escalate(w, persona):
    from publicity.models import OpinionEntry

    obj = w.o["opinion_ca"]
    OpinionEntry.objects.filter(pk=obj.pk).update(risk_level="high", escalated_at=None)
    return [obj.pk], {"reason": "风险升高"}, _db(obj, "escalated_at")


# reports


def setup_submission_start(w, persona):
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    data = {"month": month, **({"unit": w.ca.pk} if persona == "street" else {})}  # the street office names one
    return [], data, _count("reports.UnitSubmission")


OWN_SUBMISSION = frozenset({"street", "community_a"})


def setup_submission(watch: str):
    def setup(w, persona):
        sub = w.o["submission_ca"]
        data = {"work_done": "做了" + persona, "problems": "无", "next_steps": "继续"}
        return [sub.pk], data, _db(sub, watch)

    return setup


def setup_report_generate(w, persona):
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    return [], {"month": month}, _count("reports.MonthlyReport")


def setup_supervision_record(w, persona):
    today = timezone.localdate()
    data = {
        "street": w.dongshi.pk,
        "kind": "notice",
        "date": today.isoformat(),
        "text": "线索反馈超期" + persona,
        "rectify_by": (today + datetime.timedelta(days=30)).isoformat(),
        "reason": "督导考评后进",
    }
    return [], data, _count("reports.Supervision")


def _supervision(w, **fields):
    """A 通报 of the first street (新塘) by the city (issue 19)."""
    from reports.models import Supervision

    today = timezone.localdate()
    values = {
        "kind": "notice",
        "date": today,
        "text": "线索反馈超期",
        "rectify_by": today + datetime.timedelta(days=30),
    }
    return Supervision.objects.create(jurisdiction_id=w.ca.jurisdiction_id, **{**values, **fields})


def setup_supervision_edit(w, persona):
    obj = _supervision(w)
    data = {
        "kind": "interview",
        "date": obj.date.isoformat(),
        "text": "修改后的内容" + persona,
        "rectify_by": obj.rectify_by.isoformat(),
        "version": obj.version,
        "reason": "补充情况",
    }
    return [obj.pk], data, _db(obj, "text", "kind")


def setup_supervision_report(w, persona):
    obj = _supervision(w)
    data = {"rectification": "已整改" + persona, "rectified_on": timezone.localdate().isoformat()}
    return [obj.pk], data, _db(obj, "status", "rectification")


def setup_supervision_answer(w, persona):
    obj = _supervision(w, status="reported", rectification="已整改", rectified_on=timezone.localdate())
    return [obj.pk], {"reason": "整改不到位"}, _db(obj, "status")


def setup_regenerate(w, persona):
    report = w.o["report"]
    return [report.pk], {}, _db(report, "version", "status")


def setup_mail_retry(w, persona):
    report = w.o["report"]
    return [report.pk], {}, _db(report.email, "status")


def setup_mail_again(w, persona):
    from core.models import OutboundEmail

    report = w.o["report"]
    OutboundEmail.objects.filter(pk=report.email_id).update(status="sent")
    return [report.pk], {}, _count("core.OutboundEmail")


def setup_outbox_retry(w, persona):
    email = w.o["report"].email  # a failed e-mail: the outbox sends it again
    return [email.pk], {}, _db(email, "status", "attempts")


def setup_calendar_enter(w, persona):
    year = 2031  # any year: entering one the library knows overrides it the same way
    data = {"year": year, "text": f"{year}-10-01~{year}-10-07 国庆节\n{year}-09-28 班", "reason": "国办通知"}
    return [], data, _count("core.CalendarDay")


def _recipient(active: bool = True):
    from organization.models import Jurisdiction
    from reports.models import ReportRecipient

    street = Jurisdiction.objects.get(name="新塘街道")
    return ReportRecipient.objects.create(
        email=f"r{ReportRecipient.objects.count()}@example.invalid", is_active=active, jurisdiction=street
    )


def setup_scorecard_threshold(w, persona):
    from organization.models import Campaign

    campaign = Campaign.objects.current()
    return [campaign.pk], {"laggard_score": 75}, _db(campaign, "laggard_score")


# organization: campaigns (organization/rules_campaigns.py)

_MANAGEMENT = {"phase-TOTAL_FORMS": "1", "phase-INITIAL_FORMS": "0", "phase-MIN_NUM_FORMS": "0"}


def setup_campaign_create(w, persona):
    start = timezone.localdate() + datetime.timedelta(days=400)
    data = {
        "name": f"新专项行动{persona}",
        "start_date": start.isoformat(),
        "report_day": "20",
        "laggard_score": "60",
        **_MANAGEMENT,
        "phase-0-kind": "mobilisation",
        "phase-0-name": "宣传发动",
        "phase-0-start_date": start.isoformat(),
        "phase-0-end_date": (start + datetime.timedelta(days=30)).isoformat(),
    }
    return [], data, _count("organization.Campaign")


def setup_campaign_edit(w, persona):
    from organization.models import Campaign

    c = Campaign.objects.current()
    data = {
        "name": c.name,
        "start_date": c.start_date.isoformat(),
        "end_date": c.end_date.isoformat() if c.end_date else "",
        "report_day": "21",
        "laggard_score": str(c.laggard_score),
        "description": "改过的" + persona,
        "is_active": "on",
        "reason": "调整",
        **{**_MANAGEMENT, "phase-TOTAL_FORMS": "0"},
    }
    return [c.pk], data, _db(c, "report_day", "description")


def setup_campaign_copy(w, persona):
    from organization.models import Campaign

    c = Campaign.objects.current()
    start = (c.end_date or timezone.localdate()) + datetime.timedelta(days=1)
    return [c.pk], {"name": f"复制的{persona}", "start_date": start.isoformat()}, _count("organization.Campaign")


def setup_campaign_implement(w, persona):
    c = w.campaign.parent  # the city's campaign (the street's implementation is w.campaign)
    return [c.pk], {"reason": "按市里方案"}, _count("organization.Campaign")


def setup_street_add(w, persona):
    data = {"name": f"西滨镇{persona}", "short_name": "西滨专项办", "reason": "新设镇街专项办"}
    return [], data, _count("organization.Jurisdiction")


def setup_street_edit(w, persona):
    data = {"name": f"东石镇{persona}", "office_name": f"东石镇专项办{persona}", "reason": "机构更名"}
    return [w.dongshi.pk], data, _db(w.dongshi, "name")


def setup_street_deactivate(w, persona):
    from organization.models import Jurisdiction, Unit

    street = Jurisdiction.objects.create(name=f"撤并镇{persona}", parent=w.city)  # nobody works there
    Unit.objects.create(name=f"撤并镇专项办{persona}", kind="street_office", code="street_office", jurisdiction=street)
    return [street.pk], {"reason": "撤并镇街"}, _db(street, "is_active")


def setup_street_reactivate(w, persona):
    from organization.models import Jurisdiction, Unit

    street = Jurisdiction.objects.create(name=f"复设镇{persona}", parent=w.city, is_active=False)
    Unit.objects.create(
        name=f"复设镇专项办{persona}", kind="street_office", code="street_office", jurisdiction=street, is_active=False
    )
    return [street.pk], {"reason": "恢复设立镇街"}, _db(street, "is_active")


def setup_street_staff_add(w, persona):
    from organization.models import Jurisdiction, Unit

    street = Jurisdiction.objects.create(name=f"新设镇{persona}", parent=w.city)
    Unit.objects.create(name=f"新设镇专项办{persona}", kind="street_office", code="street_office", jurisdiction=street)
    data = {"username": f"xinshe_{persona}", "name": "新设镇专办", "reason": "开设首个账号"}
    return [street.pk], data, _count("organization.User")


def setup_recipient_add(w, persona):
    return [], {"email": "city@example.invalid", "name": "区专项办"}, _count("reports.ReportRecipient")


def setup_recipient_edit(w, persona):
    r = _recipient()
    return [r.pk], {"email": r.email, "name": "改过的" + persona, "note": ""}, _db(r, "name")


def setup_recipient_active(active: bool):
    def setup(w, persona):
        r = _recipient(active=not active)
        return [r.pk], {}, _db(r, "is_active")

    return setup


def setup_summary(action: str):
    def setup(w, persona):
        data = {"results": "成效", "experience": "经验", "loopholes": "漏洞", "weaknesses": "短板", "rules": "制度"}
        return [], {**data, "action": action}, _summary_state

    return setup


def _summary_state():
    from reports.models import SummarySubmission

    return sorted(SummarySubmission.objects.values_list("unit_id", "status"))


# organization: units, people, the reveal right

ORG_REASON = {"reason": "按方案调整组织"}


def _community(w, active: bool = True):
    from organization.models import Unit

    return Unit.objects.create(
        name=f"新设社区{Unit.objects.count()}", kind="community", is_active=active, jurisdiction=w.ca.jurisdiction
    )


def _person(w, unit=None, role="community_staff", active: bool = True, reveal: bool = False):
    from django.contrib.auth.models import Permission

    from organization.models import User
    from tests.factories import UserFactory

    person = UserFactory(username=f"p{User.objects.count()}", unit=unit or w.cb, role=role, is_active=active)
    if reveal:
        person.user_permissions.add(Permission.objects.get(content_type__app_label="leads", codename="view_informant"))
    return person


def _holds_reveal(person):
    return lambda: person.user_permissions.filter(codename="view_informant").exists()


def setup_unit_add(w, persona):
    data = {"name": "锦里社区" + persona, "kind": "community", "sort_order": 9, **ORG_REASON}
    return [], data, _count("organization.Unit")


def setup_unit_edit(w, persona):
    unit = _community(w)
    data = {"name": unit.name + "（改）", "kind": "community", "sort_order": 9, **ORG_REASON}
    return [unit.pk], data, _db(unit, "name")


def setup_unit_active(active: bool):
    def setup(w, persona):
        unit = _community(w, active=not active)
        return [unit.pk], ORG_REASON, _db(unit, "is_active")

    return setup


def setup_person_add(w, persona):
    data = {"username": "new_" + persona, "name": "新人", "unit": w.cb.pk, "role": "community_staff", **ORG_REASON}
    return [], data, _count("organization.User")


def setup_person_edit(w, persona):
    person = _person(w)
    data = {"name": "改名" + persona, "unit": w.cb.pk, "role": "community_staff", **ORG_REASON}
    return [person.pk], data, _db(person, "name")


def setup_person_active(active: bool):
    def setup(w, persona):
        person = _person(w, active=not active)
        return [person.pk], ORG_REASON, _db(person, "is_active")

    return setup


def setup_reset_password(w, persona):
    person = _person(w)
    return [person.pk], ORG_REASON, _db(person, "password")


def setup_grant(reveal: bool):
    def setup(w, persona):
        from organization.choices import UnitCode

        person = _person(w, unit=w.u[UnitCode.STREET_OFFICE], role="street_office", reveal=not reveal)
        return [person.pk], ORG_REASON, _holds_reveal(person)

    return setup


# api: tokens of the systems around Hulao (the API itself is tested with tokens in tests/api)


def setup_token_issue(w, persona):
    data = {"name": "网格系统" + persona, "kind": "system", "unit": w.ca.pk, "rights": ["read"], **ORG_REASON}
    return [], data, _count("api.ApiToken")


def setup_token_revoke(w, persona):
    from api import services

    token, _secret = services.token_issue(
        user=w.p.street, name="热线" + persona, kind="system", unit=w.ca, rights=["read"], reason="对接热线"
    )
    return [token.pk], ORG_REASON, _db(token, "revoked_at")


def _peer(w, direction="down"):
    from api import federation

    return federation.peer_add(
        user=w.p.street,
        name="下级街道系统",
        base_url="http://127.0.0.1:9/",
        direction=direction,
        secret="hl_secret-of-the-street",
        inbound_token=None,
        reason="对接下级系统",
    )


def setup_peer_add(w, persona):
    data = {"name": "市系统" + persona, "base_url": "https://city.example.cn", "direction": "up", "secret": "hl_x"}
    return [], {**data, **ORG_REASON}, _count("api.Peer")


def setup_peer_deactivate(w, persona):
    peer = _peer(w)
    return [peer.pk], ORG_REASON, _db(peer, "is_active")


def setup_transfer_down(w, persona):
    peer = _peer(w)
    lead = _lead(w, by="street")
    deadline = datetime.date.today() + datetime.timedelta(days=10)
    return [lead.pk], {"peer": peer.pk, "reference": "转" + persona, "deadline": deadline}, _db(lead, "status")


def setup_transfer_retry(w, persona):
    from api import federation
    from api.models import Transfer

    lead = _lead(w, by="street")
    transfer = federation.transfer_down(
        lead=lead,
        user=w.p.street,
        peer=_peer(w),
        reference="转" + persona,
        deadline=datetime.date.today() + datetime.timedelta(days=10),
    )
    Transfer.objects.filter(pk=transfer.pk).update(state="failed", error="HTTP 503")
    return [transfer.pk], {}, _db(transfer, "state")


def setup_closure_retry(w, persona):
    from api import services
    from api.models import Arrival
    from leads import services as lead_services
    from organization.choices import UnitCode

    token, _secret = services.token_issue(
        user=w.p.street,
        name="市系统" + persona,
        kind="office",
        unit=w.u[UnitCode.STREET_OFFICE],
        rights=["create_lead", "peer"],
        reason="对接上级系统",
    )
    data = {"source": "higher", "summary": "上级转办", "higher_reference": "市转" + persona}
    lead, _code = lead_services.lead_create(user=token.user, data=data)
    arrival = Arrival.objects.create(
        token=token, reference=data["higher_reference"], lead=lead, report_state="failed", report_error="HTTP 503"
    )
    return [arrival.pk], {}, _db(arrival, "report_state")


def form_data(form, **changes) -> dict:
    """What a browser posts for an unbound form as shown (its initial values), with changes."""
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if value is None:
            value = ""
        if isinstance(value, models.Model):
            value = value.pk
        elif isinstance(value, (list, tuple)):
            value = [v.pk if isinstance(v, models.Model) else v for v in value]
        elif isinstance(value, (datetime.date, datetime.datetime)):
            value = value.isoformat()
        elif callable(value):
            value = value()
            value = value.isoformat() if isinstance(value, datetime.date) else value
        if name in ("files", "photos"):
            continue
        data[name] = value
    for name, value in changes.items():
        data[name] = value
    return data


ACTIONS: dict[str, Action] = {
    # leads: the street office refers, closes, returns, merges, supervises, reports up; the unit a
    # lead is referred to signs for it, asks for more time and feeds back (docs: leads rows)
    "leads.refer": Action(
        "leads:action", frozenset({"street"}), lead_action("registered", lambda w, x: {"unit": w.cb.pk}), CA_LEAD
    ),
    "leads.acknowledge": Action("leads:action", frozenset({"community_a"}), lead_action("referred", {}), CA_LEAD),
    "leads.acknowledge (group)": Action(
        "leads:action", frozenset({"crackdown", "police"}), setup_group_acknowledge, SL | {"crackdown", "police"}
    ),
    "leads.feedback": Action(
        "leads:action", frozenset({"community_a"}), lead_action("verifying", {"findings": "属实"}), CA_LEAD
    ),
    "leads.close": Action(
        "leads:action", frozenset({"street"}), lead_action("fed_back", {"outcome": "partly"}), CA_LEAD
    ),
    "leads.return": Action(
        "leads:action", frozenset({"street"}), lead_action("fed_back", {"reason": "材料不全"}), CA_LEAD
    ),
    "leads.reopen": Action("leads:action", frozenset({"street"}), setup_reopen, SL),
    "leads.review_confirm": Action("leads:action", frozenset({"street"}), setup_reopen, SL),
    "leads.extension_request": Action(
        "leads:action",
        frozenset({"community_a"}),
        lead_action(
            "referred",
            lambda w, x: {"until": (x.deadline + datetime.timedelta(days=10)).isoformat(), "reason": "需要时间"},
            "extension_state",
        ),
        CA_LEAD,
    ),
    "leads.extension_decide": Action("leads:action", frozenset({"street"}), setup_extension_decide, CA_LEAD),
    "leads.supervise": Action(
        "leads:action",
        frozenset({"street"}),
        lead_action("referred", lambda w, x: {"is_major": "on", "supervisor": w.p.street.pk}, "is_major"),
        CA_LEAD,
    ),
    "leads.urge": Action(
        "leads:action",
        frozenset({"street"}),
        lead_action("referred", {"reason": "请尽快反馈"}, "reminder_count"),
        CA_LEAD,
    ),
    "leads.link": Action("leads:action", frozenset({"street"}), setup_link(merge=False), CA_LEAD),
    "leads.merge": Action("leads:action", frozenset({"street"}), setup_link(merge=True), CA_LEAD, slug="link"),
    "leads.report_up": Action("leads:action", frozenset({"street"}), setup_report_up, SL),
    "leads.reveal": Action("leads:reveal", frozenset({"street"}), setup_reveal, CA_LEAD),
    "leads.redact": Action("leads:action", frozenset({"street"}), setup_redact, CA_LEAD),
    "leads.issue_receipt": Action("leads:issue_receipt", frozenset({"street", "community_a"}), setup_receipt, CA_LEAD),
    "leads.edit": Action("leads:update", frozenset({"street"}), setup_lead_update, CA_LEAD),
    "leads.create": Action("leads:create", WRITERS, setup_lead_create),
    "leads.report_up_many": Action("leads:higher", frozenset({"street"}), setup_higher_post),
    "leads.import": Action("leads:import", frozenset({"street"}), setup_lead_import),
    # issue 19: the city office's own (CITY_PERSONAS: test_city_transfers_a_lead_to_a_street)
    "leads.transfer": Action("leads:transfer", frozenset({"city"}), setup_lead_transfer),
    "leads.transfer_import": Action("leads:transfer_import", frozenset({"city"}), setup_transfer_import),
    # cases: the crackdown group, the police and the tribunal act on every case
    "cases.investigate": Action("cases:step", CASE_HANDLERS, case_step("filed"), CASES),
    "cases.solve": Action("cases:step", CASE_HANDLERS, case_step("investigating"), CASES),
    "cases.prosecute": Action("cases:step", CASE_HANDLERS, case_step("solved"), CASES),
    "cases.bring_to_trial": Action("cases:step", CASE_HANDLERS, case_step("prosecution"), CASES),
    "cases.close": Action("cases:step", CASE_HANDLERS, case_step("trial"), CASES),
    "cases.handle": Action("cases:step", CASE_HANDLERS, case_step("accepted", kind="administrative"), CASES),
    "cases.mark_typical": Action("cases:typical_mark", CASE_HANDLERS, setup_typical(False), CASES),
    "cases.unmark_typical": Action("cases:typical_mark", CASE_HANDLERS, setup_typical(True), CASES),
    "cases.clear_publicity": Action("cases:publicity_clear", CASE_HANDLERS, setup_publicity(False), CASES),
    "cases.withdraw_publicity": Action("cases:publicity_withdraw", CASE_HANDLERS, setup_publicity(True), CASES),
    "cases.ledger_add": Action("cases:ledger_add", CASE_HANDLERS, setup_ledger_add, CASES),
    "cases.ledger_reverse": Action("cases:ledger_reverse", CASE_HANDLERS, setup_ledger_reverse, CASES),
    # the tribunal may link the leads it sees; the crackdown group's lead is not one of them
    "cases.link_leads": Action(
        "cases:link_leads",
        CASE_HANDLERS - {"tribunal"},
        setup_link_leads,
        CASES,
        soft=True,
        offered_to=CASE_HANDLERS,
    ),
    "cases.create": Action("cases:create", CASE_HANDLERS, setup_case_create),
    "cases.update": Action("cases:update", CASE_HANDLERS, setup_case_update, CASES, hidden_status=(403, 404)),
    "cases.opinion_plan": Action(
        "cases:opinion_plan", CASE_HANDLERS, setup_opinion_plan, CASES, hidden_status=(403, 404)
    ),
    # rectification: the group and the supervising unit act; a community records inspections and
    # rectifies, but does not grade, verify, transfer or send to the judiciary
    "rectification.create": Action(
        "rectification:institution_create", ACTORS_A, setup_institution_create, soft=True, offered_to=WRITERS
    ),
    "rectification.update": Action(
        "rectification:institution_update", ACTORS_A, setup_institution_update, INST_A, soft=True
    ),
    "rectification.grade": Action("rectification:institution_grade", SUPERVISORS_A, setup_grade, INST_A, soft=True),
    "rectification.inspect": Action("rectification:inspection_create", ACTORS_A, setup_inspection, INST_A, soft=True),
    "rectification.raise_problem": Action(
        "rectification:problem_create", ACTORS_A, setup_problem_create, INST_A, soft=True
    ),
    "rectification.plan_create": Action(
        "rectification:plan_create", SUPERVISORS_A, setup_plan_create, INST_A, soft=True
    ),
    "rectification.plan_update": Action(
        "rectification:plan_update", SUPERVISORS_A, setup_plan_update, INST_A, soft=True
    ),
    "rectification.plan_activate": Action(
        "rectification:plan_status", SUPERVISORS_A, setup_plan_status("active"), INST_A
    ),
    "rectification.plan_archive": Action(
        "rectification:plan_status", SUPERVISORS_A, setup_plan_status("archived"), INST_A
    ),
    "rectification.start": Action(
        "rectification:problem_transition", ACTORS_A, problem_action("start", "open"), INST_A, soft=True
    ),
    "rectification.report": Action(
        "rectification:problem_transition", ACTORS_A, problem_action("report", "rectifying"), INST_A, soft=True
    ),
    "rectification.verify": Action(
        "rectification:problem_transition", SUPERVISORS_A, problem_action("verify", "rectified"), INST_A, soft=True
    ),
    "rectification.reject": Action(
        "rectification:problem_transition", SUPERVISORS_A, problem_action("reject", "rectified"), INST_A, soft=True
    ),
    "rectification.transfer": Action(
        "rectification:problem_transition",
        SUPERVISORS_A,
        problem_action("transfer", "open", department="民政局"),
        INST_A,
        soft=True,
    ),
    "rectification.judiciary": Action(
        "rectification:problem_transition", SUPERVISORS_A, problem_action("judiciary", "open"), INST_A, soft=True
    ),
    "rectification.measure_add": Action("rectification:measure_add", ACTORS_A, setup_measure_add, INST_A, soft=True),
    "rectification.measure_complete": Action(
        "rectification:measure_complete", ACTORS_A, setup_measure_complete, INST_A, soft=True
    ),
    "rectification.import": Action(
        "rectification:institution_import", SUPERVISORS_A, setup_institution_import, soft=True, offered_to=WRITERS
    ),
    # the street office keeps the sector table and names a supervising unit outside it (issue 16)
    "rectification.sectors_edit": Action("rectification:sectors_edit", frozenset({"street"}), setup_sectors_edit),
    "rectification.supervisor_override": Action(
        "rectification:institution_supervisor", frozenset({"street"}), setup_supervisor_override, INST_A
    ),
    # publicity: the publicity group all; a community its own; media and opinion for one's own unit
    "publicity.activity_create": Action(
        "publicity:activity_create", PUBLICITY_A, setup_activity_create, soft=True, offered_to=WRITERS
    ),
    "publicity.activity_update": Action(
        "publicity:activity_update", PUBLICITY_A, setup_activity_update, VISIBLE["activity_ca"], soft=True
    ),
    "publicity.activity_photos": Action(
        "publicity:activity_update", PUBLICITY_A, setup_activity_photos, VISIBLE["activity_ca"], soft=True
    ),
    "publicity.survey_create": Action(
        "publicity:survey_create", PUBLICITY_A, setup_survey_create, soft=True, offered_to=PUBLICITY_A | {"community_b"}
    ),
    "publicity.survey_update": Action(
        "publicity:survey_update", PUBLICITY_A, setup_survey_update, VISIBLE["survey_a"], soft=True
    ),
    "publicity.media_create": Action("publicity:media_create", WRITERS, setup_media_create, soft=True),
    "publicity.media_update": Action(
        "publicity:media_update", frozenset({"street", "publicity"}), setup_media_update, EVERYONE, soft=True
    ),
    "publicity.opinion_create": Action("publicity:opinion_create", WRITERS, setup_opinion_create, soft=True),
    "publicity.opinion_update": Action(
        "publicity:opinion_update", PUBLICITY_A, setup_opinion_update, VISIBLE["opinion_ca"], soft=True
    ),
    "publicity.opinion_follow_up": Action(
        "publicity:opinion_follow_up", PUBLICITY_A, setup_opinion_follow_up, VISIBLE["opinion_ca"]
    ),
    "publicity.opinion_escalate": Action(
        "publicity:opinion_escalate", PUBLICITY_A, setup_opinion_escalate, VISIBLE["opinion_ca"]
    ),
    # reports: communities and member units fill in and submit their own month (the street office
    # for any); the street office generates the monthly report and sends its e-mail again
    "reports.submission_start": Action(
        "reports:submission_start",
        frozenset({"street", "liaison", "police", "tribunal", "bank", "community_a", "community_b"}),
        setup_submission_start,
        soft=True,
    ),
    "reports.submission_edit": Action(
        "reports:submission_action", OWN_SUBMISSION, setup_submission("work_done"), VISIBLE["submission_ca"]
    ),
    "reports.submission_refresh": Action(
        "reports:submission_action", OWN_SUBMISSION, setup_submission("figures"), VISIBLE["submission_ca"]
    ),
    "reports.submission_submit": Action(
        "reports:submission_action", OWN_SUBMISSION, setup_submission("status"), VISIBLE["submission_ca"]
    ),
    "reports.report_generate": Action("reports:report_generate", frozenset({"street", "city"}), setup_report_generate),
    "reports.supervision_record": Action("reports:supervision_add", frozenset({"city"}), setup_supervision_record),
    # the city edits, confirms or returns; the street's own office reports its rectification
    "reports.supervision_edit": Action("reports:supervision_edit", frozenset({"city"}), setup_supervision_edit, SL),
    "reports.supervision_report": Action(
        "reports:supervision_report", frozenset({"street"}), setup_supervision_report, SL
    ),
    "reports.supervision_confirm": Action(
        "reports:supervision_confirm", frozenset({"city"}), setup_supervision_answer, SL
    ),
    "reports.supervision_return": Action(
        "reports:supervision_return", frozenset({"city"}), setup_supervision_answer, SL
    ),
    "reports.report_regenerate": Action("reports:report_regenerate", frozenset({"street"}), setup_regenerate),
    "reports.mail_retry": Action("reports:report_mail_retry", frozenset({"street"}), setup_mail_retry),
    "reports.mail_again": Action("reports:report_mail_retry", frozenset({"street"}), setup_mail_again),
    # organization: the street office keeps units and people; its head grants the reveal right
    "organization.unit_add": Action("organization:unit_add", frozenset({"street"}), setup_unit_add),
    "organization.unit_edit": Action("organization:unit_edit", frozenset({"street"}), setup_unit_edit, SL),
    "organization.unit_deactivate": Action(
        "organization:unit_deactivate", frozenset({"street"}), setup_unit_active(False), SL
    ),
    "organization.unit_activate": Action(
        "organization:unit_activate", frozenset({"street"}), setup_unit_active(True), SL
    ),
    "organization.person_add": Action("organization:person_add", frozenset({"street"}), setup_person_add),
    "organization.person_edit": Action(
        "organization:person_edit", frozenset({"street"}), setup_person_edit, SL | {"community_b"}
    ),
    "organization.person_deactivate": Action(
        "organization:person_deactivate", frozenset({"street"}), setup_person_active(False), SL | {"community_b"}
    ),
    "organization.person_activate": Action(
        "organization:person_activate", frozenset({"street"}), setup_person_active(True), SL | {"community_b"}
    ),
    "organization.person_reset_password": Action(
        "organization:person_reset_password", frozenset({"street"}), setup_reset_password, SL | {"community_b"}
    ),
    "organization.grant_reveal": Action("organization:grant_reveal", frozenset({"street"}), setup_grant(True), SL),
    "organization.withdraw_reveal": Action(
        "organization:withdraw_reveal", frozenset({"street"}), setup_grant(False), SL
    ),
    "api.token_issue": Action("api:token_issue", frozenset({"street"}), setup_token_issue),
    "api.token_revoke": Action("api:token_revoke", frozenset({"street"}), setup_token_revoke, SL),
    # api: the Hulao deployments linked to this one (api/federation.py; the live pair in tests/api)
    "api.peer_add": Action("api:peer_add", frozenset({"street"}), setup_peer_add),
    "api.peer_deactivate": Action("api:peer_deactivate", frozenset({"street"}), setup_peer_deactivate, SL),
    "api.transfer_down": Action("api:transfer_down", frozenset({"street"}), setup_transfer_down, SL),
    "api.transfer_retry": Action("api:transfer_retry", frozenset({"street"}), setup_transfer_retry, SL),
    "api.closure_retry": Action("api:closure_retry", frozenset({"street"}), setup_closure_retry, SL),
    # issue 19: the city office keeps its own recipients too (tests/reports/test_recipients_city.py)
    "reports.recipient_add": Action("reports:recipient_add", frozenset({"street", "city"}), setup_recipient_add),
    "reports.scorecard_threshold": Action(
        "reports:scorecard_threshold", frozenset({"street"}), setup_scorecard_threshold
    ),
    "reports.recipient_edit": Action("reports:recipient_edit", frozenset({"street"}), setup_recipient_edit, SL),
    "reports.recipient_deactivate": Action(
        "reports:recipient_deactivate", frozenset({"street"}), setup_recipient_active(False), SL
    ),
    "reports.recipient_activate": Action(
        "reports:recipient_activate", frozenset({"street"}), setup_recipient_active(True), SL
    ),
    "core.mail_retry": Action("core:outbox_retry", frozenset({"street"}), setup_outbox_retry),
    "core.calendar_enter": Action("core:calendar_enter", frozenset({"street"}), setup_calendar_enter),
    "reports.summary_save": Action("reports:summary_edit", WRITERS - {"street"}, setup_summary("save"), soft=True),
    "reports.summary_submit": Action("reports:summary_edit", WRITERS - {"street"}, setup_summary("submit"), soft=True),
    "organization.campaign_create": Action(
        "organization:campaign_create", frozenset({"street", "city"}), setup_campaign_create
    ),
    "organization.campaign_edit": Action("organization:campaign_edit", frozenset({"street"}), setup_campaign_edit),
    "organization.campaign_copy": Action("organization:campaign_copy", frozenset({"street"}), setup_campaign_copy),
    # issue 19: the city office keeps its streets (organization/rules_streets.py); the first
    # street's personas do not see another street (404)
    "organization.street_add": Action("organization:street_add", frozenset({"city"}), setup_street_add),
    "organization.street_edit": Action("organization:street_edit", frozenset({"city"}), setup_street_edit, frozenset()),
    "organization.street_deactivate": Action(
        "organization:street_deactivate", frozenset({"city"}), setup_street_deactivate, frozenset()
    ),
    "organization.street_reactivate": Action(
        "organization:street_reactivate", frozenset({"city"}), setup_street_reactivate, frozenset()
    ),
    "organization.street_staff_add": Action(
        "organization:street_staff_add", frozenset({"city"}), setup_street_staff_add, frozenset()
    ),
    # issue 19: a street of the city implements the city's campaign (the first street has already)
    "organization.campaign_implement": Action(
        "organization:campaign_implement", frozenset({"street_x"}), setup_campaign_implement, EVERYONE
    ),
}


#: URL patterns that name the action in a slug after the object's pk (the verb of the rule).
SLUGGED = {"leads:action", "cases:step", "cases:typical_mark", "reports:submission_action"}


def rule_of(name: str):
    from core import rules

    return rules.get(name.split()[0])


def target_of(name: str, args: list, user=None):
    """The object the action is done to, as the rules see it (None for an action on no object)."""
    rule = rule_of(name)
    if rule.model is None:
        return None
    if rule.model._meta.model_name == "summarysubmission":  # the user's unit's summary (a new draft)
        from organization.models import Campaign
        from reports.services import summary_for

        return summary_for(unit=user.unit, campaign=Campaign.objects.current())
    pk = args[1] if rule.model._meta.model_name == "measure" else args[0]
    return rule.model._default_manager.get(pk=pk)


def action_url(name: str, action: Action, args: list) -> str:
    if action.url in SLUGGED:
        args = [*args, action.slug or rule_of(name).verb]
    return reverse(action.url, args=args)


#: List pages that take an action's POST besides showing the list (their GET is a read).
LIST_WITH_ACTION = {"leads:higher", "reports:summary_edit"}

#: Where an action on no object (a create, an import) is offered, by rule.
CREATE_PAGES = {
    "leads.create": "leads:index",
    "leads.import": "leads:index",
    "leads.report_up_many": "leads:higher",
    "leads.transfer": "leads:city",
    "leads.transfer_import": "leads:city",
    "cases.create": "cases:index",
    "rectification.create": "rectification:index",
    "rectification.import": "rectification:index",
    "rectification.sectors_edit": "rectification:sectors",
    "publicity.activity_create": "publicity:activity_list",
    "publicity.survey_create": "publicity:survey_list",
    "publicity.media_create": "publicity:media_list",
    "publicity.opinion_create": "publicity:opinion_list",
    "reports.submission_start": "reports:submission_list",
    "reports.report_generate": "reports:report_list",
    "reports.recipient_add": "reports:recipient_list",
    "reports.supervision_record": "reports:supervision_list",
    "organization.unit_add": "organization:unit_list",
    "organization.person_add": "organization:person_list",
    "api.token_issue": "api:token_list",
    "api.peer_add": "api:peer_list",
    "reports.summary_save": "reports:summary_edit",
    "reports.summary_submit": "reports:summary_edit",
    "core.calendar_enter": "core:calendar",
    "organization.campaign_create": "organization:campaign_list",
    "organization.street_add": "organization:street_list",
}
#: Where an action on an object is offered when it is not the object's own page.
OBJECT_PAGES: dict[str, Callable[[Any], str]] = {
    "cases.ledger_reverse": lambda entry: entry.case.get_absolute_url(),
    "rectification.measure_complete": lambda measure: measure.problem.get_absolute_url(),
    "reports.scorecard_threshold": lambda campaign: reverse("reports:scorecard"),
    "organization.grant_reveal": lambda person: reverse("organization:grant_list"),
    "organization.withdraw_reveal": lambda person: reverse("organization:grant_list"),
    "api.transfer_retry": lambda transfer: transfer.lead.get_absolute_url(),
    "api.closure_retry": lambda arrival: arrival.lead.get_absolute_url(),
}


def page_of(name: str, obj) -> str | None:
    rule = name.split()[0]
    if obj is None or rule in CREATE_PAGES:
        return reverse(CREATE_PAGES[rule]) if rule in CREATE_PAGES else None
    if rule in OBJECT_PAGES:
        return OBJECT_PAGES[rule](obj)
    return obj.get_absolute_url()


def offers(html: str, url: str, page: str) -> bool:
    """The page links or posts to the action's form (``href="…"`` or ``action="…"``; a page whose
    own form posts back to it: a form without ``action``)."""
    if url == page:  # the page links itself anyway (the menu): only a form posting to it counts
        own = rf'<form method="post"(?![^>]*action=)[^>]*>|<form method="post" action="{re.escape(url)}[?"]'
        return bool(re.search(own, html))
    return f'href="{url}"' in html or f'action="{url}"' in html or f'formaction="{url}"' in html


def _user(w, persona: str):
    from organization.models import User

    return User.objects.get(pk=getattr(w.p, persona).pk)  # a fresh scope, as in a request


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_the_rules_allow_exactly_the_documented_personas(w, name, persona):
    """The rules (``<area>/rules.py``) say what docs/permissions.md says, object by object."""
    from core import rules
    from core.visibility import visible_to

    action = ACTIONS[name]
    args, _data, _snapshot = action.setup(w, persona)
    user = _user(w, persona)
    obj = target_of(name, args, user)
    decision = rules.check(user, rule_of(name).name, obj)
    sees = obj is None or obj.pk is None or visible_to(user, type(obj)).filter(pk=obj.pk).exists()
    assert bool(decision and sees) == (persona in action.opens), f"{persona} {name}: {decision}"
    if not decision:
        assert decision.reason, "a refusal says why"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_the_page_offers_exactly_what_the_rules_allow(w, name, persona):
    """Offered on the page ⇔ allowed: no button that the service then refuses, none missing."""
    from core import rules

    action = ACTIONS[name]
    args, _data, _snapshot = action.setup(w, persona)
    obj = target_of(name, args, _user(w, persona))
    page = page_of(name, obj)
    url = rule_of(name).url_for(obj)
    if page is None or url is None:
        pytest.skip(f"{name} is not offered on a page of its own")
    response = login(w, persona).get(page)
    offered = response.status_code == 200 and offers(response.content.decode(), url, page)
    allowed = bool(rules.check(_user(w, persona), rule_of(name).name, obj)) and response.status_code == 200
    assert allowed == (persona in action.opens), f"{persona} {name}: the rules and the matrix disagree"
    assert offered == allowed, f"{persona} {name}: offered={offered} allowed={allowed} on {page} ({url})"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_the_form_of_an_action_is_refused_to_who_may_not(w, name, persona):
    """The GET of an action's form: 200 for who may, 403 (with the reason) or 404 for the rest."""
    action = ACTIONS[name]
    args, _data, _snapshot = action.setup(w, persona)
    if action.url in LIST_WITH_ACTION:
        pytest.skip(f"{action.url} is a list that also takes the action's POST")
    response = login(w, persona).get(action_url(name, action, args))
    if persona in action.opens:
        ok = (200, 404) if action.url == "rectification:plan_status" else (200,)  # the status is posted
        assert response.status_code in ok, f"{persona} {name}: {response.status_code}"
    else:
        assert response.status_code in (403, 404), f"{persona} {name}: {response.status_code}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_action_is_done_by_the_allowed_and_refused_to_everyone_else(w, name, persona):
    action = ACTIONS[name]
    args, data, snapshot = action.setup(w, persona)
    before = snapshot()
    client = login(w, persona)
    response = client.post(action_url(name, action, args), data)
    after = snapshot()
    status = response.status_code
    assert status != 500
    if persona in action.allowed:
        errors = response.content.decode()[:3000] if status == 200 else ""
        assert status in (200, 302), f"{persona} {name}: {status}"
        assert after != before, f"{persona} may {name} but nothing changed ({status}) {errors}"
        if name == "leads.reveal":  # shown once on the page the POST redirects to (core.once)
            assert INFORMANT_NAME in client.get(response["Location"]).content.decode()
        return
    assert after == before, f"{persona} must not {name}, but it changed the database ({status})"
    if persona == "leader" and (action.sees is None or persona in action.sees):
        assert status == 403, f"leaders are read-only: {name} answered {status}"
    elif action.sees is not None and persona not in action.sees:
        assert status in action.hidden_status, f"{persona} does not see the object of {name}: {status}"
    elif action.soft:
        assert status in (200, 302, 403, 404, 409), f"{persona} {name}: {status}"
    else:
        assert status in (403, 404, 409), f"{persona} {name}: {status}"
    if name == "leads.reveal":
        assert INFORMANT_NAME not in response.content.decode()


# --- the matrix stays complete -------------------------------------------------------------------

#: pages that only read (GET): lists, details, exports, downloads, dashboards, JSON status.
READ_ONLY = {
    "dashboard",
    "core:attachment",
    "core:ping",
    "core:healthz",
    "core:outbox",
    "core:outbox_detail",
    "core:outbox_html",
    "core:calendar",
    "api:index",  # the street office's API tokens (api/views_tokens.py)
    "api:token_list",
    "api:token_detail",
    "api:peer_list",  # the linked deployments (api/views_peers.py)
    "core:shown",  # a secret kept in the user's own session, shown once (core.once; tests/leads/test_once.py)
    "core:jobs",  # background jobs (issue 17): the owner's only, 404 to others (tests/core/test_jobs.py)
    "core:job",
    "core:job_status",
    "core:job_file",
    "organization:unit_list",
    "organization:unit_detail",
    "organization:campaign_list",
    "organization:campaign_detail",
    "organization:street_list",  # issue 19: the city's streets, within visibility
    "organization:street_detail",
    "organization:person_list",
    "organization:person_detail",
    "organization:password_once",
    "organization:grant_list",
    "leads:index",
    "leads:city",  # issue 19: the city's transferred leads, within visibility
    "leads:reveal_log",
    "leads:deadlines",
    "leads:related",
    "leads:import_template",
    "leads:transfer_import_template",  # issue 19: the city's transfer list template
    "leads:detail",
    "cases:index",
    "cases:detail",
    "cases:typical",
    "cases:ledger",
    "rectification:index",
    "rectification:import_template",
    "rectification:institution_detail",
    "rectification:control_list",
    "rectification:overdue_list",
    "rectification:inspection_list",
    "rectification:problem_list",
    "rectification:problem_detail",
    "rectification:plan_list",
    "rectification:plan_detail",
    "rectification:plans_missing",
    "rectification:sectors",
    "publicity:index",
    "publicity:activity_list",
    "publicity:activity_detail",
    "publicity:survey_list",
    "publicity:survey_detail",
    "publicity:media_list",
    "publicity:media_detail",
    "publicity:opinion_list",
    "publicity:opinion_detail",
    "publicity:typical_cases",
    "reports:index",
    "reports:search",  # issue 17: results within visibility (tests/leads/test_lists17.py)
    "reports:todo_count",  # issue 17: the signed-in user's own to-do count
    "reports:submission_list",
    "reports:submission_detail",
    "reports:report_list",
    "reports:report_detail",
    "reports:report_status",
    "reports:report_preview",
    "reports:report_download",
    "reports:scorecard",
    "reports:supervision_list",
    "reports:supervision_detail",
    "reports:summary_report",
    "reports:recipient_list",
}
#: outside the matrix: the sign-in pages and language switch (every user, about themselves) and
#: the anonymous public tip pages (tests/leads/test_public.py); the admin has its own checks.
OUTSIDE = {"login", "logout", "password_change", "password_change_done", "set_language"}
OUTSIDE_NAMESPACES = ("tip", "admin")
#: The API (/api/v1/) answers tokens, not signed-in people: every endpoint, with and without the
#: token's rights and scope, is tested in tests/api/test_api.py.
OUTSIDE |= {
    "api:schema",
    "api:docs",
    "api:leads",
    "api:lead",
    "api:lead_reveal",
    "api:cases",
    "api:case",
    "api:institutions",
    "api:institution",
    "api:figures",
    "api:transfer_closure",  # a lower deployment's closure report (tests/api/test_federation.py)
}


def url_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = ":".join(x for x in (namespace, entry.namespace) if x)
            yield from url_names(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def test_every_post_url_is_in_the_matrix():
    in_matrix = {a.url for a in ACTIONS.values()}
    unlisted, posting_read_only = [], []
    for name, pattern in url_names():
        if name.split(":")[0] in OUTSIDE_NAMESPACES or name in OUTSIDE:
            continue
        if name in in_matrix:
            continue
        if name not in READ_ONLY:
            unlisted.append(name)
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and hasattr(view, "post"):
            posting_read_only.append(name)
    assert not unlisted, f"URLs the permission matrix does not list (add them to ACTIONS or READ_ONLY): {unlisted}"
    assert not posting_read_only, (
        f"read-only pages that accept POST (add their actions to ACTIONS): {posting_read_only}"
    )
    assert in_matrix <= {name for name, _p in url_names()}, "the matrix lists URLs that no longer exist"


#: Actions done only through the API by another deployment's token, never on a page: tested with
#: tokens in tests/api/test_federation.py.
API_ONLY = {"api.transfer_closure"}


def test_every_declared_action_is_in_the_matrix():
    """The matrix enumerates the rules: an action declared without an entry here (how to make an
    object it applies to, what to post, who may) fails, and so does an entry without a rule."""
    from core import rules

    declared = set(rules.registry()) - API_ONLY
    listed = {name.split()[0] for name in ACTIONS}
    assert declared - listed == set(), f"declared actions missing from the matrix: {sorted(declared - listed)}"
    assert listed - declared == set(), f"matrix entries without a rule: {sorted(listed - declared)}"


def test_every_persona_has_an_allowed_and_a_refused_action():
    """The matrix is not vacuous: each persona may do something and is refused something."""
    for persona in PERSONAS:
        allowed = [n for n, a in ACTIONS.items() if persona in a.allowed]
        refused = [n for n, a in ACTIONS.items() if persona not in a.allowed]
        assert refused, persona
        assert allowed or persona == "leader", persona


# --- issue 19: the city office and a second street ------------------------------------------------

#: The city special office (市专项办, read-only over its streets except its own actions) and the
#: second street's (东石镇) office and community, over the same world: no row of one street is
#: seen in another, and no informant's identity outside its street.
CITY_PERSONAS = ("city", "street_x", "community_x")

#: the second street's rows and who sees them (the first street's personas never do).
X_VISIBLE: dict[str, frozenset[str]] = {
    "lead_x": frozenset({"city", "street_x", "community_x"}),
    "activity_x": frozenset({"city", "street_x", "community_x"}),
    "unit_cx": frozenset({"city", "street_x", "community_x"}),
    "unit_xo": frozenset({"city", "street_x", "community_x"}),
}
X_LISTS = {"leads": ("lead_x",), "activities": ("activity_x",), "units": ("unit_cx", "unit_xo")}
X_DETAILS = {"lead_x": "leads:detail", "activity_x": "publicity:activity_detail", "unit_cx": "organization:unit_detail"}


def city_visible(key: str) -> frozenset[str]:
    """The city sees whatever the first street's office sees; the second street none of it."""
    if key in X_VISIBLE:
        return X_VISIBLE[key]
    return frozenset({"city"}) if "street" in VISIBLE[key] else frozenset()


def _refused_page(spec: ListPage, persona: str) -> bool:
    like = {"city": "leader", "street_x": "street", "community_x": "community_a"}[persona]
    return like in spec.refused


@pytest.mark.parametrize("persona", CITY_PERSONAS)
@pytest.mark.parametrize("page", list(LISTS))
def test_city_and_second_street_lists(w, page, persona):
    spec = LISTS[page]
    response = login(w, persona).get(reverse(spec.url))
    if _refused_page(spec, persona):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    content = response.content.decode()
    keys = (*spec.keys, *X_LISTS.get(page, ()))
    assert listed(w, content, keys) == {k for k in keys if persona in city_visible(k)}, f"{persona} {page}"
    assert INFORMANT_NAME not in content and INFORMANT_PHONE not in content


@pytest.mark.parametrize("persona", CITY_PERSONAS)
@pytest.mark.parametrize("page", [name for name, spec in LISTS.items() if spec.export])
def test_city_and_second_street_exports(w, page, persona):
    from openpyxl import load_workbook

    spec = LISTS[page]
    response = login(w, persona).get(reverse(spec.url) + "?export=xlsx")
    if _refused_page(spec, persona):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    )
    text = "\n".join(str(c) for ws in sheet.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    keys = (*spec.keys, *X_LISTS.get(page, ()))
    assert listed(w, text, keys, export=True) == {k for k in keys if persona in city_visible(k)}, f"{persona} {page}"
    assert INFORMANT_NAME not in text and INFORMANT_PHONE not in text


@pytest.mark.parametrize("persona", (*CITY_PERSONAS, "street", "community_a"))
@pytest.mark.parametrize("key", [*DETAILS, *X_DETAILS])
def test_city_and_second_street_details(w, key, persona):
    url = reverse({**DETAILS, **X_DETAILS}[key], args=[w.o[key].pk])
    response = login(w, persona).get(url)
    sees = city_visible(key) if persona in CITY_PERSONAS else (VISIBLE.get(key, frozenset()))
    assert response.status_code == (200 if persona in sees else 404), f"{persona} {key}"
    assert INFORMANT_NAME not in response.content.decode()


@pytest.mark.parametrize("persona", CITY_PERSONAS)
@pytest.mark.parametrize("key", [*ATTACHMENTS, "report_file"])
def test_city_and_second_street_downloads(w, key, persona):
    if key == "report_file":
        url, owner = reverse("reports:report_download", args=[w.o["report"].pk]), "report"
    else:
        url, owner = reverse("core:attachment", args=[w.o[key].pk]), ATTACHMENTS[key]
    response = login(w, persona).get(url)
    assert response.status_code == (200 if persona in city_visible(owner) else 404)


@pytest.mark.parametrize("persona", ("city", "street_x", "street"))
@pytest.mark.parametrize("key", ["lead_ca", "lead_x"])
def test_informant_identity_stays_in_its_street(w, key, persona):
    """The city sees that a lead has a named informant, never who; a holder of the reveal right
    reveals only in its own street (the other street's lead is not even there for it)."""
    from core import rules

    lead = w.o[key]
    own = (persona == "street" and key == "lead_ca") or (persona == "street_x" and key == "lead_x")
    assert bool(rules.check(_user(w, persona), "leads.reveal", lead)) == own
    client = login(w, persona)
    detail = client.get(reverse("leads:detail", args=[lead.pk]))
    assert INFORMANT_NAME not in detail.content.decode()
    response = client.post(reverse("leads:reveal", args=[lead.pk]), {"reason": "核实举报人身份"})
    shown = response.status_code == 302 and INFORMANT_NAME in client.get(response["Location"]).content.decode()
    assert shown == own, f"{persona} {key}: {response.status_code}"


@pytest.mark.parametrize("persona", CITY_PERSONAS)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_no_action_crosses_a_street(w, name, persona):
    """Nothing the matrix does to the first street's objects is allowed to the city or to the
    second street, and the POST changes nothing (creates: the second street makes its own rows,
    the city none but its own actions)."""
    from core import rules

    action = ACTIONS[name]
    if persona in action.allowed:
        pytest.skip(f"{name} is {persona}'s own")
    args, data, snapshot = action.setup(w, persona)
    obj = target_of(name, args, _user(w, persona))
    if obj is None and persona != "city":
        pytest.skip("a create: the second street creates in its own street")
    if type(obj).__name__ == "SummarySubmission" and persona != "city":
        pytest.skip("the summary acted on is the persona's own unit's (target_of)")
    if obj is not None and getattr(type(obj), "jurisdiction_path", None) == "" and persona != "city":
        pytest.skip(f"{name}: the object is shared by every street")
    assert not rules.check(_user(w, persona), rule_of(name).name, obj), f"{persona} {name}"
    before = snapshot()
    response = login(w, persona).post(action_url(name, action, args), data)
    assert response.status_code != 500
    assert snapshot() == before, f"{persona} must not {name} ({response.status_code})"
    if not action.soft:
        assert response.status_code in (403, 404, 409), f"{persona} {name}: {response.status_code}"


def test_city_transfers_a_lead_to_a_street(w):
    """The city's own action: offered on its list, the form opens, the POST makes a 上级转办 lead
    in the street, seen by the city and that street, not by the other street."""
    from leads.models import Lead

    client = login(w, "city")
    page = client.get(reverse("leads:city")).content.decode()
    assert f'href="{reverse("leads:transfer")}"' in page
    assert client.get(reverse("leads:transfer")).status_code == 200
    _args, data, _snapshot = setup_lead_transfer(w, "city")
    response = client.post(reverse("leads:transfer"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    lead = Lead.objects.get(higher_reference=data["higher_reference"])
    assert (lead.source, lead.jurisdiction_id, lead.transferred_by_id) == ("higher", w.dongshi.pk, w.p.city.unit_id)
    assert lead.status == "registered"
    for persona, code in (("city", 200), ("street_x", 200), ("street", 404), ("community_a", 404)):
        assert login(w, persona).get(reverse("leads:detail", args=[lead.pk])).status_code == code, persona
    # a street that is not the city's is refused
    client = login(w, "city")
    other = {**data, "street": w.dongshi.parent_id, "higher_reference": "晋专办〔2026〕其他"}
    assert client.post(reverse("leads:transfer"), other).status_code == 200
    assert not Lead.objects.filter(higher_reference="晋专办〔2026〕其他").exists()
