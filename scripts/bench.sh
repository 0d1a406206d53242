#!/usr/bin/env bash
# bench.sh - cmdbgen beside DuckDB on the same tables, in one run, on this machine.
#
# Workload: ../shared/bench/peers-schema.md (an 8-column server node table of N
# rows, a 2-column edge table of 2N rows). cmdbgen writes it with
# `cmdbgen bench-table` (its real shard writer); DuckDB with range() + COPY, and
# also with a parallel source (ids in a table first), its strongest form here.
# Also measures the disk with dd, times tpchgen-cli (TPC-H, all 8 tables; a
# different workload, so it is compared by MB/s of CSV and rows/s; installed
# with `cargo install` on first use) and times full profiles (enterprise and a
# slice of xlarge) with `cmdbgen generate`.
#
# Prints one line per measurement (median of RUNS runs, interleaved with the
# other measurements round by round; wall, CPU, peak RSS from
# /usr/bin/time -v) and the ratios the performance issue asks for. Results are
# appended to $OUTDIR/bench-results.txt. Nothing here is a test: the machine is
# shared and noisy; read the ratios.
#
# usage: scripts/bench.sh [OUTDIR]
# env: RUNS [3] NODES [20000000] GZ_NODES [5000000] PQ_NODES [NODES] THREADS [nproc]
#      TPCH_SF [1] (tpchgen-cli's scale factor; SF1 is 8.66 M rows, 1.1 GB of CSV)
#      BENCH_GROUPS ["disk csv gzip parquet scale tpchgen profiles"]
#      XLARGE_PARTS [100; 0 = skip; N = time part 1 of N of xlarge, about 4.0e9/N rows]
#      SCALE_NODES [NODES] (rows of each one-thread/many-thread pair in the scale group)
set -euo pipefail
cd "$(dirname "$0")/.."
OUTDIR=${1:-${BENCH_DIR:-/tmp/cmdbgen-bench}}
RUNS=${RUNS:-3}
NODES=${NODES:-20000000}
EDGES=$((NODES * 2))
GZ_NODES=${GZ_NODES:-5000000}
THREADS=${THREADS:-$(nproc)}
PQ_NODES=${PQ_NODES:-$NODES}
PQ_EDGES=$((PQ_NODES * 2))
# Every one-thread/many-thread pair of the scale group writes SCALE_NODES
# rows, whatever GZ_NODES and PQ_NODES are: at 5 M rows of csv.gz or 10 M of
# Parquet the two-thread run lasts about a second or less, so the last
# shard's tail and a moment of host noise weigh two to four times as much.
SCALE_NODES=${SCALE_NODES:-$NODES}
XLARGE_PARTS=${XLARGE_PARTS:-100}
TPCH_SF=${TPCH_SF:-1}
BENCH_GROUPS=${BENCH_GROUPS:-"disk csv gzip parquet scale tpchgen profiles"}
BIN=./target/release/cmdbgen
# Shards small enough that every thread has several (tables are split evenly).
SHARD_ROWS=${SHARD_ROWS:-250000}
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
RESULTS="$OUTDIR/bench-results.txt"
WORK="$OUTDIR/work"
log() { echo "[bench] $*" >&2; }

[ -x /usr/bin/time ] || { log "installing GNU time"; apt-get update -qq && apt-get install -y -qq time >&2; }
PY="${CMDBGEN_VERIFY_PYTHON:-$PWD/.venv-verify/bin/python}"
if ! "$PY" -c "import duckdb" 2>/dev/null; then
  log "installing DuckDB into .venv-verify"
  python3 -m venv .venv-verify && .venv-verify/bin/pip install -q -r tests/crosscheck/requirements.txt
  PY="$PWD/.venv-verify/bin/python"
fi
log "building cmdbgen (release)"
cargo build --release --locked -q

cat > "$OUTDIR/duck.py" <<'PY'
import sys, duckdb
kind, rows, fmt, out, threads, source = sys.argv[1:7]
rows, threads = int(rows), int(threads)
con = duckdb.connect()
con.execute(f"SET threads={threads}")
con.execute("SET preserve_insertion_order=false")
src = "range(%d) t(i)" % rows
if source == "table":
    con.execute(f"CREATE TABLE ids AS SELECT range AS i FROM range({rows})")
    src = "ids"
