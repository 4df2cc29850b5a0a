"""An exposure of a typical case links a case flagged typical; the opinion log may link a case.
A link is offered and shown only to those who may see the case."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.exceptions import DomainError
from publicity.choices import ActivityType
from publicity.forms import ActivityForm, OpinionForm
from publicity.models import Activity
from publicity.services import activity_create, activity_update, opinion_create
from tests.cases.factories import CaseFactory

from .factories import ActivityFactory, OpinionFactory, activity_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def typical(org):
    return CaseFactory(is_typical=True, title="以房养老诈骗典型案")


@pytest.fixture
def ordinary(org):
    return CaseFactory(is_typical=False, title="普通案件")


def exposure(community, case, **changes):
    return activity_data(community, **{"activity_type": ActivityType.TYPICAL_CASE, "typical_case": case.pk, **changes})


def test_the_street_office_links_a_typical_case_to_an_exposure(personas, org, typical):
    form = ActivityForm(exposure(org.community_a, typical), user=personas.street)
    assert form.is_valid(), form.errors
    activity = activity_create(user=personas.street, **form.service_fields())
    assert activity.typical_case == typical
    assert list(typical.publicity_activities.all()) == [activity]


def test_only_an_exposure_may_link_a_case(personas, org, typical):
    form = ActivityForm(exposure(org.community_a, typical, activity_type="talk"), user=personas.street)
    assert not form.is_valid()
    assert form.errors["typical_case"] == ["只有“典型案例曝光”活动才能关联典型案例。"]
    activity = ActivityFactory(community=org.community_a, organiser=org.community_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(typical_case=typical)


def test_the_case_must_be_flagged_typical(personas, org, typical, ordinary):
    form = ActivityForm(exposure(org.community_a, ordinary), user=personas.street)
    assert not form.is_valid() and "typical_case" in form.errors  # not even offered
    activity = ActivityFactory.build(
        community=org.community_a,
        organiser=org.community_a,
        activity_type=ActivityType.TYPICAL_CASE,
        typical_case=ordinary,
    )
    with pytest.raises(ValidationError) as exc:
        activity.full_clean()
    assert exc.value.message_dict["typical_case"] == ["所选案件未标记为典型案例。"]


def test_only_typical_cases_are_offered(personas, org, typical, ordinary):
    form = ActivityForm(user=personas.street)
    assert list(form.fields["typical_case"].queryset) == [typical]


def test_community_staff_are_offered_no_case_and_cannot_link_one(personas, org, typical):
    assert "typical_case" not in ActivityForm(user=personas.community_a).fields
    with pytest.raises(DomainError):
        activity_create(
            user=personas.community_a,
            date="2022-06-10",
            title="曝光典型案例",
            activity_type=ActivityType.TYPICAL_CASE,
            venue="community",
            organiser=org.community_a,
            community=org.community_a,
            typical_case=typical,
        )


def test_community_staff_edit_an_exposure_linked_by_the_street_office(client_for, personas, org, typical):
    activity = ActivityFactory(
        community=org.community_a,
        organiser=org.community_a,
        activity_type=ActivityType.TYPICAL_CASE,
        typical_case=typical,
    )
    activity_update(activity=activity, user=personas.community_a, title="改了标题")
    activity.refresh_from_db()
    assert activity.typical_case == typical and activity.title == "改了标题"
    page = client_for(personas.community_a).get(activity.get_absolute_url()).content.decode()
    assert typical.title not in page and "您无权查看案件" in page
    page = client_for(personas.street).get(activity.get_absolute_url()).content.decode()
    assert typical.title in page and typical.get_absolute_url() in page


def test_opinion_entry_links_a_case_or_names_it(personas, org, ordinary, client_for):
    form = OpinionForm(
        {
            "date": "2022-06-20",
            "source": "weibo",
            "risk_level": "high",
            "summary": "网传案件受害人聚集",
            "case": ordinary.pk,
            "unit": personas.street.unit_id,
        },
        user=personas.street,
    )
    assert form.is_valid(), form.errors
    entry = opinion_create(user=personas.street, **form.service_fields())
    assert entry.case == ordinary
    assert "case" not in OpinionForm(user=personas.liaison).fields  # the unit sees no cases
    named = OpinionFactory(unit=org.units["market_regulation"], case_reference="晋公刑立字2022-001")
    page = client_for(personas.liaison).get(reverse("publicity:opinion_detail", args=[named.pk])).content.decode()
    assert "晋公刑立字2022-001" in page
