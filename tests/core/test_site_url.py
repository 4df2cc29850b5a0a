"""Links in e-mails are absolute, from the ``SITE_URL`` setting: required in production, the
local server's address under ``make run``. Every e-mail the app sends is checked, template by
template, through the code paths that send it (the daily digests, reminders, the monthly report)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.test_deploy import PRODUCTION_ENV, run_manage

ROOT = Path(__file__).resolve().parent.parent.parent
SITE = "https://hulao.example.org"

#: Anything that looks like a link: an absolute URL, an href/src value, or a bare path ("/leads/").
ABSOLUTE = re.compile(r"https?://[^\s\"'<>）。，]+")
ATTRIBUTE = re.compile(r"""(?:href|src)\s*=\s*["']([^"']*)["']""", re.I)
BARE_PATH = re.compile(r"(?<![\w/:.\-])/[a-z][\w\-]*/")


def _links_are_absolute(text: str) -> list[str]:
    """The links of ``text`` that are not absolute links into ``SITE`` (empty: all good)."""
    bad = [u for u in ABSOLUTE.findall(text) if not u.startswith(SITE + "/")]
    bad += [v for v in ATTRIBUTE.findall(text) if not v.startswith(SITE + "/")]
    bad += BARE_PATH.findall(ABSOLUTE.sub("", text))
    return bad


def test_production_refuses_to_start_without_site_url(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"}
    result = run_manage("check", env={**env, "SITE_URL": "", "HULAO_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "SITE_URL" in result.stderr
    result = run_manage("check", env={**env, "SITE_URL": "hulao.example.org", "HULAO_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "SITE_URL" in result.stderr


def test_make_run_links_to_the_local_server_and_mails_to_the_local_sink(tmp_path):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SITE_URL, settings.EMAIL_HOST, settings.EMAIL_PORT)",
        env={"DJANGO_SETTINGS_MODULE": "config.settings.local", "SITE_URL": "", "EMAIL_PORT": "", "EMAIL_HOST": ""},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["http://127.0.0.1:8000", "127.0.0.1", "8025"]
    run_sh = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert "aiosmtpd" in run_sh and "SITE_URL" in run_sh


def test_site_url_is_documented():
    assert "SITE_URL" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "SITE_URL" in (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for path in [*ROOT.glob("*/*.py"), *ROOT.glob("config/settings/*.py")]:
        if ".venv" not in path.parts:
            assert "LEADS_SITE_URL" not in path.read_text(encoding="utf-8"), path


def _transfer_from_a_city(today):
    """Issue 19: the street becomes one of a city's, whose office transfers it a lead."""
    from leads.services import lead_transfer
    from organization.choices import JurisdictionLevel, Role, UnitKind
    from organization.models import Jurisdiction, Unit
    from tests.factories import UserFactory

    city = Jurisdiction.objects.create(name="晋江市", level=JurisdictionLevel.CITY)
    street = Jurisdiction.objects.create(name="新塘街道", parent=city)
    Unit.objects.filter(kind=UnitKind.STREET_OFFICE).update(jurisdiction=street)
    office = Unit.objects.create(name="晋江市专项办（市级）", kind=UnitKind.CITY_OFFICE, code="city", jurisdiction=city)
    user = UserFactory(username="city_transfer", unit=office, role=Role.CITY_OFFICE)
    data = {"higher_reference": "晋专办〔2026〕1号", "higher_deadline": today + datetime.timedelta(days=10)}
    lead_transfer(user=user, street=street, data={**data, "summary": "转办线索", "fraud_type": "product"})
    # and notifies it (通报), which e-mails the street office
    from reports.choices import SupervisionKind
    from reports.services import supervision_record

    supervision_record(
        user=user,
        street=street,
        kind=SupervisionKind.NOTICE,
        date=today,
        text="转办线索反馈滞后",
        rectify_by=today + datetime.timedelta(days=10),
        reason="督导考评后进",
    )


@pytest.mark.django_db
def test_every_email_the_app_sends_links_only_absolutely(settings, django_capture_on_commit_callbacks):
    from core.models import OutboundEmail
    from leads.models import Lead
    from leads.services import lead_urge, leads_send_digests
    from organization.models import Campaign, Unit, User
    from publicity.models import OpinionEntry
    from publicity.services import opinion_escalate
    from rectification.services import rectification_send_digests
    from reports import services as reports

    settings.SITE_URL = SITE
    settings.REPORTS_RECIPIENTS = ["office@example.invalid"]
    call_command("seed_demo", "--leads", "60", "--institutions", "30", "--cases", "5", "--activities", "10")
    Unit.objects.filter(email="").update(email="unit@example.invalid")
    User.objects.filter(email="").update(email="person@example.invalid")
    campaign = Campaign.objects.current()
    today = datetime.date.today()
    with django_capture_on_commit_callbacks(execute=True):
        leads_send_digests(today=today + datetime.timedelta(days=30))
        open_lead = Lead.objects.filter(status__in=["referred", "verifying", "returned"]).exclude(
            last_reminded_on=today
        )
        lead_urge(lead=open_lead.first(), user=User.objects.filter(role="street_office").first(), reason="请尽快")
        rectification_send_digests(today=today + datetime.timedelta(days=400))
        entry = OpinionEntry.objects.order_by("pk").first()
        OpinionEntry.objects.filter(pk=entry.pk).update(risk_level="major", escalated_at=None)
        entry.refresh_from_db()
        opinion_escalate(entry=entry, user=User.objects.filter(role="street_office").first(), reason="影响较大")
        reports.reminders_send(today=today, campaign=campaign)
        first_day = today.replace(day=1)
        month = (first_day - datetime.timedelta(days=1)).replace(day=1)  # last month: its period is over
        reports.report_generate(month=month, campaign=campaign, today=today)
        _transfer_from_a_city(today)

    sent = {m.template for m in OutboundEmail.objects.all()}
    templates = {p.name.split("-body")[0] for p in (ROOT / "templates" / "emails").glob("*-body.*")}
    assert templates <= sent, f"e-mail templates this test did not send: {templates - sent}"
    for mail in OutboundEmail.objects.all():
        for part in (mail.subject, mail.body_text, mail.body_html):
            assert not _links_are_absolute(part), f"{mail.template}: relative links {_links_are_absolute(part)}"
        assert f"{SITE}/" in mail.body_text, f"{mail.template} has no link to the system"
        if mail.body_html:
            assert f'href="{SITE}/' in mail.body_html, f"{mail.template}'s HTML part has no link"


def test_the_link_checker_catches_relative_links():
    assert _links_are_absolute("请登录护老系统办理。 /leads/?assigned_unit=12")
    assert _links_are_absolute('<a href="/reports/monthly/3/">')
    assert _links_are_absolute("http://127.0.0.1:8000/leads/")
    assert not _links_are_absolute(f"请登录护老系统办理。 {SITE}/leads/?assigned_unit=12 · 2026-12-01")
