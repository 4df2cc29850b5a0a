from django.db import migrations


def install(apps, schema_editor):
    # the triggers keeping core.Tally of the rectification (rectification/tallies.py), and the counts of the rows
    # already there; a later change of rectification/tallies.py needs a migration calling it again
    from core import tally

    tally.install("rectification", schema_editor)


def uninstall(apps, schema_editor):
    from core import tally

    tally.uninstall("rectification", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_tally_counts"),
        ("rectification", "0009_rect16_seed_sectors"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
