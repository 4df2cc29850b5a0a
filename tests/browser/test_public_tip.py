"""The public tip form in Chromium (issue 16, item 17): an error with a file attached keeps the
file, the amount is written "2.5万", the receipt slip offers print, copy and save, and reloading
it makes no second tip."""

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_tip_with_an_error_keeps_its_file_then_gives_a_printable_receipt(page, org):
    from core.services import attachments_of
    from leads import services
    from leads.models import Lead

    page.goto(page.base_url + "/tip/")
    assert page.locator("input[name=informant_phone]").get_attribute("type") == "tel"
    # the description is forgotten, the amount cannot be read: the form comes back
    page.select_option("select[name=fraud_type]", "service")
    page.fill("input[name=subject_name]", "福寿康养老服务中心")
    page.fill("input[name=money_lost]", "两万多")
    page.set_input_files("input[name=files]", {"name": "receipt.png", "mimeType": "image/png", "buffer": PNG})
    with page.expect_navigation():
        page.get_by_test_id("tip-submit").click()
    assert "请填写金额" in page.content()
    assert page.locator("input[name=subject_name]").input_value() == "福寿康养老服务中心"
    assert page.get_by_test_id("held-file").inner_text().strip().startswith("receipt.png")
    assert not Lead.objects.exists()

    # fixed at once (no waiting: a fast honest user is not refused), without choosing the file again
    page.fill("textarea[name=description]", "有人自称养老服务中心，上门收了两万五千元“床位费”。")
    page.fill("input[name=money_lost]", "2.5万")
    with page.expect_navigation():
        page.get_by_test_id("tip-submit").click()
    assert page.url.endswith("/tip/done/")
    slip = page.get_by_test_id("receipt-slip")
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)
    assert "举报回执" in slip.inner_text()
    lead = Lead.objects.get()
    assert lead.money_lost == 25000 and services.receipt_lookup(code) == lead
    assert [a.original_name for a in attachments_of(lead)] == ["receipt.png"]

    # save it as a file
    with page.expect_download() as download:
        page.get_by_test_id("receipt-save").click()
    saved = download.value
    assert code in Path(saved.path()).read_text(encoding="utf-8")
    # printing shows the slip alone (the print style sheet hides the page around it)
    page.emulate_media(media="print")
    assert page.locator("nav").first.is_hidden() and page.get_by_test_id("receipt-print").is_hidden()
    assert slip.is_visible()
    page.emulate_media(media="screen")

    # reload: the same slip, no second tip
    page.reload()
    assert page.get_by_test_id("receipt-code").inner_text().strip() == code
    page.reload()
    assert Lead.objects.count() == 1
    assert page.js_errors == []