if kind == "nodes":
    q = f"""SELECT 'srv-' || lpad(CAST(i AS VARCHAR), 9, '0') AS id,
      'server-' || CAST(i AS VARCHAR) AS name,
      (['physical','virtual','container','cloud','appliance'])[1 + i % 5] AS type,
      (['low','medium','high','critical'])[1 + CAST(hash(i) % 4 AS BIGINT)] AS criticality,
      (['active','maintenance','retired','planned'])[1 + CAST((hash(i) >> 8) % 4 AS BIGINT)] AS status,
      CAST(1 + (hash(i) >> 16) % 128 AS INTEGER) AS cpu_cores,
      CAST((hash(i) >> 24) % 1000000 AS DOUBLE) / 100.0 AS cost,
      (['servicenow','bmc','device42','manual'])[1 + i % 4] AS source FROM {src}"""
else:
    q = f"""SELECT 'srv-' || lpad(CAST(i // 2 AS VARCHAR), 9, '0') AS start_id,
      'srv-' || lpad(CAST(hash(i) % {rows // 2} AS VARCHAR), 9, '0') AS end_id FROM {src}"""
opts = {"csv": "FORMAT csv, HEADER", "csv_gz": "FORMAT csv, HEADER, COMPRESSION gzip",
        "parquet_zstd": "FORMAT parquet, COMPRESSION zstd", "parquet_snappy": "FORMAT parquet"}[fmt]
con.execute(f"COPY ({q}) TO '{out}' ({opts})")
PY

