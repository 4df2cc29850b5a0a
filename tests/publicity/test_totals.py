"""Totals by community, type and month, and the figures the monthly report reads."""

import datetime

import pytest

from publicity.choices import ActivityType
from publicity.models import Activity
from publicity.selectors import activity_summary, activity_totals, figures

from .factories import ActivityFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def activities(org):
    a, b = org.community_a, org.community_b
    ActivityFactory(community=a, organiser=a, date=datetime.date(2022, 6, 3), people_reached=100, elderly_reached=60)
    ActivityFactory(
        community=a,
        organiser=a,
        date=datetime.date(2022, 7, 3),
        activity_type=ActivityType.GROUP_SMS,
        people_reached=500,
        elderly_reached=200,
        materials=0,
        messages=500,
    )
    ActivityFactory(community=b, organiser=b, date=datetime.date(2022, 7, 20), people_reached=30, elderly_reached=30)
    # a member unit's online activity for the whole street
    ActivityFactory(
        community=None,
        organiser=org.units["market_regulation"],
        date=datetime.date(2022, 7, 25),
        activity_type=ActivityType.WECHAT,
        people_reached=1000,
        elderly_reached=100,
        materials=0,
        messages=0,
    )


def by_label(rows):
    return {row["label"]: row for row in rows}


def test_totals_by_community(org, activities, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = activity_totals(Activity.objects.all(), by="community")
    totals = by_label(rows)
    assert totals[org.community_a.name]["activities"] == 2
    assert totals[org.community_a.name]["people_reached"] == 600
    assert totals[org.community_a.name]["elderly_reached"] == 260
    assert totals[org.community_a.name]["materials"] == 50
    assert totals[org.community_a.name]["messages"] == 500
    assert totals[org.community_b.name]["people_reached"] == 30
    assert totals[None]["people_reached"] == 1000  # no community: listed once, last
    assert rows[-1]["key"] is None


def test_totals_by_type(activities):
    totals = by_label(activity_totals(Activity.objects.all(), by="type"))
    assert totals["宣讲讲座"]["activities"] == 2 and totals["宣讲讲座"]["people_reached"] == 130
    assert totals["群发短信"]["messages"] == 500
    assert totals["微信推文/朋友圈广告"]["people_reached"] == 1000


def test_totals_by_month(activities):
    rows = activity_totals(Activity.objects.all(), by="month")
    assert [row["label"] for row in rows] == ["2022-06", "2022-07"]
    assert [row["activities"] for row in rows] == [1, 3]
    assert rows[1]["people_reached"] == 1530


def test_summary_of_nothing_is_zero():
    assert activity_summary(Activity.objects.none()) == {
        "activities": 0,
        "people_reached": 0,
        "elderly_reached": 0,
        "materials": 0,
        "messages": 0,
    }


def test_figures_of_a_month(org, activities, django_assert_num_queries):
    SurveyFactory(community=org.community_a, month=datetime.date(2022, 7, 1), households_aware=70)
    SurveyFactory(community=org.community_b, month=datetime.date(2022, 7, 1), households_aware=90)
    SurveyFactory(community=org.community_b, month=datetime.date(2022, 6, 1), households_aware=10)
    with django_assert_num_queries(2):
        july = figures(start=datetime.date(2022, 7, 1), end=datetime.date(2022, 7, 31))
    assert july["activities"] == 3
    assert july["people_reached"] == 1530 and july["elderly_reached"] == 330
    assert july["materials"] == 50 and july["messages"] == 500
    assert july["surveys"] == 2 and july["household_rate"] == 80.0
    assert july["resident_rate"] == 75.0 and july["elderly_rate"] == 60.0


def test_figures_of_some_units(org, activities):
    result = figures(start=datetime.date(2022, 6, 1), end=datetime.date(2022, 7, 31), units=[org.community_b])
    assert result["activities"] == 1 and result["people_reached"] == 30
    assert result["surveys"] == 0 and result["household_rate"] is None
    by_id = figures(start=datetime.date(2022, 6, 1), end=datetime.date(2022, 7, 31), units=[org.community_a.pk])
    assert by_id["activities"] == 2
