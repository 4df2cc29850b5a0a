"""Issue 15 §4: the street office runs the campaigns in the app: list with status, a campaign's
page, create with phases and report day, edit (a finished one is read-only), copy the current
one's structure in one click; looking at a finished campaign never changes the current one;
every list filters by campaign (and its export with it)."""

import datetime
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse

from core.models import AuditEntry
from organization.choices import CampaignStatus, PhaseKind
from organization.models import Campaign, Phase
from organization.services import CAMPAIGN_NAME
from tests.leads.factories import LeadFactory
from tests.querycount import assert_constant_queries

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch):
    """The clock at 2026-11-10 10:00 (Asia/Shanghai)."""
    from django.utils import timezone

    at = timezone.make_aware(datetime.datetime(2026, 11, 10, 10, 0))
    monkeypatch.setattr(timezone, "now", lambda: at)
    return at


@pytest.fixture
def current(org, now):
    campaign = Campaign.objects.create(
        name="2026护老专项行动", short_name="2026", start_date=D(2026, 6, 1), end_date=D(2026, 12, 31), report_day=18
    )
    Phase.objects.create(
        campaign=campaign, kind=PhaseKind.MOBILISATION, name="宣传发动", order=1,
        start_date=D(2026, 6, 1), end_date=D(2026, 12, 31), runs_throughout=True,
    )  # fmt: skip
    Phase.objects.create(
        campaign=campaign, kind=PhaseKind.SUMMARY, name="总结提升", order=2,
        start_date=D(2026, 12, 1), end_date=D(2026, 12, 20),
    )  # fmt: skip
    campaign.laggard_score = 65
    campaign.save()
    return campaign


@pytest.fixture
def finished(org):
    return Campaign.objects.get(name=CAMPAIGN_NAME)  # the plan's 2022 campaign (init_campaign)


def _audit_reasons(obj):
    return list(
        AuditEntry.objects.filter(object_id=obj.pk, content_type__model="campaign").values_list("reason", flat=True)
    )


def test_the_list_shows_each_campaigns_status(current, finished, personas, client_for):
    Campaign.objects.create(name="2027常态化", start_date=D(2027, 1, 1))
    page = client_for(personas.community_a).get(reverse("organization:campaign_list"))
    assert page.status_code == 200
    statuses = {c.name: c.status_label() for c in page.context["object_list"]}
    assert statuses == {"2027常态化": "即将开始", current.name: "进行中", finished.name: "已结束"}
    assert page.context["current"] == current
    html = page.content.decode()
    assert "即将开始" in html and "已结束" in html
    assert 'data-testid="campaign-create"' not in html  # a community reads, never creates
    upcoming = client_for(personas.street).get(reverse("organization:campaign_list") + "?status=upcoming")
    assert [c.name for c in upcoming.context["object_list"]] == ["2027常态化"]


