"""Pages: visibility (list, detail, export, download) per persona, actions through the views,
the list's query count."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import ExportLog
from core.services import attachments_add, attachments_of
from leads import services
from leads.models import Lead
from organization.choices import UnitCode

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def exported(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return list(ws.iter_rows(values_only=True))


@pytest.fixture
def three(lead_in, org, personas):
    """A lead referred to community A, one to community B, one to market regulation."""
    a = lead_in("referred", unit=org.community_a, summary="A社区线索")
    b = lead_in("referred", unit=org.community_b, summary="B社区线索")
    m = lead_in("referred", unit=org.units[UnitCode.MARKET_REGULATION], summary="市监线索")
    for lead in (a, b, m):
        attachments_add(obj=lead, files=[SimpleUploadedFile("p.png", PNG)], user=personas.street)
    return {"a": a, "b": b, "m": m}


VISIBLE = {
    "street": {"a", "b", "m"},
    "leader": {"a", "b", "m"},
    "community_a": {"a"},
    "community_b": {"b"},
    "liaison": {"m"},
    "crackdown": set(),
}


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_visibility_list_detail_export_download(client_for, personas, three, persona):
    client = client_for(getattr(personas, persona))
    listing = client.get(reverse("leads:index"))
    assert listing.status_code == 200
    seen = {k for k, lead in three.items() if lead in listing.context["object_list"]}
    assert seen == VISIBLE[persona]
    rows = exported(client.get(reverse("leads:index") + "?export=xlsx"))
    assert {r[0] for r in rows[1:]} == {three[k].number for k in VISIBLE[persona]}
    for key, lead in three.items():
        expected = 200 if key in VISIBLE[persona] else 404
        assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == expected
        attachment = attachments_of(lead).first()
        assert client.get(reverse("core:attachment", args=[attachment.pk])).status_code == expected


def test_filed_by_own_unit_is_visible(client_for, personas):
    lead, _ = services.lead_create(user=personas.community_a, data={"source": "community", "summary": "社区自报"})
    assert client_for(personas.community_a).get(reverse("leads:detail", args=[lead.pk])).status_code == 200


def test_export_is_filtered_and_logged(client_for, personas, three):
    client = client_for(personas.street)
    rows = exported(client.get(reverse("leads:index") + f"?assigned_unit={three['a'].assigned_unit_id}&export=xlsx"))
    assert [r[0] for r in rows[1:]] == [three["a"].number]
    log = ExportLog.objects.get()
    assert log.user == personas.street and log.row_count == 1


def test_filters(client_for, personas, lead_in, org):
    overdue = lead_in("referred", unit=org.community_a)
    Lead.objects.filter(pk=overdue.pk).update(deadline="2020-01-01", is_major=True)
    lead_in("registered", summary="关于保健品的线索")
    client = client_for(personas.street)
    for query, expected in [
        ("deadline_state=overdue", {overdue.pk}),
        ("is_major=true", {overdue.pk}),
        ("q=保健品", {Lead.objects.get(summary="关于保健品的线索").pk}),
        ("status=referred", {overdue.pk}),
        ("review_state=pending", set()),
    ]:
        response = client.get(reverse("leads:index") + "?" + query)
        assert {x.pk for x in response.context["object_list"]} == expected, query
    response = client.get(reverse("leads:index") + "?is_major=true")
    assert b"row-major" in response.content


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_does_not_grow(client_for, personas, org, django_assert_num_queries, rows):
    from tests.leads.factories import LeadFactory

    for i in range(rows):
        LeadFactory(
            assigned_unit=org.community_a,
            community=org.community_a,
            filed_by_unit=org.community_b,
            supervisor=personas.street,
            is_major=i % 2 == 0,
            status="referred",
            deadline="2030-01-01",
        )
    client = client_for(personas.street)
    client.get(reverse("leads:index"))
    with django_assert_num_queries(10):
        response = client.get(reverse("leads:index"))
    assert len(response.context["object_list"]) == min(rows, 25)


def test_actions_through_the_pages(client_for, personas, lead_in, org):
    lead = lead_in("registered")
    street = client_for(personas.street)
    page = street.get(reverse("leads:detail", args=[lead.pk]))
    assert b'data-testid="action-refer"' in page.content
    street.post(reverse("leads:action", args=[lead.pk, "refer"]), {"unit": org.community_a.pk, "reason": "属地"})
    lead.refresh_from_db()
    assert lead.status == "referred"
    community = client_for(personas.community_a)
    community.post(reverse("leads:action", args=[lead.pk, "acknowledge"]), {})
    community.post(reverse("leads:action", args=[lead.pk, "feedback"]), {"findings": "核查属实"})
    lead.refresh_from_db()
    assert lead.status == "fed_back"
    # an illegal move shows a message and changes nothing
    response = community.post(reverse("leads:action", args=[lead.pk, "close"]), {"outcome": "partly"}, follow=True)
    assert response.status_code == 403
    street = client_for(personas.street)
    response = street.post(reverse("leads:action", args=[lead.pk, "return"]), {"reason": ""}, follow=True)
    lead.refresh_from_db()
    assert lead.status == "fed_back"
    street.post(reverse("leads:action", args=[lead.pk, "close"]), {"outcome": "crackdown", "reason": "移送"})
    lead.refresh_from_db()
    assert lead.status == "closed" and lead.outcome == "crackdown"
    page = street.get(reverse("leads:detail", args=[lead.pk]))
    assert "办结" in page.content.decode() and b"audit-timeline" in page.content


def test_leader_is_read_only(client_for, personas, lead_in, org):
    lead = lead_in("registered")
    client = client_for(personas.leader)
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 200
    response = client.post(reverse("leads:action", args=[lead.pk, "refer"]), {"unit": org.community_a.pk})
    assert response.status_code == 403
    assert client.get(reverse("leads:create")).status_code == 403


def test_staff_intake_with_receipt_code(client_for, personas):
    client = client_for(personas.community_a)
    response = client.post(
        reverse("leads:create"),
        {
            "source": "public",
            "channel": "phone",
            "summary": "电话举报",
            "fraud_type": "product",
            "issue_receipt": "on",
            "informant_phone": "13912345678",
        },
    )
    assert response.status_code == 302  # the code is shown on a GET page (issue 16.1)
    shown = client.get(response["Location"])
    code = shown.context["code"]
    lead = Lead.objects.get(summary="电话举报")
    assert services.receipt_lookup(code) == lead and not lead.is_anonymous
    assert lead.community_id == personas.community_a.unit_id


def test_deadline_board(client_for, personas, lead_in, org):
    lead = lead_in("referred", unit=org.community_a)
    Lead.objects.filter(pk=lead.pk).update(deadline="2020-01-01")
    response = client_for(personas.street).get(reverse("leads:deadlines"))
    row = response.context["rows"][0]
    assert row["unit"] == org.community_a and row["overdue"] == 1
    response = client_for(personas.community_b).get(reverse("leads:deadlines"))
    assert response.context["rows"] == []


def test_related_suggest_json(client_for, personas, lead_in):
    lead_in("registered", subject_phone="13800001111")
    data = client_for(personas.street).get(reverse("leads:related") + "?subject_phone=138-0000-1111").json()
    assert len(data["leads"]) == 1
    data = client_for(personas.community_b).get(reverse("leads:related") + "?subject_phone=13800001111").json()
    assert data["leads"] == []


def test_anonymous_is_sent_to_login(client, lead_in):
    lead = lead_in("registered")
    for url in (reverse("leads:index"), reverse("leads:detail", args=[lead.pk]), reverse("leads:create")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_is_sortable(client_for, personas, lead_in, org):
    early = lead_in("referred", unit=org.community_a)
    late = lead_in("referred", unit=org.community_a)
    Lead.objects.filter(pk=early.pk).update(deadline="2030-01-01")
    Lead.objects.filter(pk=late.pk).update(deadline="2030-06-01")
    client = client_for(personas.street)
    ascending = [x.pk for x in client.get(reverse("leads:index") + "?sort=deadline").context["object_list"]]
    descending = [x.pk for x in client.get(reverse("leads:index") + "?sort=-deadline").context["object_list"]]
    assert ascending == [early.pk, late.pk] and descending == [late.pk, early.pk]


def test_intake_form_and_import_pages_render(client_for, personas):
    page = client_for(personas.community_a).get(reverse("leads:create"))
    assert page.status_code == 200 and b"data-related-url" in page.content
    assert b'name="is_major"' in page.content  # a community may flag a lead major (issue 16.5)
    page = client_for(personas.street).get(reverse("leads:import"))
    assert page.status_code == 200 and b"import-template" in page.content


def test_higher_office_report_list_and_export(client_for, personas, lead_in):
    reported, _ = services.lead_create(
        user=personas.street, data={"source": "higher", "summary": "已报送", "higher_reference": "R-1"}
    )
    unreported, _ = services.lead_create(
        user=personas.street, data={"source": "higher", "summary": "未报送", "higher_reference": "R-2"}
    )
    open_lead, _ = services.lead_create(
        user=personas.street, data={"source": "higher", "summary": "在办", "higher_reference": "R-3"}
    )
    for lead in (reported, unreported):
        services.lead_close(lead=lead, user=personas.street, outcome="partly")
    services.lead_report_up(lead=Lead.objects.get(pk=reported.pk), user=personas.street)
    lead_in("closed")  # a public tip: not listed
    client = client_for(personas.street)
    listed = client.get(reverse("leads:higher")).context["object_list"]
    assert {x.pk for x in listed} == {reported.pk, unreported.pk}
    listed = client.get(reverse("leads:higher") + "?unreported=true").context["object_list"]
    assert [x.pk for x in listed] == [unreported.pk]
    rows = exported(client.get(reverse("leads:higher") + "?unreported=true&export=xlsx"))
    assert rows[0][0] == "上级转办文号" and [r[0] for r in rows[1:]] == ["R-2"]
    page = client.get(reverse("leads:detail", args=[unreported.pk])).content.decode()
    assert "未报送办结情况" in page and 'data-testid="action-report_up"' in page


def test_street_office_reissues_a_receipt_code(client_for, personas, lead_in):
    lead, old = services.lead_submit_tip(data={"summary": "x", "description": "x", "fraud_type": "other"})
    client = client_for(personas.street)
    form_page = client.get(reverse("leads:issue_receipt", args=[lead.pk]))  # asks to confirm; issues nothing
    assert form_page.status_code == 200 and "receipt-code" not in form_page.content.decode()
    assert services.receipt_lookup(old) == lead
    response = client.post(reverse("leads:issue_receipt", args=[lead.pk]), follow=True)
    code = response.context["code"]
    assert services.receipt_lookup(code) == lead and services.receipt_lookup(old) is None
    assert response["Cache-Control"] == "no-store" and "原查询码已作废" in response.content.decode()
    assert client_for(personas.community_b).post(reverse("leads:issue_receipt", args=[lead.pk])).status_code == 404


def test_detail_page_with_every_panel(client_for, personas, lead_in, settings):
    import datetime

    from django.contrib.auth.models import Permission

    settings.LEADS_SECOND_REVIEW_SHARE = 1.0
    personas.street.user_permissions.add(Permission.objects.get(codename="view_informant"))
    primary = lead_in("verifying", subject_name="福寿康", informant_phone="13900000000")
    dup = lead_in("registered", subject_name="福寿康")
    services.lead_merge(lead=dup, into=primary, user=personas.street)
    lead_in("registered", subject_name="福寿康")  # a candidate
    primary = services.lead_request_extension(
        lead=primary, user=personas.community_a, until=primary.deadline + datetime.timedelta(days=3), reason="x"
    )
    client = client_for(personas.street)
    page = client.get(reverse("leads:detail", args=[primary.pk])).content.decode()
    for panel in ("extension_decide", "supervise", "link", "reveal", "issue_receipt"):
        assert f'data-testid="action-{panel}"' in page, panel
    assert 'data-testid="candidates"' in page and dup.number in page
    page = client_for(personas.community_a).get(reverse("leads:detail", args=[primary.pk])).content.decode()
    assert 'data-testid="action-feedback"' in page and 'data-testid="action-reveal"' not in page
    primary = services.lead_feedback(lead=primary, user=personas.community_a, findings="不属实")
    page = client_for(personas.street).get(reverse("leads:detail", args=[primary.pk])).content.decode()
    assert 'data-testid="action-close"' in page and 'data-testid="action-return"' in page
    closed = services.lead_close(lead=primary, user=personas.street, outcome="unfounded")
    page = client_for(personas.street).get(reverse("leads:detail", args=[closed.pk])).content.decode()
    assert 'data-testid="action-review_confirm"' not in page  # not by the one who closed it
    assert "13900000000" not in page
    from tests.factories import UserFactory

    second = UserFactory(username="second", unit=personas.street.unit, role="street_office")
    page = client_for(second).get(reverse("leads:detail", args=[closed.pk])).content.decode()
    assert 'data-testid="action-review_confirm"' in page and 'data-testid="action-reopen"' in page


def test_mark_filtered_unreported_leads_as_reported(client_for, personas):
    leads = []
    for ref in ("R-1", "R-2"):
        lead, _ = services.lead_create(
            user=personas.street, data={"source": "higher", "summary": ref, "higher_reference": ref}
        )
        leads.append(services.lead_close(lead=lead, user=personas.street, outcome="partly"))
    assert client_for(personas.leader).post(reverse("leads:higher")).status_code == 403
    client = client_for(personas.street)
    response = client.post(reverse("leads:higher") + "?q=R-1", {"reason": "已发送市专项办"})
    assert response.status_code == 302
    assert Lead.objects.get(pk=leads[0].pk).reported_up_at and not Lead.objects.get(pk=leads[1].pk).reported_up_at


def test_an_action_form_has_its_own_page_and_keeps_what_was_typed(client_for, personas, lead_in):
    lead = lead_in("fed_back")
    client = client_for(personas.street)
    url = reverse("leads:action", args=[lead.pk, "close"])
    page = client.get(url)
    assert page.status_code == 200 and 'data-action="leads.close"' in page.content.decode()
    # invalid (transferred without the department): the form again, with what was typed
    response = client.post(url, {"outcome": "transferred", "reason": "移交市监局处理的说明"})
    assert response.status_code == 200 and response.context["form"].errors
    assert "移交市监局处理的说明" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == "fed_back"
    # refused by the state meanwhile (someone returned it): the reason, and what was typed (409)
    services.lead_return(lead=lead, user=personas.street, reason="材料不全")
    response = client.post(url, {"outcome": "partly", "reason": "再次办结的说明"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "不能办结" in html and "再次办结的说明" in html
    assert Lead.objects.get(pk=lead.pk).status == "returned"


def test_an_action_form_is_refused_to_who_may_not(client_for, personas, lead_in):
    lead = lead_in("fed_back")
    for persona in ("community_a", "leader"):
        response = client_for(getattr(personas, persona)).get(reverse("leads:action", args=[lead.pk, "close"]))
        assert response.status_code == 403
    assert client_for(personas.community_b).get(reverse("leads:action", args=[lead.pk, "close"])).status_code == 404
    assert client_for(personas.street).get(reverse("leads:action", args=[lead.pk, "nonsense"])).status_code == 404


def test_the_page_offers_exactly_what_the_rules_allow(client_for, personas, lead_in):
    from core import rules
    from leads.views import PANELS

    lead = lead_in("verifying", informant_phone="13900000000")
    for persona in ("street", "community_a", "community_b", "leader", "crackdown"):
        user = getattr(personas, persona)
        response = client_for(user).get(reverse("leads:detail", args=[lead.pk]))
        if response.status_code == 404:
            continue
        allowed = rules.allowed(user, lead)
        offered = {p.verb for p in response.context["panels"]}
        assert offered == allowed & {verb for verb, _title in PANELS}, persona
        for verb in offered:
            assert f'data-testid="action-{verb}"' in response.content.decode()
        assert ('data-testid="lead-edit"' in response.content.decode()) == ("edit" in allowed)


def test_a_receiver_links_two_leads_referred_to_it(client_for, personas, lead_in, org):
    lead, other = lead_in("verifying"), lead_in("referred")
    elsewhere = lead_in("referred", unit=org.community_b)
    client = client_for(personas.community_a)
    url = reverse("leads:action", args=[lead.pk, "link"])
    assert client.post(url, {"other": other.number}).status_code == 302
    assert list(Lead.objects.get(pk=lead.pk).related.all()) == [other]
    response = client.post(url, {"other": elsewhere.number})  # not visible to community A
    assert response.status_code == 200 and response.context["form"].errors["other"]
    assert client.post(url, {"other": other.number, "merge": "on"}).status_code == 403  # merging: street office
    assert Lead.objects.get(pk=lead.pk).status == "verifying"
