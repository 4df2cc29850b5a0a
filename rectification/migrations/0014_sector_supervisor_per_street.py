"""Issue 19: the sector table per street. Each row gets the jurisdiction of its unit; then every
street of a city that has no row for a sector gets the plan's default from its own units by code
(as ``services.sectors_seed_defaults`` does), so that a street no longer routes by another's."""

import django.db.models.deletion
from django.db import migrations, models


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
        ('organization', '0005_city_jurisdictions'),
        ('rectification', '0013_tally2_measure_problem_deadline'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='sectorsupervisor',
            name='sector_one_lead_unit',
        ),
        migrations.AddField(
            model_name='sectorsupervisor',
            name='jurisdiction',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organization.jurisdiction', verbose_name='所属辖区'),
        ),
        migrations.AddConstraint(
            model_name='sectorsupervisor',
            constraint=models.UniqueConstraint(condition=models.Q(('is_lead', True), ('jurisdiction__isnull', True)), fields=('sector',), name='sector_one_lead_unit', violation_error_message='每个领域只能有一个牵头单位。'),
        ),
        migrations.AddConstraint(
            model_name='sectorsupervisor',
            constraint=models.UniqueConstraint(condition=models.Q(('is_lead', True)), fields=('jurisdiction', 'sector'), name='sector_one_lead_unit_per_street', violation_error_message='每个领域只能有一个牵头单位。'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
