#!/usr/bin/env bash
# Runs the whole suite: lint and migration checks first, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test
.venv/bin/ruff check .
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Model changes without a migration: run manage.py makemigrations"; exit 1; }
.venv/bin/python scripts/check_messages.py
exec .venv/bin/pytest "$@"
