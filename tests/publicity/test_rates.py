"""The three awareness rates and their validations: no division by zero, counts aware never above
counts surveyed (database, model and form), one survey per community and month."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from publicity.forms import ActivityForm, SurveyForm
from publicity.models import Activity, AwarenessSurvey, rate
from publicity.selectors import awareness_summary, awareness_trend

from .factories import ActivityFactory, SurveyFactory, activity_data

pytestmark = pytest.mark.django_db


def test_rate_is_none_when_nobody_was_surveyed():
    assert rate(0, 0) is None
    assert rate(3, 4) == 75.0
    assert rate(1, 3) == 33.3


def test_a_survey_gives_the_three_rates(org):
    survey = SurveyFactory(
        community=org.community_a,
        households_surveyed=200,
        households_aware=150,
        residents_surveyed=0,
        residents_aware=0,
        elderly_surveyed=8,
        elderly_aware=8,
    )
    assert (survey.household_rate, survey.resident_rate, survey.elderly_rate) == (75.0, None, 100.0)


@pytest.mark.parametrize(
    "field, message",
    [
        ("households_aware", "知晓的家庭数不能超过调查的家庭数。"),
        ("residents_aware", "知晓的居民人数不能超过调查的居民人数。"),
        ("elderly_aware", "知晓的老人人数不能超过调查的老人人数。"),
    ],
)
def test_aware_above_surveyed_is_refused_by_model_and_database(org, field, message):
    survey = SurveyFactory.build(community=org.community_a, month=datetime.date(2022, 6, 1), **{field: 10_000})
    with pytest.raises(ValidationError) as exc:
        survey.full_clean()
    assert message in exc.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        survey.save()


def test_counts_cannot_be_negative_in_the_database(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        AwarenessSurvey.objects.filter(pk=SurveyFactory(community=org.community_a).pk).update(elderly_surveyed=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=ActivityFactory(community=org.community_a).pk).update(materials=-5)


def test_elderly_reached_cannot_exceed_people_reached(org):
    activity = ActivityFactory.build(community=org.community_a, organiser=org.community_a, elderly_reached=101)
    with pytest.raises(ValidationError) as exc:
        activity.full_clean()
    assert "覆盖老年人数不能超过覆盖人数。" in exc.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


def test_one_survey_per_community_and_month(org):
    SurveyFactory(community=org.community_a, month=datetime.date(2022, 6, 1))
    duplicate = SurveyFactory.build(community=org.community_a, month=datetime.date(2022, 6, 1))
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "该社区本月已有一份知晓率调查，请修改原记录。" in exc.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    SurveyFactory(community=org.community_b, month=datetime.date(2022, 6, 1))  # another community: fine


def survey_data(community, **changes):
    data = {
        "community": community.pk,
        "month": "2022-06",
        "households_surveyed": 100,
        "households_aware": 80,
        "residents_surveyed": 200,
        "residents_aware": 150,
        "elderly_surveyed": 50,
        "elderly_aware": 30,
        "note": "",
    }
    data.update(changes)
    return data


def test_survey_form_says_which_count_is_wrong(personas, org):
    form = SurveyForm(survey_data(org.community_a, elderly_aware=51, households_aware=101), user=personas.community_a)
    assert not form.is_valid()
    assert form.errors["elderly_aware"] == ["知晓的老人人数不能超过调查的老人人数。"]
    assert form.errors["households_aware"] == ["知晓的家庭数不能超过调查的家庭数。"]
    assert "__all__" not in form.errors  # the constraint does not repeat the message


def test_survey_form_reads_a_month_and_refuses_a_second_survey_of_that_month(personas, org):
    form = SurveyForm(survey_data(org.community_a), user=personas.community_a)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["month"] == datetime.date(2022, 6, 1)
    SurveyFactory(community=org.community_a, month=datetime.date(2022, 6, 1))
    form = SurveyForm(survey_data(org.community_a), user=personas.community_a)
    assert not form.is_valid()
    assert "该社区本月已有一份知晓率调查，请修改原记录。" in str(form.errors)


def test_survey_form_refuses_negative_counts(personas, org):
    form = SurveyForm(survey_data(org.community_a, residents_surveyed=-1), user=personas.community_a)
    assert not form.is_valid() and "residents_surveyed" in form.errors


def test_community_staff_cannot_pick_another_community(personas, org):
    form = SurveyForm(survey_data(org.community_b), user=personas.community_a)
    assert not form.is_valid() and "community" in form.errors


def test_activity_form_refuses_more_elderly_than_people(personas, org):
    form = ActivityForm(
        activity_data(org.community_a, people_reached=10, elderly_reached=11), user=personas.community_a
    )
    assert not form.is_valid()
    assert form.errors["elderly_reached"] == ["覆盖老年人数不能超过覆盖人数。"]


def test_street_rate_is_sum_of_aware_over_sum_of_surveyed_not_an_average(org):
    june = datetime.date(2022, 6, 1)
    SurveyFactory(community=org.community_a, month=june, households_surveyed=100, households_aware=90)
    SurveyFactory(community=org.community_b, month=june, households_surveyed=300, households_aware=150)
    summary = awareness_summary(AwarenessSurvey.objects.all())
    assert summary["household_rate"] == 60.0  # 240 / 400, not (90% + 50%) / 2
    assert summary["households_surveyed"] == 400 and summary["households_aware"] == 240


def test_street_rate_is_none_when_nobody_was_surveyed(org):
    SurveyFactory(community=org.community_a, elderly_surveyed=0, elderly_aware=0)
    summary = awareness_summary(AwarenessSurvey.objects.all())
    assert summary["elderly_rate"] is None and summary["household_rate"] == 80.0
    empty = awareness_summary(AwarenessSurvey.objects.none())
    assert empty["household_rate"] is None and empty["surveys"] == 0


def test_trend_has_one_point_per_month(org, django_assert_num_queries):
    for month, aware in ((6, 50), (7, 70), (8, 90)):
        SurveyFactory(community=org.community_a, month=datetime.date(2022, month, 1), households_aware=aware)
        SurveyFactory(community=org.community_b, month=datetime.date(2022, month, 1), households_aware=aware - 10)
    with django_assert_num_queries(1):
        trend = awareness_trend(AwarenessSurvey.objects.all())
    assert [row["month"] for row in trend] == [datetime.date(2022, m, 1) for m in (6, 7, 8)]
    assert [row["household_rate"] for row in trend] == [45.0, 65.0, 85.0]