# The measurements are interleaved: every group only queues its commands
# (`measure NAME ROWS -- command...`), and `run_queue` then runs round after
# round, each command once a round, so a busy spell on this shared machine
# falls on cmdbgen and its peer alike instead of on whichever ran then. Each
# line printed is the median of RUNS runs.
NAMES=(); ROWS_OF=(); CMDS=()
measure() {
  local name=$1 rows=$2; shift 3
  NAMES+=("$name"); ROWS_OF+=("$rows"); CMDS+=("$(printf '%q ' "$@")")
}
run_queue() {
  local n=${#NAMES[@]} r i
  mkdir -p "$OUTDIR/runs"; rm -f "$OUTDIR"/runs/*
  for r in $(seq "$RUNS"); do
    # Odd rounds run the queue forward, even rounds backward, so no
    # measurement always follows the same one (whose output was just deleted).
    local order; if [ $((r % 2)) = 1 ]; then order=$(seq 0 $((n - 1))); else order=$(seq $((n - 1)) -1 0); fi
    for i in $order; do
      local name=${NAMES[$i]}
      log "round $r/$RUNS: $name"
      rm -rf "$WORK"; mkdir -p "$WORK"; sync
      eval "/usr/bin/time -v -o \"\$OUTDIR/time.txt\" ${CMDS[$i]}" >/dev/null 2>"$OUTDIR/stderr.txt" || {
        log "FAILED: $name"; cat "$OUTDIR/stderr.txt" >&2; return 1; }
      local w u s m
      w=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$OUTDIR/time.txt" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
      u=$(awk -F': ' '/User time/{print $2}' "$OUTDIR/time.txt")
      s=$(awk -F': ' '/System time/{print $2}' "$OUTDIR/time.txt")
      m=$(awk -F': ' '/Maximum resident/{print $2}' "$OUTDIR/time.txt")
      echo "$w $u $s $m $(du -sb "$WORK" | cut -f1) $(cut -d' ' -f1 /proc/loadavg)" >> "$OUTDIR/runs/$name"
    done
  done
  for i in $(seq 0 $((n - 1))); do
    "$PY" - "${NAMES[$i]}" "${ROWS_OF[$i]}" "$OUTDIR/runs/${NAMES[$i]}" <<'PY' | tee -a "$RESULTS"
import sys, statistics as st
name, rows = sys.argv[1], int(sys.argv[2])
runs = [l.split() for l in open(sys.argv[3])]
w = [float(r[0]) for r in runs]; s = [float(r[2]) for r in runs]; c = [float(r[1]) + float(r[2]) for r in runs]
rss = max(int(r[3]) for r in runs); b = int(runs[-1][4]); m = st.median(w)
print(f"{name:<34} rows={rows:<11} bytes={b:<12} wall_s={m:<7.2f} min_s={min(w):<7.2f} cpu_s={st.median(c):<7.2f} sys_s={st.median(s):<6.2f} "
      f"rows/s={rows/m:<12.0f} MB/s={b/1e6/m:<8.1f} maxRSS_MB={rss/1024:.0f} load1={'/'.join(r[5] for r in runs)} "
      f"runs_s={'/'.join(f'{x:.2f}' for x in w)} sys_runs_s={'/'.join(f'{x:.2f}' for x in s)}")
PY
  done
}

# Ratios use only this run's lines (the results file keeps earlier runs).
this_run() { tail -n +"$((RUN_START + 1))" "$RESULTS" | grep -E "^$1 " | tail -1; }
rate() { this_run "$1" | sed -E 's/.*rows\/s=([0-9]+).*/\1/'; }
mbps() { this_run "$1" | sed -E 's/.*MB\/s=([0-9.]+).*/\1/'; }
rss()  { this_run "$1" | sed -E 's/.*maxRSS_MB=([0-9]+).*/\1/'; }
# Each round's wall time of $1 over that of $2 (times ${3:-1}), rounded.
round_ratios() {
  paste -d' ' "$OUTDIR/runs/$1" "$OUTDIR/runs/$2" | awk -v k="$(awk '{print NF; exit}' "$OUTDIR/runs/$1")" -v f="${3:-1}" \
    '{ printf "%s%.2f", (NR > 1 ? "/" : ""), f * $1 / $(k + 1) }'
}
ratio() { "$PY" -c "import sys; a,b=float(sys.argv[1] or 0),float(sys.argv[2] or 0); print(f'{a/b:.2f}x' if b else 'n/a')" "$1" "$2"; }

touch "$RESULTS"
RUN_START=$(wc -l < "$RESULTS")
{ echo "== $(date -u +%FT%TZ) $(nproc) vCPU, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), cmdbgen $(git rev-parse --short HEAD), duckdb $("$PY" -c 'import duckdb;print(duckdb.__version__)')"
  echo "   NODES=$NODES EDGES=$EDGES GZ_NODES=$GZ_NODES PQ_NODES=$PQ_NODES SCALE_NODES=$SCALE_NODES RUNS=$RUNS THREADS=$THREADS"; } | tee -a "$RESULTS"

for g in $BENCH_GROUPS; do case $g in
disk)
  measure dd_direct_2GiB 0 -- dd if=/dev/zero of="$WORK/dd" bs=8M count=256 oflag=direct status=none
  measure dd_buffered_fdatasync_2GiB 0 -- dd if=/dev/zero of="$WORK/dd" bs=1M count=2048 conv=fdatasync status=none
  ;;
csv)
  measure cmdbgen_nodes_csv "$NODES" -- "$BIN" bench-table --table nodes --rows "$NODES" --out "$WORK" --threads "$THREADS" --shard-rows "$SHARD_ROWS"
  measure cmdbgen_nodes_csv_direct "$NODES" -- "$BIN" bench-table --table nodes --rows "$NODES" --out "$WORK" --threads "$THREADS" --shard-rows "$SHARD_ROWS" --direct-io
  measure duckdb_nodes_csv "$NODES" -- "$PY" "$OUTDIR/duck.py" nodes "$NODES" csv "$WORK/nodes.csv" "$THREADS" range
  measure duckdb_nodes_csv_table_source "$NODES" -- "$PY" "$OUTDIR/duck.py" nodes "$NODES" csv "$WORK/nodes.csv" "$THREADS" table
  measure cmdbgen_edges_csv "$EDGES" -- "$BIN" bench-table --table edges --rows "$EDGES" --out "$WORK" --threads "$THREADS" --shard-rows "$SHARD_ROWS"
  measure duckdb_edges_csv "$EDGES" -- "$PY" "$OUTDIR/duck.py" edges "$EDGES" csv "$WORK/edges.csv" "$THREADS" range
  ;;
