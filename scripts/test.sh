#!/usr/bin/env bash
# `make test`: install what the checks need, then run every check and both database legs.
#
#   scripts/test.sh [PYTEST ARGS...]     e.g. scripts/test.sh -k scope_matrix
#   scripts/test.sh --lint               only the static checks (`make lint`)
#
# Steps: Debian packages (gettext, chromium, fonts-wqy-microhei; when root) -> .venv with the
# locked dev dependencies -> compile translations -> ruff check, ruff format --check, mypy,
# makemigrations --check -> pytest on SQLite -> pytest on PostgreSQL.
# Every step runs even when an earlier one failed; the exit code is non-zero if any failed.
#
# Environment:
#   CI=true              the PostgreSQL leg is mandatory (started or installed when needed)
#   DATABASE_URL         used for the PostgreSQL leg when it is a postgres:// URL
#   PYTEST_WORKERS       pytest-xdist workers (default 2; 0 runs in one process)
#   SKIP_POSTGRES=1      skip the PostgreSQL leg (refused when CI=true)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

START=$SECONDS
LINT_ONLY=0
if [[ "${1:-}" == "--lint" ]]; then
  LINT_ONLY=1
  shift
fi
IN_CI=0
[[ "${CI:-}" == "true" || "${CI:-}" == "1" ]] && IN_CI=1
export GONGZHI_TESTING=1 # settings: management commands need no SECRET_KEY here
WORKERS="${PYTEST_WORKERS:-2}"
REPORTS="$VAR/test-reports"
DEFAULT_PG_URL="postgres://postgres@127.0.0.1:5432/gongzhi"

declare -a RESULT_NAMES=() RESULT_STATES=() RESULT_TIMES=() COUNT_LINES=()
FAILED=()

record() { # record NAME STATE SECONDS
  RESULT_NAMES+=("$1")
  RESULT_STATES+=("$2")
  RESULT_TIMES+=("$3")
  [[ "$2" == "FAILED" ]] && FAILED+=("$1")
  return 0
}

run_check() { # run_check NAME CMD...: run a check, remember whether it passed
  local name="$1" t0=$SECONDS
  shift
  step "$name"
  if "$@"; then
    record "$name" ok $((SECONDS - t0))
  else
    record "$name" FAILED $((SECONDS - t0))
  fi
}

summary_table() {
  local i
  step "Summary ($((SECONDS - START)) s)"
  for i in "${!RESULT_NAMES[@]}"; do
    printf '    %-24s %-8s %4s s\n' "${RESULT_NAMES[$i]}" "${RESULT_STATES[$i]}" "${RESULT_TIMES[$i]}"
  done
}

joined() { # joined A B C -> "A, B, C"
  local out="$1"
  shift
  for x in "$@"; do out+=", $x"; done
  echo "$out"
}

font_present() {
  deb_installed fonts-wqy-microhei || { have fc-list && fc-list | grep -qi "WenQuanYi Micro Hei"; }
}

