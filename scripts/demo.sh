#!/usr/bin/env bash
# `make demo`: install Gongzhi, load the demo street and serve it the way production would.
#
# Runs with DEBUG off under granian (ASGI: gongzhi.asgi, with the appeal intake fast path of
# docs/intake.md), static files served by whitenoise, and a SECRET_KEY that
# is generated once and kept in var/secret_key (see docs/decisions.md). The database is the
# SQLite file var/gongzhi.sqlite3 unless DATABASE_URL says otherwise.
#
# Environment: PORT (default 8000), WEB_CONCURRENCY (granian worker processes, default 2),
# DATABASE_URL, ALLOWED_HOSTS and the other settings described in docs/operator-guide.md.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8000}"
BIND="127.0.0.1:$PORT"

# --- install -------------------------------------------------------------------------------
install_deps runtime
mkdir -p "$VAR"

# --- settings for this process tree --------------------------------------------------------
export DEBUG="${DEBUG:-0}"
if [[ -z "${SECRET_KEY:-}" ]]; then
  if [[ ! -s "$VAR/secret_key" ]]; then
    step "Generating a secret key in $VAR/secret_key (kept for later runs)"
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$VAR/secret_key")
  fi
  SECRET_KEY="$(cat "$VAR/secret_key")"
  export SECRET_KEY
fi
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-localhost,127.0.0.1}"

# --- the port must be free before we spend time on the data ----------------------------------
if ! "$PY" -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$PORT"; then
  die "port $PORT on 127.0.0.1 is already in use: stop what runs there or use 'make demo PORT=8001'"
fi

# --- translations --------------------------------------------------------------------------
step "Compiling translations"
if ! compile_messages; then
  warn "could not compile translations (gettext's msgfmt is missing and cannot be installed:" \
    "run 'apt-get install gettext' as root). The demo will show English text."
fi

# --- database and demo data ----------------------------------------------------------------
if ! probe="$(gongzhi help demo 2>&1)"; then
  if grep -q "Unknown command" <<<"$probe"; then
    die "the 'gongzhi demo' command (src/gongzhi/org/management/commands/demo.py) is not" \
      "available in this checkout, so there is no demo data to load. Update your checkout."
  fi
  printf '%s\n' "$probe" >&2
  die "Gongzhi cannot start (see the error above)"
fi
step "Applying database migrations"
gongzhi migrate --noinput
step "Loading the demo street"
gongzhi demo
step "Collecting static files"
gongzhi collectstatic --noinput --verbosity 0

# --- serve ---------------------------------------------------------------------------------
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Starting the background worker (gongzhi run_huey)"
"$VENV/bin/gongzhi" run_huey --workers 1 &
pids+=($!)

step "Serving Gongzhi on http://$BIND  (press Ctrl-C to stop)"
"$VENV/bin/granian" gongzhi.asgi:application \
  --interface asgi \
  --host 127.0.0.1 \
  --port "$PORT" \
  --workers "${WEB_CONCURRENCY:-2}" \
  --loop uvloop \
  --no-ws \
  --access-log &
pids+=($!)
wait -n "${pids[@]}"