def test_a_campaigns_page_shows_phases_report_day_and_laggard_threshold(current, personas, client_for):
    page = client_for(personas.street).get(current.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and "宣传发动" in html and "总结提升" in html
    assert "每月 18 日" in html and "65 分" in html
    assert 'data-testid="campaign-edit"' in html and 'data-testid="campaign-copy"' in html


def test_create_with_phases_keeps_what_was_typed_on_an_error(current, personas, client_for):
    client = client_for(personas.street)
    data = {
        "name": "2027专项行动", "short_name": "", "start_date": "2027-03-01", "end_date": "2027-08-31",
        "report_day": "20", "laggard_score": "60", "description": "", "reason": "",
        "phase-TOTAL_FORMS": "1", "phase-INITIAL_FORMS": "0", "phase-MIN_NUM_FORMS": "0", "phase-MAX_NUM_FORMS": "4",
        "phase-0-kind": PhaseKind.CRACKDOWN, "phase-0-name": "打击整治",
        "phase-0-start_date": "2027-02-01", "phase-0-end_date": "2027-06-30",
    }  # fmt: skip
    refused = client.post(reverse("organization:campaign_create"), data)
    assert refused.status_code == 200 and "超出了专项行动的日期范围" in refused.content.decode()
    assert "2027专项行动" in refused.content.decode()  # what was typed is still there
    assert not Campaign.objects.filter(name="2027专项行动").exists()
    data["phase-0-start_date"] = "2027-03-10"
    client.post(reverse("organization:campaign_create"), data)
    made = Campaign.objects.get(name="2027专项行动")
    assert made.status() == CampaignStatus.UPCOMING and made.phases.get().start_date == D(2027, 3, 10)
    assert Campaign.objects.current() == current  # a campaign saved for later changes nothing now


def test_only_the_street_office_creates_edits_and_copies(current, personas, client_for):
    for persona in (personas.community_a, personas.leader, personas.crackdown):
        client = client_for(persona)
        assert client.get(reverse("organization:campaign_create")).status_code == 403
        assert client.post(reverse("organization:campaign_edit", args=[current.pk]), {}).status_code == 403
        assert client.post(reverse("organization:campaign_copy", args=[current.pk]), {}).status_code == 403


def test_edit_needs_a_reason_and_is_audited(current, personas, client_for):
    client = client_for(personas.street)
    url = reverse("organization:campaign_edit", args=[current.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.items()}
    data.update({"is_active": "on", "report_day": "22", "end_date": "2026-12-31"})
    phases = form.phases
    data.update({f"phase-{k}": v for k, v in phases.management_form.initial.items()})
    for i, initial in enumerate(phases.initial):
        for k, v in initial.items():
            if v not in (None, "", False):
                data[f"phase-{i}-{k}"] = v.isoformat() if isinstance(v, datetime.date) else ("on" if v is True else v)
    assert client.post(url, data).status_code == 200  # no reason: the form again
    current.refresh_from_db()
    assert current.report_day == 18
    data["reason"] = "市专项办要求22日前报送"
    assert client.post(url, data).status_code == 302
    current.refresh_from_db()
    assert current.report_day == 22 and current.phases.count() == 2
    assert any("市专项办要求22日前报送" in r for r in _audit_reasons(current))


def test_a_finished_campaign_is_read_only(finished, current, personas, client_for):
    client = client_for(personas.street)
    page = client.get(finished.get_absolute_url()).content.decode()
    assert "已结束，只读" in page and 'data-testid="campaign-edit"' not in page
    url = reverse("organization:campaign_edit", args=[finished.pk])
    assert client.get(url).status_code == 403
    refused = client.post(url, {"name": "改名", "start_date": "2022-04-21", "report_day": "20", "reason": "试"})
    assert refused.status_code == 409 and "已结束，只读" in refused.content.decode()
    finished.refresh_from_db()
    assert finished.name == CAMPAIGN_NAME
    # its scorecard's threshold is read-only too
    card = client.get(reverse("reports:scorecard") + f"?campaign={finished.pk}").content.decode()
    assert 'data-testid="threshold-form"' not in card
    assert 'data-testid="threshold-form"' in client.get(reverse("reports:scorecard")).content.decode()


def test_copy_the_current_campaigns_structure_in_one_click(current, personas, client_for):
    client = client_for(personas.street)
    listing = client.get(reverse("organization:campaign_list")).content.decode()
    copy_url = reverse("organization:campaign_copy", args=[current.pk])
    assert copy_url in listing  # 复制当前专项行动
    form = client.get(copy_url).context["form"]
    assert form.initial["start_date"] == D(2027, 6, 1) and form.initial["name"] == "2027护老专项行动"
    response = client.post(copy_url, {"name": "2027护老专项行动", "start_date": "2027-03-01", "reason": "明年继续"})
    new = Campaign.objects.get(name="2027护老专项行动")
    assert response.status_code == 302 and response.url == new.get_absolute_url()
    assert (new.start_date, new.end_date) == (D(2027, 3, 1), D(2027, 9, 30))  # moved 273 days, the same length
    assert (new.report_day, new.laggard_score) == (18, 65)
    phases = [(p.kind, p.start_date, p.end_date, p.runs_throughout) for p in new.phases.order_by("order")]
    assert phases == [
        (PhaseKind.MOBILISATION, D(2027, 3, 1), D(2027, 9, 30), True),
        (PhaseKind.SUMMARY, D(2027, 8, 31), D(2027, 9, 19), False),
    ]
    assert new.status() == CampaignStatus.UPCOMING and Campaign.objects.current() == current
    assert any("复制自“2026护老专项行动”" in r and "明年继续" in r for r in _audit_reasons(new))


def test_looking_at_a_finished_campaign_never_changes_the_current_one(finished, current, personas, client_for):
    client = client_for(personas.street)
    cache.clear()
    page = client.get(reverse("dashboard") + f"?campaign={finished.pk}")
    assert page.context["campaign"] == finished
    html = page.content.decode()
    assert 'data-testid="campaign-readonly"' in html and finished.name in html
    assert Campaign.objects.current() == current
    assert client.get(reverse("dashboard")).context["campaign"] == current
    summary = client.get(reverse("reports:summary_report") + f"?campaign={finished.pk}")
    assert summary.status_code == 200 and summary.context["data"]["end"] == "2022-10-31"
    index = client.get(reverse("reports:index") + f"?campaign={finished.pk}")
    assert index.context["campaign"] == finished and index.context["month"] == D(2022, 11, 1)  # its last month
    mine = client_for(personas.community_a).get(reverse("reports:index") + f"?campaign={finished.pk}")
    assert 'data-testid="submission-start"' not in mine.content.decode()  # looking back starts nothing
    assert (
        'data-testid="submission-start"'
        in client_for(personas.community_a).get(reverse("reports:index")).content.decode()
    )
    # a future campaign has nothing to show yet; a bad id is a 404
    future = Campaign.objects.create(name="明年", start_date=D(2027, 1, 1))
    assert client.get(reverse("dashboard") + f"?campaign={future.pk}").status_code == 404
    assert client.get(reverse("dashboard") + "?campaign=x").status_code == 404


def test_the_lead_list_and_its_export_filter_by_campaign(finished, current, personas, client_for):
    old = LeadFactory(received_on=D(2022, 6, 1), summary="二〇二二年的线索")
    new = LeadFactory(received_on=D(2026, 7, 1), summary="二〇二六年的线索")
    client = client_for(personas.street)
    url = reverse("leads:index")
    assert list(client.get(url + f"?campaign={finished.pk}").context["object_list"]) == [old]
    assert list(client.get(url + f"?campaign={current.pk}").context["object_list"]) == [new]
    assert set(client.get(url + "?clear=1", follow=True).context["object_list"]) == {old, new}
    export = client.get(url + f"?campaign={finished.pk}&export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    assert len(rows) == 2 and any(cell == "二〇二二年的线索" for cell in rows[1])


def test_an_open_ended_campaign_filters_from_its_start(org, personas, client_for, now):
    standing = Campaign.objects.create(name="常态化", start_date=D(2026, 1, 1))
    inside = LeadFactory(received_on=D(2026, 11, 1))
    LeadFactory(received_on=D(2025, 12, 31))
    page = client_for(personas.street).get(reverse("leads:index") + f"?campaign={standing.pk}")
    assert list(page.context["object_list"]) == [inside]


def test_the_campaign_list_costs_the_same_queries_with_5_and_50_campaigns(org, personas, client_for, now):
    made = []

    def add_rows(n):
        for _ in range(n):
            i = len(made)
            c = Campaign.objects.create(name=f"专项{i}", start_date=D(2000 + i % 30, 1, 1) + datetime.timedelta(days=i))
            Phase.objects.create(campaign=c, kind=PhaseKind.OTHER, name="环节", start_date=c.start_date,
                                 end_date=c.start_date)  # fmt: skip
            made.append(c)

    assert_constant_queries(client_for(personas.street), reverse("organization:campaign_list"), add_rows, expected=7)


def test_the_demo_shows_a_finished_the_current_and_an_upcoming_campaign(db):
    import random

    from organization import demo

    ctx, _new = demo.seed(rng=random.Random(7), scale={"leads": 0, "institutions": 0, "cases": 0, "activities": 0})
    demo.seed(rng=random.Random(7), scale={"leads": 0, "institutions": 0, "cases": 0, "activities": 0})  # idempotent
    statuses = sorted(c.status() for c in Campaign.objects.all())
    assert statuses == sorted([CampaignStatus.FINISHED, CampaignStatus.CURRENT, CampaignStatus.UPCOMING])
    assert Campaign.objects.current() == ctx.campaign  # the demo campaign stays current
    upcoming = Campaign.objects.get(start_date__gt=ctx.today)
    assert upcoming.end_date is None and upcoming.start_date > ctx.campaign.end_date


@pytest.mark.parametrize(
    "name",
    [
        "leads:index",
        "cases:index",
        "cases:typical",
        "cases:ledger",
        "rectification:index",
        "rectification:control_list",
        "rectification:inspection_list",
        "rectification:problem_list",
        "rectification:plan_list",
        "publicity:activity_list",
        "publicity:survey_list",
        "publicity:media_list",
        "publicity:opinion_list",
        "reports:submission_list",
        "reports:report_list",
    ],
)
def test_every_list_and_its_export_offer_the_campaign_filter(name, finished, current, personas, client_for):
    client = client_for(personas.street)
    page = client.get(reverse(name) + f"?campaign={finished.pk}")
    assert page.status_code == 200 and "campaign" in page.context["filter"].form.fields
    assert page.context["filter"].is_valid()
    assert f'<option value="{finished.pk}" selected' in page.content.decode()
    export = client.get(reverse(name) + f"?campaign={finished.pk}&export=xlsx")
    assert export.status_code == 200


def test_the_campaign_pages_read_in_english(finished, current, personas, client_for):
    import re

    client = client_for(personas.street)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    Campaign.objects.create(name="Next", start_date=D(2027, 1, 1))
    pages = [
        reverse("organization:campaign_list"),
        reverse("organization:campaign_create"),
        reverse("organization:campaign_edit", args=[current.pk]),
        reverse("organization:campaign_copy", args=[current.pk]),
        reverse("organization:campaign_detail", args=[current.pk]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        for name in (finished.name, current.name, "2027护老专项行动", "宣传发动", "总结提升"):  # data, not UI
            html = html.replace(name, "")
        html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
        leftovers = set(re.findall(r"[\u4e00-\u9fff]+", re.sub(r"<[^>]+>", " ", html)))
        leftovers -= {"简体中文", "测试用户", "专项办", "街道专项办"}  # the language switch, the user and their unit
        assert sorted(leftovers) == [], (url, leftovers)
