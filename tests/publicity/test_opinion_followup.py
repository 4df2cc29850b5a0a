"""Issue 16 item 13 (second half): the public-opinion log has a status (新登记/跟进中/已处置),
follow-up entries, and 高/重大 entries are escalated to the street office (e-mail, audited)."""

import datetime

import pytest
from django.urls import reverse

from core.audit import timeline_for
from core.models import OutboundEmail
from organization.choices import UnitCode
from publicity.choices import OpinionStatus, RiskLevel
from publicity.forms import OpinionForm
from publicity.models import OpinionEntry
from tests.querycount import assert_constant_queries

from .factories import OpinionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_mail(org, personas):
    office = org.units[UnitCode.STREET_OFFICE]
    office.email = "zhuanban@example.invalid"
    office.save()
    return office.email


def opinion_data(user, **changes):
    from tests.test_permission_matrix import form_data

    data = form_data(OpinionForm(user=user), date="2022-06-20", source="weibo", summary="网传某养老院爆雷", version="")
    data.update(changes)
    return data


def test_a_major_entry_is_escalated_to_the_street_office_when_recorded(client_for, personas, office_mail, org):
    client = client_for(personas.liaison)
    response = client.post(
        reverse("publicity:opinion_create"), opinion_data(personas.liaison, risk_level=RiskLevel.MAJOR)
    )
    assert response.status_code == 302
    entry = OpinionEntry.objects.get()
    assert entry.status == OpinionStatus.NEW and entry.escalated_at and entry.escalated_by == personas.liaison
    mail = OutboundEmail.objects.get()
    assert office_mail in mail.to and "street@example.invalid" in mail.to and "舆情上报" in mail.subject
    assert "网传某养老院爆雷" not in mail.body_text  # the e-mail names the entry, not its text
    assert entry.get_absolute_url() in mail.body_text
    assert any("自动上报" in e.reason for e in timeline_for(entry))
    page = client_for(personas.street).get(reverse("publicity:opinion_list"), {"escalated": "1"})
    assert entry in page.context["object_list"]


def test_a_medium_entry_is_not_escalated_until_raised(client_for, personas, office_mail):
    entry = OpinionFactory(unit=personas.liaison.unit, risk_level=RiskLevel.MEDIUM)
    client = client_for(personas.liaison)
    assert client.get(reverse("publicity:opinion_escalate", args=[entry.pk])).status_code in (403, 409)
    assert 'data-testid="opinion-escalate"' not in client.get(entry.get_absolute_url()).content.decode()
    from publicity.services import opinion_update

    opinion_update(entry=entry, user=personas.liaison, risk_level=RiskLevel.HIGH)
    entry.refresh_from_db()
    assert entry.escalated_at is not None and OutboundEmail.objects.count() == 1
    opinion_update(entry=entry, user=personas.liaison, response="已回应")
    assert OutboundEmail.objects.count() == 1  # once per entry


def test_follow_ups_move_the_status_and_keep_who_and_what(client_for, personas):
    entry = OpinionFactory(unit=personas.liaison.unit)
    client = client_for(personas.liaison)
    url = reverse("publicity:opinion_follow_up", args=[entry.pk])
    today = datetime.date.today().isoformat()
    response = client.post(url, {"date": today, "note": "", "status": OpinionStatus.FOLLOWING})
    assert response.status_code == 200 and response.context["form"].errors["note"]
    assert (
        client.post(url, {"date": today, "note": "联系发帖人核实", "status": OpinionStatus.FOLLOWING}).status_code
        == 302
    )
    entry.refresh_from_db()
    assert entry.status == OpinionStatus.FOLLOWING
    assert client.post(url, {"date": today, "note": "已发布澄清", "status": OpinionStatus.RESOLVED}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == OpinionStatus.RESOLVED
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "联系发帖人核实" in page and "已发布澄清" in page and "已处置" in page
    assert any("已发布澄清" in e.reason for e in timeline_for(entry))
    # another unit neither sees nor follows it up
    assert (
        client_for(personas.community_a).post(url, {"date": today, "note": "x", "status": "following"}).status_code
        == 404
    )
    listed = client_for(personas.street).get(reverse("publicity:opinion_list"), {"status": OpinionStatus.RESOLVED})
    assert list(listed.context["object_list"]) == [entry]


def test_the_log_costs_the_same_queries_with_5_and_50_entries(client_for, personas):
    def add(n):
        for _ in range(n):
            OpinionFactory(unit=personas.liaison.unit, status=OpinionStatus.FOLLOWING)

    assert_constant_queries(client_for(personas.street), reverse("publicity:opinion_list"), add, expected=7)
