from django.db import migrations


def install(apps, schema_editor):
    # the triggers keeping core.Tally of the leads (leads/tallies.py), and the counts of the
    # leads already there; a later change of leads/tallies.py needs a migration calling it again
    from core import tally

    tally.install("leads", schema_editor)


def uninstall(apps, schema_editor):
    from core import tally

    tally.uninstall("leads", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_tally_counts"),
        ("leads", "0013_detail_subject_person_index"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
