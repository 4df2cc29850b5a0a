"""The publicity actions (publicity/rules.py): the pages offer exactly what the rules allow, and a
form the user may not submit is refused on GET and POST with the reason."""

import pytest
from django.urls import reverse

from core import rules
from organization.choices import Role, UnitCode
from publicity.models import MediaReport
from tests.factories import UserFactory

from .factories import ActivityFactory, MediaReportFactory, OpinionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def culture_centre(org):
    """A liaison of the culture centre, the unit hosting the publicity group: it works in the group."""
    return UserFactory(username="culture", unit=org.units[UnitCode.CULTURE_CENTRE], role=Role.UNIT_LIAISON)


@pytest.fixture
def group_media(org):
    return MediaReportFactory(unit=org.units[UnitCode.GROUP_PUBLICITY], title="宣教组的报道")


def media_data(report, **changes):
    data = {
        "date": report.date.isoformat(),
        "outlet": report.outlet,
        "level": report.level,
        "title": report.title,
        "url": report.url,
        "unit": report.unit_id,
        "note": report.note,
        "version": report.version,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("persona", ["crackdown", "rectification", "liaison", "community_a", "community_b"])
def test_only_the_street_office_and_the_publicity_group_may_edit_the_groups_media_report(
    client_for, personas, group_media, persona
):
    client = client_for(getattr(personas, persona))
    url = reverse("publicity:media_update", args=[group_media.pk])
    detail = client.get(group_media.get_absolute_url())
    assert detail.status_code == 200  # published: everybody reads it
    assert 'data-testid="edit"' not in detail.content.decode()
    response = client.get(url)
    assert response.status_code == 403 and "您无权执行“修改媒体报道”" in response.content.decode()
    response = client.post(url, media_data(group_media, title="改过的报道"))
    assert response.status_code == 403 and "您无权执行“修改媒体报道”" in response.content.decode()
    assert MediaReport.objects.get(pk=group_media.pk).title == "宣教组的报道"


@pytest.mark.parametrize("who", ["street", "publicity", "culture"])
def test_the_street_office_and_the_publicity_group_edit_the_groups_media_report(
    client_for, personas, publicity_member, culture_centre, group_media, who
):
    user = {"street": personas.street, "publicity": publicity_member, "culture": culture_centre}[who]
    client = client_for(user)
    url = reverse("publicity:media_update", args=[group_media.pk])
    detail = client.get(group_media.get_absolute_url()).content.decode()
    assert f'href="{url}"' in detail and 'data-testid="edit"' in detail
    assert client.get(url).status_code == 200
    response = client.post(url, media_data(group_media, title="改过的报道"))
    assert response.status_code == 302 and response["Location"] == group_media.get_absolute_url()
    assert MediaReport.objects.get(pk=group_media.pk).title == "改过的报道"


def test_a_unit_edits_its_own_media_report(client_for, personas, org):
    own = MediaReportFactory(unit=org.units["market_regulation"])
    url = reverse("publicity:media_update", args=[own.pk])
    assert client_for(personas.liaison).get(url).status_code == 200
    assert client_for(personas.community_a).get(url).status_code == 403


def test_leaders_are_offered_nothing(client_for, personas, org, group_media):
    client = client_for(personas.leader)
    for name in ("activity_list", "survey_list", "media_list", "opinion_list", "index"):
        page = client.get(reverse(f"publicity:{name}")).content.decode()
        assert 'data-testid="create"' not in page and 'data-testid="new-activity"' not in page
    assert 'data-testid="edit"' not in client.get(group_media.get_absolute_url()).content.decode()
    response = client.get(reverse("publicity:media_update", args=[group_media.pk]))
    assert response.status_code == 403 and "只读" in response.content.decode()


def test_a_unit_that_records_no_survey_is_not_offered_the_survey_form(client_for, personas):
    client = client_for(personas.liaison)  # a member unit has no community to survey
    assert 'data-testid="create"' not in client.get(reverse("publicity:survey_list")).content.decode()
    assert 'data-testid="new-survey"' not in client.get(reverse("publicity:index")).content.decode()
    assert client.get(reverse("publicity:survey_create")).status_code == 403
    page = client_for(personas.community_a).get(reverse("publicity:survey_list")).content.decode()
    assert 'data-testid="create"' in page


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("street", {"activity_update", "activity_photos"}),
        ("publicity", {"activity_update", "activity_photos"}),
        ("community_a", {"activity_update", "activity_photos"}),  # held in and organised by A
        ("liaison", set()),
        ("leader", set()),
    ],
)
def test_the_activity_page_offers_what_the_rules_allow(client_for, personas, publicity_member, org, persona, expected):
    activity = ActivityFactory(community=org.community_a, organiser=org.community_a)
    user = publicity_member if persona == "publicity" else getattr(personas, persona)
    assert rules.allowed(user, activity) == expected
    if persona != "liaison":  # the liaison does not see it at all
        page = client_for(user).get(activity.get_absolute_url()).content.decode()
        assert ('data-testid="edit"' in page) == bool(expected)


def test_community_staff_may_not_edit_an_activity_the_group_organised_in_their_community(client_for, personas, org):
    activity = ActivityFactory(community=org.community_b, organiser=org.units[UnitCode.GROUP_PUBLICITY])
    client = client_for(personas.community_b)
    assert client.get(activity.get_absolute_url()).status_code == 200
    assert client.get(reverse("publicity:activity_update", args=[activity.pk])).status_code == 403


def test_survey_and_opinion_rules_follow_the_unit(personas, publicity_member, org):
    survey = SurveyFactory(community=org.community_a)
    entry = OpinionFactory(unit=org.units["market_regulation"])
    assert rules.check(personas.community_a, "publicity.survey_update", survey)
    assert not rules.check(personas.community_b, "publicity.survey_update", survey)
    assert rules.check(publicity_member, "publicity.survey_update", survey)
    assert rules.check(personas.liaison, "publicity.opinion_update", entry)
    assert not rules.check(personas.crackdown, "publicity.opinion_update", entry)
    assert rules.check(personas.street, "publicity.opinion_update", entry)
    assert rules.check(personas.liaison, "publicity.opinion_create")
    assert not rules.check(personas.leader, "publicity.opinion_create")


def test_a_refused_record_is_shown_again_with_the_reason_and_what_was_typed(client_for, personas, org):
    from .factories import activity_data

    client = client_for(personas.liaison)  # may record activities, but only its own unit's
    data = activity_data(org.community_a, title="别人单位的讲座", organiser=org.units["market_regulation"].pk)
    assert client.post(reverse("publicity:activity_create"), data).status_code == 302
    response = client.post(
        reverse("publicity:media_create"),
        {
            "date": "2022-06-15",
            "outlet": "泉州晚报",
            "level": "city",
            "title": "打错单位的报道",
            "unit": org.community_a.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "打错单位的报道" in page
    assert not MediaReport.objects.exists()


def test_every_write_of_the_area_is_declared():
    names = {name for name in rules.registry() if name.startswith("publicity.")}
    assert names == {
        "publicity.activity_create",
        "publicity.activity_update",
        "publicity.activity_photos",
        "publicity.survey_create",
        "publicity.survey_update",
        "publicity.media_create",
        "publicity.media_update",
        "publicity.opinion_create",
        "publicity.opinion_follow_up",
        "publicity.opinion_escalate",
        "publicity.opinion_update",
    }
    creates = {name for name in names if rules.get(name).model is None}
    assert creates == {f"publicity.{kind}_create" for kind in ("activity", "survey", "media", "opinion")}
    assert all(rules.get(name).url_for() for name in creates)
