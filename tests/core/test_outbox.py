"""The street office's outbox (发件箱): every e-mail with its state, recipients, subject, times and
body; "send again" only where it does something; nobody else sees it. A monthly report without
recipients is not "sent": its page says so and asks for recipients."""

from __future__ import annotations

import datetime
import email
import email.policy

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from core.choices import MailStatus
from core.models import OutboundEmail

pytestmark = pytest.mark.django_db

HOSTILE = '<p>月报</p><script>alert("x")</script><img src=x onerror="alert(1)">'


@pytest.fixture
def box(db):
    def make(status, subject, **extra):
        return OutboundEmail.objects.create(
            template="reports-monthly",
            subject=subject,
            body_text=f"{subject} 正文",
            body_html=HOSTILE,
            to=["office@example.invalid", "city@example.invalid"],
            status=status,
            **extra,
        )

    return {
        "pending": make(MailStatus.PENDING, "待发邮件"),
        "sent": make(
            MailStatus.SENT, "已发邮件", attempts=1, sent_at=datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)
        ),
        "failed": make(MailStatus.FAILED, "失败邮件", attempts=5, last_error="SMTPConnectError: 连接被拒绝"),
    }


def test_the_street_office_sees_every_mail_with_its_state(box, personas, client_for):
    page = client_for(personas.street).get(reverse("core:outbox"))
    assert page.status_code == 200
    html = page.content.decode()
    for mail in box.values():
        assert mail.subject in html and reverse("core:outbox_detail", args=[mail.pk]) in html
    assert "office@example.invalid" in html and "SMTPConnectError: 连接被拒绝" in html
    for label in ("待发送", "已发送", "发送失败"):
        assert label in html
    assert 'data-testid="outbox-link"' in html  # the navbar offers it


def test_the_outbox_filters_by_state(box, personas, client_for):
    page = client_for(personas.street).get(reverse("core:outbox") + "?status=failed")
    assert list(page.context["object_list"]) == [box["failed"]]
    html = page.content.decode()
    assert "失败邮件" in html and "已发邮件" not in html


@pytest.mark.parametrize("who", ["leader", "crackdown", "liaison", "community_a"])
def test_nobody_else_sees_the_outbox(box, personas, client_for, who):
    client = client_for(getattr(personas, who))
    assert client.get(reverse("core:outbox")).status_code in (403, 404)
    for view in ("core:outbox_detail", "core:outbox_html"):
        assert client.get(reverse(view, args=[box["sent"].pk])).status_code in (403, 404)
    assert 'data-testid="outbox-link"' not in client.get(reverse("dashboard")).content.decode()


def test_the_body_is_shown_and_its_html_never_runs(box, personas, client_for):
    client = client_for(personas.street)
    mail = box["sent"]
    page = client.get(reverse("core:outbox_detail", args=[mail.pk]))
    html = page.content.decode()
    assert "已发邮件 正文" in html and "city@example.invalid" in html
    assert "<script>alert" not in html and 'onerror="alert' not in html
    assert "&lt;script&gt;" in html  # the HTML part as escaped source
    assert 'sandbox=""' in html and reverse("core:outbox_html", args=[mail.pk]) in html
    part = client.get(reverse("core:outbox_html", args=[mail.pk]))
    csp = part["Content-Security-Policy"]
    assert "sandbox" in csp and "script-src" not in csp and "default-src 'none'" in csp
    assert part["X-Content-Type-Options"] == "nosniff"


def test_send_again_is_offered_only_where_it_does_something(box, personas, client_for):
    client = client_for(personas.street)
    for key, offered in (("failed", True), ("pending", True), ("sent", False)):
        url = reverse("core:outbox_retry", args=[box[key].pk])
        page = client.get(reverse("core:outbox_detail", args=[box[key].pk])).content.decode()
        assert (f'action="{url}"' in page) is offered, key
    response = client.post(reverse("core:outbox_retry", args=[box["sent"].pk]))
    assert response.status_code == 409
    assert OutboundEmail.objects.get(pk=box["sent"].pk).attempts == 1


def test_send_again_sends_a_failed_mail(box, personas, client_for, django_capture_on_commit_callbacks):
    client = client_for(personas.street)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:outbox_retry", args=[box["failed"].pk]))
    assert response.status_code == 302
    mail = OutboundEmail.objects.get(pk=box["failed"].pk)
    assert mail.status == MailStatus.SENT and mail.sent_at is not None
    assert [m.subject for m in django_mail.outbox] == ["失败邮件"]
    page = client.get(reverse("core:outbox_detail", args=[mail.pk])).content.decode()
    assert "重新发送" in page  # the audit trail says who asked


def test_others_cannot_send_again(box, personas, client_for):
    for who in ("leader", "community_a"):
        response = client_for(getattr(personas, who)).post(reverse("core:outbox_retry", args=[box["failed"].pk]))
        assert response.status_code in (403, 404)
    assert OutboundEmail.objects.get(pk=box["failed"].pk).status == MailStatus.FAILED


# --- the monthly report: real mail, and none without recipients --------------------------------


@pytest.fixture
def campaign(org):
    from organization.models import Campaign

    Campaign.objects.update(is_active=False)
    return Campaign.objects.create(
        name="2026护老专项行动",
        start_date=datetime.date(2026, 6, 1),
        end_date=datetime.date(2026, 12, 31),
        report_day=20,
        is_active=True,
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


NOV = datetime.date(2026, 11, 1)


def test_a_report_without_recipients_is_not_sent_and_asks_for_recipients(
    campaign, personas, client_for, settings, django_capture_on_commit_callbacks
):
    from reports import services

    settings.REPORTS_RECIPIENTS = []
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV, today=datetime.date(2026, 11, 21))
    assert report.email is None and OutboundEmail.objects.count() == 0
    page = client_for(personas.street).get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert 'data-testid="report-mail-none"' in page
    assert "未发送" in page and "没有收件人" in page and "REPORTS_RECIPIENTS" not in page  # no setting names
    assert 'data-testid="report-mail-status"' not in page
    listing = client_for(personas.street).get(reverse("reports:report_list")).content.decode()
    assert 'data-testid="report-mail-none"' in listing


@pytest.mark.services
def test_a_generated_report_shows_in_the_outbox_as_sent(
    campaign, personas, client_for, settings, smtp_server, django_capture_on_commit_callbacks
):
    from reports import services

    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.REPORTS_RECIPIENTS = ["office@example.invalid", "city@example.invalid"]
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_generate(month=NOV, today=datetime.date(2026, 11, 21))
    [envelope] = smtp_server.wait_for(1)
    assert sorted(envelope.rcpt_tos) == ["city@example.invalid", "office@example.invalid"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert "http://127.0.0.1:8000/reports/monthly/" in text
    client = client_for(personas.street)
    page = client.get(reverse("core:outbox") + "?status=sent").content.decode()
    assert report.email.subject in page
    assert reverse("core:outbox_detail", args=[report.email_id]) in page
