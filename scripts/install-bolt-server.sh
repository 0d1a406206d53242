#!/usr/bin/env bash
# Installs kglite-bolt-server (crates.io, MIT), the Bolt 5 server that the
# online tests (tests/online.rs) run `cmdbgen apply` against, into
# $TOOLS/bin, outside the repository, and prints the binary's path on stdout.
# Skips the build when that version is already installed.
#
#   scripts/install-bolt-server.sh            # release build (~14 min on 2 cores)
#   scripts/install-bolt-server.sh --debug    # debug build (~6.5 min, ~5x slower server)
#
# TOOLS defaults to $HOME/.cache/cmdbgen-tools. Needs Rust 1.91+ (the
# repository's pinned toolchain is used when run from here).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=0.21.5
TOOLS="${TOOLS:-$HOME/.cache/cmdbgen-tools}"
BIN="$TOOLS/bin/kglite-bolt-server"
if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null)" = "kglite-bolt-server $VERSION" ]; then
  echo "$BIN"
  exit 0
fi
PROFILE=()
if [ "${1:-}" = "--debug" ]; then
  PROFILE=(--debug)
fi
echo "install-bolt-server.sh: building kglite-bolt-server $VERSION into $TOOLS (takes minutes)" >&2
mkdir -p "$TOOLS"
cargo install --locked --root "$TOOLS" "${PROFILE[@]}" "kglite-bolt-server@$VERSION" >&2
echo "$BIN"
