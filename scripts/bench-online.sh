#!/usr/bin/env bash
# Measures `cmdbgen apply` against kglite-bolt-server on loopback: rows/s for
# nodes and relationships and the number of queries sent, for each batch size,
# on a fresh in-memory server each time.
#
#   scripts/bench-online.sh                       # medium profile, batch sizes 1000 and 10000
#   PROFILE=large SIZES="5000" scripts/bench-online.sh
#
# Uses the release build of cmdbgen and the server from
# scripts/install-bolt-server.sh (or $CMDBGEN_BOLT_SERVER).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-medium}"
SIZES="${SIZES:-1000 10000}"
cargo build --release --locked --quiet
SERVER="${CMDBGEN_BOLT_SERVER:-$(scripts/install-bolt-server.sh)}"
WORK="$(mktemp -d)"
SPID=""
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
./target/release/cmdbgen generate --profile "$PROFILE" --out "$WORK/bundle" --quiet
echo "profile $PROFILE: $(nproc) cores, $("$SERVER" --version), $(./target/release/cmdbgen --version)"
for size in $SIZES; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$SERVER" --graph "$WORK/g$size.kgl" --storage memory --durability off \
    --bind 127.0.0.1 --port "$port" >"$WORK/server$size.log" 2>&1 &
  SPID=$!
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.05
  done
  echo "== --batch-size $size"
  NEO4J_PASSWORD=bench ./target/release/cmdbgen apply "$WORK/bundle" \
    --uri "bolt://127.0.0.1:$port" --batch-size "$size" \
    --state "$WORK/state$size.json" --progress none 2>/dev/null
  kill "$SPID"
  wait "$SPID" 2>/dev/null || true
  SPID=""
done
