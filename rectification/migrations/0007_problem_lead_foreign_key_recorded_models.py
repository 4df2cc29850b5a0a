"""``Problem.lead_id`` (a plain integer) becomes ``Problem.lead``, a foreign key to leads.Lead, in
the same column (``lead_id``): the ids already stored survive. An id whose lead no longer exists
is cleared first, so the foreign-key constraint can be created (PostgreSQL checks it at once).
Contingency plans take the recorded-model fields of core (labels only)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def clear_dangling_lead_ids(apps, schema_editor):
    Problem = apps.get_model("rectification", "Problem")
    Lead = apps.get_model("leads", "Lead")
    dangling = Problem.objects.filter(lead_id__isnull=False).exclude(lead_id__in=Lead.objects.values("pk"))
    dangling.update(lead_id=None)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0005_lead_status_index"),
        ("rectification", "0006_list_order_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(clear_dangling_lead_ids, migrations.RunPython.noop),
        # the integer ``lead_id`` and the foreign key ``lead`` use the same column: rename the
        # field in the state only, then let the schema editor change the column's type in place
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="problem", name="lead_id"),
                migrations.AddField(
                    model_name="problem",
                    name="lead",
                    field=models.PositiveIntegerField(
                        blank=True, null=True, db_column="lead_id", verbose_name="移送线索编号"
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="problem",
            name="lead",
            field=models.ForeignKey(
                blank=True,
                help_text="移送司法机关时为打击组生成的线索。",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="leads.lead",
                verbose_name="移送线索",
            ),
        ),
        migrations.AlterField(
            model_name="contingencyplan",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="登记时间"),
        ),
        migrations.AlterField(
            model_name="contingencyplan",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="登记人",
            ),
        ),
    ]
