"""Issue 16 item 11: institutions without a credit code are matched on their normalised name and
address, in the form (a warning the user confirms) and in the import (per row, and two rows of
one file)."""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from rectification import imports, services
from rectification.choices import Sector
from rectification.models import Institution

from .test_import import workbook

pytestmark = pytest.mark.django_db


def data(**changes):
    from rectification.forms import InstitutionForm
    from tests.test_permission_matrix import form_data

    base = {"name": "福寿养生馆", "type": "health_shop", "sector": Sector.FOOD_HEALTH, "status": "operating"}
    return form_data(InstitutionForm(), **{**base, **changes})


def test_the_form_warns_on_the_same_name_and_address_and_saves_once_confirmed(client_for, personas):
    first = services.institution_create(
        user=personas.rectification, name="福寿养生馆", sector=Sector.FOOD_HEALTH, address="新塘路 18 号"
    )
    client = client_for(personas.rectification)
    url = reverse("rectification:institution_create")
    typed = data(name="福寿 养生馆", address="新塘路18号（一楼）".replace("（一楼）", ""), note="第二次登记")
    response = client.post(url, typed)
    assert response.status_code == 200
    warning = response.context["form"].errors["confirm_not_duplicate"][0]
    assert "福寿养生馆" in warning and f"#{first.pk}" in warning
    assert response.context["form"]["note"].value() == "第二次登记"
    assert Institution.objects.count() == 1
    assert client.post(url, {**typed, "confirm_not_duplicate": "on"}).status_code == 302
    second = Institution.objects.exclude(pk=first.pk).get()
    assert AuditEntry.objects.filter(object_pk=str(second.pk), reason__contains="已确认不是重复登记").exists()


def test_a_different_address_or_two_credit_codes_are_no_duplicate(personas):
    services.institution_create(user=personas.street, name="甲", sector=Sector.ART, address="一路1号")
    services.institution_create(user=personas.street, name="甲", sector=Sector.ART, address="二路2号")
    services.institution_create(
        user=personas.street, name="乙", sector=Sector.ART, address="一路1号", credit_code="91350100M000100Y43"
    )
    other = Institution(name="乙", address="一路1号", credit_code="91350582MA2XNXPQ4M")
    assert services.duplicates_of(other) == []
    assert Institution.objects.count() == 3


def test_editing_without_changing_name_or_address_does_not_warn(personas):
    a = services.institution_create(user=personas.street, name="丙", sector=Sector.ART, address="三路")
    services.institution_create(
        user=personas.street, name="丙", sector=Sector.ART, address="三路", confirm_not_duplicate=True
    )
    services.institution_update(institution=a, user=personas.street, note="改备注")


def test_the_import_refuses_a_registered_duplicate_and_two_identical_rows(org, personas):
    services.institution_create(user=personas.street, name="康寿堂", sector=Sector.FOOD_HEALTH, address="新塘路1号")
    row = ["康寿堂", "", "", "食品、保健品", "新塘路 1号", "", "", "", "", ""]
    twin = ["长青会馆", "", "", "食品、保健品", "梧垵路2号", "", "", "", "", ""]
    report = imports.parse(workbook([row, twin, list(twin)]))
    errors = {r.number: " ".join(r.errors) for r in report.invalid}
    assert set(errors) == {2, 4}
    assert "康寿堂" in errors[2] and "疑似重复" in errors[2]
    assert "与第3行名称和地址相同" in errors[4]
    assert [r.number for r in report.valid] == [3]


def test_valid_only_import_saves_one_of_two_identical_rows(client_for, personas):
    twin = ["长青会馆", "", "", "食品、保健品", "梧垵路2号", "", "", "", "", ""]
    client = client_for(personas.rectification)
    response = client.post(
        reverse("rectification:institution_import"),
        {"file": workbook([twin, list(twin)]), "mode": "valid_only"},
        follow=True,
    )
    assert response.context["job"].result["saved"] == 1  # the import runs as a job; its page shows the report
    assert "疑似重复" in response.content.decode()
    assert Institution.objects.filter(name="长青会馆").count() == 1