gzip)
  measure cmdbgen_nodes_csv_gz1 "$GZ_NODES" -- "$BIN" bench-table --table nodes --rows "$GZ_NODES" --out "$WORK" --gzip --gzip-level 1 --threads "$THREADS" --shard-rows "$SHARD_ROWS"
  measure cmdbgen_nodes_csv_gz4 "$GZ_NODES" -- "$BIN" bench-table --table nodes --rows "$GZ_NODES" --out "$WORK" --gzip --gzip-level 4 --threads "$THREADS" --shard-rows "$SHARD_ROWS"
  measure cmdbgen_nodes_csv_gz6 "$GZ_NODES" -- "$BIN" bench-table --table nodes --rows "$GZ_NODES" --out "$WORK" --gzip --gzip-level 6 --threads "$THREADS" --shard-rows "$SHARD_ROWS"
  measure duckdb_nodes_csv_gz "$GZ_NODES" -- "$PY" "$OUTDIR/duck.py" nodes "$GZ_NODES" csv_gz "$WORK/nodes.csv.gz" "$THREADS" range
  ;;
parquet)
  # zstd at DuckDB's default level and cmdbgen's (zstd:3, as generate's archive target)
  measure cmdbgen_nodes_parquet_zstd "$PQ_NODES" -- "$BIN" bench-table --table nodes --rows "$PQ_NODES" --out "$WORK" --format parquet --threads "$THREADS" --shard-rows "$SHARD_ROWS"
  measure duckdb_nodes_parquet_zstd "$PQ_NODES" -- "$PY" "$OUTDIR/duck.py" nodes "$PQ_NODES" parquet_zstd "$WORK/nodes.parquet" "$THREADS" range
  measure duckdb_nodes_parquet_zstd_table_source "$PQ_NODES" -- "$PY" "$OUTDIR/duck.py" nodes "$PQ_NODES" parquet_zstd "$WORK/nodes.parquet" "$THREADS" table
  measure cmdbgen_edges_parquet_zstd "$PQ_EDGES" -- "$BIN" bench-table --table edges --rows "$PQ_EDGES" --out "$WORK" --format parquet --threads "$THREADS" --shard-rows "$SHARD_ROWS"
  measure duckdb_edges_parquet_zstd "$PQ_EDGES" -- "$PY" "$OUTDIR/duck.py" edges "$PQ_EDGES" parquet_zstd "$WORK/edges.parquet" "$THREADS" range
  ;;
scale)
  # The machine's own two-core capacity in the same rounds: one `gzip -1`
  # process, then two at once on the same in-memory text (work units: 1 M for
  # one process, 2 M for two, so the rows/s ratio is the capacity, 2.0 when
  # the second vCPU is all ours). Shared hosts lend it out at times.
  seq 1 10000000 > "$OUTDIR/control.txt"
  measure cpu_control_1proc 1000000 -- sh -c 'gzip -1 -c "$0" > /dev/null' "$OUTDIR/control.txt"
  measure cpu_control_2procs 2000000 -- sh -c 'gzip -1 -c "$0" > /dev/null & gzip -1 -c "$0" > /dev/null; wait' "$OUTDIR/control.txt"
  # One thread beside THREADS threads, queued next to each other, so that each
  # round's pair meets the same machine state (this VM's page-cache cost drifts
  # by minutes, and the csv group's lines run far from these in the queue).
  for v in csv csv_direct csv_gz1 parquet_zstd; do
    case $v in
      csv) opts=() ;;
      csv_direct) opts=(--direct-io) ;;
      csv_gz1) opts=(--gzip --gzip-level 1) ;;
      parquet_zstd) opts=(--format parquet) ;;
    esac
    measure "cmdbgen_nodes_${v}_${THREADS}threads" "$SCALE_NODES" -- "$BIN" bench-table --table nodes --rows "$SCALE_NODES" --out "$WORK" --threads "$THREADS" --shard-rows "$SHARD_ROWS" "${opts[@]}"
    measure "cmdbgen_nodes_${v}_1thread" "$SCALE_NODES" -- "$BIN" bench-table --table nodes --rows "$SCALE_NODES" --out "$WORK" --threads 1 --shard-rows "$SHARD_ROWS" "${opts[@]}"
  done
  ;;
