from django.db import migrations

DEFAULTS = [(0, None), (1, 180), (2, 90), (3, 30), (4, 14)]


def create(apps, schema_editor):
    RiskGradeSetting = apps.get_model("rectification", "RiskGradeSetting")
    for grade, days in DEFAULTS:
        RiskGradeSetting.objects.get_or_create(grade=grade, defaults={"inspection_interval_days": days})


class Migration(migrations.Migration):
    dependencies = [("rectification", "0002_grades_inspections_problems_plans")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
