# shellcheck shell=bash
# Shared helpers for scripts/*.sh. Source it; do not run it.
#
# Everything here is idempotent: a second run with nothing changed does no network work.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
LOCK="$ROOT/requirements.lock"
# shellcheck disable=SC2034 # used by the scripts that source this file
VAR="${GONGZHI_VAR_DIR:-$ROOT/var}"

if [[ -t 1 ]]; then
  _B=$'\e[1m' _R=$'\e[31m' _Y=$'\e[33m' _G=$'\e[32m' _N=$'\e[0m'
else
  _B="" _R="" _Y="" _G="" _N=""
fi

step() { printf '\n%s==> %s%s\n' "$_B" "$*" "$_N"; }
info() { printf '    %s\n' "$*"; }
warn() { printf '%sWARNING: %s%s\n' "$_Y" "$*" "$_N" >&2; }
die() {
  printf '%sERROR: %s%s\n' "$_R" "$*" "$_N" >&2
  exit 1
}
ok() { printf '%s%s%s\n' "$_G" "$*" "$_N"; }

is_root() { [[ "$(id -u)" == "0" ]]; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- Debian packages --------------------------------------------------------------------------
_APT_UPDATED=0
apt_install() {
  # apt_install PKG...: install Debian packages when we are root on a Debian-like system.
  # Returns 1 (without failing the script) when that is not possible.
  if ! is_root || ! have apt-get; then
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [[ "$_APT_UPDATED" == "0" ]]; then
    info "apt-get update"
    apt-get update -qq >/dev/null || return 1
    _APT_UPDATED=1
  fi
  info "apt-get install -y $*"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null || return 1
}

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

ensure_msgfmt() {
  # gettext's msgfmt compiles the translations (django compilemessages calls it).
  have msgfmt && return 0
  info "msgfmt (gettext) is missing; installing Debian package gettext"
  apt_install gettext && have msgfmt
}

# --- Python and the virtual environment -------------------------------------------------------
find_python() {
  # Prints a Python 3.11 interpreter, installing Debian's when root and none is found.
  local cand
  for cand in "${PYTHON:-}" python3.11 python3; do
    [[ -n "$cand" ]] || continue
    if have "$cand" && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
      2>/dev/null; then
      command -v "$cand"
      return 0
    fi
  done
  if apt_install python3.11 python3.11-venv >&2 && have python3.11; then
    command -v python3.11
    return 0
  fi
  return 1
}

ensure_venv() {
  if [[ -x "$PY" ]] && "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    return 0
  fi
  local python
  python="$(find_python)" ||
    die "Gongzhi needs Python 3.11 (python3.11 or python3). Install it with your system's" \
      "package manager (Debian/Ubuntu: apt-get install python3.11 python3.11-venv) and retry."
  step "Creating virtual environment $VENV with $python"
  if [[ -e "$VENV" ]]; then
    warn "$VENV exists but has no Python 3.11; recreating it"
    rm -rf "$VENV"
  fi
  if ! "$python" -m venv "$VENV"; then
    rm -rf "$VENV"
    apt_install python3.11-venv >&2 || true
    "$python" -m venv "$VENV" ||
      die "could not create a virtual environment (Debian/Ubuntu: apt-get install python3.11-venv)"
  fi
  pip_quiet install --upgrade pip
}

pip_quiet() {
  # pip with its progress chatter and unreachable-mirror warnings filtered out; errors still show.
  # PYTHONWARNINGS also reaches the build backend, whose deprecation notices are for us to read
  # in 'make lock' output, not on every install.
  PYTHONWARNINGS=ignore "$PY" -m pip -q --disable-pip-version-check "$@" \
    2> >(grep -v "^WARNING: Location '" >&2)
}

_deps_fingerprint() {
  cat "$ROOT/pyproject.toml" "$LOCK" 2>/dev/null | sha256sum | cut -d' ' -f1
}

install_deps() {
  # install_deps runtime|dev: install the package (editable) with versions pinned by the lock.
  local profile="$1" spec="."
  [[ "$profile" == "dev" ]] && spec=".[dev]"
  ensure_venv
  local stamp="$VENV/.gongzhi-$profile" want
  want="$(_deps_fingerprint)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  [[ -f "$LOCK" ]] || die "requirements.lock is missing; run 'make lock' to create it"
  step "Installing Gongzhi and its $profile dependencies (pinned by requirements.lock)"
  (cd "$ROOT" && pip_quiet install -c "$LOCK" -e "$spec")
  _check_lock_covers_env
  echo "$want" >"$stamp"
  if [[ "$profile" == "dev" ]]; then echo "$want" >"$VENV/.gongzhi-runtime"; fi
}

_check_lock_covers_env() {
  # A dependency added to pyproject.toml but not to the lock installs unpinned: say so.
  local unpinned
  unpinned="$("$PY" - "$LOCK" <<'EOF'
import re, sys
from importlib import metadata
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
pinned = set()
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if "==" in line:
        pinned.add(norm(line.split("==", 1)[0]))
skip = {"gongzhi", "pip", "setuptools", "wheel"}
missing = sorted(
    {norm(d.metadata["Name"]) for d in metadata.distributions()} - pinned - skip
)
print(" ".join(missing))
EOF
)"
  if [[ -n "$unpinned" ]]; then
    warn "installed but not pinned in requirements.lock: $unpinned" \
      "(if pyproject.toml now needs them, run 'make lock' and commit requirements.lock)"
  fi
}

# --- Django ------------------------------------------------------------------------------------
gongzhi() { "$VENV/bin/gongzhi" "$@"; }

compile_messages() {
  # compilemessages walks the current directory for locale/ folders: run it inside the package
  # so that it never touches the virtual environment's own catalogues.
  if [[ -z "$(find "$ROOT/src/gongzhi" -type d -name locale -print -quit)" ]]; then
    info "no locale/ folders yet: nothing to compile"
    return 0
  fi
  ensure_msgfmt || return 1
  (cd "$ROOT/src/gongzhi" &&
    SECRET_KEY="${SECRET_KEY:-compilemessages}" gongzhi compilemessages --verbosity 0)
  info "$(find "$ROOT/src/gongzhi" -path '*/LC_MESSAGES/*.mo' | wc -l) catalogue(s) compiled"
}
