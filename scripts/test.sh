#!/usr/bin/env bash
# Runs the whole suite: lint, layering, types, migration and translation checks first, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test
.venv/bin/ruff check .
.venv/bin/lint-imports --no-cache >/dev/null || { .venv/bin/lint-imports --no-cache; exit 1; }
# Checked types: core/ and every area's services.py and rules.py (pyproject.toml [tool.mypy]).
.venv/bin/mypy core/ $(ls ./*/services.py ./*/rules.py | grep -v -e '^./tests/' -e '^./core/' -e '^./.venv/')
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Model changes without a migration: run manage.py makemigrations"; exit 1; }
.venv/bin/python manage.py rules_doc --check
.venv/bin/python scripts/check_messages.py
exec .venv/bin/pytest "$@"
