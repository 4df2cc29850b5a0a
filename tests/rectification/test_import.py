import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from organization.choices import UnitCode
from rectification import imports
from rectification.models import Institution
from tests.factories import xlsx_upload

from .factories import InstitutionFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "机构名称*",
    "统一社会信用代码",
    "类型",
    "整治领域*",
    "地址",
    "所属社区",
    "法定代表人/负责人",
    "联系电话",
    "经营状态",
    "监管单位",
]


def workbook(rows, header=HEADER) -> SimpleUploadedFile:
    return xlsx_upload(header, rows)


GOOD = [
    "康乐养生馆",
    "91350100M000100Y43",
    "保健品/食品店",
    "食品、保健品",
    "新塘路1号",
    "新塘社区",
    "陈某",
    "123",
    "正常经营",
    "",
]
GOOD2 = ["夕阳红旅行社", "", "travel_agency", "elderly_tourism", "", "", "", "", "", ""]
BAD = ["坏数据", "91350100M000100Y44", "不存在的类型", "", "", "不存在社区", "", "", "", "不存在单位"]


def test_template_downloads_and_round_trips(client_for, personas):
    response = client_for(personas.street).get(reverse("rectification:import_template"))
    assert response.status_code == 200
    report = imports.parse(io.BytesIO(response.content))
    assert report.file_errors == ["文件中没有数据行。"]  # the example row is skipped


def test_every_row_is_reported_in_chinese(org):
    report = imports.parse(
        workbook([GOOD, BAD, GOOD2, ["重复码", "91350100M000100Y43", "", "艺术品", "", "", "", "", "", ""]])
    )
    assert [r.number for r in report.valid] == [2, 4]
    bad = {r.number: r.errors for r in report.invalid}
    assert set(bad) == {3, 5}
    text = " ".join(bad[3])
    for expected in (
        "校验位",
        "类型“不存在的类型”无效",
        "整治领域必填",
        "所属社区“不存在社区”不存在",
        "监管单位“不存在单位”不存在",
    ):
        assert expected in text
    assert "与第2行重复" in " ".join(bad[5])
    assert report.valid[0].values["supervising_unit"] == org.units[UnitCode.MARKET_REGULATION]
    assert report.valid[0].values["community"] == org.community_a


def test_existing_code_is_reported(org):
    InstitutionFactory(name="已登记", credit_code="91350100M000100Y43")
    report = imports.parse(workbook([GOOD]))
    assert "已被“已登记”登记" in report.invalid[0].errors[0]


def test_missing_columns_and_garbage(org):
    assert "缺少必填列" in imports.parse(workbook([GOOD], header=["名称"])).file_errors[0]
    assert imports.parse(SimpleUploadedFile("x.xlsx", b"not a workbook")).file_errors


def test_nothing_is_saved_unless_all_pass_or_valid_only_is_chosen(client_for, personas):
    client = client_for(personas.rectification)
    url = reverse("rectification:institution_import")
    response = client.post(url, {"file": workbook([GOOD, BAD]), "mode": "all"}, follow=True)
    assert response.status_code == 200 and Institution.objects.count() == 0
    assert "坏数据" in response.content.decode()  # the job's page shows the report
    client.post(url, {"file": workbook([GOOD, BAD]), "mode": "check"})
    assert Institution.objects.count() == 0
    response = client.post(url, {"file": workbook([GOOD, BAD, GOOD2]), "mode": "valid_only"}, follow=True)
    assert set(Institution.objects.values_list("name", flat=True)) == {"康乐养生馆", "夕阳红旅行社"}
    assert response.context["job"].result["saved"] == 2


def test_all_mode_imports_when_every_row_passes(client_for, personas, org):
    client = client_for(personas.rectification)
    client.post(reverse("rectification:institution_import"), {"file": workbook([GOOD, GOOD2]), "mode": "all"})
    tour = Institution.objects.get(name="夕阳红旅行社")
    assert tour.supervising_unit == org.units[UnitCode.MARKET_REGULATION] and tour.created_by == personas.rectification


def test_leaders_cannot_import(client_for, personas):
    assert client_for(personas.leader).get(reverse("rectification:institution_import")).status_code == 403
