from django.db import migrations


def install(apps, schema_editor):
    # rectification/tallies.py now counts per unit too (a row for each unit it counts for): the triggers
    # again, and the counts of the rows already there
    from core import tally

    tally.install("rectification", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("rectification", "0011_lists_order_indexes"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
