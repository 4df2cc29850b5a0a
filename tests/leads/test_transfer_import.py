"""Issue 19, leads down in bulk: the city special office uploads its transfer list (镇街, 市转办文号,
反馈期限 and the single transfer form's fields); every good row becomes a transferred lead of its
street exactly as ``lead_transfer`` makes one (audit entry, e-mail to the street office); each bad
row is reported with its row number, and nothing is transferred while a row is bad unless only
the valid rows are asked for (as for the lead list)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.audit import timeline_for
from core.models import OutboundEmail
from leads import imports, services
from leads.models import Lead
from tests.factories import xlsx_upload

pytestmark = pytest.mark.django_db

HEADER = [str(h) for h, _f, _r in imports.TRANSFER_COLUMNS]


def later(days=20) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def row(street, ref, deadline=None, summary="某养生馆以体验为名推销保健品", fraud="养老产品", major="", money=""):
    values = {
        "street": street,
        "higher_reference": ref,
        "higher_deadline": later() if deadline is None else deadline,
        "summary": summary,
        "description": "群众反映该馆高价推销保健品",
        "fraud_type": fraud,
        "subject_name": "某某养生馆",
        "subject_address": "某路1号",
        "subject_phone": "0595-12345678",
        "subject_credit_code": "",
        "subject_person": "张某",
        "money_lost": money,
        "occurred": "2026年11月",
        "elderly_affected": 3,
        "is_major": major,
    }
    return [values[f] for _h, f, _r in imports.TRANSFER_COLUMNS]


def workbook(rows, header=None) -> SimpleUploadedFile:
    return xlsx_upload(header or HEADER, rows)


def test_the_columns_are_the_single_transfer_forms_fields():
    assert [f for _h, f, _r in imports.TRANSFER_COLUMNS] == ["street", *services.TRANSFER_FIELDS]
    assert HEADER[:3] == ["镇街", "市转办文号", "反馈期限"]


def test_good_rows_become_transferred_leads_of_their_streets(city_world, django_capture_on_commit_callbacks):
    w = city_world
    rows = [
        row("新塘街道", "晋市转〔2026〕12号-1", major="是", money=30000),
        row("东石镇", "晋市转〔2026〕12号-2", deadline=datetime.date.today() + datetime.timedelta(days=9)),
        row("东石镇", "晋市转〔2026〕12号-1"),  # the same reference for another street: its own lead
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = imports.import_transfers(user=w.city, upload=workbook(rows))
    assert result.ok and (result.total, result.created) == (3, 3)
    leads = {(x.jurisdiction.name, x.higher_reference): x for x in Lead.objects.select_related("jurisdiction")}
    first = leads[("新塘街道", "晋市转〔2026〕12号-1")]
    assert (first.source, first.status, first.transferred_by_id, first.filed_by_unit_id) == (
        "higher",
        "registered",
        w.city.unit_id,
        w.city.unit_id,
    )
    assert first.is_major and first.money_lost == 30000 and first.fraud_type == "product"
    assert first.subject_person == "张某" and first.elderly_affected == 3
    assert first.higher_deadline.isoformat() == later()
    entry = timeline_for(first)[0]
    assert entry.actor == w.city and "市专项办转办线索" in entry.reason and "第 2 行" in entry.reason
    second = leads[("东石镇", "晋市转〔2026〕12号-2")]
    assert not second.is_major
    mail = OutboundEmail.objects.get(key=f"lead-transferred:{second.pk}")  # lead_transfer's own e-mail
    assert "dongshi@example.cn" in mail.to and second.number in mail.body_text
    # the streets see their own, the city all of them
    assert set(Lead.objects.visible_to(w.street_x)) == {second, leads[("东石镇", "晋市转〔2026〕12号-1")]}
    assert Lead.objects.visible_to(w.city).count() == 3


def test_each_bad_row_is_reported_and_nothing_is_transferred(city_world):
    from organization.models import Jurisdiction

    w = city_world
    other_city = Jurisdiction.objects.create(name="泉州市", level="city")
    Jurisdiction.objects.create(name="鲤城区", parent=other_city)
    services.lead_transfer(
        user=w.city,
        street=w.dongshi,
        data={"higher_reference": "晋市转〔2026〕1号", "higher_deadline": timezone.localdate(), "summary": "已转办"},
    )
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    rows = [
        row("新塘街道", "R-ok"),  # 2: good
        row("鲤城区", "R-3"),  # 3: another city's street
        row("东石镇", ""),  # 4: no reference
        row("新塘街道", "R-ok"),  # 5: the same street and reference as row 2
        row("东石镇", "晋市转〔2026〕1号"),  # 6: already transferred to 东石镇
        row("东石镇", "R-7", deadline=yesterday),  # 7: past
        row("东石镇", "R-8", deadline="下周五"),  # 8: not a date
        row("东石镇", "R-9", deadline=""),  # 9: no deadline
        row("", "R-10", fraud="保健品", major="可能"),  # 10: no street, a wrong fraud type, a wrong 是/否
        row("东石镇", "R-11", summary="长" * 201, money="很多"),  # 11: too long, not a number
    ]
    before = Lead.objects.count()
    result = imports.import_transfers(user=w.city, upload=workbook(rows))
    assert result.created == 0 and Lead.objects.count() == before
    errors = dict(result.errors)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "镇街“鲤城区”不是本市的镇街，应为：" in errors[3] and "东石镇" in errors[3]
    assert "“市转办文号”不能为空" in errors[4]
    assert "与第 2 行的镇街和市转办文号重复" in errors[5] and 5 in result.duplicates
    assert "市转办文号“晋市转〔2026〕1号”已转办给东石镇" in errors[6] and "不能重复转办" in errors[6]
    assert f"反馈期限 {yesterday} 已过" in errors[7]
    assert "反馈期限“下周五”不是日期" in errors[8]
    assert "“反馈期限”不能为空" in errors[9]
    assert "“镇街”不能为空" in errors[10] and "诈骗类型“保健品”无效" in errors[10] and "“重大线索”应填" in errors[10]
    assert "“线索摘要”不能超过 200 字" in errors[11] and "涉及金额“很多”不是数字" in errors[11]


def test_only_the_valid_rows_when_asked(city_world):
    w = city_world
    rows = [row("东石镇", "R-1", deadline="2099年1月31日"), row("东石镇", "R-2", deadline="2000-01-01")]
    result = imports.import_transfers(user=w.city, upload=workbook(rows), valid_only=True)
    assert result.created == 1 and [n for n, _m in result.errors] == [3]
    lead = Lead.objects.get()
    assert lead.higher_reference == "R-1" and lead.higher_deadline == datetime.date(2099, 1, 31)


def test_a_street_may_not_import_a_transfer_list(city_world, client_for):
    from core.rules import Refused

    w = city_world
    for user in (w.street, w.street_x, w.personas.community_a):
        with pytest.raises(Refused):
            imports.import_transfers(user=user, upload=workbook([row("东石镇", "R-1")]))
        assert client_for(user).get(reverse("leads:transfer_import")).status_code == 403
        assert 'data-testid="transfer-import"' not in client_for(user).get(reverse("leads:city")).content.decode()
    assert not Lead.objects.exists()


def test_the_wrong_sheet_is_refused(city_world):
    from core.exceptions import DomainError

    lead_list = [str(h) for h, _f, _r in imports.COLUMNS]  # the street's lead list is not a transfer list
    with pytest.raises(DomainError, match="转办清单模板"):
        imports.import_transfers(user=city_world.city, upload=workbook([["x"]], header=lead_list))


def test_upload_goes_to_the_job_page_and_the_leads_to_the_citys_list(city_world, client_for):
    client = client_for(city_world.city)
    page = client.get(reverse("leads:city")).content.decode()
    assert f'href="{reverse("leads:transfer_import")}"' in page
    assert client.get(reverse("leads:transfer_import")).status_code == 200
    template = client.get(reverse("leads:transfer_import_template"))
    upload = SimpleUploadedFile("t.xlsx", b"".join(template.streaming_content))
    response = client.post(reverse("leads:transfer_import"), {"file": upload})
    assert response.status_code == 302
    job_page = client.get(response["Location"])
    assert job_page.context["job"].kind == "leads.transfer_import"
    assert "共 1 行，转办 1 行，有错误 0 行。" in job_page.content.decode()
    lead = Lead.objects.get()
    assert lead.higher_reference == "晋市转〔2026〕12号-1" and lead.jurisdiction.parent == city_world.jinjiang
    page = client.get(reverse("leads:city")).content.decode()
    assert lead.number in page and "晋市转〔2026〕12号-1" in page
    # a bad list: the job's page lists the rows, nothing is transferred
    bad = workbook([row("东石镇", "R-2", deadline="2000-01-01")])
    job_page = client.get(client.post(reverse("leads:transfer_import"), {"file": bad})["Location"])
    text = job_page.content.decode()
    assert "有错误，未转办任何线索" in text and "反馈期限 2000-01-01 已过" in text
    assert Lead.objects.count() == 1


def test_the_citys_chinese_sheet_imports_in_english_too(city_world):
    """The page in English: the city office's own sheet (Chinese headers and labels) still imports,
    and the report is in English."""
    from django.utils import translation

    rows = [row("东石镇", "R-1", major="yes"), row("东石镇", "R-2", fraud="bogus")]
    with translation.override("en"):
        result = imports.import_transfers(user=city_world.city, upload=workbook(rows), valid_only=True)
        assert result.created == 1 and Lead.objects.get().is_major
        [(number, message)] = result.errors
        assert number == 3 and "bogus" in message and "is not valid" in message and "Elderly products" in message