tpchgen)
  # tpchgen-cli (tpchgen-rs), the fastest published generator: on PATH, or
  # installed once into TPCHGEN_ROOT.
  TPCHGEN_ROOT=${TPCHGEN_ROOT:-$HOME/.cache/cmdbgen-tools/tpchgen}
  TPCH=$(command -v tpchgen-cli || echo "$TPCHGEN_ROOT/bin/tpchgen-cli")
  if [ ! -x "$TPCH" ]; then
    log "installing tpchgen-cli into $TPCHGEN_ROOT (cargo install; takes several minutes)"
    cargo install -q --locked tpchgen-cli --root "$TPCHGEN_ROOT" >&2
  fi
  log "tpchgen-cli: $("$TPCH" --version)"
  tpch_rows=$("$TPCH" tbl --no-progress -s "$TPCH_SF" --stdout | wc -l)
  measure "tpchgen_csv_sf${TPCH_SF}" "$tpch_rows" -- "$TPCH" csv --no-progress -s "$TPCH_SF" -n "$THREADS" -o "$WORK"
  measure "tpchgen_parquet_zstd1_sf${TPCH_SF}" "$tpch_rows" -- "$TPCH" parquet --no-progress -s "$TPCH_SF" -n "$THREADS" -c 'ZSTD(1)' -o "$WORK"
  ;;
profiles)
  for p in large enterprise; do
    rows=$("$BIN" generate --profile "$p" --dry-run | awk '/^total/{print $2}')
    measure "cmdbgen_generate_${p}_csv" "$rows" -- "$BIN" generate --profile "$p" --out "$WORK/b" --quiet --threads "$THREADS"
    measure "cmdbgen_generate_${p}_csv_gz" "$rows" -- "$BIN" generate --profile "$p" --out "$WORK/b" --quiet --gzip --threads "$THREADS"
  done
  # A slice of xlarge: part 1 of N of a distributed run (every N-th shard of
  # every table). The wall time includes planning all of xlarge (the same
  # for any N); the dry run below times that alone.
  if [ "$XLARGE_PARTS" -gt 0 ]; then
    part="1/$XLARGE_PARTS"
    rows=$("$BIN" generate --profile xlarge --dry-run --part "$part" | sed -nE 's/^part .*, ([0-9]+) rows$/\1/p')
    measure cmdbgen_plan_xlarge_dry_run 0 -- "$BIN" generate --profile xlarge --dry-run --threads "$THREADS"
    measure "cmdbgen_generate_xlarge_part_${XLARGE_PARTS}_csv" "$rows" -- "$BIN" generate --profile xlarge --part "$part" --out "$WORK/b" --quiet --threads "$THREADS"
    measure "cmdbgen_generate_xlarge_part_${XLARGE_PARTS}_csv_gz" "$rows" -- "$BIN" generate --profile xlarge --part "$part" --out "$WORK/b" --quiet --gzip --threads "$THREADS"
  fi
  ;;
*) log "unknown group $g" ;;
esac; done
run_queue

