#!/usr/bin/env bash
# The project's test command (README, `make test`, .ci/run): installs what
# the tests check against, then runs every Rust test: unit, property,
# golden, CLI, the DuckDB/Ladybug cross-checks and the real-Neo4j tests.
#
# - DuckDB and Ladybug from PyPI, in a venv outside git (.venv-verify);
# - Neo4j Community from Maven Central (scripts/install-neo4j.sh, cached in
#   ~/.cache/cmdbgen-tools): the 5.26 LTS on Java 17, and the newest
#   calendar release when a JDK 21+ is on the machine.
#
# Plain `cargo test` runs everything that needs none of these; the tests
# that do are #[ignore]d there and run here with --include-ignored, so none
# is skipped silently. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CMDBGEN_VENV:-$PWD/.venv-verify}"
if ! "$VENV/bin/python" -c "import duckdb, ladybug" >/dev/null 2>&1; then
  echo "test.sh: installing DuckDB and Ladybug into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/crosscheck/requirements.txt
fi
export CMDBGEN_VERIFY_PYTHON="$VENV/bin/python"

# The Neo4j versions the real-Neo4j tests run on (docs/testing.md).
NEO4J_LTS="${NEO4J_LTS:-5.26.30}"
NEO4J_CALENDAR="${NEO4J_CALENDAR:-2025.12.1}"
if [ -z "${CMDBGEN_NEO4J_HOMES:-}" ]; then
  HOMES="$(scripts/install-neo4j.sh "$NEO4J_LTS")"
  rc=0; CAL="$(scripts/install-neo4j.sh "$NEO4J_CALENDAR")" || rc=$?
  case "$rc" in
    0) HOMES="$HOMES:$CAL" ;;
    3) echo "test.sh: no JDK 21+ here: Neo4j $NEO4J_CALENDAR is not tested" >&2 ;;
    *) exit "$rc" ;;
  esac
  CMDBGEN_NEO4J_HOMES="$HOMES"
fi
export CMDBGEN_NEO4J_HOMES

# tmux: the progress bar is checked in a real 80x24 terminal pane.
if ! command -v tmux >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing tmux (Debian package)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux; } >/dev/null
  else
    echo "test.sh: tmux is needed (the progress-bar test); install it and re-run" >&2
    exit 1
  fi
fi
echo "test.sh: real Neo4j: $CMDBGEN_NEO4J_HOMES" >&2
cargo test --locked "$@" -- --include-ignored
