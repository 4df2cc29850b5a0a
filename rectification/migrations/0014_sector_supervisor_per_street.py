"""Issue 19: the sector table per street — the schema (its data in 0015: on PostgreSQL the
indexes this step creates are deferred to its end, which rows changed in the same transaction
would block: "pending trigger events")."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organization', '0005_city_jurisdictions'),
        ('rectification', '0013_tally2_measure_problem_deadline'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='sectorsupervisor',
            name='sector_one_lead_unit',
        ),
        migrations.AddField(
            model_name='sectorsupervisor',
            name='jurisdiction',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organization.jurisdiction', verbose_name='所属辖区'),
        ),
        migrations.AddConstraint(
            model_name='sectorsupervisor',
            constraint=models.UniqueConstraint(condition=models.Q(('is_lead', True), ('jurisdiction__isnull', True)), fields=('sector',), name='sector_one_lead_unit', violation_error_message='每个领域只能有一个牵头单位。'),
        ),
        migrations.AddConstraint(
            model_name='sectorsupervisor',
            constraint=models.UniqueConstraint(condition=models.Q(('is_lead', True)), fields=('jurisdiction', 'sector'), name='sector_one_lead_unit_per_street', violation_error_message='每个领域只能有一个牵头单位。'),
        ),
    ]
