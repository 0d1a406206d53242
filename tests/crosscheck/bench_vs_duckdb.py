"""Checks `cmdbgen bench-table` output against DuckDB writing the same peer table.

usage: bench_vs_duckdb.py TABLE ROWS PARQUET_DIR CSV_DIR WORK_DIR

TABLE is nodes or edges; PARQUET_DIR and CSV_DIR hold cmdbgen's Parquet and
CSV shards of ROWS rows. DuckDB writes the same table the way scripts/bench.sh
has it write (range() + COPY ... (FORMAT parquet, COMPRESSION zstd)) into
WORK_DIR, and then:

* cmdbgen's Parquet and CSV hold the same rows (as multisets);
* every cmdbgen row is the one src/bench.rs defines, recomputed here
  (SplitMix64's finaliser for the pseudo-random columns);
* against DuckDB's Parquet: same row count, same Parquet physical types,
  identical values in the columns that do not depend on the hash function
  (each tool uses its own 64-bit hash, as peers-schema.md allows), and the
  hashed columns in the same domains.

Prints one line of figures and exits 1 with the reason on any difference.
"""

import sys

import duckdb

M64 = (1 << 64) - 1


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


TYPES = ["physical", "virtual", "container", "cloud", "appliance"]
CRIT = ["low", "medium", "high", "critical"]
STATUS = ["active", "maintenance", "retired", "planned"]
SOURCES = ["servicenow", "bmc", "device42", "manual"]

NODE_COLS = ["id", "name", "type", "criticality", "status", "cpu_cores", "cost", "source"]
EDGE_COLS = ["start_id", "end_id"]


def fail(msg):
    print(f"bench_vs_duckdb: {msg}", file=sys.stderr)
    sys.exit(1)