system_packages() { # gettext, chromium and the CJK font from Debian when root
  step "System packages"
  local -a missing=()
  have msgfmt || missing+=(gettext)
  have chromium || missing+=(chromium)
  font_present || missing+=(fonts-wqy-microhei)
  if ((${#missing[@]})); then
    apt_install "${missing[@]}" || warn "could not install ${missing[*]} (not root, or no apt-get)"
  fi
  have msgfmt ||
    die "gettext's msgfmt is needed to compile translations: install the 'gettext' package" \
      "with your system's package manager (Debian/Ubuntu: apt-get install gettext)"
  have chromium || warn "chromium is missing: browser tests cannot drive a browser"
  font_present || warn "fonts-wqy-microhei is missing: Chinese will not render in screenshots/PDFs"
  info "gettext $(msgfmt --version | head -1 | awk '{print $NF}')," \
    "chromium $(chromium --version 2>/dev/null | awk '{print $2}' || echo '-')"
}

# --- 1. system packages --------------------------------------------------------------------
((LINT_ONLY)) || system_packages

# --- 2. Python environment -------------------------------------------------------------------
install_deps dev
info "$("$PY" --version), $(grep -c '==' "$LOCK") pinned packages"
mkdir -p "$VAR/static" "$REPORTS" # whitenoise warns about a missing STATIC_ROOT

# --- 3. translations -------------------------------------------------------------------------
((LINT_ONLY)) || run_check "compile translations" compile_messages

# --- 4. static checks ------------------------------------------------------------------------
run_check "ruff check" "$VENV/bin/ruff" check --output-format concise .
run_check "ruff format --check" "$VENV/bin/ruff" format --check --output-format concise .
run_check "mypy" "$VENV/bin/mypy"
# A scratch database: the check reads the migration history and must not touch a real one.
run_check "migrations up to date" env DATABASE_URL="sqlite:///$REPORTS/checks.sqlite3" \
  "$VENV/bin/gongzhi" makemigrations --check --dry-run

if ((LINT_ONLY)); then
  summary_table
  ((${#FAILED[@]} == 0)) || die "make lint: FAILED ($(joined "${FAILED[@]}"))"
  ok "make lint: all checks passed"
  exit 0
fi

# --- 5. pytest legs --------------------------------------------------------------------------
pytest_leg() { # pytest_leg NAME DATABASE_URL [ARGS...]
  local name="$1" url="$2" t0=$SECONDS rc=0 xml="$REPORTS/$1.xml"
  shift 2
  local -a par=()
  [[ "$WORKERS" != "0" ]] && par=(-n "$WORKERS")
  step "pytest on $name (${WORKERS/#0/no} xdist workers)"
  rm -f "$xml"
  DATABASE_URL="$url" "$VENV/bin/pytest" "${par[@]}" --tb=short --junitxml="$xml" "$@" || rc=$?
  if ((rc == 5)); then
    printf '%sERROR: pytest on %s collected no tests (exit code 5)%s\n' "$_R" "$name" "$_N" >&2
  fi
  if ((rc == 0)); then
    record "pytest $name" ok $((SECONDS - t0))
  else
    record "pytest $name" FAILED $((SECONDS - t0))
  fi
  COUNT_LINES+=("$(junit_counts "$name" "$xml")")
}

junit_counts() { # "NAME: N passed, N failed, N skipped" from a JUnit XML report
  "$PY" - "$1" "$2" <<'EOF'
import sys
import xml.etree.ElementTree as ET

name, path = sys.argv[1], sys.argv[2]
try:
    root = ET.parse(path).getroot()
except (OSError, ET.ParseError):
    print(f"{name}: no report (pytest did not finish)")
    raise SystemExit
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(f"{name}: {t - f - k} passed, {f} failed, {k} skipped")
EOF
}

pg_reachable() { # pg_reachable URL: can we log in to the server's maintenance database?
  "$PY" - "$1" <<'EOF'
import sys

import dj_database_url
import psycopg

cfg = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        dbname="postgres",
        connect_timeout=3,
    ).close()
except psycopg.Error as exc:
    print(f"    {str(exc).strip().splitlines()[0]}", file=sys.stderr)
    raise SystemExit(1) from None
EOF
}

wait_pg() { # wait_pg URL: up to 30 s for the server to accept logins
  local i
  for i in $(seq 1 15); do
    pg_reachable "$1" 2>/dev/null && return 0
    sleep 2
  done
  pg_reachable "$1"
}

start_local_pg() { # start (installing if needed) the local Debian cluster; CI only
  local version
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    info "no PostgreSQL cluster on this machine: installing Debian's postgresql"
    apt_install postgresql || return 1
  fi
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  info "pg_ctlcluster $version main start"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1 | sed 's/^/    /' || true
}

set_local_pg_password() { # Debian's default pg_hba wants a password over TCP: give one
  have runuser || return 1
  info "setting a password for the local postgres role (CI machine only)"
  runuser -u postgres -- psql -qc "ALTER ROLE postgres PASSWORD 'postgres'" >/dev/null
}

mask_url() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

postgres_url() { # the URL for the PostgreSQL leg, or empty to skip it
  local url="$DEFAULT_PG_URL"
  if [[ "${DATABASE_URL:-}" =~ ^postgres(ql)?:// ]]; then url="$DATABASE_URL"; fi
  if pg_reachable "$url" 2>/dev/null; then
    echo "$url"
    return 0
  fi
  if ((!IN_CI)); then
    return 1
  fi
  step "PostgreSQL is not reachable at $(mask_url "$url"): starting it (CI)" >&2
  {
    start_local_pg || true
    if wait_pg "$url"; then
      echo "$url" >&3
      return 0
    fi
    if [[ "$url" == "$DEFAULT_PG_URL" ]] && set_local_pg_password; then
      url="postgres://postgres:postgres@127.0.0.1:5432/gongzhi"
      if wait_pg "$url"; then
        echo "$url" >&3
        return 0
      fi
    fi
  } 3>&1 >&2
  return 1
}

pytest_leg sqlite "sqlite:///$VAR/test.sqlite3" "$@"

if [[ "${SKIP_POSTGRES:-}" == "1" && $IN_CI == 0 ]]; then
  step "PostgreSQL leg SKIPPED: SKIP_POSTGRES=1"
  record "pytest postgres" skipped 0
elif pg_url="$(postgres_url)"; then
  pytest_leg postgres "$pg_url" "$@"
elif ((IN_CI)); then
  step "pytest on postgres"
  printf '%sERROR: PostgreSQL leg cannot run in CI: no server at %s%s\n' \
    "$_R" "$(mask_url "${DATABASE_URL:-$DEFAULT_PG_URL}")" "$_N" >&2
  record "pytest postgres" FAILED 0
else
  url="$DEFAULT_PG_URL"
  [[ "${DATABASE_URL:-}" =~ ^postgres(ql)?:// ]] && url="$DATABASE_URL"
  step "PostgreSQL leg SKIPPED: no server at $(mask_url "$url") (start it or set DATABASE_URL)"
  record "pytest postgres" skipped 0
fi

# --- 6. summary ------------------------------------------------------------------------------
summary_table
if ((${#FAILED[@]})); then
  printf '%smake test: FAILED (%s)%s\n' "$_R" "$(joined "${FAILED[@]}")" "$_N"
else
  ok "make test: all checks passed"
fi
printf '%s\n' "${COUNT_LINES[@]}"
((${#FAILED[@]} == 0))
