"""Background jobs (issue 17): an import or a big export runs as a job with a progress bar and a
result page; only its owner sees it. Eager here; one test runs a real worker on Redis."""

from __future__ import annotations

import io
import time

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from core import jobs
from core.models import ExportLog, Job
from leads import imports
from leads.choices import LeadSource
from leads.models import Lead
from organization.choices import UnitCode
from tests.factories import xlsx_upload
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def lead_row(n: int, fraud: str = "养老项目") -> list:
    return [f"上级-{n}", "某公司以养老项目名义集资", "", fraud, "某公司", "", "新塘路1号", "", 1000, 2, "2030-01-31"]


def lead_workbook(rows: list[list]):
    return xlsx_upload([str(h) for h, _f, _r in imports.COLUMNS], rows)


def sheet_rows(content: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_an_import_goes_to_its_job_page_with_the_report(client_for, personas):
    client = client_for(personas.street)
    rows = [lead_row(i) for i in range(30)] + [lead_row(99, fraud="不存在的类型")]
    response = client.post(reverse("leads:import"), {"file": lead_workbook(rows), "valid_only": "on"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.context["job"].state == "done"
    assert 'data-testid="job-progress"' in html and 'value="100"' in html
    assert "共 31 行，导入 30 行，有错误 1 行。" in html
    assert "<td>32</td>" in html and "诈骗类型“不存在的类型”无效" in html
    assert Lead.objects.filter(source=LeadSource.HIGHER).count() == 30
    status = client.get(reverse("core:job_status", args=[page.context["job"].pk])).json()
    assert status["finished"] and status["percent"] == 100 and status["state_label"] == "完成"


def test_a_file_that_is_not_a_workbook_is_refused_before_any_job(client_for, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(personas.street)
    response = client.post(reverse("leads:import"), {"file": SimpleUploadedFile("x.xlsx", b"%PDF-1.4 not xlsx")})
    assert response.status_code == 200 and "不是 Excel 工作簿" in response.content.decode()
    assert not Job.objects.exists()


def test_a_wrong_header_fails_the_job_with_a_chinese_message(client_for, personas):
    client = client_for(personas.street)
    response = client.post(reverse("leads:import"), {"file": xlsx_upload(["甲", "乙"], [["1", "2"]])}, follow=True)
    job = response.context["job"]
    assert job.state == "failed" and "表头与模板不一致" in response.content.decode()
    assert not job.upload  # the uploaded workbook is not kept


def test_the_institution_check_is_a_job_too_and_saves_nothing(client_for, personas):
    from rectification.models import Institution

    header = ["机构名称*", "统一社会信用代码", "类型", "整治领域*"]
    upload = xlsx_upload(header, [["康乐养生馆", "", "", "食品、保健品"], ["坏数据", "", "", "没有这个领域"]])
    response = client_for(personas.rectification).post(
        reverse("rectification:institution_import"), {"file": upload, "mode": "check"}, follow=True
    )
    html = response.content.decode()
    assert "共 2 行：校验通过 1 行，有错误 1 行；已导入 0 行。" in html and "坏数据" in html
    assert not Institution.objects.exists()


def test_only_the_owner_sees_a_job_its_progress_and_its_file(client_for, personas, settings):
    settings.EXPORT_INSTANT_MAX_ROWS = 2
    LeadFactory.create_batch(5)
    client = client_for(personas.street)
    job_url = client.get(reverse("leads:index") + "?export=xlsx")["Location"]
    job = Job.objects.get()
    assert job_url == job.get_absolute_url() and job.result_file
    assert client.get(reverse("core:job_file", args=[job.pk])).status_code == 200
    assert job in jobs.recent_for(personas.street)
    for other in (personas.leader, personas.community_a, personas.crackdown):
        client = client_for(other)
        for name in ("core:job", "core:job_status", "core:job_file"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
        assert job not in jobs.recent_for(other)
        assert job.title not in client.get(reverse("core:jobs")).content.decode()
    assert Client().get(reverse("core:job_file", args=[job.pk])).status_code == 302  # to the login page


def test_a_big_export_through_a_job_has_the_rows_of_the_instant_one(client_for, personas, org, settings):
    LeadFactory.create_batch(12)
    client = client_for(personas.street)
    query = "?export=xlsx&source=public"
    instant = client.get(reverse("leads:index") + query)
    assert instant.status_code == 200
    instant_rows = sheet_rows(b"".join(instant.streaming_content))
    settings.EXPORT_INSTANT_MAX_ROWS = 5
    response = client.get(reverse("leads:index") + query)
    assert response.status_code == 302
    job = Job.objects.get()
    page = client.get(response["Location"])
    assert page.context["job"].state == "done" and 'data-testid="job-download"' in page.content.decode()
    download = client.get(reverse("core:job_file", args=[job.pk]))
    assert download["Content-Disposition"].startswith("attachment") and ".xlsx" in download["Content-Disposition"]
    assert sheet_rows(b"".join(download.streaming_content)) == instant_rows
    logs = list(ExportLog.objects.order_by("pk"))
    assert len(logs) == 2 and logs[1].row_count == len(instant_rows) - 1 and logs[1].filters == {"source": ["public"]}


def test_the_worker_applies_the_owners_scope(client_for, personas, org, settings):
    settings.EXPORT_INSTANT_MAX_ROWS = 0
    LeadFactory(filed_by_unit=org.community_a, summary="本社区的线索")
    LeadFactory(filed_by_unit=org.community_b, summary="别的社区的线索")
    client = client_for(personas.community_a)
    response = client.get(reverse("leads:index") + "?export=xlsx")
    job = Job.objects.get()
    rows = sheet_rows(b"".join(client.get(reverse("core:job_file", args=[job.pk])).streaming_content))
    assert response.status_code == 302 and len(rows) == 1 + visible_count(personas.community_a)
    assert not any("别的社区的线索" in str(cell) for row in rows for cell in row)


def visible_count(user) -> int:
    from core.visibility import visible_to

    return visible_to(user, Lead).count()


def test_a_job_the_broker_never_got_runs_from_the_periodic_job(personas, monkeypatch):
    from core import tasks

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.run_job, "delay", down)
    job = jobs.start(kind="leads.import", owner=personas.street, title="导入", upload=lead_workbook([lead_row(1)]))
    assert job.state == "queued"
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at.replace(year=2020))
    assert tasks.run_pending_jobs() == 1
    job.refresh_from_db()
    assert job.state == "done" and job.result["created"] == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_5000_rows_with_progress_then_the_report(redis_url, personas, settings):
    """The acceptance line: a 5,000-row import through a real Celery worker on Redis; the job's
    page (and what it polls) shows the progress moving, then the report."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    assert app.connection_for_write().as_uri().startswith("redis://"), "the test settings must use REDIS_URL"
    settings.JOBS_PROGRESS_EVERY = 100
    rows = [lead_row(i) for i in range(4999)] + [lead_row(7)]  # the last row repeats row 9's number
    client = Client()
    client.force_login(personas.street)
    app.conf.task_always_eager = False
    seen = []
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=60):
            response = client.post(reverse("leads:import"), {"file": lead_workbook(rows), "valid_only": "on"})
            job_url = response["Location"]
            job = Job.objects.get()
            first = client.get(job_url).content.decode()
            assert 'data-testid="job-progress"' in first and 'data-status-url="' in first
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                status = client.get(reverse("core:job_status", args=[job.pk])).json()
                seen.append((status["state"], status["done"]))
                if status["finished"]:
                    break
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = True
    assert seen[-1][0] == "done", seen[-5:]
    assert any(state == "running" and 0 < done < 5000 for state, done in seen), seen[:20]
    page = client.get(job_url).content.decode()
    assert "共 5000 行，导入 4999 行，有错误 1 行。" in page
    assert "<td>5001</td>" in page and "与第 9 行文号重复" in page
    assert Lead.objects.filter(source=LeadSource.HIGHER).count() == 4999
    assert Lead.objects.filter(source=LeadSource.HIGHER).first().filed_by_unit.code == UnitCode.STREET_OFFICE


def test_the_demo_has_a_finished_import_with_its_report(client):
    from django.core.management import call_command

    from organization.models import User

    call_command("seed_demo")
    client.force_login(User.objects.get(username="zhuanban"))
    listing = client.get(reverse("core:jobs")).content.decode()
    assert "导入上级转办线索" in listing
    page = client.get(Job.objects.get().get_absolute_url()).content.decode()
    assert "共 42 行，导入 40 行，有错误 2 行。" in page


def test_a_job_that_only_looks_stale_is_not_run_twice_while_its_worker_lives(personas, monkeypatch):
    """No progress for JOBS_STALE_SECONDS, but its worker is alive (its database session holds
    the job's lock, ``core.locks``): the periodic takeover leaves it; once that session ends (the
    worker died) the job is taken over and runs once."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from core import tasks
    from core.locks import _namespace

    if connection.vendor != "postgresql":
        pytest.skip("the lock is PostgreSQL's session advisory lock (elsewhere one process runs)")
    import psycopg2

    monkeypatch.setattr(tasks.run_job, "delay", lambda *a, **k: None)  # the message is with the first worker
    job = jobs.start(kind="leads.import", owner=personas.street, title="导入", upload=lead_workbook([lead_row(1)]))
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(state="running", started_at=long_ago, touched_at=long_ago)
    db = connection.settings_dict
    first_worker = psycopg2.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres", dbname=db["NAME"]
    )
    try:
        with first_worker.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s, %s)", [_namespace("core.job"), job.pk])
        assert jobs.pending_ids() == [job.pk]  # it looks stale ...
        assert tasks.run_pending_jobs() == 0  # ... but its worker lives
        assert Lead.objects.count() == 0
    finally:
        first_worker.close()
    assert tasks.run_pending_jobs() == 1
    job.refresh_from_db()
    assert job.state == "done" and job.result["created"] == 1 and Lead.objects.count() == 1
