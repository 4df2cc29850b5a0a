"""Issue 19: each token's service user is marked as such (``User.is_service``), so that it leaves
the people lists and choices; tokens issued from now on are marked by ``token_issue``."""

from django.db import migrations


def mark_service_users(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    User = apps.get_model("organization", "User")
    User._base_manager.filter(pk__in=ApiToken.objects.values("user_id")).update(is_service=True)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_api_delivery_retry"),
        ("organization", "0009_user_is_service"),
    ]

    operations = [
        migrations.RunPython(mark_service_users, migrations.RunPython.noop),
    ]
