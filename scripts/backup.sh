#!/usr/bin/env bash
# Back up Hulao: the PostgreSQL database (pg_dump custom format) and the uploaded files
# (MEDIA_ROOT as a tar), into one dated folder. See docs/operations.md.
#
#   DATABASE_URL=postgres://user@host:5432/hulao scripts/backup.sh [BACKUP_DIR]
#
# BACKUP_DIR (default $HULAO_BACKUP_DIR or var/backups) receives hulao-YYYYMMDD-HHMMSS/ with
# db.dump, media.tar.gz, SHA256SUMS and info.txt. The folder appears only when complete (it is
# written as *.partial and renamed). The last line printed is the folder's path.
# The encryption keys (FIELD_ENCRYPTION_KEY, FIELD_HASH_KEY) are NOT in the backup: keep them apart.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up (postgres://...)}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL must be a PostgreSQL URL (postgres://...); SQLite is not backed up by this script" >&2; exit 2 ;;
esac
VAR_DIR="${HULAO_VAR_DIR:-$ROOT/var}"
MEDIA_ROOT="${MEDIA_ROOT:-$VAR_DIR/media}"
BACKUP_DIR="${1:-${HULAO_BACKUP_DIR:-$VAR_DIR/backups}}"
# libpq understands postgresql:// and postgres:// URIs alike.
PG_URL="$DATABASE_URL"

stamp="$(date +%Y%m%d-%H%M%S)"
final="$BACKUP_DIR/hulao-$stamp"
work="$final.partial"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

started=$(date +%s)
pg_dump --format=custom --compress=6 --no-owner --file="$work/db.dump" "$PG_URL"

mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -czf "$work/media.tar.gz" .

{
  echo "created: $(date -Iseconds)"
  echo "host: $(hostname)"
  echo "database: ${PG_URL%%\?*}" | sed -E 's#://([^:@/]+):[^@/]*@#://\1:***@#'
  echo "media_root: $MEDIA_ROOT"
  echo "pg_dump: $(pg_dump --version)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "seconds: $(( $(date +%s) - started ))"
} > "$work/info.txt"
(cd "$work" && sha256sum db.dump media.tar.gz > SHA256SUMS)

mv "$work" "$final"
trap - EXIT
du -sh "$final"/db.dump "$final"/media.tar.gz >&2
echo "$final"
