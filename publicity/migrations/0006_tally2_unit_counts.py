from django.db import migrations


def install(apps, schema_editor):
    # publicity/tallies.py now counts per unit too (a row for each unit it counts for): the triggers
    # again, and the counts of the rows already there
    from core import tally

    tally.install("publicity", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("publicity", "0005_tally_counts"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