{
  echo "-- ratios (cmdbgen / DuckDB rows/s; targets from the performance issue)"
  [ -n "$(rate cmdbgen_nodes_csv)" ] && echo "nodes csv:       $(ratio "$(rate cmdbgen_nodes_csv)" "$(rate duckdb_nodes_csv)") of DuckDB range() (target 8x); $(ratio "$(rate cmdbgen_nodes_csv)" "$(rate duckdb_nodes_csv_table_source)") of DuckDB table source"
  [ -n "$(rate cmdbgen_edges_csv)" ] && echo "edges csv:       $(ratio "$(rate cmdbgen_edges_csv)" "$(rate duckdb_edges_csv)") (target 5x)"
  [ -n "$(rate cmdbgen_nodes_csv_gz1)" ] && echo "nodes csv.gz:    level 1 $(ratio "$(rate cmdbgen_nodes_csv_gz1)" "$(rate duckdb_nodes_csv_gz)"), level 4 (default) $(ratio "$(rate cmdbgen_nodes_csv_gz4)" "$(rate duckdb_nodes_csv_gz)"), level 6 $(ratio "$(rate cmdbgen_nodes_csv_gz6)" "$(rate duckdb_nodes_csv_gz)") (target 8x)"
  [ -n "$(rate cmdbgen_nodes_parquet_zstd)" ] && echo "nodes parquet:   $(ratio "$(rate cmdbgen_nodes_parquet_zstd)" "$(rate duckdb_nodes_parquet_zstd)") of DuckDB range() (target 3x); $(ratio "$(rate cmdbgen_nodes_parquet_zstd)" "$(rate duckdb_nodes_parquet_zstd_table_source)") of DuckDB table source"
  [ -n "$(rate cmdbgen_edges_parquet_zstd)" ] && echo "edges parquet:   $(ratio "$(rate cmdbgen_edges_parquet_zstd)" "$(rate duckdb_edges_parquet_zstd)") (target 3x)"
  [ -n "$(mbps dd_buffered_fdatasync_2GiB)" ] && [ -n "$(mbps cmdbgen_nodes_csv)" ] && echo "disk:            nodes csv $(mbps cmdbgen_nodes_csv) MB/s = $(ratio "$(mbps cmdbgen_nodes_csv)" "$(mbps dd_buffered_fdatasync_2GiB)") of dd buffered+fdatasync, $(ratio "$(mbps cmdbgen_nodes_csv)" "$(mbps dd_direct_2GiB)") of dd O_DIRECT; with --direct-io $(mbps cmdbgen_nodes_csv_direct) MB/s = $(ratio "$(mbps cmdbgen_nodes_csv_direct)" "$(mbps dd_direct_2GiB)") of dd O_DIRECT (target 0.70x)"
  [ -n "$(rate cmdbgen_nodes_csv_direct)" ] && echo "nodes csv direct: $(ratio "$(rate cmdbgen_nodes_csv_direct)" "$(rate duckdb_nodes_csv)") of DuckDB range()"
  if [ -n "$(rate cmdbgen_nodes_csv_1thread)" ]; then
    line="threads 1->$THREADS:"
    for v in csv csv_direct csv_gz1 parquet_zstd; do
      line="$line $v $(ratio "$(rate "cmdbgen_nodes_${v}_${THREADS}threads")" "$(rate "cmdbgen_nodes_${v}_1thread")") (rounds $(round_ratios "cmdbgen_nodes_${v}_1thread" "cmdbgen_nodes_${v}_${THREADS}threads")),"
    done
    echo "${line%,} (target 1.8x; ratio of medians, then each round's pair)"
    echo "machine:       two gzip -1 processes at once do $(ratio "$(rate cpu_control_2procs)" "$(rate cpu_control_1proc)") the work of one (rounds $(round_ratios cpu_control_1proc cpu_control_2procs 2); 2.00x when the second vCPU is all ours)"
  fi
  [ -n "$(rate "tpchgen_csv_sf$TPCH_SF")" ] && [ -n "$(rate cmdbgen_nodes_csv)" ] && echo "tpchgen-cli SF$TPCH_SF: csv $(mbps "tpchgen_csv_sf$TPCH_SF") MB/s, $(rate "tpchgen_csv_sf$TPCH_SF") rows/s, peak $(rss "tpchgen_csv_sf$TPCH_SF") MB; cmdbgen nodes csv $(ratio "$(mbps cmdbgen_nodes_csv)" "$(mbps "tpchgen_csv_sf$TPCH_SF")") of its MB/s, $(ratio "$(rate cmdbgen_nodes_csv)" "$(rate "tpchgen_csv_sf$TPCH_SF")") of its rows/s; parquet (zstd:3 vs its zstd:1) $(ratio "$(rate cmdbgen_nodes_parquet_zstd)" "$(rate "tpchgen_parquet_zstd1_sf$TPCH_SF")") of its rows/s, peak $(rss "tpchgen_parquet_zstd1_sf$TPCH_SF") MB"
  if [ -n "$(rss cmdbgen_nodes_csv)$(rss cmdbgen_nodes_csv_gz1)$(rss cmdbgen_nodes_parquet_zstd)" ]; then
    echo "peak RSS MB:     nodes csv $(rss cmdbgen_nodes_csv), gz $(rss cmdbgen_nodes_csv_gz1), parquet $(rss cmdbgen_nodes_parquet_zstd) (target <= 128)"
  fi
} | tee -a "$RESULTS"
rm -rf "$WORK"
