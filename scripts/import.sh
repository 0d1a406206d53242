#!/usr/bin/env bash
# import.sh - load a cmdbgen bundle into Neo4j 5.x and check the result.
#
# usage: scripts/import.sh [options] BUNDLE_DIR
#
# Full import (default): `neo4j-admin database import full <db> @import.args`,
# run from the bundle folder (the paths in import.args are relative to it),
# then CREATE DATABASE (Enterprise, non-default database), a Cypher count
# of nodes, relationships, every label and every type against manifest.json,
# and the bundle's schema.cypher (id constraints, lookup indexes), waiting
# until every index is online. A neo4j-admin older than the bundle needs
# (the manifest's "neo4j" entry; Parquet needs 5.26+) is refused first.
#
# Increments (--incremental): `neo4j-admin database import incremental` on
# Enterprise when the change set only adds; otherwise `cmdbgen apply` online.
#
# Options:
#   --database NAME          target database (default: $DATABASE, else neo4j)
#   --overwrite-destination  replace an existing database of that name; on
#                            Enterprise it is stopped first and started after.
#                            Never implied: without it an existing database
#                            is left alone and the script stops.
#   --incremental            BUNDLE_DIR is a change set for an existing database
#   --stop-start             (incremental, Enterprise) stop the database for the
#                            import and start it afterwards
#   --create-constraints     (incremental) create the id uniqueness constraints
#                            incremental import needs, when they are missing
#   --online                 (incremental) skip neo4j-admin; use cmdbgen apply
#   --start-server           start Neo4j after an offline import (neo4j start,
#                            or docker compose up) and then create and verify
#   --verify MODE            auto (default): Cypher count if the server answers,
#                            else neo4j-admin's own totals; cypher; summary; none
#   --verify-only            only run the Cypher count check
#   --no-schema              do not apply schema.cypher after a full import
#   --schema-only            only apply schema.cypher (and wait for the indexes)
#   --mode MODE              where neo4j-admin runs: auto (default), local,
#                            exec (running container), run (one-off container)
#   --estimate FILE          `cmdbgen estimate --json` output: heap and
#                            --max-off-heap-memory are taken from it
#   --customer NAME          name recorded in the history (default: profile)
#   --history FILE           metrics history (default: $CMDBGEN_HISTORY)
#   --dry-run                print the commands, run nothing that changes state
#   --                       the rest goes to neo4j-admin unchanged
#
# Environment: NEO4J_HOME, NEO4J_URI (neo4j://localhost:7687), NEO4J_USERNAME
# (neo4j), NEO4J_PASSWORD, NEO4J_EDITION (skip detection: community or
# enterprise), HEAP_SIZE, MAX_OFF_HEAP_MEMORY, NEO4J_CONTAINER
# (cmdbgen-neo4j), NEO4J_SERVICE (neo4j), NEO4J_IMPORT_DIR (host folder
# mounted at /import; default: the bundle's parent), COMPOSE ("docker
# compose -f <repo>/docker-compose.yml"), DOCKER (docker), CMDBGEN (the
# cmdbgen binary, for the online path), NEO4J_DATA_DIR (the host folder
# mounted at /data, to see whether a failed import wrote the store; default
# out/neo4j/data), WAIT_SECONDS (180), INDEX_WAIT_SECONDS
# (how long to wait for indexes to come online; 300),
# ALLOW_PARQUET_LABEL_BUG (1: accept Neo4j releases with the Parquet label bug).
#
# Exit codes: 0 done and verified; 1 the import or a check failed; 2 bad usage
# or a precondition is not met (nothing was changed).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OPS=(python3 "$HERE/ops.py")

DATABASE="${DATABASE:-neo4j}"
OVERWRITE=0
INCREMENTAL=0
STOP_START=0
CREATE_CONSTRAINTS=0
ONLINE=0
START_SERVER=0
VERIFY=auto
VERIFY_ONLY=0
SCHEMA=1
SCHEMA_ONLY=0
MODE="${NEO4J_MODE:-auto}"
ESTIMATE=""
CUSTOMER="${CUSTOMER:-}"
HISTORY="${CMDBGEN_HISTORY:-}"
DRY_RUN=0
EXTRA=()
BUNDLE=""

say() { printf 'import.sh: %s\n' "$*" >&2; }
die() { local code="$1"; shift; printf 'import.sh: error: %s\n' "$*" >&2; exit "$code"; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0; }

while [ $# -gt 0 ]; do
  case "$1" in
    --database) DATABASE="${2:?--database needs a name}"; shift 2 ;;
    --database=*) DATABASE="${1#*=}"; shift ;;
    --overwrite-destination) OVERWRITE=1; shift ;;
    --incremental) INCREMENTAL=1; shift ;;
    --stop-start) STOP_START=1; shift ;;
    --create-constraints) CREATE_CONSTRAINTS=1; shift ;;
    --online) ONLINE=1; INCREMENTAL=1; shift ;;
    --start-server) START_SERVER=1; shift ;;
    --verify) VERIFY="${2:?--verify needs a mode}"; shift 2 ;;
    --verify=*) VERIFY="${1#*=}"; shift ;;
    --verify-only) VERIFY_ONLY=1; shift ;;
    --no-schema) SCHEMA=0; shift ;;
    --schema-only) SCHEMA_ONLY=1; shift ;;
    --mode) MODE="${2:?--mode needs a value}"; shift 2 ;;
    --mode=*) MODE="${1#*=}"; shift ;;
    --estimate) ESTIMATE="${2:?--estimate needs a file}"; shift 2 ;;
    --estimate=*) ESTIMATE="${1#*=}"; shift ;;
    --customer) CUSTOMER="${2:?--customer needs a name}"; shift 2 ;;
    --history) HISTORY="${2:?--history needs a file}"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage ;;
    --) shift; EXTRA=("$@"); break ;;
    -*) die 2 "unknown option $1 (see --help)" ;;
    *) [ -z "$BUNDLE" ] || die 2 "one bundle folder only (got '$BUNDLE' and '$1')"; BUNDLE="$1"; shift ;;
  esac
