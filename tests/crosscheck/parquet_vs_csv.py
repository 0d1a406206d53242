"""Compares a Parquet bundle with the CSV bundle of the same profile and seed,
using DuckDB as an independent reader of both.

    python parquet_vs_csv.py CSV_BUNDLE PARQUET_BUNDLE

For every table in the manifests:
* the Parquet column names are the CSV header cells, in order, and each
  column's DuckDB type is the one the header's Neo4j type calls for
  (string -> VARCHAR, int/long -> BIGINT, double -> DOUBLE, boolean ->
  BOOLEAN, datetime -> TIMESTAMP WITH TIME ZONE, string[] -> VARCHAR[]);
* the CSV text, parsed per declared type the way neo4j-admin reads it (an
  unquoted empty field is absent, `;` splits arrays), equals the Parquet
  values row by row, in order;
* ids are unique per ID group and every :START_ID/:END_ID exists.
* with integer ids (the manifests' run.profile.ids, which must agree) the
  `:ID`, `:START_ID` and `:END_ID` columns are BIGINT on both sides, and the
  string `id` kept as a property is unique per kind as well.
* the manifests' per-file rows, bytes and file lists match the files.
Exits 1 with the first difference.
"""

import csv
import json
import os
import sys

import duckdb

TYPES = {
    None: "VARCHAR",
    "int": "BIGINT",
    "long": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "datetime": "TIMESTAMP WITH TIME ZONE",
    "string[]": "VARCHAR[]",
}


def fail(msg):
    print(f"parquet_vs_csv: {msg}", file=sys.stderr)
    sys.exit(1)


def suffix(cell, integer):
    """The Neo4j property type of a header cell, None for strings and the
    special columns (labels are strings; ids and ends too, or `long` with
    integer ids)."""
    if integer and cell.startswith((":ID(", ":START_ID(", ":END_ID(")):
        return "long"
    if cell.startswith(":") or ":ID(" in cell:
        return None
    return cell.rsplit(":", 1)[1] if ":" in cell else None


def ids_mode(m):
    """The manifest's id mode: `string` (the key left out) or `integer`."""
    return (m["run"].get("profile") or {}).get("ids", "string")


def csv_expr(k, ty):
    c = f"c{k}"
    if ty in ("int", "long"):
        return f"CAST({c} AS BIGINT)"
    if ty == "double":
        return f"CAST({c} AS DOUBLE)"
    if ty == "boolean":
        # neo4j-admin: only `true` is true; the generator writes nothing else
        # than true/false, so anything else is an error here.
        return (
            f"CASE {c} WHEN 'true' THEN true WHEN 'false' THEN false "
            f"WHEN NULL THEN NULL ELSE error('bad boolean ' || {c}) END"
        )
    if ty == "datetime":
        # Compared as microseconds since the epoch, UTC (no tz module needed).
        return f"epoch_us(strptime({c}, '%Y-%m-%dT%H:%M:%SZ')::TIMESTAMP)"
    if ty == "string[]":
        return f"string_split({c}, ';')"
    return c


def sql_list(paths):
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def check_files(root, entry):
    for f in [entry["header"], *entry["shards"]]:
        path = os.path.join(root, f["path"])
        if os.path.getsize(path) != f["bytes"]:
            fail(f"{path}: {os.path.getsize(path)} bytes, manifest says {f['bytes']}")
    return [os.path.join(root, s["path"]) for s in entry["shards"]]


