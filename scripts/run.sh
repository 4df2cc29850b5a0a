#!/usr/bin/env bash
# Serves Hulao at http://127.0.0.1:8000 with a Celery worker and Celery beat beside it.
# Without REDIS_URL the broker is embedded (files under var/celery), so nothing else is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/celery -A config worker --pool=solo --loglevel=INFO --hostname="hulao@%h" &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO &
pids+=($!)
echo "Hulao: http://127.0.0.1:${PORT}/  (demo logins in README.md; Ctrl-C stops web, worker and beat)"
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}" &
pids+=($!)
wait -n "${pids[@]}"
