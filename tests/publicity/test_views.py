"""Pages of the publicity area: who sees what (list, detail, export, photo download), writes
through the forms, the audit timeline, and query counts that do not grow with rows."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEntry
from core.services import attachments_add
from publicity.models import Activity, AwarenessSurvey, MediaReport, OpinionEntry
from tests.querycount import assert_constant_queries

from .factories import PNG_BYTES, ActivityFactory, MediaReportFactory, OpinionFactory, SurveyFactory, activity_data

pytestmark = pytest.mark.django_db


def exported_rows(response):
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return list(ws.iter_rows(min_row=2, values_only=True))


@pytest.fixture
def world(org, personas, publicity_member):
    """An activity of each community, one a member unit organised in community B, and surveys."""
    a, b = org.community_a, org.community_b
    return {
        "a": ActivityFactory(community=a, organiser=a, title="新塘讲座"),
        "b": ActivityFactory(community=b, organiser=b, title="梧垵讲座"),
        "unit": ActivityFactory(community=b, organiser=org.units["market_regulation"], title="市监宣传"),
        "survey_a": SurveyFactory(community=a),
        "survey_b": SurveyFactory(community=b),
    }


def titles(response):
    return {obj.title for obj in response.context["object_list"]}


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("community_a", {"新塘讲座"}),
        ("community_b", {"梧垵讲座", "市监宣传"}),  # community B sees what was held in it
        ("liaison", {"市监宣传"}),  # a member unit sees what it organised
        ("crackdown", set()),
        ("street", {"新塘讲座", "梧垵讲座", "市监宣传"}),
        ("leader", {"新塘讲座", "梧垵讲座", "市监宣传"}),
    ],
)
def test_activity_list_and_export_show_what_the_persona_may_see(client_for, personas, world, persona, expected):
    client = client_for(getattr(personas, persona))
    url = reverse("publicity:activity_list")
    assert titles(client.get(url)) == expected
    assert {row[1] for row in exported_rows(client.get(url + "?export=xlsx"))} == expected


def test_the_publicity_group_sees_everything(client_for, publicity_member, world):
    client = client_for(publicity_member)
    assert titles(client.get(reverse("publicity:activity_list"))) == {"新塘讲座", "梧垵讲座", "市监宣传"}
    assert client.get(reverse("publicity:survey_detail", args=[world["survey_b"].pk])).status_code == 200


def test_community_staff_cannot_open_another_communitys_records(client_for, personas, world, media_root):
    [photo_b] = attachments_add(
        obj=world["b"], files=[SimpleUploadedFile("b.png", PNG_BYTES)], user=personas.community_b, images_only=True
    )
    client = client_for(personas.community_a)
    assert client.get(reverse("publicity:activity_detail", args=[world["a"].pk])).status_code == 200
    assert client.get(reverse("publicity:activity_detail", args=[world["b"].pk])).status_code == 404
    assert client.get(reverse("publicity:activity_update", args=[world["b"].pk])).status_code == 404
    assert client.get(reverse("publicity:survey_detail", args=[world["survey_b"].pk])).status_code == 404
    assert client.get(reverse("core:attachment", args=[photo_b.pk])).status_code == 404
    assert client_for(personas.community_b).get(reverse("core:attachment", args=[photo_b.pk])).status_code == 200


def test_survey_list_and_export_are_scoped(client_for, personas, org, world):
    client = client_for(personas.community_a)
    url = reverse("publicity:survey_list")
    assert list(client.get(url).context["object_list"]) == [world["survey_a"]]
    rows = exported_rows(client.get(url + "?export=xlsx"))
    assert [row[1] for row in rows] == [org.community_a.name]
    assert rows[0][4] == "80.0%"  # 家庭知晓率
    assert len(exported_rows(client_for(personas.street).get(url + "?export=xlsx"))) == 2


def test_opinion_log_is_for_the_recording_unit_and_the_publicity_group(client_for, personas, org, publicity_member):
    entry = OpinionFactory(unit=org.units["market_regulation"])
    url = reverse("publicity:opinion_detail", args=[entry.pk])
    assert client_for(personas.liaison).get(url).status_code == 200
    assert client_for(publicity_member).get(url).status_code == 200
    assert client_for(personas.street).get(url).status_code == 200
    assert client_for(personas.community_a).get(url).status_code == 404
    assert exported_rows(client_for(personas.community_a).get(reverse("publicity:opinion_list") + "?export=xlsx")) == []


def test_media_link_is_rendered_only_when_it_is_http(client_for, personas, org):
    good = MediaReportFactory(unit=org.community_a, url="https://news.example.cn/a.html")
    bad = MediaReportFactory(unit=org.community_a, url="javascript:alert(1)")  # e.g. an import
    client = client_for(personas.community_a)
    page = client.get(reverse("publicity:media_detail", args=[good.pk])).content.decode()
    assert 'href="https://news.example.cn/a.html"' in page and 'rel="noopener noreferrer nofollow"' in page
    page = client.get(reverse("publicity:media_detail", args=[bad.pk])).content.decode()
    assert 'href="javascript' not in page


def test_community_staff_record_an_activity_with_a_photo(client_for, personas, org, media_root):
    client = client_for(personas.community_a)
    response = client.post(
        reverse("publicity:activity_create"),
        activity_data(org.community_a, materials=200, photos=[SimpleUploadedFile("现场.png", PNG_BYTES)]),
    )
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert activity.created_by == personas.community_a and activity.community == org.community_a
    detail = client.get(activity.get_absolute_url())
    assert [a.original_name for a in detail.context["attachments"]] == ["现场.png"]
    assert "audit-timeline" in detail.content.decode()
    entry = AuditEntry.objects.get(object_id=activity.pk, content_type__model="activity")
    assert entry.actor == personas.community_a


def test_a_photo_that_is_not_a_picture_is_refused(client_for, personas, org, media_root):
    response = client_for(personas.community_a).post(
        reverse("publicity:activity_create"),
        activity_data(org.community_a, photos=[SimpleUploadedFile("照片.png", b"%PDF-1.4 not a picture")]),
    )
    assert response.status_code == 200 and "类型不受支持" in response.content.decode()
    assert not Activity.objects.exists()


def test_the_service_refuses_another_communitys_activity(personas, org):
    from core.exceptions import DomainError
    from publicity.services import activity_create

    with pytest.raises(DomainError) as exc:
        activity_create(
            user=personas.community_a,
            date="2022-06-10",
            title="x",
            activity_type="talk",
            venue="park",
            organiser=org.community_b,
            community=org.community_b,
        )
    assert "本社区" in str(exc.value)


def test_an_edit_from_a_stale_form_is_refused_and_nothing_typed_is_lost(client_for, personas, org):
    activity = ActivityFactory(community=org.community_a, organiser=org.community_a)
    client = client_for(personas.community_a)
    url = reverse("publicity:activity_update", args=[activity.pk])
    first = activity_data(org.community_a, title="第一次修改", version=1)
    second = activity_data(org.community_a, title="第二次修改", version=1)  # loaded before the first save
    assert client.post(url, first).status_code == 302
    response = client.post(url, second)
    assert response.status_code == 200 and "其他人已修改了这条记录" in response.content.decode()
    assert "第二次修改" in response.content.decode()
    activity.refresh_from_db()
    assert activity.title == "第一次修改" and activity.version == 2


def test_leaders_are_read_only(client_for, personas, world):
    client = client_for(personas.leader)
    assert client.get(reverse("publicity:activity_create")).status_code == 403
    assert client.get(reverse("publicity:survey_update", args=[world["survey_a"].pk])).status_code == 403


def test_a_survey_is_recorded_and_edited_with_a_reasoned_history(client_for, personas, org):
    client = client_for(personas.community_a)
    data = {
        "community": org.community_a.pk,
        "month": "2022-06",
        "households_surveyed": 100,
        "households_aware": 80,
        "residents_surveyed": 0,
        "residents_aware": 0,
        "elderly_surveyed": 50,
        "elderly_aware": 30,
    }
    assert client.post(reverse("publicity:survey_create"), data).status_code == 302
    survey = AwarenessSurvey.objects.get()
    page = client.get(survey.get_absolute_url()).content.decode()
    assert "80.0%" in page and "60.0%" in page and "—" in page  # residents: nobody surveyed
    data["elderly_aware"] = 60  # more than surveyed
    response = client.post(reverse("publicity:survey_update", args=[survey.pk]), data)
    assert "知晓的老人人数不能超过调查的老人人数。" in response.content.decode()
    data["elderly_aware"] = 45
    assert client.post(reverse("publicity:survey_update", args=[survey.pk]), data).status_code == 302
    survey.refresh_from_db()
    assert survey.elderly_aware == 45
    assert AuditEntry.objects.filter(object_id=survey.pk, content_type__model="awarenesssurvey").count() == 2


def test_media_reports_and_opinion_entries_are_recorded_for_the_users_unit(client_for, personas, org):
    client = client_for(personas.liaison)
    response = client.post(
        reverse("publicity:media_create"),
        {
            "date": "2022-06-15",
            "outlet": "泉州晚报",
            "level": "city",
            "title": "市监所开展养老诈骗宣传",
            "url": "https://news.example.cn/2.html",
            "unit": org.units["market_regulation"].pk,
        },
    )
    assert response.status_code == 302
    assert MediaReport.objects.get().unit == org.units["market_regulation"]
    response = client.post(
        reverse("publicity:opinion_create"),
        {
            "date": "2022-06-16",
            "source": "weibo",
            "risk_level": "high",
            "summary": "网传保健品店卷款跑路",
            "response": "联系平台核实",
            "unit": org.units["market_regulation"].pk,
        },
    )
    assert response.status_code == 302
    assert OpinionEntry.objects.get().risk_level == "high"


def test_index_shows_totals_and_charts_of_what_the_user_sees(client_for, personas, org, world):
    response = client_for(personas.community_a).get(reverse("publicity:index"))
    assert response.status_code == 200
    context = response.context
    assert [row["label"] for row in context["by_community"]] == [org.community_a.name]
    assert context["activity_chart"]["datasets"][0]["data"] == [1]
    assert context["awareness_chart"]["datasets"][0]["data"] == [80.0]
    page = response.content.decode()
    assert 'data-testid="awareness-chart"' in page and 'id="awareness-chart-data"' in page
    assert "<script>" not in page  # the CSP forbids inline scripts
    street = client_for(personas.street).get(reverse("publicity:index") + f"?community={org.community_b.pk}")
    assert [row["label"] for row in street.context["by_community"]] == [org.community_b.name]
    assert street.context["summary_cards"][0][2] == 2


# session, user, their unit and hosted groups, then the page (count, rows or aggregates) and the filter
# choices: pinned, so that an N+1 fails here.
# the lists' filters choose a campaign too: one query more for the list of campaigns
QUERIES = {"activity_list": 9, "survey_list": 9, "media_list": 7, "opinion_list": 7, "index": 11}
LISTS = list(QUERIES)


def make_rows(org, count):
    units = [org.community_a, org.community_b]
    for i in range(count):
        unit = units[i % 2]
        ActivityFactory(community=unit, organiser=unit)
        SurveyFactory(community=unit)
        MediaReportFactory(unit=unit)
        OpinionFactory(unit=unit)


@pytest.mark.parametrize("name", LISTS)
def test_list_query_count_does_not_grow_with_rows(client_for, personas, org, name):
    url = reverse(f"publicity:{name}")
    assert_constant_queries(client_for(personas.street), url, lambda n: make_rows(org, n), expected=QUERIES[name])


def test_survey_list_filters_by_month(client_for, personas, org):
    for month in (5, 6, 7):
        SurveyFactory(community=org.community_a, month=datetime.date(2022, month, 1))
    response = client_for(personas.street).get(
        reverse("publicity:survey_list") + "?month_from=2022-06&month_to=2022-06"
    )
    assert [s.month for s in response.context["object_list"]] == [datetime.date(2022, 6, 1)]
