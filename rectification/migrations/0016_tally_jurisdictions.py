from django.db import migrations


def install(apps, schema_editor):
    # core.tally counts a row for its units' jurisdictions too (a street of a city, the city:
    # issue 19): the triggers again, and the counts of the rows already there
    from core import tally

    tally.install("rectification", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("rectification", "0015_sector_supervisor_per_street_data"),
        ("organization", "0005_city_jurisdictions"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
