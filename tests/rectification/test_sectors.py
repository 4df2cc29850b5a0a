"""Issue 16 item 12: the sector → supervising unit table is data the street office keeps on a
page; an institution's supervising unit supervises its sector, or is the street office's explicit
choice with a reason; 卫健办 shows under its name."""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from organization.choices import Role, UnitCode
from rectification import imports, services
from rectification.choices import Sector
from rectification.models import Institution
from tests.factories import UserFactory
from tests.querycount import assert_constant_queries

from .factories import InstitutionFactory
from .test_import import workbook

pytestmark = pytest.mark.django_db


def form_data(**changes):
    from rectification.forms import InstitutionForm
    from tests.test_permission_matrix import form_data as data

    return data(InstitutionForm(), **changes)


def test_the_table_is_seeded_from_the_plan(client_for, personas, org):
    page = client_for(personas.liaison).get(reverse("rectification:sectors")).content.decode()
    assert "领域监管单位" in page
    units = services.sector_units()
    assert units[Sector.UNLICENSED_MEDICAL] == [org.units[UnitCode.HEALTH_OFFICE]]
    assert units[Sector.FUND_RAISING] == [org.units[UnitCode.ENTERPRISE_CENTRE], org.units[UnitCode.RURAL_BANK]]
    assert 'data-testid="sectors-edit"' not in page  # only the street office changes it


def test_the_street_office_changes_the_table_with_a_reason_audited(client_for, personas, org):
    client = client_for(personas.street)
    url = reverse("rectification:sectors_edit")
    form = client.get(url).context["form"]
    from tests.test_permission_matrix import form_data as data

    posted = data(form, **{f"units_{Sector.FOOD_HEALTH}": [org.units[UnitCode.HEALTH_OFFICE].pk], "reason": ""})
    response = client.post(url, posted)
    assert response.status_code == 200 and "reason" in response.context["form"].errors  # a reason is needed
    assert org.units[UnitCode.HEALTH_OFFICE] not in services.sector_units()[Sector.FOOD_HEALTH]
    posted["reason"] = "卫健办参与保健品监管"
    assert client.post(url, posted).status_code == 302
    assert services.sector_units()[Sector.FOOD_HEALTH] == [
        org.units[UnitCode.MARKET_REGULATION],
        org.units[UnitCode.HEALTH_OFFICE],
    ]
    entry = AuditEntry.objects.filter(reason__contains="卫健办参与保健品监管").get()
    assert entry.actor == personas.street
    page = client.get(reverse("rectification:sectors")).content.decode()
    assert "卫健办参与保健品监管" in page
    assert client_for(personas.rectification).post(url, posted).status_code == 403


def test_a_unit_named_for_a_sector_sees_its_institutions(client_for, personas, org):
    """The visibility follows the table: a bank sees fund-raising institutions; a unit added to
    a sector sees that sector's institutions, without an extra query per row."""
    bank = UserFactory(username="bank", unit=org.units[UnitCode.RURAL_BANK], role=Role.UNIT_LIAISON)
    fund = InstitutionFactory(sector=Sector.FUND_RAISING, supervising_unit=org.units[UnitCode.ENTERPRISE_CENTRE])
    food = InstitutionFactory(sector=Sector.FOOD_HEALTH)
    assert set(Institution.objects.visible_to(bank)) == {fund}
    services.sectors_save(
        user=personas.street,
        mapping={Sector.FOOD_HEALTH: (org.units[UnitCode.MARKET_REGULATION], [org.units[UnitCode.RURAL_BANK]])},
        reason="银行协查保健品",
    )
    bank = type(bank).objects.get(pk=bank.pk)
    assert set(Institution.objects.visible_to(bank)) == {fund, food}
    from rectification.rules import institution_seen

    assert institution_seen(bank.scope, food)

    def add(n):
        for _ in range(n):
            InstitutionFactory(sector=Sector.FUND_RAISING, supervising_unit=org.units[UnitCode.ENTERPRISE_CENTRE])

    assert_constant_queries(client_for(bank), reverse("rectification:index"), add)


