"""Issue 16 item 3: merging must not hide evidence. After the street office merges lead B into
lead A, the unit handling A (the crackdown group) opens B, reads its description and downloads
its PDF."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_handler_of_the_surviving_lead_reads_the_merged_one(page, login, personas, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from leads import services
    from organization.choices import UnitCode

    crackdown = org.units[UnitCode.GROUP_CRACKDOWN]
    a, _code = services.lead_create(user=personas.street, data={"source": "community", "summary": "养老公寓集资 A"})
    a = services.lead_refer(lead=a, user=personas.street, unit=crackdown)
    b, _code = services.lead_create(
        user=personas.community_b,
        data={"source": "community", "summary": "养老公寓集资 B", "description": "同一家公司在梧垵社区收钱"},
        files=[SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf")],
    )
    services.lead_merge(lead=b, into=a, user=personas.street)

    login("crackdown")
    page.goto(page.base_url + f"/leads/{a.pk}/")
    with page.expect_navigation():
        page.get_by_test_id("related").get_by_role("link", name=b.number).first.click()
    assert "同一家公司在梧垵社区收钱" in page.content()
    link = page.get_by_test_id("attachments").get_by_role("link", name="合同.pdf")
    response = page.request.get(page.base_url + link.get_attribute("href"))
    assert response.status == 200
    assert response.body() == PDF
