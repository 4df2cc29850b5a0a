"""The street office generates a monthly report on demand, watches it finish and downloads it."""

import datetime
import io

import openpyxl
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaign(personas, settings, tmp_path):
    from django.core.cache import cache

    from organization.models import Campaign

    cache.clear()  # the dashboard's cached figures of an earlier test
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORTS_RECIPIENTS = ["office@example.invalid"]
    Campaign.objects.update(is_active=False)
    today = datetime.date.today()
    return Campaign.objects.create(
        name="浏览器测试专项行动",
        start_date=today - datetime.timedelta(days=120),
        end_date=today + datetime.timedelta(days=60),
    )


def test_generate_on_demand_and_download(page, login, personas, campaign):
    from reports.models import MonthlyReport

    try:
        from tests.rectification.factories import InstitutionFactory
    except ImportError:  # the rectification area is built in parallel
        InstitutionFactory = None
    if InstitutionFactory is not None:
        InstitutionFactory(risk_grade=4)
    login("street")
    page.goto(page.base_url + "/reports/")
    page.get_by_test_id("nav-monthly").click()
    page.get_by_test_id("month-input").fill("2026-11")
    with page.expect_navigation():
        page.get_by_test_id("generate-report").click()
    download_link = page.get_by_test_id("report-download")
    download_link.wait_for(state="visible")
    assert page.get_by_test_id("report-status").inner_text() in ("已生成", "Ready")
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:  # Playwright's file has no .xlsx suffix
        wb = openpyxl.load_workbook(io.BytesIO(fh.read()))
    assert "月度报送情况" in wb.sheetnames
    report = MonthlyReport.objects.get()
    assert report.month == datetime.date(2026, 11, 1) and report.status == "ready"
    assert page.get_by_test_id("report-mail-status").is_visible()
    if InstitutionFactory is not None:  # the report's own charts (Chart.js from the app)
        page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length > 0")
    assert page.js_errors == []


def test_dashboard_shows_key_figures_and_charts(page, login, personas, campaign):
    factories = pytest.importorskip("tests.rectification.factories")
    from rectification.choices import RiskGrade

    factories.InstitutionFactory(risk_grade=RiskGrade.RED)
    factories.InstitutionFactory(risk_grade=RiskGrade.YELLOW)
    login("street")
    assert page.get_by_test_id("phase-timeline").count() == 0 or page.get_by_test_id("phase-timeline").is_visible()
    assert page.get_by_test_id("dashboard-figures").is_visible()
    assert page.get_by_test_id("figures-fresh").is_visible()
    assert page.get_by_test_id("card-rectification-control_list").inner_text() == "2"
    canvas = page.locator("canvas[data-chart='chart-rectification-by_grade']")
    canvas.wait_for(state="visible")
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length > 0")
    assert page.js_errors == []
