from django.db import migrations


def install(apps, schema_editor):
    # the triggers keeping core.Tally of the cases (cases/tallies.py), and the counts of the rows
    # already there; a later change of cases/tallies.py needs a migration calling it again
    from core import tally

    tally.install("cases", schema_editor)


def uninstall(apps, schema_editor):
    from core import tally

    tally.uninstall("cases", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_tally_counts"),
        ("cases", "0005_rect16_publicity"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
