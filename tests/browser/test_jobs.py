"""Issue 17, progress: a 5,000-row import in Chromium shows a progress bar that moves (a real
Celery worker on Redis does the work), then the report, also after a reload."""

import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_5000_row_import_shows_progress_then_its_report(page, login, personas, redis_url, settings, tmp_path):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from leads import imports
    from tests.core.test_jobs import lead_row
    from tests.factories import xlsx_upload

    settings.JOBS_PROGRESS_EVERY = 100
    upload = xlsx_upload([str(h) for h, _f, _r in imports.COLUMNS], [lead_row(i) for i in range(4999)] + [lead_row(3)])
    path = tmp_path / "五千行.xlsx"
    path.write_bytes(upload.read())
    login("street")
    page.goto(page.base_url + "/leads/import/")
    page.set_input_files("input[name=file]", str(path))
    page.check("input[name=valid_only]")
    app.conf.task_always_eager = False
    values = []
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=60):
            with page.expect_navigation():
                page.get_by_test_id("import-submit").click()
            bar = page.get_by_test_id("job-progress")
            bar.wait_for()
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not page.get_by_test_id("job-result").count():
                try:
                    values.append(int(bar.get_attribute("value", timeout=2000) or 0))
                    page.reload() if len(values) == 3 else None  # the job survives a reload
                except Exception:  # the page is reloading to show the result
                    pass
                time.sleep(0.2)
            page.get_by_test_id("job-result").wait_for()
    finally:
        app.conf.task_always_eager = True
    assert any(0 < v < 100 for v in values), values[:30]
    report = page.get_by_test_id("job-result").inner_text()
    assert "共 5000 行，导入 4999 行，有错误 1 行。" in report and "与第 5 行文号重复" in report
    assert page.get_by_test_id("job-state").inner_text() == "完成"
    page.reload()
    assert "导入 4999 行" in page.get_by_test_id("job-result").inner_text()
    assert page.js_errors == []
