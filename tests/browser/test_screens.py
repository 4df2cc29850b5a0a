"""The dashboard and a lead page on a desktop (1366 px) and a phone (390 px): no serious axe
violation at either width, the phase timeline's labels whole (not squeezed, not cut), nothing wider
than the screen on the phone. Screenshots go to /tmp/shots/ui17-*.png for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.demo_pages import axe_violations, seed_small_demo
from tests.browser.test_accessibility import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
CUT = """() => Array.from(document.querySelectorAll('[data-testid=phase-row]')).map(row => {
  const label = row.querySelector('.phase-label'), box = label.getBoundingClientRect();
  return {text: label.innerText, cut: label.scrollWidth > label.clientWidth + 1 || box.right > window.innerWidth,
          height: row.querySelector('.phase-track').getBoundingClientRect().height};
})"""
WIDER = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_dashboard_and_lead_page_read_well_on_desktop_and_phone(page, width, height):
    from leads.models import Lead

    seed_small_demo()
    lead = Lead.objects.exclude(assigned_unit=None).order_by("pk").first()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, "zhuanban")
    SHOTS.mkdir(exist_ok=True)

    page.goto(page.base_url + "/")
    rows = page.evaluate(CUT)
    assert len(rows) >= 3, rows
    for row in rows:
        assert not row["cut"], row
        assert " ~ " in row["text"] and row["height"] >= 12, row
    assert page.evaluate(WIDER) <= 1, "the dashboard scrolls sideways"
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / f"ui17-dashboard-{width}.png"), full_page=True)

    page.goto(page.base_url + f"/leads/{lead.pk}/")
    assert page.evaluate(WIDER) <= 1, "the lead page scrolls sideways"
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / f"ui17-lead-{width}.png"), full_page=True)
    assert page.js_errors == []