def test_the_supervising_unit_must_supervise_the_sector(client_for, personas, org):
    client = client_for(personas.rectification)
    data = form_data(
        name="某养生馆",
        type="health_shop",
        sector=Sector.FOOD_HEALTH,
        supervising_unit=org.units[UnitCode.GROUP_PUBLICITY].pk,
        status="operating",
    )
    response = client.post(reverse("rectification:institution_create"), data)
    assert response.status_code == 200
    error = response.context["form"].errors["supervising_unit"][0]
    assert "不监管" in error and "市场监督管理所" in error
    assert response.context["form"]["name"].value() == "某养生馆"  # what was typed stays
    assert not Institution.objects.exists()
    data["supervising_unit"] = ""
    assert client.post(reverse("rectification:institution_create"), data).status_code == 302
    assert Institution.objects.get().supervising_unit == org.units[UnitCode.MARKET_REGULATION]


def test_the_street_office_overrides_with_a_reason(client_for, personas, org):
    inst = services.institution_create(user=personas.street, name="某诊所", sector=Sector.UNLICENSED_MEDICAL)
    assert inst.supervising_unit == org.units[UnitCode.HEALTH_OFFICE]
    url = reverse("rectification:institution_supervisor", args=[inst.pk])
    assert client_for(personas.rectification).get(url).status_code == 403
    detail = client_for(personas.rectification).get(inst.get_absolute_url()).content.decode()
    assert 'data-testid="supervisor-override"' not in detail
    client = client_for(personas.street)
    assert 'data-testid="supervisor-override"' in client.get(inst.get_absolute_url()).content.decode()
    unit = org.units[UnitCode.MARKET_REGULATION]
    response = client.post(url, {"unit": unit.pk, "reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert client.post(url, {"unit": unit.pk, "reason": "诊所兼营保健品"}).status_code == 302
    inst.refresh_from_db()
    assert inst.supervising_unit == unit and inst.supervisor_override_reason == "诊所兼营保健品"
    assert "诊所兼营保健品" in client.get(inst.get_absolute_url()).content.decode()
    # the override stays through later edits that keep the unit and the sector
    services.institution_update(institution=inst, user=personas.street, note="补充")
    inst.refresh_from_db()
    assert inst.supervising_unit == unit
    # a working group is not a supervising unit, even for the street office
    response = client.post(url, {"unit": org.units[UnitCode.GROUP_PUBLICITY].pk, "reason": "试试"})
    assert response.status_code == 200


def test_the_import_refuses_a_unit_outside_the_sector(org):
    report = imports.parse(workbook([["甲养生馆", "", "", "食品、保健品", "", "", "", "", "", "综合执法中队"]]))
    assert "不监管" in report.invalid[0].errors[0]
    report = imports.parse(workbook([["乙诊所", "", "", "养老机构无资质医疗", "", "", "", "", "", "卫计办"]]))
    assert report.valid[0].values["supervising_unit"] == org.units[UnitCode.HEALTH_OFFICE]  # the old name


def test_lists_show_the_health_office_under_its_name(client_for, personas, org):
    InstitutionFactory(sector=Sector.UNLICENSED_MEDICAL, supervising_unit=org.units[UnitCode.HEALTH_OFFICE])
    page = client_for(personas.street).get(reverse("rectification:index")).content.decode()
    assert "卫健办" in page and "卫计办" not in page


def test_the_sectors_of_one_unit_for_its_page(client_for, personas, org):
    """Issue 15's organisation pages link a unit to ``rectification:sectors?unit=<pk>``."""
    url = reverse("rectification:sectors")
    page = client_for(personas.street).get(url, {"unit": org.units[UnitCode.MARKET_REGULATION].pk})
    rows = [value for value, _label, _units in page.context["rows"]]
    assert rows == [Sector.ELDERLY_TOURISM, Sector.ART, Sector.FOOD_HEALTH, Sector.FALSE_ADVERT]
    assert "市场监督管理所监管的整治领域" in page.content.decode()
    page = client_for(personas.street).get(url, {"unit": org.units[UnitCode.GROUP_PUBLICITY].pk})
    assert page.context["rows"] == [] and "该单位不监管任何整治领域。" in page.content.decode()
