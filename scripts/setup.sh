# Shared by ./run and ./test: a virtual environment with the project installed, and the few
# Debian packages the tests need. Sourced, not executed.

setup_venv() {
    extras="$1"
    python=${PYTHON:-python3}
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "esr: Python 3.11 or newer is needed (found: $("$python" --version 2>&1))" >&2
        exit 1
    fi
    if [ ! -x .venv/bin/python ]; then
        echo "esr: creating .venv" >&2
        "$python" -m venv .venv
    fi
    echo "esr: installing the project and its dependencies into .venv" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras"
}

# Install Debian packages that are missing, when we may (root, apt-get); otherwise say what the
# tests that need them will lack.
install_system_packages() {
    missing=""
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "esr: installing Debian packages:$missing" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "esr: missing Debian packages:$missing (install them as root; tests that need them will fail)" >&2
    fi
}
