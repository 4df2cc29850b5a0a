"""Issue 19: the sector table per street. Each row gets the jurisdiction of its unit; then every
street of a city that has no row for a sector gets the plan's default from its own units by code
(as ``services.sectors_seed_defaults`` does), so that a street no longer routes by another's."""

from django.db import migrations


SECTOR_UNIT = {
    "elderly_service": "social_affairs",
    "elderly_land": "land_office",
    "housing_advert": "development_centre",
    "street_advert": "law_enforcement",
    "elderly_tourism": "market_regulation",
    "art": "market_regulation",
    "food_health": "market_regulation",
    "false_advert": "market_regulation",
    "unlicensed_medical": "health_office",
    "fund_raising": "enterprise_centre",
}


def forwards(apps, schema_editor):
    from django.conf import settings

    Unit = apps.get_model("organization", "Unit")
    SectorSupervisor = apps.get_model("rectification", "SectorSupervisor")
    for row in SectorSupervisor.objects.select_related("unit").filter(unit__jurisdiction__isnull=False):
        row.jurisdiction_id = row.unit.jurisdiction_id
        row.save(update_fields=["jurisdiction"])
    banks = list(getattr(settings, "RECTIFICATION_BANK_UNIT_CODES", ["rural_bank"]))
    by_code = {
        (u.jurisdiction_id, u.code): u
        for u in Unit.objects.filter(code__in=[*SECTOR_UNIT.values(), *banks], jurisdiction__isnull=False)
    }
    have = set(SectorSupervisor.objects.values_list("jurisdiction_id", "sector"))
    rows = []
    for street in sorted({j for j, _code in by_code}):
        for sector, code in SECTOR_UNIT.items():
            if (street, sector) in have or (street, code) not in by_code:
                continue
            rows.append(SectorSupervisor(sector=sector, unit=by_code[(street, code)], is_lead=True, jurisdiction_id=street))
            if sector == "fund_raising":
                rows += [
                    SectorSupervisor(sector=sector, unit=by_code[(street, b)], jurisdiction_id=street)
                    for b in banks
                    if (street, b) in by_code
                ]
    SectorSupervisor.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ("rectification", "0014_sector_supervisor_per_street"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