done

[ -n "$BUNDLE" ] || die 2 "no bundle folder given (usage: scripts/import.sh [options] BUNDLE_DIR)"
[ -d "$BUNDLE" ] || die 2 "$BUNDLE is not a folder"
BUNDLE="$(cd "$BUNDLE" && pwd)"
case "$VERIFY" in auto|cypher|summary|none) ;; *) die 2 "--verify must be auto, cypher, summary or none (got '$VERIFY')" ;; esac
case "$MODE" in auto|local|exec|run) ;; *) die 2 "--mode must be auto, local, exec or run (got '$MODE')" ;; esac
# Neo4j database names: 3 to 63 characters, ASCII letters, digits, dots and
# dashes, starting with a letter (the manual's naming rules).
if ! [[ "$DATABASE" =~ ^[A-Za-z][A-Za-z0-9.-]{2,62}$ ]]; then
  die 2 "'$DATABASE' is not a valid Neo4j database name (3-63 letters, digits, dots or dashes, starting with a letter; no underscores)"
fi
if [ "$DATABASE" = system ]; then die 2 "refusing to import into the system database"; fi

# ---------------------------------------------------------------- the bundle
RC=0; INFO="$("${OPS[@]}" info "$BUNDLE")" || RC=$?
case "$RC" in
  0) eval "$INFO" ;;
  1) die 1 "$BUNDLE does not match its manifest" ;;
  *) die 2 "cannot use $BUNDLE as a bundle (see above)" ;;
esac
CUSTOMER="${CUSTOMER:-$M_PROFILE}"
say "bundle $BUNDLE: profile $M_PROFILE, $M_NODES nodes, $M_RELATIONSHIPS relationships, $M_BYTES bytes ($M_FORMAT)"

# ---------------------------------------------------------------- neo4j-admin
DOCKER="${DOCKER:-docker}"
if [ -n "${COMPOSE:-}" ]; then
  read -r -a COMPOSE_CMD <<< "$COMPOSE"
else
  COMPOSE_CMD=("$DOCKER" compose -f "$(cd "$HERE/.." && pwd)/docker-compose.yml")
fi
# docker-compose.yml runs Neo4j as NEO4J_UID:NEO4J_GID (make neo4j-up passes
# yours); one-off containers must write stores as the same user.
export NEO4J_UID="${NEO4J_UID:-$(id -u)}" NEO4J_GID="${NEO4J_GID:-$(id -g)}"
NEO4J_CONTAINER="${NEO4J_CONTAINER:-cmdbgen-neo4j}"
NEO4J_SERVICE="${NEO4J_SERVICE:-neo4j}"
NEO4J_URI="${NEO4J_URI:-neo4j://localhost:7687}"
export NEO4J_USERNAME="${NEO4J_USERNAME:-neo4j}"
export NEO4J_PASSWORD="${NEO4J_PASSWORD:-}"
WAIT_SECONDS="${WAIT_SECONDS:-180}"

container_running() {
  command -v "$DOCKER" >/dev/null 2>&1 &&
    [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$NEO4J_CONTAINER" 2>/dev/null)" = true ]
}
# A docker client alone runs nothing: the daemon must answer and compose must
# be there (one-off containers are `docker compose run`). Sets DOCKER_MISSING
# to what is missing, for the messages.
DOCKER_MISSING=""
docker_usable() {
  if ! command -v "$DOCKER" >/dev/null 2>&1; then DOCKER_MISSING="no $DOCKER command"; return 1; fi
  if ! "$DOCKER" info >/dev/null 2>&1; then DOCKER_MISSING="$DOCKER is installed but its daemon does not answer ($DOCKER info failed)"; return 1; fi
  if ! "${COMPOSE_CMD[@]}" version >/dev/null 2>&1; then DOCKER_MISSING="$DOCKER runs but has no compose (${COMPOSE_CMD[*]} version failed)"; return 1; fi
}

LOCAL_ADMIN=""
if [ -n "${NEO4J_HOME:-}" ] && [ -x "$NEO4J_HOME/bin/neo4j-admin" ]; then
  LOCAL_ADMIN="$NEO4J_HOME/bin/neo4j-admin"
elif [ -n "${NEO4J_HOME:-}" ]; then
  die 2 "NEO4J_HOME=$NEO4J_HOME has no executable bin/neo4j-admin"
elif command -v neo4j-admin >/dev/null 2>&1; then
  LOCAL_ADMIN="$(command -v neo4j-admin)"
fi
if [ "$MODE" = auto ]; then
  if [ -n "$LOCAL_ADMIN" ]; then MODE=local
  elif container_running; then MODE=exec
  elif docker_usable; then MODE=run
  else
    say "$DOCKER_MISSING; set NEO4J_HOME to a Neo4j 5 installation (scripts/install-neo4j.sh), put neo4j-admin on PATH, or start Docker and run make neo4j-up"
    die 2 "neo4j-admin not found (no NEO4J_HOME, not on PATH, no running Docker)"
  fi
fi

