import pytest
from django.urls import reverse

from rectification.choices import RiskGrade
from rectification.models import RiskGradeSetting
from rectification.services import grade_settings

from .factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def test_admin_edits_grade_labels_and_intervals_and_shows_the_rest_read_only(admin_client, org):
    setting, _ = RiskGradeSetting.objects.get_or_create(grade=RiskGrade.RED)
    url = reverse("admin:rectification_riskgradesetting_change", args=[setting.pk])
    response = admin_client.post(url, {"grade": RiskGrade.RED, "label": "红色", "inspection_interval_days": 7})
    assert response.status_code == 302
    assert grade_settings()[RiskGrade.RED].label == "红色" and grade_settings()[RiskGrade.RED].interval_days == 7
    from rectification.forms import GradeForm

    assert (RiskGrade.RED, "红色") in GradeForm().fields["grade"].choices
    inst = InstitutionFactory()
    assert admin_client.get(reverse("admin:rectification_institution_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:rectification_institution_add")).status_code == 403
    change = admin_client.post(reverse("admin:rectification_institution_change", args=[inst.pk]), {"name": "x"})
    assert change.status_code == 403
