from django.db import migrations


def install(apps, schema_editor):
    # the triggers keeping core.Tally of the publicity (publicity/tallies.py), and the counts of the rows
    # already there; a later change of publicity/tallies.py needs a migration calling it again
    from core import tally

    tally.install("publicity", schema_editor)


def uninstall(apps, schema_editor):
    from core import tally

    tally.uninstall("publicity", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_tally_counts"),
        ("publicity", "0004_rect16_opinion_status"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
