#!/usr/bin/env bash
# Measures `cmdbgen apply` against a real Neo4j on loopback (the 5.26 LTS
# Community from scripts/install-neo4j.sh): rows/s for nodes and
# relationships and the queries sent, for each batch size, each on a fresh
# database. A benchmark, not a test: results go to docs/performance.md.
#
#   scripts/bench-online.sh                       # medium profile, batch sizes 1000 and 10000
#   PROFILE=large SIZES="5000" scripts/bench-online.sh
#
# Environment: PROFILE, SIZES, NEO4J_VERSION (5.26.30), HEAP (server heap,
# default 2g), PAGECACHE (default 1g). Uses the release build of cmdbgen.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-medium}"
SIZES="${SIZES:-1000 10000}"
HEAP="${HEAP:-2g}"
PAGECACHE="${PAGECACHE:-1g}"
PASSWORD=cmdbgen-bench
cargo build --release --locked --quiet
HOME_DIR="$(scripts/install-neo4j.sh "${NEO4J_VERSION:-5.26.30}")"
WORK="$(mktemp -d)"
INST=""
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
stop_server() {
  if [ -n "$INST" ] && [ -f "$INST/run/neo4j.pid" ]; then
    NEO4J_CONF="$INST/conf" "$HOME_DIR/bin/neo4j" stop >/dev/null 2>&1 || true
  fi
  INST=""
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT
./target/release/cmdbgen generate --profile "$PROFILE" --out "$WORK/bundle" --quiet
echo "profile $PROFILE: $(nproc) cores, Neo4j $("$HOME_DIR/bin/neo4j-admin" --version | tail -1) (heap $HEAP, page cache $PAGECACHE), $(./target/release/cmdbgen --version)"
for size in $SIZES; do
  INST="$WORK/neo4j-$size"
  port=$(free_port); http=$(free_port)
  mkdir -p "$INST/conf"
  grep -v -e '^server.bolt.listen_address' -e '^server.http.listen_address' \
       -e '^server.memory' "$HOME_DIR/conf/neo4j.conf" >"$INST/conf/neo4j.conf"
  {
    echo "server.bolt.listen_address=127.0.0.1:$port"
    echo "server.http.listen_address=127.0.0.1:$http"
    echo "server.memory.heap.initial_size=$HEAP"
    echo "server.memory.heap.max_size=$HEAP"
    echo "server.memory.pagecache.size=$PAGECACHE"
    for d in data logs run import plugins; do echo "server.directories.$d=$INST/$d"; done
  } >>"$INST/conf/neo4j.conf"
  export NEO4J_CONF="$INST/conf"
  "$HOME_DIR/bin/neo4j-admin" dbms set-initial-password "$PASSWORD" >/dev/null
  "$HOME_DIR/bin/neo4j" start >"$WORK/start-$size.log" 2>&1
  # Ready when the database answers a query (the port opens earlier).
  ready=0
  for _ in $(seq 1 600); do
    if curl -sf -u "neo4j:$PASSWORD" -H 'Content-Type: application/json' \
         -d '{"statements":[{"statement":"RETURN 1"}]}' \
         "http://127.0.0.1:$http/db/neo4j/tx/commit" >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.2
  done
  [ "$ready" = 1 ] || { echo "bench-online.sh: Neo4j did not start" >&2; cat "$WORK/start-$size.log" >&2; exit 1; }
  echo "== --batch-size $size"
  NEO4J_PASSWORD="$PASSWORD" ./target/release/cmdbgen apply "$WORK/bundle" \
    --uri "bolt://127.0.0.1:$port" --batch-size "$size" \
    --state "$WORK/state$size.json" --progress none 2>/dev/null
  stop_server
  unset NEO4J_CONF
done
