"""Printing a detail page (Ctrl+P): the record, its timeline and its attachments list, without the
top bar, buttons or forms (static/css/hulao.css, ``@media print``). Checked in Chromium with the
print media emulated, and the lead page printed to PDF (kept in /tmp/shots for a person to look at)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from tests.browser.test_accessibility import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")

VISIBLE = """sel => Array.from(document.querySelectorAll(sel))
  .filter(e => e.checkVisibility())
  .map(e => (e.innerText || e.outerHTML).trim().slice(0, 60))"""


def printed(page, url: str) -> dict:
    page.emulate_media(media="screen")
    page.goto(page.base_url + url)
    on_screen = page.evaluate(VISIBLE, "form, nav, .btn")
    page.emulate_media(media="print")

    def shown_or_absent(testid: str) -> bool:
        return page.get_by_test_id(testid).count() == 0 or page.get_by_test_id(testid).is_visible()

    result = {
        "chrome": page.evaluate(VISIBLE, "nav, footer, form, button, .btn, details, .pagination"),
        "title": page.locator("main h1").first.is_visible(),
        "timeline": shown_or_absent("audit-timeline"),
        "attachments": shown_or_absent("attachments"),
        "header": page.get_by_test_id("print-header").is_visible(),
        "on_screen": on_screen,
    }
    return result


def test_detail_pages_print_the_record_without_navigation_or_forms(page, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import Case
    from core.services import attachments_add
    from leads import services as lead_services
    from organization.choices import UnitKind
    from organization.models import Campaign, Unit, User
    from rectification.models import Institution, Problem
    from reports import selectors, services
    from reports.models import UnitSubmission
    from tests.browser.demo_pages import seed_small_demo

    settings.MEDIA_ROOT = tmp_path
    seed_small_demo()
    street = User.objects.get(username="zhuanban")
    community = Unit.objects.filter(kind=UnitKind.COMMUNITY).order_by("pk").first()
    lead, _ = lead_services.lead_create(
        user=street,
        data={
            "source": "public",
            "channel": "phone",
            "summary": "A seminar sells health products",
            "description": "...",
        },
    )
    lead = lead_services.lead_refer(lead=lead, user=street, unit=community)  # a step in its timeline
    attachments_add(obj=lead, files=[SimpleUploadedFile("note.txt", b"hello", "text/plain")], user=street)
    campaign = Campaign.objects.current()
    month = selectors.last_ended_month(campaign) or campaign.start_date.replace(day=1)
    report = services.report_generate(month=month, today=datetime.date.today())
    urls = [
        f"/leads/{lead.pk}/",
        f"/cases/{Case.objects.order_by('pk').first().pk}/",
        f"/rectification/institutions/{Institution.objects.order_by('pk').first().pk}/",
        f"/rectification/problems/{Problem.objects.order_by('pk').first().pk}/",
        f"/reports/submissions/{UnitSubmission.objects.order_by('-status', 'pk').first().pk}/",
        f"/reports/monthly/{report.pk}/",
    ]
    sign_in(page, "zhuanban")
    for url in urls:
        result = printed(page, url)
        assert result["on_screen"], f"{url}: the screen shows the navigation and forms"
        assert result["chrome"] == [], f"{url} prints {result['chrome']}"
        assert result["title"] and result["timeline"] and result["attachments"] and result["header"], (url, result)

    # the lead page as a PDF: its record, the attachment, the timeline; not the action panels
    page.emulate_media(media="print")
    page.goto(page.base_url + f"/leads/{lead.pk}/")
    assert page.get_by_test_id("lead-status").is_visible()
    attachments = page.get_by_test_id("attachments")
    assert attachments.is_visible() and "note.txt" in attachments.inner_text()
    assert page.get_by_test_id("audit-timeline").is_visible()
    assert not page.locator("[data-testid^=action-]").first.is_visible()
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(SHOTS / "ui17-lead-print.png"), full_page=True)
    pdf = page.pdf(path=str(SHOTS / "ui17-lead-print.pdf"), format="A4", print_background=False)
    assert pdf.startswith(b"%PDF")
    assert page.js_errors == []
