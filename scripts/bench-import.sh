#!/usr/bin/env bash
# bench-import.sh - the bundle shapes beside each other on a real neo4j-admin.
#
# Generates one profile in three shapes: the default (string ids, `source`
# only), `--provenance full` (the provenance arrays and timestamps too) and
# `--ids integer`; imports each RUNS times, round by round so host noise
# falls on every shape alike, into a private conf and data folder; prints
# per import the wall time, neo4j-admin's own "IMPORT DONE" time, its peak
# memory and the store (database + transactions folders), having checked
# neo4j-admin's node and relationship totals against the manifest; then the medians
# and the two ratios the importer-shaped bundles are judged by:
#   store(default) / store(provenance full)   target <= 0.75
#   time(integer ids) / time(string ids)      target <= 0.90
# Nothing here is a test: the machine is shared; read the ratios.
#
# usage: scripts/bench-import.sh [OUTDIR]
# env: NEO4J_HOME (a 5.x neo4j-admin; default: the one scripts/install-neo4j.sh
#      caches), PROFILE [enterprise], RUNS [3], CMDBGEN [target/release/cmdbgen]
set -euo pipefail
cd "$(dirname "$0")/.."
OUTDIR=${1:-/tmp/cmdbgen-bench-import}
PROFILE=${PROFILE:-enterprise}
RUNS=${RUNS:-3}
CMDBGEN=${CMDBGEN:-target/release/cmdbgen}
if [ -z "${NEO4J_HOME:-}" ]; then
  NEO4J_HOME=$(ls -d "$HOME"/.cache/cmdbgen-tools/neo4j-community-5.* 2>/dev/null | sort -V | tail -1 || true)
fi
[ -x "${NEO4J_HOME:-}/bin/neo4j-admin" ] || {
  echo "bench-import: no neo4j-admin; set NEO4J_HOME or run scripts/install-neo4j.sh" >&2; exit 2; }
[ "$CMDBGEN" = target/release/cmdbgen ] && cargo build --release --locked -q
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
RESULTS="$OUTDIR/bench-import.txt"
log() { echo "[bench-import] $*" >&2; }
# A manifest's total (nodes, relationships, bytes), read with the Python every machine here has.
total() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["totals"][sys.argv[2]])' "$OUTDIR/$1/manifest.json" "$2"; }

shapes="default full integer"
flags() {
  case $1 in
    default) echo "" ;;
    full) echo "--provenance full" ;;
    integer) echo "--ids integer" ;;
  esac
}
for s in $shapes; do
  log "generating $PROFILE ($s)"
  rm -rf "$OUTDIR/$s"
  # shellcheck disable=SC2046
  "$CMDBGEN" generate --profile "$PROFILE" $(flags "$s") --out "$OUTDIR/$s" -q
done

# One import into a private instance; prints "wall admin_s peak store_bytes database_bytes"
# (store = database + transactions folders).
import_once() {
  local s=$1 inst="$OUTDIR/inst-$1"
  rm -rf "$inst"
  mkdir -p "$inst/conf"
  grep -v '^server.directories' "$NEO4J_HOME/conf/neo4j.conf" > "$inst/conf/neo4j.conf"
  for d in data logs run import plugins; do
    mkdir -p "$inst/$d"
    echo "server.directories.$d=$inst/$d" >> "$inst/conf/neo4j.conf"
  done
  local t0 t1 out
  t0=$(date +%s.%N)
  out=$(cd "$OUTDIR/$s" && NEO4J_CONF="$inst/conf" "$NEO4J_HOME/bin/neo4j-admin" \
    database import full neo4j @import.args --overwrite-destination 2>&1) || {
    echo "$out" | tail -20 >&2; log "import of $s failed"; exit 1; }
  t1=$(date +%s.%N)
  local admin peak store db nodes rels
  # The import must be whole: neo4j-admin's own totals against the manifest's.
  nodes=$(echo "$out" | sed -n 's/^ *\([0-9]*\) nodes$/\1/p' | tail -1)
  rels=$(echo "$out" | sed -n 's/^ *\([0-9]*\) relationships$/\1/p' | tail -1)
  if [ "$nodes" != "$(total "$s" nodes)" ] || [ "$rels" != "$(total "$s" relationships)" ]; then
    log "$s: imported ${nodes:-?} nodes and ${rels:-?} relationships, not the manifest's totals"
    exit 1
  fi
  admin=$(echo "$out" | grep -o 'IMPORT DONE in [0-9hms. ]*' | tail -1 | sed -e 's/IMPORT DONE in //' -e 's/[. ]*$//' |
    awk '{t=0; for(i=1;i<=NF;i++){v=$i; if(v~/ms$/){sub(/ms/,"",v);t+=v/1000}
      else if(v~/m$/){sub(/m/,"",v);t+=v*60} else if(v~/s$/){sub(/s/,"",v);t+=v}} printf "%.2f", t}')
  peak=$(echo "$out" | grep -o 'Peak memory usage: [0-9.]*[KMG]iB' | tail -1 | sed 's/Peak memory usage: //')
  db=$(du -sb "$inst/data/databases/neo4j" | cut -f1)
  store=$(( db + $(du -sb "$inst/data/transactions/neo4j" | cut -f1) ))
  rm -rf "$inst"
  printf '%s %s %s %s %s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')" \
    "${admin:-?}" "${peak:-?}" "$store" "$db"
}

{
  echo "== $(date -u +%FT%TZ) $(nproc) vCPU, $(git rev-parse --short HEAD), $PROFILE, RUNS=$RUNS, $(basename "$NEO4J_HOME")"
  for s in $shapes; do
    echo "   $s: $(total "$s" bytes) bytes; flags: $(flags "$s")"
  done
} | tee -a "$RESULTS"
declare -A walls admins stores dbs
for r in $(seq 1 "$RUNS"); do
  # Rotate the order each round so no shape always runs first.
  order=$(echo $shapes | tr ' ' '\n' | awk -v r="$r" '{a[NR]=$0} END {for(i=0;i<NR;i++) print a[(i+r-1)%NR+1]}')
  for s in $order; do
    read -r wall admin peak store db < <(import_once "$s")
    printf '%-8s run %d  wall_s=%-7s admin_s=%-7s peak=%-9s store_bytes=%-11s database_bytes=%-11s load1=%s\n' \
      "$s" "$r" "$wall" "$admin" "$peak" "$store" "$db" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$RESULTS"
    walls[$s]+="$wall "; admins[$s]+="$admin "; stores[$s]=$store; dbs[$s]=$db
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
{
  echo "-- medians"
  for s in $shapes; do
    echo "$s: wall $(echo "${walls[$s]}" | median) s, neo4j-admin $(echo "${admins[$s]}" | median) s, store ${stores[$s]} bytes (database ${dbs[$s]})"
  done
  awk -v a="${stores[default]}" -v b="${stores[full]}" 'BEGIN {printf "store default/full: %.3f (target <= 0.75)\n", a/b}'
  awk -v a="${dbs[default]}" -v b="${dbs[full]}" 'BEGIN {printf "database folder default/full: %.3f\n", a/b}'
  awk -v a="$(echo "${admins[integer]}" | median)" -v b="$(echo "${admins[default]}" | median)" \
    'BEGIN {printf "import time integer/string (neo4j-admin): %.3f (target <= 0.90)\n", a/b}'
  awk -v a="$(echo "${walls[integer]}" | median)" -v b="$(echo "${walls[default]}" | median)" \
    'BEGIN {printf "import time integer/string (wall): %.3f\n", a/b}'
} | tee -a "$RESULTS"
