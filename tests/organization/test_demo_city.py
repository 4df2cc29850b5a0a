"""seed_demo --city (issue 19): a demo city over three street offices, leads transferred in several states."""

from __future__ import annotations

from django.core.management import call_command


def test_seed_demo_city(db):
    from leads.models import Lead
    from leads.selectors import city_transfers
    from organization.models import Jurisdiction, Unit, User

    call_command("seed_demo", "--leads", "20", "--institutions", "5", "--cases", "3", "--activities", "5", "--city")
    call_command("seed_demo", "--city")  # idempotent
    city = Jurisdiction.objects.get(name="晋江市")
    streets = list(city.children.order_by("sort_order"))
    assert [s.name for s in streets] == ["新塘街道", "东石镇", "安海镇"]
    assert not Unit.objects.filter(jurisdiction__isnull=True).exists()
    for street in streets:  # Xintang's structure each, under its own names
        assert Unit.objects.filter(jurisdiction=street, code="street_office").count() == 1
        assert Unit.objects.filter(jurisdiction=street, kind="working_group").count() == 4
    # each street its own sector table, from its own units (issue 19)
    from rectification.choices import Sector
    from rectification.services import sector_units

    for street in streets:
        leads = sector_units(street.pk)
        assert all(leads[sector] for sector in Sector.values), street.name
        assert {u.jurisdiction_id for units in leads.values() for u in units} == {street.pk}
    transferred = city_transfers(User.objects.get(username="shizhuanban"))
    assert transferred.count() == 15
    assert {lead.jurisdiction_id for lead in transferred} == {s.pk for s in streets}
    assert {"registered", "referred", "fed_back", "closed"} <= set(transferred.values_list("status", flat=True))
    assert city_transfers(User.objects.get(username="shizhuanban"), overdue=True).exists()
    closed = transferred.filter(status="closed")
    assert closed.exists() and not closed.filter(reported_up_at=None).exists()
    dongshi = User.objects.get(username="dongshi_zhuanban")
    assert set(Lead.objects.visible_to(dongshi).values_list("jurisdiction__name", flat=True)) == {"东石镇"}
    xintang = User.objects.get(username="zhuanban")
    assert set(Lead.objects.visible_to(xintang).values_list("jurisdiction__name", flat=True)) == {"新塘街道"}
    # the city's campaign and each other street's implementation, with its own report day
    from organization.models import Campaign

    own = Campaign.objects.current(user=dongshi)
    assert own.parent.jurisdiction == city and own.jurisdiction.name == "东石镇"
    assert own.report_day != own.parent.report_day
    assert Campaign.objects.current(user=User.objects.get(username="shizhuanban")) == own.parent
    assert Campaign.objects.current(user=xintang).jurisdiction_id is None  # the plan's, as before
    # a month of reports (issue 19 item 4): each street's filed, the city's rolling them up
    from reports import selectors
    from reports.models import MonthlyReport, Supervision

    reports = MonthlyReport.objects.filter(jurisdiction__isnull=False)
    assert set(reports.values_list("jurisdiction__name", flat=True)) == {"晋江市", *(s.name for s in streets)}
    rollup = reports.filter(jurisdiction=city).latest("month").data["streets"]
    assert rollup["names"] == [s.name for s in streets]
    assert all(row["report"] for row in rollup["filed"])
    # every ended month filed, so the city's scorecard ranks the streets on their record
    card = selectors.scorecard_for(User.objects.get(username="shizhuanban"), Campaign.objects.shown())
    assert all(row.submissions_due and row.submissions_on_time for row in card.rows)
    assert Supervision.objects.count() == 1
    # every street's units have filed the campaign's past months, under their street's campaign
    from reports.models import UnitSubmission

    for street in streets[1:]:
        filed = UnitSubmission.objects.filter(unit__jurisdiction=street)
        assert filed.exists() and set(filed.values_list("campaign__jurisdiction", flat=True)) == {street.pk}


def test_seed_demo_city_of_jinjiangs_streets(db):
    """--streets N: the benchmark's city of 19 streets (Jinjiang's 镇街), each with its own office."""
    from organization.models import Jurisdiction, Unit, User

    call_command("seed_demo", "--leads", "20", "--institutions", "5", "--cases", "3", "--activities", "5")
    call_command("seed_demo", "--city", "--streets", "5")
    streets = list(Jurisdiction.objects.get(name="晋江市").children.order_by("sort_order"))
    assert [s.name for s in streets] == ["新塘街道", "东石镇", "安海镇", "青阳街道", "梅岭街道"]
    assert Unit.objects.filter(code="street_office", jurisdiction__in=streets).count() == 5
    qingyang = User.objects.get(username="qingyang_zhuanban")
    assert qingyang.scope.jurisdiction_ids == frozenset({streets[3].pk})