def expected(table, rows):
    out = []
    for i in range(rows):
        if table == "nodes":
            h = mix(i)
            out.append((f"srv-{i:09d}", f"server-{i}", TYPES[i % 5], CRIT[h % 4],
                        STATUS[(h >> 8) % 4], 1 + (h >> 16) % 128,
                        ((h >> 24) % 1_000_000) / 100.0, SOURCES[i % 4]))
        else:
            servers = max(rows // 2, 1)
            out.append((f"srv-{i // 2:09d}", f"srv-{mix(i) % servers:09d}"))
    return out


def duck_query(table, rows):
    # The same SELECT as scripts/bench.sh.
    if table == "nodes":
        return f"""SELECT 'srv-' || lpad(CAST(i AS VARCHAR), 9, '0') AS id,
      'server-' || CAST(i AS VARCHAR) AS name,
      (['physical','virtual','container','cloud','appliance'])[1 + i % 5] AS type,
      (['low','medium','high','critical'])[1 + CAST(hash(i) % 4 AS BIGINT)] AS criticality,
      (['active','maintenance','retired','planned'])[1 + CAST((hash(i) >> 8) % 4 AS BIGINT)] AS status,
      CAST(1 + (hash(i) >> 16) % 128 AS INTEGER) AS cpu_cores,
      CAST((hash(i) >> 24) % 1000000 AS DOUBLE) / 100.0 AS cost,
      (['servicenow','bmc','device42','manual'])[1 + i % 4] AS source FROM range({rows}) t(i)"""
    return f"""SELECT 'srv-' || lpad(CAST(i // 2 AS VARCHAR), 9, '0') AS start_id,
      'srv-' || lpad(CAST(hash(i) % {rows // 2} AS VARCHAR), 9, '0') AS end_id FROM range({rows}) t(i)"""


def physical_types(con, glob):
    rows = con.execute(
        f"SELECT name, type FROM parquet_schema('{glob}') WHERE type IS NOT NULL").fetchall()
    seen = {}
    for name, ty in rows:
        seen.setdefault(name, ty)
    return list(seen.values())


def same_multiset(con, a, b, what):
    for x, y in ((a, b), (b, a)):
        n = con.execute(f"SELECT count(*) FROM ({x} EXCEPT ALL {y})").fetchall()[0][0]
        if n:
            sample = con.execute(f"{x} EXCEPT ALL {y} LIMIT 3").fetchall()
            fail(f"{what}: {n} rows differ, e.g. {sample}")


def main():
    table, rows, pq_dir, csv_dir, work = sys.argv[1:6]
    rows = int(rows)
    cols = NODE_COLS if table == "nodes" else EDGE_COLS
    con = duckdb.connect()
    pq_glob = f"{pq_dir}/part-*.parquet"
    pq_names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{pq_glob}')").fetchall()]
    header = open(f"{csv_dir}/header.csv").read().rstrip("\n").split(",")
    if pq_names != header:
        fail(f"Parquet column names {pq_names} are not the CSV header {header}")
    sel = ", ".join(f'"{n}" AS {c}' for n, c in zip(pq_names, cols))
    con.execute(f"CREATE TABLE pq AS SELECT {sel} FROM read_parquet('{pq_glob}')")
    types = ", ".join(f"'{c}': '{'DOUBLE' if c == 'cost' else 'BIGINT' if c == 'cpu_cores' else 'VARCHAR'}'"
                      for c in cols)
    con.execute(f"""CREATE TABLE csv AS SELECT * FROM read_csv('{csv_dir}/part-*.csv',
        header=false, columns={{{types}}}, quote='"', escape='"')""")
    same_multiset(con, "SELECT * FROM pq", "SELECT * FROM csv", "cmdbgen Parquet vs CSV")

    con.execute(f"CREATE TABLE want ({', '.join(f'{c} {t}' for c, t in zip(cols, ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'BIGINT', 'DOUBLE', 'VARCHAR'] if table == 'nodes' else ['VARCHAR', 'VARCHAR']))})")
    con.executemany(f"INSERT INTO want VALUES ({', '.join('?' for _ in cols)})", expected(table, rows))
    same_multiset(con, "SELECT * FROM pq", "SELECT * FROM want", "cmdbgen Parquet vs src/bench.rs rows")

    con.execute("SET preserve_insertion_order=false")
    duck_file = f"{work}/duck_{table}.parquet"
    con.execute(f"COPY ({duck_query(table, rows)}) TO '{duck_file}' (FORMAT parquet, COMPRESSION zstd)")
    con.execute(f"CREATE TABLE duck AS SELECT * FROM read_parquet('{duck_file}')")
    n_pq, n_duck = (con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ("pq", "duck"))
    if not n_pq == n_duck == rows:
        fail(f"row counts: cmdbgen {n_pq}, DuckDB {n_duck}, asked {rows}")
    ours, theirs = physical_types(con, pq_glob), physical_types(con, duck_file)
    # DuckDB types cpu_cores INTEGER (INT32); cmdbgen's `int` columns are INT64.
    norm = [("INT64" if t == "INT32" else t) for t in theirs]
    if ours != norm:
        fail(f"physical types: cmdbgen {ours}, DuckDB {theirs}")
    if table == "nodes":
        exact = ["id", "name", "type", "source"]
        checks = {
            "criticality": f"criticality IN {tuple(CRIT)}",
            "status": f"status IN {tuple(STATUS)}",
            "cpu_cores": "cpu_cores BETWEEN 1 AND 128",
            "cost": "cost BETWEEN 0 AND 9999.99 AND abs(cost * 100 - round(cost * 100)) < 1e-6",
        }
    else:
        exact = ["start_id"]
        checks = {"end_id": f"end_id BETWEEN 'srv-000000000' AND 'srv-{rows // 2 - 1:09d}' AND length(end_id) = 13"}
    cs = ", ".join(exact)
    same_multiset(con, f"SELECT {cs} FROM pq", f"SELECT {cs} FROM duck", "hash-free columns, cmdbgen vs DuckDB")
    for t in ("pq", "duck"):
        for col, cond in checks.items():
            bad = con.execute(f"SELECT count(*) FROM {t} WHERE NOT ({cond})").fetchall()[0][0]
            if bad:
                fail(f"{t}: {bad} rows with {col} outside its domain ({cond})")
    agg = {}
    for t in ("pq", "duck"):
        agg[t] = con.execute(
            f"SELECT count(*), count(DISTINCT {cols[0]}), min({cols[0]}), max({cols[0]}) FROM {t}").fetchall()[0]
    if agg["pq"] != agg["duck"]:
        fail(f"aggregates of {cols[0]}: cmdbgen {agg['pq']}, DuckDB {agg['duck']}")
    print(f"{table}: {rows} rows; Parquet = CSV = src/bench.rs rows; DuckDB: same count, types {theirs}, "
          f"same {cs}, {agg['pq'][1]} distinct {cols[0]}")


main()
