#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database of DATABASE_URL (created if it
# does not exist) and the uploaded files into MEDIA_ROOT. See docs/operations.md.
#
#   DATABASE_URL=postgres://user@host:5432/hulao scripts/restore.sh var/backups/hulao-YYYYMMDD-HHMMSS
#
# pg_restore --clean --if-exists --no-owner: the objects of the dump replace those of the same
# name in the target database. The media files are unpacked over MEDIA_ROOT (their names are
# unique, nothing newer is overwritten by an older file of another name). Stop the web server,
# the worker and beat first. The same FIELD_ENCRYPTION_KEY / FIELD_HASH_KEY (and SECRET_KEY if
# those are unset) as when the backup was made must be configured, or informant fields stay unreadable.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${1:?usage: scripts/restore.sh BACKUP_FOLDER}"
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to restore into (postgres://...)}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "restore.sh: DATABASE_URL must be a PostgreSQL URL (postgres://...)" >&2; exit 2 ;;
esac
VAR_DIR="${HULAO_VAR_DIR:-$ROOT/var}"
MEDIA_ROOT="${MEDIA_ROOT:-$VAR_DIR/media}"

for f in db.dump media.tar.gz SHA256SUMS; do
  [ -f "$src/$f" ] || { echo "restore.sh: $src/$f is missing (not a complete backup folder)" >&2; exit 2; }
done
(cd "$src" && sha256sum --check --quiet SHA256SUMS) || { echo "restore.sh: checksum mismatch in $src" >&2; exit 1; }

# The target database: create it when it does not exist (through the server's 'postgres' database).
base="${DATABASE_URL%%\?*}"
query=""
[ "$base" != "$DATABASE_URL" ] && query="?${DATABASE_URL#*\?}"
dbname="${base##*/}"
admin="${base%/*}/postgres$query"
if [ -z "$(psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '${dbname//\'/\'\'}'")" ]; then
  createdb --maintenance-db="$admin" "$dbname" 2>/dev/null || psql "$admin" -qc "CREATE DATABASE \"$dbname\""
fi

started=$(date +%s)
pg_restore --clean --if-exists --no-owner --no-acl --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$src/db.dump"

mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$src/media.tar.gz"
echo "restored $src into ${base##*@} and $MEDIA_ROOT in $(( $(date +%s) - started )) s" >&2