def main():
    csv_root, pq_root = sys.argv[1], sys.argv[2]
    mc = json.load(open(os.path.join(csv_root, "manifest.json")))
    mp = json.load(open(os.path.join(pq_root, "manifest.json")))
    if mp["run"]["format"]["format"] != "parquet":
        fail(f"{pq_root} is not a Parquet bundle")
    if "--input-type=parquet" not in mp["import"]["args"]:
        fail("the Parquet import args lack --input-type=parquet")
    if [t["name"] for t in mc["tables"]] != [t["name"] for t in mp["tables"]]:
        fail("the bundles have different tables")
    mode = ids_mode(mp)
    if ids_mode(mc) != mode:
        fail(f"the CSV bundle has {ids_mode(mc)} ids, the Parquet bundle {mode} ids")
    integer = mode == "integer"
    if f"--id-type={mode}" not in mp["import"]["args"]:
        fail(f"the Parquet import args lack --id-type={mode}")
    con = duckdb.connect()
    con.execute("SET threads = 1")  # rows in file order
    con.execute("SET TimeZone = 'UTC'")
    total = 0
    for tc, tp in zip(mc["tables"], mp["tables"]):
        name = tc["name"]
        if tc["rows"] != tp["rows"]:
            fail(f"{name}: {tc['rows']} CSV rows, {tp['rows']} Parquet rows")
        with open(os.path.join(csv_root, tc["header"]["path"]), newline="") as h:
            cells = next(csv.reader(h))
        csv_files = check_files(csv_root, tc)
        pq_files = check_files(pq_root, tp)
        for f, s in zip(pq_files, tp["shards"]):
            n = con.execute(f"SELECT count(*) FROM read_parquet('{f}')").fetchone()[0]
            if n != s["rows"]:
                fail(f"{f}: {n} rows, manifest says {s['rows']}")
        types = [suffix(c, integer) for c in cells]

        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({sql_list(pq_files)})"
        ).fetchall()
        got = [(r[0], r[1]) for r in described]
        want = [(c, TYPES[t]) for c, t in zip(cells, types)]
        if got != want:
            fail(f"{name}: Parquet columns {got}, expected {want}")

        columns = "{" + ", ".join(f"'c{k}': 'VARCHAR'" for k in range(len(cells))) + "}"
        csv_rows = con.execute(
            f"SELECT {', '.join(csv_expr(k, t) for k, t in enumerate(types))} "
            f"FROM read_csv({sql_list(csv_files)}, header = false, auto_detect = false, "
            f"delim = ',', quote = '\"', escape = '\"', new_line = '\\n', "
            f"allow_quoted_nulls = false, strict_mode = true, columns = {columns})"
        ).fetchall()
        pq_cols = ", ".join(
            f'epoch_us("{c}")' if t == "datetime" else f'"{c}"' for c, t in zip(cells, types)
        )
        pq_rows = con.execute(
            f"SELECT {pq_cols} FROM read_parquet({sql_list(pq_files)})"
        ).fetchall()
        if len(csv_rows) != tc["rows"] or len(pq_rows) != tc["rows"]:
            fail(f"{name}: {len(csv_rows)} CSV / {len(pq_rows)} Parquet rows read, {tc['rows']} planned")
        for i, (a, b) in enumerate(zip(csv_rows, pq_rows)):
            if a != b:
                for k, (x, y) in enumerate(zip(a, b)):
                    if x != y:
                        fail(f"{name} row {i} column {cells[k]}: CSV {x!r} != Parquet {y!r}")
        total += len(pq_rows)

    # Keys: unique per ID group, ends exist (Parquet side only; the CSV side
    # is the same rows).
    for t in mp["tables"]:
        files = sql_list([os.path.join(pq_root, s["path"]) for s in t["shards"]])
        if t["kind"] == "node":
            # The import id, and with integer ids also the stored string id.
            cols = [f":ID({t['name']})", "id"] if integer else [f"id:ID({t['name']})"]
            for col in cols:
                dup = con.execute(
                    f'SELECT "{col}", count(*) FROM read_parquet({files}) GROUP BY 1 HAVING count(*) > 1 LIMIT 1'
                ).fetchall()
                if dup:
                    fail(f"{t['name']}: duplicate {col} {dup[0][0]}")
    nodes = {t["name"]: t for t in mp["tables"] if t["kind"] == "node"}
    for t in mp["tables"]:
        if t["kind"] != "relationship":
            continue
        files = sql_list([os.path.join(pq_root, s["path"]) for s in t["shards"]])
        for end, col in ((t["start"], f":START_ID({t['start']})"), (t["end"], f":END_ID({t['end']})")):
            ids = sql_list([os.path.join(pq_root, s["path"]) for s in nodes[end]["shards"]])
            node_id = f":ID({end})" if integer else f"id:ID({end})"
            missing = con.execute(
                f'SELECT r."{col}" FROM read_parquet({files}) r ANTI JOIN read_parquet({ids}) n '
                f'ON r."{col}" = n."{node_id}" LIMIT 1'
            ).fetchall()
            if missing:
                fail(f"{t['name']}: {col} {missing[0][0]} is not a {end} id")
    print(
        f"parquet_vs_csv: {len(mp['tables'])} tables, {total} rows identical, "
        f"keys ok ({mode} ids)"
    )


if __name__ == "__main__":
    main()
