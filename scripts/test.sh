#!/usr/bin/env bash
# The project's test command (README, `make test`, .ci/run): installs the
# independent checkers the tests use (DuckDB and Ladybug from PyPI, in a venv
# outside git), then runs every Rust test: unit, property, golden, CLI and
# cross-checks.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CMDBGEN_VENV:-$PWD/.venv-verify}"
if ! "$VENV/bin/python" -c "import duckdb, ladybug" >/dev/null 2>&1; then
  echo "test.sh: installing DuckDB and Ladybug into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/crosscheck/requirements.txt
fi
export CMDBGEN_VERIFY_PYTHON="$VENV/bin/python"
# The Bolt server the online tests apply to (built once, outside the repo).
CMDBGEN_BOLT_SERVER="${CMDBGEN_BOLT_SERVER:-$(scripts/install-bolt-server.sh)}"
export CMDBGEN_BOLT_SERVER
cargo test --locked "$@"
