"""The monthly report and the summary report open in LibreOffice Calc and print to PDF (A4)."""

import datetime
import os
import shutil
import subprocess

import pytest

from reports import selectors, services
from reports.workbook import summary_workbook
from tests.conftest import REQUIRE_SERVICES


def _libreoffice() -> str:
    path = shutil.which("libreoffice") or shutil.which("soffice")
    if not path:
        message = "LibreOffice is not installed (Debian package libreoffice-calc)"
        if REQUIRE_SERVICES:
            pytest.fail(f"required in CI: {message}", pytrace=False)
        pytest.skip(message)
    return path


def _convert(binary: str, xlsx: bytes, tmp_path) -> bytes:
    source = tmp_path / "report.xlsx"
    source.write_bytes(xlsx)
    result = subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "report.pdf"
    assert pdf.exists(), result.stdout + result.stderr
    return pdf.read_bytes()


def test_monthly_report_converts_to_pdf(campaign, org, personas, recipients, tmp_path):
    binary = _libreoffice()
    sub = services.submission_start(user=personas.community_a, unit=org.community_a, month=datetime.date(2026, 11, 1))
    services.submission_save(submission=sub, user=personas.community_a, work_done="宣传", problems="", next_steps="")
    services.submission_submit(submission=sub, user=personas.community_a)
    report = services.report_generate(month=datetime.date(2026, 11, 1), user=personas.street)
    with report.file.open("rb") as fh:
        pdf = _convert(binary, fh.read(), tmp_path)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 7


def test_summary_report_converts_to_pdf(campaign, org, personas, tmp_path):
    binary = _libreoffice()
    services.summary_save(
        user=personas.liaison,
        unit=org.units["market_regulation"],
        fields={"loopholes": "会销监管漏洞", "weaknesses": "人手不足", "rules": "联合巡查制度"},
        submit=True,
    )
    pdf = _convert(binary, summary_workbook(selectors.summary_data(campaign)), tmp_path)
    assert pdf.startswith(b"%PDF")
