"""Seed the sector → supervising unit table from the plan's (``choices.SECTOR_UNIT``, and the
banks of ``RECTIFICATION_BANK_UNIT_CODES`` for illegal fund-raising), fill the duplicate match key
of every institution, and show 卫健办 under its name (its short name held the plan's old name 卫计办).
A fresh database has no units yet: ``init_campaign`` seeds the table then (``campaign_initialised``)."""

from django.conf import settings
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
    from rectification.validators import match_key

    Unit = apps.get_model("organization", "Unit")
    SectorSupervisor = apps.get_model("rectification", "SectorSupervisor")
    Institution = apps.get_model("rectification", "Institution")

    Unit.objects.filter(code="health_office", short_name="卫计办").update(short_name="")
    banks = list(getattr(settings, "RECTIFICATION_BANK_UNIT_CODES", ["rural_bank"]))
    by_code = {u.code: u for u in Unit.objects.filter(code__in=[*SECTOR_UNIT.values(), *banks])}
    have = set(SectorSupervisor.objects.values_list("sector", flat=True))
    rows = []
    for sector, code in SECTOR_UNIT.items():
        if sector in have or code not in by_code:
            continue
        rows.append(SectorSupervisor(sector=sector, unit=by_code[code], is_lead=True))
        if sector == "fund_raising":
            rows += [SectorSupervisor(sector=sector, unit=by_code[b]) for b in banks if b in by_code]
    SectorSupervisor.objects.bulk_create(rows)

    batch = []
    for inst in Institution.objects.only("pk", "name", "address").iterator(chunk_size=2000):
        inst.match_key = match_key(inst.name, inst.address)
        batch.append(inst)
        if len(batch) >= 2000:
            Institution.objects.bulk_update(batch, ["match_key"])
            batch = []
    if batch:
        Institution.objects.bulk_update(batch, ["match_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("rectification", "0008_rect16_sectors_duplicates"),
        ("organization", "0002_campaign_laggard_score"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
