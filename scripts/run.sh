#!/usr/bin/env bash
# Serves Hulao at http://127.0.0.1:8000 with a Celery worker, Celery beat and a local SMTP sink
# beside it. Without REDIS_URL the broker is embedded (files under var/celery), so nothing else is
# needed. E-mail is really sent over SMTP to the sink (aiosmtpd, 127.0.0.1:8025), which keeps every
# message as a file under var/mail/new/ (a Maildir: `mutt -f var/mail`, or open the .eml-like
# files); the street office's 发件箱 page shows each one as sent or failed. Links in e-mails start
# with SITE_URL (default http://127.0.0.1:$PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT}}"
export EMAIL_PORT="${EMAIL_PORT:-8025}"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

mail_note="mail goes to ${EMAIL_HOST:-}:${EMAIL_PORT}"
if [ -z "${EMAIL_HOST:-}" ] || [ "${EMAIL_HOST}" = 127.0.0.1 ] || [ "${EMAIL_HOST}" = localhost ]; then
  mkdir -p var/mail/tmp var/mail/new var/mail/cur  # a Maildir
  .venv/bin/python -m aiosmtpd -n -l "127.0.0.1:${EMAIL_PORT}" -c aiosmtpd.handlers.Mailbox var/mail &
  pids+=($!)
  mail_note="mail: var/mail/new/ and the 发件箱 page"
fi
.venv/bin/celery -A config worker --pool=solo --loglevel=INFO --hostname="hulao@%h" &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO &
pids+=($!)
echo "Hulao: ${SITE_URL}/  (demo logins in README.md; ${mail_note}; Ctrl-C stops web, worker, beat and mail sink)"
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}" &
pids+=($!)
wait -n "${pids[@]}"
