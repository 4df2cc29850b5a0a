import datetime

from django.core.management import call_command

from organization.choices import PhaseKind, UnitKind
from organization.models import Campaign, Phase, Unit

MEMBER_UNITS = {
    "社区治理办",
    "社会事务办",
    "发展服务中心",
    "企业服务中心",
    "文体服务中心",
    "卫健办",
    "涉老办",
    "国土所",
    "司法所",
    "综合执法中队",
    "新塘派出所",
    "市场监督管理所",
    "青阳法庭",
    "农商银行新塘支行",
}


def test_init_campaign_twice_loads_the_plan_once(db):
    call_command("init_campaign")
    call_command("init_campaign")

    assert Unit.objects.filter(kind=UnitKind.STREET_OFFICE).count() == 1
    assert set(Unit.objects.filter(kind=UnitKind.MEMBER_UNIT).values_list("name", flat=True)) == MEMBER_UNITS
    groups = dict(Unit.objects.filter(kind=UnitKind.WORKING_GROUP).values_list("name", "host_unit__name"))
    assert groups == {"综合组": "社区治理办", "打击组": "新塘派出所", "整治组": "社区治理办", "宣教组": "文体服务中心"}
    assert Campaign.objects.count() == 1
    phases = {p.kind: p for p in Phase.objects.all()}
    assert len(phases) == 3
    assert phases[PhaseKind.CRACKDOWN].start_date == datetime.date(2022, 5, 1)
    assert phases[PhaseKind.CRACKDOWN].end_date == datetime.date(2022, 8, 30)
    assert phases[PhaseKind.SUMMARY].start_date == datetime.date(2022, 9, 1)
    assert phases[PhaseKind.SUMMARY].end_date == datetime.date(2022, 9, 20)
    assert phases[PhaseKind.MOBILISATION].runs_throughout and phases[PhaseKind.CRACKDOWN].runs_throughout


def test_seed_demo_gives_one_user_per_role_and_is_repeatable(db):
    from organization.choices import Role
    from organization.models import User

    call_command("seed_demo")
    call_command("seed_demo")
    roles = set(User.objects.values_list("role", flat=True))
    assert set(Role.values) - {Role.CITY_OFFICE} <= roles  # the city's people come with seed_demo --city
    assert User.objects.filter(username="shequ1").count() == 1
    assert Unit.objects.filter(kind=UnitKind.COMMUNITY).count() == 6
    assert User.objects.get(username="shequ1").check_password("hulao-demo-2026")
