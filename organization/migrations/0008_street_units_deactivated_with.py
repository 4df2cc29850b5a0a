"""Issue 19: a street's reactivation brings back the units deactivated with it. The inactive units
of a street already deactivated are taken to have gone with it (the street office could not
have been deactivated on its own before)."""

from django.db import migrations, models


def mark_deactivated_streets(apps, schema_editor):
    Unit = apps.get_model("organization", "Unit")
    Unit.objects.filter(jurisdiction__is_active=False, is_active=False).update(deactivated_with_street=True)


class Migration(migrations.Migration):
    dependencies = [
        ("organization", "0007_citycamp_street_active"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="deactivated_with_street",
            field=models.BooleanField(default=False, editable=False, verbose_name="随镇街停用"),
        ),
        migrations.RunPython(mark_deactivated_streets, migrations.RunPython.noop),
    ]
