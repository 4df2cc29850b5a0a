"""Issue 19: the city's 通报/约谈 of a street, complete — the city edits it (with a reason), the
street's office reports its rectification, the city confirms it (已整改) or returns it (退回); an
overdue one is marked 逾期; the street's office is e-mailed on recording and on a new deadline."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import DomainError
from core.models import AuditEntry, OutboundEmail
from core.rules import Refused
from reports import services
from reports.choices import SupervisionKind, SupervisionStatus
from reports.models import Supervision
from tests.leads.test_city import city, fresh  # noqa: F401  (the city fixture)

TEXT = "东石镇转办线索反馈超期较多"


def _record(city, *, days=30, street=None):  # noqa: F811
    today = timezone.localdate()
    return services.supervision_record(
        user=fresh(city.city),
        street=street or city.dongshi,
        kind=SupervisionKind.NOTICE,
        date=today,
        text=TEXT,
        rectify_by=today + datetime.timedelta(days=days),
        reason="督导考评后进",
    )


def _mails(supervision):
    return list(OutboundEmail.objects.filter(key__startswith=f"supervision:{supervision.pk}:").order_by("pk"))


def test_recording_e_mails_the_streets_office_without_the_text(city):  # noqa: F811
    supervision = _record(city)
    (mail,) = _mails(supervision)
    assert fresh(city.street_x).email in mail.to  # the street office's people (its liaisons)
    assert fresh(city.street).email not in mail.to  # never another street's office
    assert mail.jurisdiction_id == city.dongshi.pk  # its office sees it in its outbox
    body = mail.body_text
    assert f"{supervision.rectify_by:%Y-%m-%d}" in body and "通报" in body
    assert reverse("reports:supervision_detail", args=[supervision.pk]) in body
    assert TEXT not in body and TEXT not in mail.subject  # the free text stays in the system


def test_the_street_reports_the_city_returns_then_confirms(city, client):  # noqa: F811
    supervision = _record(city)
    today = timezone.localdate()
    # only the street's own office reports; the other street does not even see it
    with pytest.raises(Refused):
        services.supervision_report(
            supervision=supervision, user=fresh(city.street), rectification="x", rectified_on=today
        )
    with pytest.raises(Refused):  # the city does not report for the street
        services.supervision_report(
            supervision=supervision, user=fresh(city.city), rectification="x", rectified_on=today
        )
    with pytest.raises(DomainError):
        services.supervision_report(
            supervision=supervision,
            user=fresh(city.street_x),
            rectification="已整改",
            rectified_on=today + datetime.timedelta(days=1),
        )
    reported = services.supervision_report(
        supervision=supervision, user=fresh(city.street_x), rectification="已逐条销号", rectified_on=today
    )
    assert reported.status == SupervisionStatus.REPORTED and reported.reported_by == city.street_x
    # the street cannot confirm its own
    with pytest.raises(Refused):
        services.supervision_confirm(supervision=reported, user=fresh(city.street_x))
    # returned, with a reason
    with pytest.raises(DomainError):
        services.supervision_return(supervision=reported, user=fresh(city.city), reason="")
    returned = services.supervision_return(supervision=reported, user=fresh(city.city), reason="整改不到位")
    assert returned.status == SupervisionStatus.RETURNED and returned.return_reason == "整改不到位"
    # reported again, confirmed: rectified, and no longer edited by anyone
    again = services.supervision_report(
        supervision=returned, user=fresh(city.street_x), rectification="已全部整改到位", rectified_on=today
    )
    done = services.supervision_confirm(supervision=again, user=fresh(city.city))
    assert done.status == SupervisionStatus.RECTIFIED and done.confirmed_by == city.city
    with pytest.raises(DomainError):
        services.supervision_update(
            supervision=done,
            user=fresh(city.city),
            kind=done.kind,
            date=done.date,
            text=done.text,
            rectify_by=done.rectify_by,
            reason="改",
        )
    reasons = set(AuditEntry.objects.filter(object_pk=str(supervision.pk)).values_list("reason", flat=True))
    assert any("整改不到位" in r for r in reasons)

    # the page offers each office what it may do, through the real views
    client.force_login(city.street_x)
    page = client.get(done.get_absolute_url()).content.decode()
    assert "已全部整改到位" in page and "已整改" in page
    assert reverse("reports:supervision_report", args=[done.pk]) not in page


def test_the_pages_offer_report_to_the_street_and_confirm_to_the_city(city, client):  # noqa: F811
    supervision = _record(city)
    report_url = reverse("reports:supervision_report", args=[supervision.pk])
    confirm_url = reverse("reports:supervision_confirm", args=[supervision.pk])
    edit_url = reverse("reports:supervision_edit", args=[supervision.pk])
    client.force_login(city.street_x)
    page = client.get(supervision.get_absolute_url()).content.decode()
    assert f'href="{report_url}"' in page and edit_url not in page
    # a bad date: the form again with what was typed
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(report_url, {"rectification": "整改情况甲", "rectified_on": tomorrow.isoformat()})
    assert response.status_code == 200 and "整改情况甲" in response.content.decode()
    response = client.post(
        report_url, {"rectification": "整改情况甲", "rectified_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    assert client.get(edit_url).status_code == 403
    client.force_login(city.street)  # another street: not there at all
    assert client.get(supervision.get_absolute_url()).status_code == 404
    assert client.post(report_url, {"rectification": "x", "rectified_on": "2026-01-01"}).status_code == 404
    client.force_login(city.city)
    page = client.get(supervision.get_absolute_url()).content.decode()
    assert f'href="{confirm_url}"' in page and f'href="{edit_url}"' in page and report_url not in page
    assert client.post(confirm_url, {}).status_code == 302
    assert Supervision.objects.get(pk=supervision.pk).status == SupervisionStatus.RECTIFIED


def test_the_city_edits_with_a_reason_and_a_new_deadline_is_e_mailed(city, client):  # noqa: F811
    supervision = _record(city)
    url = reverse("reports:supervision_edit", args=[supervision.pk])
    client.force_login(city.city)
    later = supervision.rectify_by + datetime.timedelta(days=10)
    data = {
        "kind": SupervisionKind.INTERVIEW,
        "date": supervision.date.isoformat(),
        "text": TEXT + "（补充）",
        "rectify_by": later.isoformat(),
        "version": supervision.version,
    }
    response = client.post(url, {**data, "reason": ""})
    assert response.status_code == 200 and "（补充）" in response.content.decode()  # a reason is required
    response = client.post(url, {**data, "reason": "期限延长"})
    assert response.status_code == 302, response.content.decode()[:2000]
    edited = Supervision.objects.get(pk=supervision.pk)
    assert (edited.kind, edited.rectify_by, edited.text) == (SupervisionKind.INTERVIEW, later, TEXT + "（补充）")
    assert any(
        "期限延长" in r for r in AuditEntry.objects.filter(object_pk=str(edited.pk)).values_list("reason", flat=True)
    )
    mails = _mails(edited)
    assert len(mails) == 2 and f"{later:%Y-%m-%d}" in mails[-1].body_text
    # the text alone changed: no new e-mail
    services.supervision_update(
        supervision=edited,
        user=fresh(city.city),
        kind=edited.kind,
        date=edited.date,
        text="措辞修改",
        rectify_by=edited.rectify_by,
        reason="措辞",
    )
    assert len(_mails(edited)) == 2
    # a stale form is refused with what was typed
    response = client.post(url, {**data, "text": "旧页面的修改", "reason": "再改", "version": 1})
    assert response.status_code == 200 and "旧页面的修改" in response.content.decode()
    # the street's office never edits
    with pytest.raises(Refused):
        services.supervision_update(
            supervision=edited,
            user=fresh(city.street_x),
            kind=edited.kind,
            date=edited.date,
            text="x",
            rectify_by=edited.rectify_by,
            reason="x",
        )


def test_an_overdue_supervision_is_marked_on_the_list_and_in_the_streets_to_do(city, client):  # noqa: F811
    from reports.todo import todo_items

    late = _record(city)
    on_time = _record(city, days=60)
    Supervision.objects.filter(pk=late.pk).update(
        date=timezone.localdate() - datetime.timedelta(days=40),
        rectify_by=timezone.localdate() - datetime.timedelta(days=1),
    )
    items = {item.key: item for item in todo_items(fresh(city.street_x))}
    item = items["supervisions"]
    assert item.count == 2
    texts = dict(item.links)
    assert "逾期" in texts[late.get_absolute_url()] and "逾期" not in texts[on_time.get_absolute_url()]
    assert "supervisions" not in {i.key for i in todo_items(fresh(city.street))}  # not another street's
    client.force_login(city.street_x)
    listing = client.get(reverse("reports:supervision_list")).content.decode()
    assert listing.count('data-testid="supervision-overdue"') == 1
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="dashboard-supervision-overdue"' in dashboard
    # reported: no longer waiting for the street, not overdue, not in its to-do
    services.supervision_report(
        supervision=late, user=fresh(city.street_x), rectification="已整改", rectified_on=timezone.localdate()
    )
    assert not Supervision.objects.get(pk=late.pk).is_overdue()
    assert {i.key: i for i in todo_items(fresh(city.street_x))}["supervisions"].count == 1


def test_the_city_finds_the_rectifications_to_answer(city, client):  # noqa: F811
    waiting = _record(city)
    services.supervision_report(
        supervision=waiting, user=fresh(city.street_x), rectification="整改甲", rectified_on=timezone.localdate()
    )
    late = _record(city)
    Supervision.objects.filter(pk=late.pk).update(
        date=timezone.localdate() - datetime.timedelta(days=40),
        rectify_by=timezone.localdate() - datetime.timedelta(days=1),
    )
    client.force_login(city.city)
    url = reverse("reports:supervision_list")
    page = client.get(url + "?status=reported").content.decode()
    assert page.count('data-testid="supervision-row"') == 1 and waiting.get_absolute_url() in page
    page = client.get(url + "?overdue=true").content.decode()
    assert page.count('data-testid="supervision-row"') == 1 and late.get_absolute_url() in page