# In a container the bundle is seen under /import: the host folder mounted
# there is NEO4J_IMPORT_DIR (docker-compose.yml mounts OUT_DIR).
IMPORT_ROOT="${NEO4J_IMPORT_DIR:-$(dirname "$BUNDLE")}"
container_path() {
  local root
  root="$(cd "$IMPORT_ROOT" 2>/dev/null && pwd)" || die 2 "NEO4J_IMPORT_DIR=$IMPORT_ROOT does not exist"
  case "$BUNDLE/" in
    "$root"/*) printf '/import%s' "${BUNDLE#"$root"}" ;;
    *) die 2 "$BUNDLE is not under NEO4J_IMPORT_DIR=$root, the folder mounted at /import in the container" ;;
  esac
}

HEAP_SIZE="${HEAP_SIZE:-}"
ADMIN=()   # the neo4j-admin command, run from the bundle folder
case "$MODE" in
  local)
    [ -n "$LOCAL_ADMIN" ] || die 2 "--mode local: no neo4j-admin (set NEO4J_HOME or PATH)"
    ADMIN=("$LOCAL_ADMIN")
    admin() { (cd "$BUNDLE" && HEAP_SIZE="$HEAP_SIZE" "${ADMIN[@]}" "$@"); }
    ;;
  exec)
    container_running || die 2 "--mode exec: container $NEO4J_CONTAINER is not running (make neo4j-up, or set NEO4J_CONTAINER)"
    CPATH="$(container_path)"
    ADMIN=("$DOCKER" exec -i -w "$CPATH" -e "HEAP_SIZE=$HEAP_SIZE" "$NEO4J_CONTAINER" neo4j-admin)
    admin() { "${ADMIN[@]}" "$@"; }
    ;;
  run)
    docker_usable || die 2 "--mode run needs a running Docker with compose: $DOCKER_MISSING"
    CPATH="$(container_path)"
    ADMIN=("${COMPOSE_CMD[@]}" run --rm --no-deps -T -w "$CPATH" -e "HEAP_SIZE=$HEAP_SIZE" "$NEO4J_SERVICE" neo4j-admin)
    admin() { "${ADMIN[@]}" "$@"; }
    ;;
esac
say "neo4j-admin: ${ADMIN[*]} (mode $MODE)"

# ---------------------------------------------------------------- the store on disk
# Where the target store lives, to tell afterwards whether a failed
# neo4j-admin began writing it: locally server.directories.data of
# neo4j.conf (in NEO4J_CONF, else NEO4J_HOME/conf), else NEO4J_HOME/data; in Docker NEO4J_DATA_DIR, the host folder
# docker-compose.yml mounts at /data (the Makefile exports it for Docker
# only, so it is not read locally). Empty when unknown.
if [ "$MODE" = local ] && [ -n "${NEO4J_HOME:-}" ]; then
  DATA_DIR="$(sed -n 's/^[[:space:]]*server\.directories\.data[[:space:]]*=[[:space:]]*//p' "${NEO4J_CONF:-$NEO4J_HOME/conf}/neo4j.conf" 2>/dev/null | tail -n 1)" || true
  DATA_DIR="${DATA_DIR:-data}"
  case "$DATA_DIR" in /*) ;; *) DATA_DIR="$NEO4J_HOME/$DATA_DIR" ;; esac
elif [ "$MODE" != local ]; then
  DATA_DIR="${NEO4J_DATA_DIR:-$(cd "$HERE/.." && pwd)/out/neo4j/data}"
else
  DATA_DIR=""
fi
store_dirs() { [ -z "$DATA_DIR" ] || printf '%s\n' "$DATA_DIR/databases/$DATABASE" "$DATA_DIR/transactions/$DATABASE"; }
# What the store folders hold: names, inodes, sizes and times of every entry
# ("absent" for a missing folder). Equal before and after = not touched.
store_state() {
  local d
  while IFS= read -r d; do
    if [ -d "$d" ]; then printf '%s\n' "$d"; find "$d" -exec ls -lnid {} + 2>/dev/null | LC_ALL=C sort
    else printf '%s absent\n' "$d"; fi
  done < <(store_dirs)
}
store_exists() { [ -n "$DATA_DIR" ] && [ -n "$(ls -A "$DATA_DIR/databases/$DATABASE" 2>/dev/null)" ]; }

# ---------------------------------------------------------------- cypher-shell
CYPHER=()
if [ "$MODE" = exec ] || { [ "$MODE" = run ] && container_running; }; then
  CYPHER=("$DOCKER" exec -i -e NEO4J_USERNAME -e NEO4J_PASSWORD "$NEO4J_CONTAINER" cypher-shell -a "${NEO4J_URI_IN_CONTAINER:-neo4j://localhost:7687}")
elif [ -n "${NEO4J_HOME:-}" ] && [ -x "$NEO4J_HOME/bin/cypher-shell" ]; then
  CYPHER=("$NEO4J_HOME/bin/cypher-shell" -a "$NEO4J_URI")
elif command -v cypher-shell >/dev/null 2>&1; then
  CYPHER=("$(command -v cypher-shell)" -a "$NEO4J_URI")
fi
# cypher DB QUERY: plain output on stdout. Credentials come from
# NEO4J_USERNAME / NEO4J_PASSWORD in the environment, never the command line.
cypher() {
  local db="$1" q="$2"
  [ ${#CYPHER[@]} -gt 0 ] || return 127
  "${CYPHER[@]}" -d "$db" --format plain "$q"
}
# A real server refuses plain Cypher such as RETURN 1 on the system
# database ("can only be executed in a user database"); SHOW is allowed.
server_up() { [ ${#CYPHER[@]} -gt 0 ] && cypher system "SHOW DEFAULT DATABASE YIELD name RETURN name;" >/dev/null 2>&1; }

# ---------------------------------------------------------------- history
STARTED=""
PHASE=import
ADMIN_PEAK=""
record() { # ok seconds
  [ -n "$HISTORY" ] || return 0
  [ "$DRY_RUN" = 0 ] || return 0
  "${OPS[@]}" history "$HISTORY" customer="$CUSTOMER" profile="$M_PROFILE" phase="$PHASE" \
    format="$M_FORMAT" nodes="$M_NODES" relationships="$M_RELATIONSHIPS" bytes="$M_BYTES" \
    seconds="$2" peak_rss_bytes="$ADMIN_PEAK" ok="$1" database="$DATABASE" mode="$MODE" \
    neo4j_version="${VERSION:-}" edition="${EDITION:-}" ||
    say "warning: could not append to history file $HISTORY"
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }
on_exit() {
  local rc=$?
  if [ -n "$STARTED" ] && [ "$rc" -ne 0 ]; then record false "$(elapsed "$STARTED")"; fi
}
trap on_exit EXIT

run_or_show() {
  if [ "$DRY_RUN" = 1 ]; then { printf 'import.sh: would run:'; printf ' %q' "$@"; printf '\n'; } >&2; return 0; fi
  "$@"
}

# ---------------------------------------------------------------- verification
COUNT_QUERY=""
count_query() { [ -n "$COUNT_QUERY" ] || COUNT_QUERY="$("${OPS[@]}" count-query "$BUNDLE")"; }

verify_counts() { # [counts before an increment, JSON file]
  local before="${1:-}" out rc=0
  count_query
  out="$(mktemp)"
  if ! cypher "$DATABASE" "$COUNT_QUERY" > "$out" 2>&1; then
    say "cypher-shell failed:"; sed 's/^/  /' "$out" >&2; rm -f "$out"
    die 1 "could not count nodes and relationships in database $DATABASE"
  fi
  "${OPS[@]}" check-counts "$BUNDLE" "$out" ${before:+"$before"} || rc=$?
  rm -f "$out"
  [ "$rc" = 0 ] || die 1 "database $DATABASE does not hold what the manifest says (differences above)"
}

counts_now() { # -> path of a JSON file with the current counts
  local out act
  count_query
  out="$(mktemp)"; act="$(mktemp)"
  cypher "$DATABASE" "$COUNT_QUERY" > "$out" 2>&1 || { sed 's/^/  /' "$out" >&2; die 1 "could not count database $DATABASE before the import"; }
  "${OPS[@]}" counts "$out" > "$act" || die 1 "could not read the counts cypher-shell returned"
  rm -f "$out"
  echo "$act"
}

# schema.cypher: the id uniqueness constraints and lookup indexes that
# neo4j-admin does not create. Sent on stdin (works through docker exec as
# well as `cypher-shell -f`), then db.awaitIndexes and SHOW INDEXES.
INDEX_WAIT_SECONDS="${INDEX_WAIT_SECONDS:-300}"
apply_schema() {
  local file="$BUNDLE/schema.cypher" out report
  if [ ! -s "$file" ]; then
    say "no schema.cypher in $BUNDLE (a bundle of an older cmdbgen): no constraints or indexes created"
    return 0
  fi
  say "creating constraints and indexes in $DATABASE ($(grep -c ';' "$file") statements of schema.cypher)"
  out="$(mktemp)"
  if ! "${CYPHER[@]}" -d "$DATABASE" --format plain < "$file" > "$out" 2>&1; then
    sed 's/^/  /' "$out" >&2; rm -f "$out"
    die 1 "schema.cypher failed on $DATABASE (the data itself is imported); fix the cause and run: scripts/import.sh --schema-only --database $DATABASE $BUNDLE"
  fi
  if ! cypher "$DATABASE" "CALL db.awaitIndexes($INDEX_WAIT_SECONDS);" > "$out" 2>&1; then
    sed 's/^/  /' "$out" >&2; rm -f "$out"
    die 1 "the indexes of $DATABASE did not come online within ${INDEX_WAIT_SECONDS}s (INDEX_WAIT_SECONDS); check SHOW INDEXES, then run: scripts/import.sh --schema-only --database $DATABASE $BUNDLE"
  fi
  cypher "$DATABASE" "SHOW INDEXES YIELD name, state, populationPercent RETURN name, state, populationPercent;" > "$out" 2>&1 ||
    { sed 's/^/  /' "$out" >&2; rm -f "$out"; die 1 "SHOW INDEXES failed on $DATABASE"; }
  report="$("${OPS[@]}" schema-report "$out")" || { rm -f "$out"; die 1 "indexes of $DATABASE are not online: ${report#not online: }"; }
  rm -f "$out"
  say "schema: $report"
}

if [ "$VERIFY_ONLY" = 1 ]; then
  server_up || die 1 "Neo4j does not answer at ${CYPHER[*]:-<no cypher-shell>}; cannot verify"
  verify_counts ""
  say "verified: database $DATABASE matches $BUNDLE/manifest.json"
  exit 0
fi
if [ "$SCHEMA_ONLY" = 1 ]; then
  server_up || die 1 "Neo4j does not answer at ${CYPHER[*]:-<no cypher-shell>}; cannot create the schema"
  apply_schema
  exit 0
fi

# ---------------------------------------------------------------- version and edition
VERSION_TEXT="$(admin --version 2>&1)" || die 2 "'${ADMIN[*]} --version' failed: $VERSION_TEXT"
# `neo4j-admin --version` prints e.g. 5.26.1 (calendar releases: 2025.04.0).
[[ "$VERSION_TEXT" =~ ([0-9]+)\.([0-9]+)(\.([0-9]+))? ]] || die 2 "cannot find a version in: $VERSION_TEXT"
V_MAJOR="${BASH_REMATCH[1]}"; V_MINOR="${BASH_REMATCH[2]}"; V_PATCH="${BASH_REMATCH[4]:-0}"
VERSION="$V_MAJOR.$V_MINOR.$V_PATCH"
if [ "$V_MAJOR" -lt 5 ]; then
  die 2 "neo4j-admin $VERSION is too old: cmdbgen bundles need Neo4j 5.x or a 2025+ calendar release (the 'database import full' syntax)"
fi
if [ -n "${NEO4J_EDITION:-}" ]; then
  EDITION="$NEO4J_EDITION"
else
  # Community registers only `import full`; Enterprise also `import
  # incremental`. Read the command list: a real Community neo4j-admin
  # answers `import incremental --help` with import's own help and exit 0.
  IMPORT_HELP="$(admin database import --help 2>&1 || true)"
  if grep -qE '^[[:space:]]+incremental([[:space:]]|$)' <<< "$IMPORT_HELP"; then
    EDITION=enterprise
  else
    EDITION=community
  fi
fi
case "$EDITION" in community|enterprise) ;; *) die 2 "NEO4J_EDITION must be community or enterprise (got '$EDITION')" ;; esac
# What the bundle needs is in its manifest ("neo4j": minimum release per
# feature, known-broken releases such as Parquet's label bug before 5.26.26
# and in 2025.01-2025.03, edition); refuse here, before anything runs.
NEEDS_TEXT="$("${OPS[@]}" check-version "$BUNDLE" "$VERSION" "$EDITION" 2>&1)" ||
  die 2 "${NEEDS_TEXT#ops.py: }"
[ -z "$NEEDS_TEXT" ] || printf '%s\n' "$NEEDS_TEXT" | grep '^ops.py: warning' | sed 's/^ops.py: /import.sh: /' >&2 || true
say "Neo4j $VERSION $EDITION; the bundle $(printf '%s\n' "$NEEDS_TEXT" | tail -n 1)"

# ---------------------------------------------------------------- memory
EST_HEAP=""; EST_OFF_HEAP=""
if [ -n "$ESTIMATE" ]; then
  [ -f "$ESTIMATE" ] || die 2 "--estimate $ESTIMATE does not exist (run make estimate)"
  MEM="$("${OPS[@]}" memory "$ESTIMATE")" || die 2 "cannot read the estimate $ESTIMATE"
  eval "$MEM"
fi
# Heap: HEAP_SIZE, else the estimate, else 2g (neo4j-admin needs little heap;
# the off-heap budget does the work).
HEAP_SIZE="${HEAP_SIZE:-${EST_HEAP:-2g}}"
# Off-heap: MAX_OFF_HEAP_MEMORY, else the estimate, else 70% of RAM minus the
# heap as an absolute value (neo4j-admin's default percentage is taken of
# *free* memory, which is tiny on hosts whose RAM is full of file cache).
OFF_HEAP="${MAX_OFF_HEAP_MEMORY:-${EST_OFF_HEAP:-}}"
to_mib() { # 2g / 512m / 1024k / bytes -> MiB
  awk -v s="$1" 'BEGIN { n = s + 0; u = tolower(substr(s, length(s)));
    f = (u == "t") ? 1048576 : (u == "g") ? 1024 : (u == "m") ? 1 : (u == "k") ? 1 / 1024 : 1 / 1048576;
    printf "%d\n", n * f }'
}
if [ -z "$OFF_HEAP" ] && [ -r /proc/meminfo ]; then
  TOTAL_MIB=$(awk '/^MemTotal:/ { printf "%d\n", $2 / 1024 }' /proc/meminfo)
  BUDGET=$(( TOTAL_MIB * 7 / 10 - $(to_mib "$HEAP_SIZE") ))
  [ "$BUDGET" -ge 1024 ] || BUDGET=1024
  OFF_HEAP="${BUDGET}m"
fi
MEM_ARGS=()
[ -z "$OFF_HEAP" ] || MEM_ARGS=("--max-off-heap-memory=$OFF_HEAP")
# The admin() helpers read HEAP_SIZE when they run; rebuild the docker ones.
case "$MODE" in
  exec) ADMIN=("$DOCKER" exec -i -w "$CPATH" -e "HEAP_SIZE=$HEAP_SIZE" "$NEO4J_CONTAINER" neo4j-admin) ;;
  run) ADMIN=("${COMPOSE_CMD[@]}" run --rm --no-deps -T -w "$CPATH" -e "HEAP_SIZE=$HEAP_SIZE" "$NEO4J_SERVICE" neo4j-admin) ;;
esac

# ---------------------------------------------------------------- helpers for runs
LOG=""
run_admin() { # args... ; output to a log in the bundle folder
  LOG="$BUNDLE/import-$(date -u +%Y%m%dT%H%M%SZ).log"
  if [ -f "$BUNDLE/import.report" ] && [ "$DRY_RUN" = 0 ]; then
    # Keep an earlier run's report; neo4j-admin writes a new one.
    local base kept n=0
    base="$BUNDLE/import.report.$(date -u +%Y%m%dT%H%M%SZ)"
    kept="$base"
    while [ -e "$kept" ]; do n=$((n + 1)); kept="$base.$n"; done
    mv "$BUNDLE/import.report" "$kept"
  fi
  if [ "$DRY_RUN" = 1 ]; then run_or_show "${ADMIN[@]}" "$@"; return 0; fi
  say "running: HEAP_SIZE=$HEAP_SIZE ${ADMIN[*]} $*"
  say "log: $LOG"
  local rc=0 store_before stamp
  store_before="$(store_state)"
  stamp="$(mktemp)"
  if [ "$MODE" = local ]; then
    (cd "$BUNDLE" && HEAP_SIZE="$HEAP_SIZE" "${ADMIN[@]}" "$@") 2>&1 | tee "$LOG" >&2 || rc=${PIPESTATUS[0]}
  else
    "${ADMIN[@]}" "$@" 2>&1 | tee "$LOG" >&2 || rc=${PIPESTATUS[0]}
  fi
  if [ "$rc" -ne 0 ]; then
    local why="failed"
    case "$rc" in
      3) why="failed: the database is in use (stop it, or the DBMS on Community)" ;;
      64) why="rejected its command line (usage error)" ;;
      70) why="crashed (unhandled exception)" ;;
    esac
    # neo4j-admin checks its arguments, the input files and whether the
    # database exists before it writes a byte, and --overwrite-destination
    # deletes the old store first. So: store folders exactly as before (or
    # still absent) = it refused and the store is as it was; anything else =
    # it began writing and what is there is a half-written store.
    local store_after touched=""
    store_after="$(store_state)"
    # ls shows times to the minute; -newer than a file made just before the
    # run catches a rewrite of the same size within that minute.
    if [ -n "$DATA_DIR" ]; then
      touched="$(store_dirs | while IFS= read -r d; do [ ! -d "$d" ] || find "$d" -newer "$stamp" -print 2>/dev/null; done | head -n 1)"
    fi
    rm -f "$stamp"
    if [ -z "$DATA_DIR" ]; then
      die 1 "neo4j-admin $why (exit code $rc); see $LOG. Whether it began writing the store of $DATABASE is unknown (neo4j-admin from PATH: set NEO4J_HOME to have its data folder checked); look at the log before using $DATABASE"
    elif [ "$store_before" = "$store_after" ] && [ -z "$touched" ]; then
      if grep -qi 'already exist' "$LOG"; then
        die 1 "neo4j-admin refused: database $DATABASE already exists, and nothing was written. To replace it pass --overwrite-destination (its data is lost), or choose another --database"
      fi
      die 1 "neo4j-admin $why (exit code $rc) before writing anything; see $LOG. The store of $DATABASE is as it was: fix the cause and run this again"
    fi
    local redo="fix the cause and re-run with --overwrite-destination"
    [ "$PHASE" != import-incremental ] || redo="restore it from the backup taken before the increment"
    die 1 "neo4j-admin $why (exit code $rc) after it began writing the store of $DATABASE ($DATA_DIR/databases/$DATABASE changed); see $LOG. That store is likely unusable: $redo"
  fi
  rm -f "$stamp"
  if [ -s "$BUNDLE/import.report" ]; then
    say "neo4j-admin reported bad entries in $BUNDLE/import.report:"
    head -n 20 "$BUNDLE/import.report" | sed 's/^/  /' >&2
    die 1 "the import skipped or rejected entries; the database does not match the bundle"
  fi
  local summary
  summary="$("${OPS[@]}" admin-summary "$LOG")" || die 1 "cannot read $LOG"
  eval "$summary"
}

check_admin_summary() { # expected nodes, relationships
  if [ -z "$ADMIN_NODES" ]; then
    say "warning: neo4j-admin printed no 'IMPORT DONE ... Imported' summary to compare"
    return 1
  fi
  if [ "$ADMIN_NODES" != "$1" ] || [ "$ADMIN_RELATIONSHIPS" != "$2" ]; then
    die 1 "neo4j-admin imported $ADMIN_NODES nodes and $ADMIN_RELATIONSHIPS relationships; the manifest has $1 and $2"
  fi
  say "neo4j-admin imported $ADMIN_NODES nodes and $ADMIN_RELATIONSHIPS relationships, as the manifest says"
}

wait_for_server() {
  local waited=0
  until server_up; do
    [ "$waited" -lt "$WAIT_SECONDS" ] || die 1 "Neo4j did not answer within ${WAIT_SECONDS}s (WAIT_SECONDS)"
    sleep 2; waited=$((waited + 2))
  done
}

start_server() {
  case "$MODE" in
    local)
      [ -n "${NEO4J_HOME:-}" ] && [ -x "$NEO4J_HOME/bin/neo4j" ] || die 2 "--start-server needs NEO4J_HOME/bin/neo4j"
      run_or_show "$NEO4J_HOME/bin/neo4j" start ;;
    *) run_or_show "${COMPOSE_CMD[@]}" up -d "$NEO4J_SERVICE"
       CYPHER=("$DOCKER" exec -i -e NEO4J_USERNAME -e NEO4J_PASSWORD "$NEO4J_CONTAINER" cypher-shell -a "${NEO4J_URI_IN_CONTAINER:-neo4j://localhost:7687}") ;;
  esac
  [ "$DRY_RUN" = 1 ] || wait_for_server
}

db_status() { # -> "absent" or the database's currentStatus
  local out
  out="$(cypher system "SHOW DATABASES YIELD name, currentStatus WHERE name = '$DATABASE' RETURN currentStatus;" 2>&1)" ||
    die 1 "SHOW DATABASES failed: $out"
  out="$(printf '%s\n' "$out" | sed -n '2p' | tr -d '"' | tr -d ' ')"
  echo "${out:-absent}"
}

default_db() {
  local out
  out="$(cypher system "SHOW DEFAULT DATABASE YIELD name RETURN name;" 2>/dev/null | sed -n '2p' | tr -d '"' | tr -d ' ')" || true
  echo "${out:-${DEFAULT_DATABASE:-neo4j}}"
}

# ---------------------------------------------------------------- increments
if [ "$INCREMENTAL" = 1 ]; then
  PHASE=import-incremental
  ONLINE_REASON=""
  if [ "$ONLINE" = 1 ]; then
    ONLINE_REASON="--online was given"
  elif [ "$EDITION" != enterprise ]; then
    ONLINE_REASON="incremental import is Enterprise-only (this is Community)"
  elif ! "${OPS[@]}" additions-only "$BUNDLE"; then
    ONLINE_REASON="the change set updates, moves or deletes, which neo4j-admin's incremental import cannot do"
  elif ! MISSING_LABEL="$("${OPS[@]}" incremental-ready "$BUNDLE")"; then
    ONLINE_REASON="node headers of $MISSING_LABEL have no {label:...} on their :ID column, which incremental import needs"
  fi
  if [ -n "$ONLINE_REASON" ]; then
    PHASE=apply
    CMDBGEN="${CMDBGEN:-cmdbgen}"
    say "online fallback (cmdbgen apply): $ONLINE_REASON"
    if ! "$CMDBGEN" apply --help >/dev/null 2>&1; then
      die 2 "'$CMDBGEN apply' is not available in this cmdbgen build (the online Bolt loader); set CMDBGEN to a build that has it"
    fi
    APPLY=("$CMDBGEN" apply "$BUNDLE" --uri "$NEO4J_URI" --user "$NEO4J_USERNAME" --password-env NEO4J_PASSWORD --database "$DATABASE")
    STARTED="$(now)"
    run_or_show "${APPLY[@]}" || die 1 "cmdbgen apply failed (it resumes from its checkpoint when re-run)"
    [ "$DRY_RUN" = 1 ] || record true "$(elapsed "$STARTED")"
    STARTED=""
    say "applied $BUNDLE to $DATABASE online"
    exit 0
  fi

  # neo4j-admin database import incremental (Enterprise, additions only).
  UP=0; server_up && UP=1
  BEFORE=""
  STOPPED=0
  if [ "$UP" = 1 ]; then
    STATUS="$(db_status)"
    [ "$STATUS" != absent ] || die 2 "database $DATABASE does not exist: an increment needs its base (import the full bundle first)"
    # Incremental import finds existing nodes through uniqueness constraints
    # on each {label:...} id; without them it aborts. Check while online.
    if [ "$STATUS" = online ]; then
      OUT_C="$(mktemp)"
      cypher "$DATABASE" "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type RETURN labelsOrTypes, properties, type;" > "$OUT_C" 2>&1 ||
        { sed 's/^/  /' "$OUT_C" >&2; die 1 "SHOW CONSTRAINTS failed on $DATABASE"; }
      MISSING="$("${OPS[@]}" missing-constraints "$BUNDLE" "$OUT_C")"; rm -f "$OUT_C"
      if [ -n "$MISSING" ]; then
        if [ "$CREATE_CONSTRAINTS" = 1 ]; then
          while IFS= read -r stmt; do
            say "creating: $stmt"
            run_or_show cypher "$DATABASE" "$stmt" >/dev/null || die 1 "could not create a constraint: $stmt"
          done <<< "$MISSING"
        else
          say "incremental import needs these uniqueness constraints, which $DATABASE lacks:"
          sed 's/^/  /' <<< "$MISSING" >&2
          die 2 "create them (or pass --create-constraints), then run this again"
        fi
      fi
    fi
    if [ "$VERIFY" != none ] && [ "$VERIFY" != summary ]; then BEFORE="$(counts_now)"; fi
    if [ "$STATUS" = online ]; then
      [ "$STOP_START" = 1 ] || die 2 "database $DATABASE is online; incremental import (stage all) needs it stopped: pass --stop-start to stop it for the import and start it after"
      say "stopping database $DATABASE"
      run_or_show cypher system "STOP DATABASE \`$DATABASE\` WAIT;" >/dev/null || die 1 "STOP DATABASE $DATABASE failed"
      STOPPED=1
    fi
  fi
  say "back up $DATABASE before a large increment: a failed merge stage can leave the store unusable"
  STARTED="$(now)"
  run_admin database import incremental "$DATABASE" --force "@import.args" "${MEM_ARGS[@]}" "${EXTRA[@]}"
  if [ "$STOPPED" = 1 ]; then
    run_or_show cypher system "START DATABASE \`$DATABASE\` WAIT;" >/dev/null || die 1 "START DATABASE $DATABASE failed; start it by hand"
  fi
  [ "$DRY_RUN" = 0 ] || exit 0
  SECS="$(elapsed "$STARTED")"
  if [ -n "$ADMIN_NODES" ]; then say "neo4j-admin added $ADMIN_NODES nodes and $ADMIN_RELATIONSHIPS relationships"; fi
  if [ -n "$BEFORE" ]; then
    verify_counts "$BEFORE"; rm -f "$BEFORE"
    say "verified: database $DATABASE grew by exactly the change set"
  elif [ "$VERIFY" = cypher ]; then
    die 1 "--verify cypher: Neo4j did not answer before the import, so the counts before it are unknown"
  fi
  record true "$SECS"; STARTED=""
  exit 0
fi

# ---------------------------------------------------------------- full import
UP=0; server_up && UP=1
EXISTS=0
if [ "$UP" = 1 ]; then
  DEFAULT_DB="$(default_db)"
  if [ "$EDITION" = community ]; then
    if [ "$DATABASE" != "$DEFAULT_DB" ]; then
      die 2 "Community Edition serves one user database ('$DEFAULT_DB'); it cannot CREATE DATABASE $DATABASE. Import into --database $DEFAULT_DB, or set initial.dbms.default_database=$DATABASE before the DBMS is first started (DATABASE=$DATABASE for docker-compose.yml), or use Enterprise"
    fi
    die 2 "Neo4j is running and holds database $DATABASE; Community cannot stop one database. Stop the DBMS (make neo4j-down, or neo4j stop), then run this again with --overwrite-destination (the DBMS created '$DATABASE' when it first started) and --start-server"
  fi
  STATUS="$(db_status)"
  if [ "$STATUS" != absent ]; then
    EXISTS=1
    [ "$OVERWRITE" = 1 ] || die 2 "database $DATABASE already exists ($STATUS); pass --overwrite-destination to replace it (its data is lost), or choose another --database"
  fi
else
  if [ "$EDITION" = community ] && [ "$DATABASE" != "${DEFAULT_DATABASE:-neo4j}" ]; then
    die 2 "Community Edition serves only its default database (DEFAULT_DATABASE=${DEFAULT_DATABASE:-neo4j}); to import into '$DATABASE', set initial.dbms.default_database=$DATABASE before the DBMS first starts (DATABASE=$DATABASE for docker-compose.yml) and DEFAULT_DATABASE=$DATABASE here, or use Enterprise"
  fi
  if [ "$VERIFY" = cypher ] && [ "$START_SERVER" = 0 ]; then
    die 2 "--verify cypher: Neo4j does not answer (${CYPHER[*]:-no cypher-shell found}); start it, or pass --start-server, or --verify summary"
  fi
fi

# Offline, the data folder shows an existing store (on Community the DBMS
# creates its default database when it first starts).
if [ "$OVERWRITE" = 0 ] && [ "$EXISTS" = 0 ] && store_exists; then
  die 2 "database $DATABASE already exists (its store is $DATA_DIR/databases/$DATABASE); pass --overwrite-destination to replace it (its data is lost), or choose another --database"
fi

ARGS=(database import full "$DATABASE" "@import.args")
[ "$OVERWRITE" = 0 ] || ARGS+=(--overwrite-destination)
ARGS+=("${MEM_ARGS[@]}" "${EXTRA[@]}")

if [ "$EXISTS" = 1 ]; then
  say "stopping database $DATABASE (--overwrite-destination)"
  run_or_show cypher system "STOP DATABASE \`$DATABASE\` WAIT;" >/dev/null || die 1 "STOP DATABASE $DATABASE failed"
fi
STARTED="$(now)"
run_admin "${ARGS[@]}"
[ "$DRY_RUN" = 0 ] || exit 0
SECS="$(elapsed "$STARTED")"
SUMMARY_OK=1
check_admin_summary "$M_NODES" "$M_RELATIONSHIPS" || SUMMARY_OK=0

if [ "$UP" = 0 ] && [ "$START_SERVER" = 1 ]; then
  say "starting Neo4j"
  start_server
  UP=1
fi
if [ "$UP" = 1 ] && [ "$EDITION" = enterprise ]; then
  if [ "$EXISTS" = 1 ]; then
    cypher system "START DATABASE \`$DATABASE\` WAIT;" >/dev/null || die 1 "START DATABASE $DATABASE failed"
  elif [ "$(db_status)" = absent ]; then
    say "creating database $DATABASE"
    cypher system "CREATE DATABASE \`$DATABASE\` IF NOT EXISTS WAIT;" >/dev/null || die 1 "CREATE DATABASE $DATABASE failed"
  fi
fi

if [ "$VERIFY" = none ]; then
  say "count check skipped (--verify none)"
elif [ "$UP" = 1 ] && [ "$VERIFY" != summary ]; then
  verify_counts ""
  say "verified: database $DATABASE holds exactly the bundle's nodes, relationships, labels and types"
elif [ "$VERIFY" = summary ] || [ "$VERIFY" = auto ]; then
  [ "$SUMMARY_OK" = 1 ] || die 1 "no neo4j-admin summary and no server to count with: the import is not verified"
  say "Cypher count check skipped: Neo4j is not running. Start it and run: scripts/import.sh --verify-only --database $DATABASE $BUNDLE"
  if [ "$EDITION" = enterprise ] && [ "$DATABASE" != "${DEFAULT_DATABASE:-neo4j}" ]; then
    say "then create the database: CREATE DATABASE \`$DATABASE\` (on the system database)"
  fi
fi
if [ "$SCHEMA" = 0 ]; then
  say "schema.cypher not applied (--no-schema); later: scripts/import.sh --schema-only --database $DATABASE $BUNDLE"
elif [ "$UP" = 1 ]; then
  apply_schema
else
  say "schema.cypher not applied: Neo4j is not running. Once it runs: scripts/import.sh --schema-only --database $DATABASE $BUNDLE (or cypher-shell -d $DATABASE -f $BUNDLE/schema.cypher)"
fi
record true "$SECS"; STARTED=""
say "done: $DATABASE imported from $BUNDLE in ${SECS}s"
