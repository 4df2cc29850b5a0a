"""A migration that changes rows keeps to data alone: on PostgreSQL the indexes and foreign keys a
schema step creates are deferred to the end of its migration, and rows changed in the same
transaction block them ("cannot CREATE INDEX … because it has pending trigger events"). Seen on
an upgrade with data: rectification's sector table per street failed where a fresh database,
with no rows, passed. (docs/CONVENTIONS.md, "A model".)"""

from __future__ import annotations

import importlib
import pkgutil

from django.apps import apps
from django.db import migrations

#: landed before this rule, and run on databases with data (the benchmark's 1M leads): their
#: data steps touch no table that their schema steps index
KNOWN = {
    "api.0003_api_delivery_retry",
    "leads.0012_city_jurisdictions",
    "organization.0005_city_jurisdictions",
    "organization.0008_street_units_deactivated_with",
    "rectification.0007_problem_lead_foreign_key_recorded_models",
    "reports.0005_cityrep_filed_reports",
    "reports.0006_supervision_rectification",
}
SCHEMA = (
    migrations.AddField,
    migrations.AlterField,
    migrations.AddIndex,
    migrations.AddConstraint,
    migrations.CreateModel,
    migrations.AlterUniqueTogether,
)


def _project_migrations():
    from django.conf import settings

    root = str(settings.BASE_DIR)
    for config in apps.get_app_configs():
        if not config.path.startswith(root) or "site-packages" in config.path:
            continue  # a third-party app's
        try:
            package = importlib.import_module(f"{config.name}.migrations")
        except ImportError:
            continue
        for info in pkgutil.iter_modules(package.__path__):
            if info.name[:4].isdigit():
                module = importlib.import_module(f"{config.name}.migrations.{info.name}")
                yield f"{config.label}.{info.name}", module.Migration.operations


def test_no_new_migration_changes_rows_beside_schema_steps():
    mixed = sorted(
        name
        for name, operations in _project_migrations()
        if any(isinstance(op, migrations.RunPython) for op in operations)
        and any(isinstance(op, SCHEMA) for op in operations)
    )
    assert mixed, "the check reads the project's migrations"
    assert set(mixed) <= KNOWN, f"split the data step into a migration of its own: {sorted(set(mixed) - KNOWN)}"
