#!/usr/bin/env bash
# Back up a running Gongzhi: the database, the Huey queue, uploaded files and the secret key.
#
#   scripts/backup.sh [DEST_DIR]          (default: var/backups)
#
# SQLite: uses SQLite's online backup API, which copies a consistent snapshot while the app
# keeps running (WAL mode); never copy a live .sqlite3 file with cp. PostgreSQL: pg_dump in its
# custom format (restore with pg_restore). Reads DATABASE_URL and GONGZHI_VAR_DIR like the app.
# Restoring is described in docs/operator-guide.md.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -x "$PY" ]] || die "no virtual environment at $VENV: install Gongzhi first (make demo)"
DEST_ROOT="${1:-$VAR/backups}"
STAMP="$(date +%Y%m%d-%H%M%S)"
DEST="$DEST_ROOT/gongzhi-$STAMP"
DB_URL="${DATABASE_URL:-sqlite:///$VAR/gongzhi.sqlite3}"
mkdir -p "$DEST"
chmod 700 "$DEST"

sqlite_backup() { # sqlite_backup SRC DST: consistent online copy, then an integrity check
  "$PY" - "$1" "$2" <<'EOF'
import sqlite3
import sys

src, dst = sys.argv[1], sys.argv[2]
source = sqlite3.connect(src, timeout=30)
target = sqlite3.connect(dst)
with target:
    source.backup(target)
result = target.execute("PRAGMA integrity_check").fetchone()[0]
source.close()
target.close()
if result != "ok":
    sys.exit(f"integrity check of {dst} failed: {result}")
EOF
}

case "$DB_URL" in
  sqlite://*)
    db_file="$("$PY" -c 'import sys, dj_database_url; print(dj_database_url.parse(sys.argv[1])["NAME"])' "$DB_URL")"
    [[ -f "$db_file" ]] || die "no SQLite database at $db_file"
    step "SQLite database $db_file"
    sqlite_backup "$db_file" "$DEST/gongzhi.sqlite3"
    ;;
  postgres://* | postgresql://*)
    have pg_dump || die "pg_dump is missing (Debian: apt-get install postgresql-client)"
    step "PostgreSQL database (pg_dump --format=custom)"
    pg_dump --format=custom --no-owner --file="$DEST/gongzhi.pgdump" "$DB_URL"
    ;;
  *) die "unsupported DATABASE_URL scheme: ${DB_URL%%:*}" ;;
esac

if [[ -f "$VAR/huey.sqlite3" ]]; then
  step "Background-job queue $VAR/huey.sqlite3"
  sqlite_backup "$VAR/huey.sqlite3" "$DEST/huey.sqlite3"
fi
if [[ -d "$VAR/media" ]]; then
  step "Uploaded files $VAR/media"
  tar -C "$VAR" -czf "$DEST/media.tar.gz" media
fi
if [[ -f "$VAR/secret_key" ]]; then
  cp -p "$VAR/secret_key" "$DEST/secret_key"
fi

ok "Backup written to $DEST"
ls -l "$DEST" | tail -n +2 | sed 's/^/    /'
