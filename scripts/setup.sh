#!/usr/bin/env bash
# Installs what a fresh machine lacks, then prepares the app. Idempotent; fast when done.
#   scripts/setup.sh app   -> for `make run`: packages, database, demo data
#   scripts/setup.sh test  -> for `make test`: packages, test tools and Chromium
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
PYTHON="${PYTHON:-python3}"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- Debian packages: gettext (translations), Node.js/npm (front-end assets), Chromium (tests), wrk (bench)
need=()
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v libreoffice >/dev/null 2>&1 || need+=(libreoffice-calc)  # reports: the .xlsx prints to PDF
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
  fc-list 2>/dev/null | grep -qi wqy || need+=(fonts-wqy-microhei)  # Chinese glyphs in browser screenshots and PDFs
  command -v wrk >/dev/null 2>&1 || need+=(wrk)  # make bench: throughput of the lead list against /ping/
fi
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    say "installing Debian packages: ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    say "please install: ${need[*]} (no apt-get on this machine)"; exit 1
  fi
fi

# --- Python packages (pinned in requirements.lock) -----------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages from requirements.lock"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -r requirements.lock
  echo "$want" > "$stamp"
fi

# --- Front-end packages from the npm registry (served by the app itself) --------------------
nstamp=node_modules/.lock.sha
nwant=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$nstamp" 2>/dev/null)" != "$nwant" ]; then
  say "installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$nwant" > "$nstamp"
fi

# --- Translations --------------------------------------------------------------------------
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

if [ "$mode" = app ]; then
  say "migrating the database and loading the plan and demo data"
  .venv/bin/python manage.py migrate --noinput -v0
  .venv/bin/python manage.py init_campaign
  .venv/bin/python manage.py seed_demo
fi
