# shellcheck shell=bash
# Create or reuse the project's virtual environment and install Credstack into it.
# Sourced by scripts/start and scripts/test; works on a fresh Debian with only Python 3.11.
#
#   ensure_venv ""      # runtime dependencies only
#   ensure_venv "dev"   # plus the test and lint tools
#
# Installing is skipped when pyproject.toml has not changed since the last install
# (a stamp file in the venv records its hash and the extras installed).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV_DIR:-$ROOT/.venv}"

_say() { printf '%s\n' "$*" >&2; }

_python_for_venv() {
    local candidate
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    _say "error: Credstack needs Python 3.11 or newer (python3 not found or too old)"
    return 1
}

_install_venv_support() {
    # Debian ships venv/ensurepip in a separate package.
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        local minor
        minor="$("$1" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        _say "Installing python3-venv with apt-get ..."
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${minor}-venv" >/dev/null 2>&1 ||
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
        _say "error: '$1 -m venv' does not work; install python3-venv (e.g. sudo apt-get install python3-venv)"
        return 1
    fi
}

_create_venv() {
    local python
    python="$(_python_for_venv)"
    if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        _install_venv_support "$python"
    fi
    rm -rf "$VENV"
    _say "Creating virtual environment $VENV ..."
    "$python" -m venv "$VENV"
}

ensure_venv() {
    local extras="$1"
    if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        _create_venv
    fi
    local hash stamp="$VENV/.credstack-install"
    hash="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && "$VENV/bin/python" -c 'import credstack' >/dev/null 2>&1; then
        local stamped_hash stamped_extras
        read -r stamped_hash stamped_extras <"$stamp" || true
        if [ "$stamped_hash" = "$hash" ] && { [ -z "$extras" ] || [ "$stamped_extras" = "$extras" ]; }; then
            return 0
        fi
    fi
    local target="$ROOT"
    [ -n "$extras" ] && target="$ROOT[$extras]"
    _say "Installing Credstack${extras:+ with [$extras]} into $VENV (quiet; this takes a minute the first time) ..."
    # A newer pip resolves faster; an old one still works, so a failed upgrade is not fatal.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip ||
        _say "warning: could not upgrade pip; continuing with $("$VENV/bin/python" -m pip --version)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target"
    printf '%s %s\n' "$hash" "$extras" >"$stamp"
}
