"""Issue 16 item 4: 通报 and 督办 are easy to act on. Lists (and exports) of leads named for 通报
and of supervised major leads with the supervisor's name; a manual 催办 by the street office,
e-mailed to the handling unit, audited, once a day per lead; the board shows who is late with what."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.audit import timeline_for
from core.models import OutboundEmail
from leads import services
from leads.models import Lead
from tests.leads.factories import LeadFactory
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def export_rows(response):
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_named_and_supervised_leads_have_their_lists_and_exports(client_for, personas, lead_in, org):
    personas.street.name = "王督办"
    personas.street.save()
    named = lead_in("referred", summary="列入通报的线索")
    Lead.objects.filter(pk=named.pk).update(publicly_named=True)
    major = lead_in("referred", summary="挂牌督办的线索")
    services.lead_supervise(lead=major, user=personas.street, is_major=True, supervisor=personas.street)
    lead_in("referred", summary="普通线索")
    client = client_for(personas.street)

    response = client.get(reverse("leads:index") + "?publicly_named=true")
    assert [x.pk for x in response.context["object_list"]] == [named.pk]
    assert 'data-testid="nav-named"' in response.content.decode()
    response = client.get(reverse("leads:index") + "?is_major=true")
    assert [x.pk for x in response.context["object_list"]] == [major.pk]
    assert "督办人：王督办" in response.content.decode()
    assert (
        "督办人：王督办" in client.get(reverse("leads:index") + "?clear=1", follow=True).content.decode()
    )  # in every list

    rows = export_rows(client.get(reverse("leads:index") + "?is_major=true&export=xlsx"))
    header = rows[0]
    assert "督办人" in header and "列入通报" in header
    assert rows[1][header.index("督办人")] == "王督办"
    rows = export_rows(client.get(reverse("leads:index") + "?publicly_named=true&export=xlsx"))
    assert len(rows) == 2 and "列入通报的线索" in rows[1]


def test_the_street_office_urges_the_handling_unit_once_a_day(client_for, personas, lead_in, org):
    lead = lead_in("verifying", unit=org.community_a)
    url = reverse("leads:action", args=[lead.pk, "urge"])
    page = client_for(personas.street).get(lead.get_absolute_url()).content.decode()
    assert f'action="{url}"' in page

    response = client_for(personas.street).post(url, {"reason": "请本周内反馈"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.reminder_count == 1 and lead.last_reminded_on is not None
    entry = timeline_for(lead)[0]
    assert entry.actor == personas.street and entry.reason == "催办：请本周内反馈"
    sent = OutboundEmail.objects.get(template="leads-urge")
    assert personas.community_a.email in sent.to and lead.number in sent.body_text
    assert "请本周内反馈" in sent.body_text

    # the unit sees the reminder on its list
    html = client_for(personas.community_a).get(reverse("leads:index")).content.decode()
    assert 'data-testid="urged"' in html
    # once a day per lead: the second is refused with the reason, nothing changes
    response = client_for(personas.street).post(url, {"reason": "再催"})
    assert response.status_code == 409 and "今天已催办过" in response.content.decode()
    lead.refresh_from_db()
    assert lead.reminder_count == 1 and OutboundEmail.objects.filter(template="leads-urge").count() == 1
    # the next day the street office may urge again
    Lead.objects.filter(pk=lead.pk).update(last_reminded_on=lead.last_reminded_on - datetime.timedelta(days=1))
    assert client_for(personas.street).post(url, {}).status_code == 302
    assert Lead.objects.get(pk=lead.pk).reminder_count == 2


def test_only_the_street_office_urges_and_only_a_referred_lead(client_for, personas, lead_in, org):
    lead = lead_in("verifying", unit=org.community_a)
    url = reverse("leads:action", args=[lead.pk, "urge"])
    assert client_for(personas.community_a).post(url, {}).status_code == 403
    assert client_for(personas.leader).post(url, {}).status_code == 403
    registered = lead_in("registered")
    response = client_for(personas.street).post(reverse("leads:action", args=[registered.pk, "urge"]), {})
    assert response.status_code == 409
    assert Lead.objects.get(pk=lead.pk).reminder_count == 0


def test_the_board_shows_who_is_late_with_what(client_for, personas, lead_in, org):
    late_a = lead_in("referred", unit=org.community_a, summary="社区A超期")
    late_b = lead_in("verifying", unit=org.community_b, summary="社区B超期")
    lead_in("referred", unit=org.community_b, summary="社区B未超期")
    Lead.objects.filter(pk__in=[late_a.pk, late_b.pk]).update(deadline=datetime.date(2020, 1, 2))
    response = client_for(personas.street).get(reverse("leads:deadlines"))
    rows = {row["unit"]: row for row in response.context["rows"]}
    assert [x.pk for x in rows[org.community_a]["late"]] == [late_a.pk]
    assert [x.pk for x in rows[org.community_b]["late"]] == [late_b.pk]
    html = response.content.decode()
    assert "社区A超期" in html and "社区B超期" in html and "社区B未超期" not in html
    assert f'href="{reverse("leads:action", args=[late_a.pk, "urge"])}"' in html
    # a unit sees only its own
    response = client_for(personas.community_a).get(reverse("leads:deadlines"))
    assert "社区A超期" in response.content.decode() and "社区B超期" not in response.content.decode()
    assert 'data-testid="urge"' not in response.content.decode()


def test_the_board_queries_do_not_grow_with_rows(client_for, personas, org):
    def add(n):
        for i in range(n):
            LeadFactory(
                summary=f"超期{i}",
                assigned_unit=(org.community_a, org.community_b)[i % 2],
                status="verifying",
                deadline="2020-01-01",
                supervisor=personas.street,
                is_major=True,
            )

    assert_constant_queries(client_for(personas.street), reverse("leads:deadlines"), add, expected=8)


def test_the_board_queries_do_not_grow_with_rows_in_a_city(client_for, personas, org):
    """In a city each late lead's 催办 check reads its street (``jurisdiction``): with the field
    left out of the board's query, that was one query per lead shown (249 for the benchmark's
    city office)."""
    from organization.choices import JurisdictionLevel
    from organization.models import Jurisdiction, Unit

    city = Jurisdiction.objects.create(name="晋江市", level=JurisdictionLevel.CITY)
    street = Jurisdiction.objects.create(name="新塘街道", parent=city)
    Unit.objects.update(jurisdiction=street)

    def add(n):
        for i in range(n):
            LeadFactory(
                summary=f"超期{i}",
                assigned_unit=(org.community_a, org.community_b)[i % 2],
                status="verifying",
                deadline="2020-01-01",
                supervisor=personas.street,
                jurisdiction=street,
            )

    assert_constant_queries(client_for(personas.street), reverse("leads:deadlines"), add, expected=8)
