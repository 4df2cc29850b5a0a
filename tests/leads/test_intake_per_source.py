"""Issue 16 item 5: intake asks what the source needs, on the staff form, the public form, the
judiciary lead of rectification and the Excel import."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from leads import imports
from leads.models import Lead
from tests.factories import xlsx_upload

pytestmark = pytest.mark.django_db


def post_intake(client, **data):
    return client.post(reverse("leads:create"), {"summary": "电话举报", "fraud_type": "product", **data})


def test_higher_office_fields_and_case_kind_are_refused_for_other_sources(client_for, personas):
    client = client_for(personas.street)
    response = post_intake(client, source="community", higher_reference="晋专办〔2026〕3号")
    assert response.status_code == 200 and not Lead.objects.exists()
    assert "只用于上级转办线索" in str(response.context["form"].errors["higher_reference"])
    response = post_intake(client, source="member_unit", original_case_kind="civil")
    assert "只用于部门梳理线索" in str(response.context["form"].errors["original_case_kind"])
    assert not Lead.objects.exists()
    # each source with its own fields is fine
    assert post_intake(client, source="higher", higher_reference="晋专办〔2026〕3号").status_code == 302
    assert post_intake(client, source="review", original_case_kind="civil").status_code == 302
    assert Lead.objects.count() == 2


def test_the_intake_page_shows_and_hides_the_source_fields_with_its_script(client_for, personas):
    html = client_for(personas.street).get(reverse("leads:create")).content.decode()
    assert 'data-testid="lead-form"' in html and "js/leads.js" in html
    assert 'id="div_id_higher_reference"' in html and 'id="div_id_original_case_kind"' in html


def test_a_public_tip_taken_by_staff_needs_how_it_came_in(client_for, personas):
    client = client_for(personas.street)
    response = post_intake(client, source="public")
    assert response.status_code == 200 and not Lead.objects.exists()
    assert "群众举报须填写举报方式" in str(response.context["form"].errors["channel"])
    assert post_intake(client, source="public", channel="walk_in").status_code == 302
    assert Lead.objects.get().channel == "walk_in"


def test_community_staff_can_mark_a_lead_major(client_for, personas):
    client = client_for(personas.community_a)
    assert 'name="is_major"' in client.get(reverse("leads:create")).content.decode()
    assert post_intake(client, source="community", is_major="on").status_code == 302
    lead = Lead.objects.get()
    assert lead.is_major and lead.supervisor is None  # the street office names the supervisor


def test_the_public_form_preselects_no_fraud_type_and_offers_unknown(client, settings):
    settings.LEADS_TIP_MIN_SECONDS = 0
    html = client.get(reverse("tip:form")).content.decode()
    assert '<option value="" selected>' in html and '<option value="unknown">不清楚</option>' in html
    form = client.get(reverse("tip:form")).context["form"]
    data = {"description": "有人上门推销", "started": form.initial["started"]}
    response = client.post(reverse("tip:form"), data)
    assert response.status_code == 200 and "fraud_type" in response.context["form"].errors
    assert client.post(reverse("tip:form"), {**data, "fraud_type": "unknown"}).status_code == 302
    assert Lead.objects.get().fraud_type == "unknown"


def test_a_fund_raising_problem_sent_to_the_judiciary_guesses_no_fraud_type(personas):
    from rectification import services as rect_services
    from rectification.choices import Sector
    from tests.rectification.factories import InstitutionFactory, ProblemFactory

    problem = ProblemFactory(institution=InstitutionFactory(sector=Sector.FUND_RAISING))
    problem = rect_services.problem_send_to_judiciary(problem=problem, user=personas.street, reason="涉嫌非法集资")
    assert problem.lead.fraud_type == "unknown"
    assert problem.lead.get_fraud_type_display() == "不清楚"


HEADER = [str(h) for h, _f, _r in imports.COLUMNS]


def lead_row(**values):
    by_field = {
        "higher_reference": "",
        "summary": "某公司以养老项目名义集资",
        "fraud_type": "养老项目",
        "subject_name": "某公司",
        "higher_deadline": "",
        "source": "部门梳理",
        "original_case_kind": "民事",
        **values,
    }
    return [by_field.get(f, "") for _h, f, _r in imports.COLUMNS]


def test_a_units_review_list_imports(personas):
    rows = [lead_row(), lead_row(summary="社区摸排", source="社区移送", original_case_kind="")]
    result = imports.import_leads(user=personas.street, upload=xlsx_upload(HEADER, rows))
    assert result.ok and result.created == 2, result.errors
    review = Lead.objects.get(source="review")
    assert review.original_case_kind == "civil" and review.higher_reference == ""
    assert Lead.objects.filter(source="community").count() == 1


def test_each_source_is_checked_per_row(personas):
    rows = [
        lead_row(original_case_kind=""),  # 部门梳理 without its case kind
        lead_row(source="群众举报", original_case_kind=""),  # no 举报方式
        lead_row(source="社区移送", original_case_kind="", higher_reference="晋专办〔2026〕9号"),
        lead_row(source="某某来源"),
        lead_row(source="群众举报", channel="电话", original_case_kind=""),  # fine
    ]
    result = imports.import_leads(user=personas.street, upload=xlsx_upload(HEADER, rows))
    errors = dict(result.errors)
    assert result.created == 0 and not Lead.objects.exists()
    assert "原案件类型" in errors[2]
    assert "举报方式" in errors[3]
    assert "只用于上级转办线索" in errors[4]
    assert "来源“某某来源”无效" in errors[5]
    assert 6 not in errors


def test_a_feedback_deadline_in_the_past_is_refused_on_import(personas):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    today = timezone.localdate().isoformat()
    rows = [
        lead_row(source="上级转办", original_case_kind="", higher_reference="R-1", higher_deadline=yesterday),
        lead_row(source="上级转办", original_case_kind="", higher_reference="R-2", higher_deadline=today),
    ]
    result = imports.import_leads(user=personas.street, upload=xlsx_upload(HEADER, rows), valid_only=True)
    assert result.created == 1 and Lead.objects.get().higher_reference == "R-2"
    assert result.errors == [(2, f"上级反馈期限 {yesterday} 已过，请核对日期")]
