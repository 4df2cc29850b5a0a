from django.db import migrations


def install(apps, schema_editor):
    # core.tally counts a row for its units' jurisdictions too (a street of a city, the city:
    # issue 19): the triggers again, and the counts of the rows already there
    from core import tally

    tally.install("leads", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0014_tally_counts"),
        ("organization", "0005_city_jurisdictions"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
