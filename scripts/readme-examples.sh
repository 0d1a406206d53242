#!/usr/bin/env bash
# readme-examples.sh - run the shell examples of README.md in order, in a
# scratch copy of the repository, as a person following the README on a
# fresh clone would.
#
# usage: scripts/readme-examples.sh [--list] [--keep]
#   --list   print each example command with run/skip, run nothing
#   --keep   keep the scratch copy (its path is printed)
#
# The examples are the fenced ```sh blocks of README.md; a line ending in a
# backslash continues on the next. Each runs in a subshell from the copy's
# root (so examples use paths, not cd), with `cmdbgen` on PATH and no
# CUSTOMER, DATABASE, OUT_DIR, NEO4J_HOME ... inherited. Two substitutions,
# so that nothing is built twice and nothing lands outside the copy:
#   `cargo run --release --`  runs CMDBGEN (default target/release/cmdbgen of
#                             this repository, built by cargo build --release)
#   PREFIX                    a folder of the copy (for make install)
# Skipped, and named in the output (the skip list is SKIPS below):
#   scripts/test.sh           the test suite itself (it runs this script)
#   cargo install             installs into ~/.cargo/bin
#   needs Neo4j or Docker     import.sh, cypher-shell, cmdbgen apply --uri,
#                             make neo4j-up / import / report, docker
#
# Exit codes: 0 every example ran (or was skipped as listed); 1 one failed
# (its output is shown); 2 bad usage or no README examples.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
RX_LIST=0
RX_KEEP=0
for a in "$@"; do
  case "$a" in
    --list) RX_LIST=1 ;;
    --keep) RX_KEEP=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "readme-examples.sh: unknown argument $a (see --help)" >&2; exit 2 ;;
  esac
done

# "pattern|reason": a command matching the shell pattern is not run.
SKIPS=(
  "scripts/test.sh*|the test suite itself (it runs this script)"
  "cargo install *|installs into ~/.cargo/bin"
  "*import.sh*|needs Neo4j (neo4j-admin)"
  "cypher-shell *|needs a running Neo4j"
  "*apply * --uri *|needs a running Neo4j"
  "make neo4j-*|needs Docker"
  "make import *|needs Neo4j (neo4j-admin) or Docker"
  "make report*|needs the history of an import (make import)"
  "docker *|needs Docker"
)

# The commands, one per line (continuations joined).
RX_COMMANDS=()
while IFS= read -r line; do RX_COMMANDS+=("$line"); done < <(
  awk '/^```sh[[:space:]]*$/ { inside = 1; next }
       /^```/ { inside = 0; next }
       inside {
         if (cont != "") { $0 = cont " " $0; cont = "" }
         if ($0 ~ /\\$/) { sub(/[[:space:]]*\\$/, ""); cont = $0; next }
         if ($0 ~ /^[[:space:]]*(#|$)/) next
         print
       }' "$REPO/README.md")
[ "${#RX_COMMANDS[@]}" -gt 0 ] || { echo "readme-examples.sh: no \`\`\`sh examples in README.md" >&2; exit 2; }

skip_reason() {
  local entry cmd="$1"
  for entry in "${SKIPS[@]}"; do
    # shellcheck disable=SC2053 # the pattern is meant to glob
    if [[ "$cmd" == ${entry%%|*} ]]; then printf '%s\n' "${entry#*|}"; return 0; fi
  done
  return 1
}

if [ "$RX_LIST" = 1 ]; then
  for c in "${RX_COMMANDS[@]}"; do
    if r="$(skip_reason "$c")"; then printf 'skip (%s): %s\n' "$r" "$c"; else printf 'run: %s\n' "$c"; fi
  done
  exit 0
fi

CMDBGEN="${CMDBGEN:-$REPO/target/release/cmdbgen}"
if [ "$CMDBGEN" = "$REPO/target/release/cmdbgen" ]; then
  (cd "$REPO" && cargo build --release --locked --quiet) || { echo "readme-examples.sh: cargo build --release failed" >&2; exit 1; }
fi
[ -x "$CMDBGEN" ] || { echo "readme-examples.sh: CMDBGEN=$CMDBGEN is not an executable" >&2; exit 2; }
CMDBGEN="$(cd "$(dirname "$CMDBGEN")" && pwd)/$(basename "$CMDBGEN")"

# The copy: every file git tracks or would track (not ignored), as in a
# clone plus uncommitted work; no target/ and no out/.
RX_SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/cmdbgen-readme.XXXXXX")"
[ "$RX_KEEP" = 1 ] || trap 'rm -rf "$RX_SCRATCH"' EXIT
RX_ROOT="$RX_SCRATCH/cmdbgen"
mkdir -p "$RX_ROOT" "$RX_SCRATCH/bin"
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ ! -e "$f" ] || printf '%s\0' "$f"; done |
  tar --null -T - -cf -) | tar -xf - -C "$RX_ROOT"
ln -s "$CMDBGEN" "$RX_SCRATCH/bin/cmdbgen"
cargo() { # `cargo run --release -- ARGS` -> cmdbgen ARGS; anything else is refused
  if [ "${1:-}" = run ] && [ "${2:-}" = --release ] && [ "${3:-}" = -- ]; then shift 3; cmdbgen "$@"; return; fi
  echo "readme-examples.sh: cargo $* is not substituted; add it to SKIPS or to the substitutions" >&2
  return 2
}

for v in CUSTOMER DATABASE OUT_DIR PROFILE PROFILE_DIR FORMAT THREADS NEO4J_HOME NEO4J_URI \
         CMDBGEN_HISTORY MAKEFLAGS MFLAGS MAKELEVEL DESTDIR IMPORT_FLAGS; do
  unset "$v"
done
export PATH="$RX_SCRATCH/bin:$PATH" PREFIX="$RX_SCRATCH/prefix" CMDBGEN
cd "$RX_ROOT"
RX_RAN=0; RX_SKIPPED=0; RX_LOG="$RX_SCRATCH/example.log"
for RX_CMD in "${RX_COMMANDS[@]}"; do
  if RX_WHY="$(skip_reason "$RX_CMD")"; then
    printf 'readme-examples.sh: skip (%s): %s\n' "$RX_WHY" "$RX_CMD" >&2
    RX_SKIPPED=$((RX_SKIPPED + 1)); continue
  fi
  printf 'readme-examples.sh: run: %s\n' "$RX_CMD" >&2
  RX_T0=$SECONDS
  if ! (eval "$RX_CMD") > "$RX_LOG" 2>&1; then
    sed 's/^/  /' "$RX_LOG" | tail -n 40 >&2
    echo "readme-examples.sh: error: this README example failed: $RX_CMD (in $RX_ROOT)" >&2
    [ "$RX_KEEP" = 1 ] || echo "readme-examples.sh: (--keep keeps the copy to look at)" >&2
    exit 1
  fi
  printf 'readme-examples.sh:   ok in %ss\n' "$((SECONDS - RX_T0))" >&2
  RX_RAN=$((RX_RAN + 1))
done
echo "readme-examples.sh: $RX_RAN examples ran, $RX_SKIPPED skipped as listed" >&2
[ "$RX_KEEP" = 0 ] || echo "readme-examples.sh: the copy is $RX_ROOT" >&2
