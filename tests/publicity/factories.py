import datetime

import factory
from factory.django import DjangoModelFactory

from publicity.choices import ActivityType, MediaLevel, OpinionSource, RiskLevel, Venue
from publicity.models import Activity, AwarenessSurvey, MediaReport, OpinionEntry
from tests.factories import CommunityFactory, UnitFactory

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    date = datetime.date(2022, 6, 10)
    title = factory.Sequence(lambda n: f"防范养老诈骗宣传{n}")
    activity_type = ActivityType.TALK
    venue = Venue.COMMUNITY
    community = factory.SubFactory(CommunityFactory)
    organiser = factory.SelfAttribute("community")
    people_reached = 100
    elderly_reached = 40
    materials = 50
    messages = 0


class SurveyFactory(DjangoModelFactory):
    class Meta:
        model = AwarenessSurvey

    community = factory.SubFactory(CommunityFactory)
    month = factory.Sequence(lambda n: datetime.date(2020 + n // 12, n % 12 + 1, 1))
    households_surveyed = 100
    households_aware = 80
    residents_surveyed = 200
    residents_aware = 150
    elderly_surveyed = 50
    elderly_aware = 30


class MediaReportFactory(DjangoModelFactory):
    class Meta:
        model = MediaReport

    date = datetime.date(2022, 6, 15)
    outlet = "晋江经济报"
    level = MediaLevel.LOCAL
    title = factory.Sequence(lambda n: f"新塘街道开展防范养老诈骗宣传{n}")
    url = "https://news.example.cn/1.html"
    unit = factory.SubFactory(UnitFactory)


class OpinionFactory(DjangoModelFactory):
    class Meta:
        model = OpinionEntry

    date = datetime.date(2022, 6, 20)
    source = OpinionSource.WEIBO
    summary = factory.Sequence(lambda n: f"网传养老项目爆雷{n}")
    risk_level = RiskLevel.MEDIUM
    unit = factory.SubFactory(UnitFactory)


def activity_data(community, **changes):
    """What the activity form posts for an activity held and organised by ``community``."""
    data = {
        "date": "2022-06-10",
        "title": "防范养老诈骗讲座",
        "activity_type": "talk",
        "venue": "park",
        "organiser": community.pk,
        "community": community.pk,
        "people_reached": 120,
        "elderly_reached": 80,
        "materials": 0,
        "messages": 0,
    }
    data.update(changes)
    return data
