"""Loads a Parquet bundle into Ladybug (embedded graph database, Kuzu fork).

    python ladybug_parquet.py BUNDLE DB_DIR

Every node table becomes a Ladybug node table keyed by its id, with every
column at the type its header declares; every relationship family becomes a
relationship table. Ladybug's COPY fails on a duplicate primary key or on a
relationship end that is not a node, so a clean load means: ids unique per
group, no dangling ends, and every value readable at its declared type. The
loaded counts must equal the manifest's. The shard files are taken from the
manifest, in order. Exits 1 on any failure.
"""

import json
import os
import sys

import ladybug

TYPES = {
    None: "STRING",
    "int": "INT64",
    "long": "INT64",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "datetime": "TIMESTAMP",
    "string[]": "STRING[]",
}


def fail(msg):
    print(f"ladybug_parquet: {msg}", file=sys.stderr)
    sys.exit(1)


def columns(conn, files):
    """The Parquet column names, read by Ladybug itself."""
    r = conn.execute(f"LOAD FROM {files} RETURN * LIMIT 0")
    return r.get_column_names()


def prop(cell):
    """(property name, Neo4j type) of a plain property column."""
    if ":" in cell:
        name, ty = cell.rsplit(":", 1)
        return name, ty
    return cell, None


def one(conn, q):
    r = conn.execute(q)
    return r.get_next()[0]


def main():
    root, db_dir = sys.argv[1], sys.argv[2]
    m = json.load(open(os.path.join(root, "manifest.json")))
    db = ladybug.Database(db_dir)
    conn = ladybug.Connection(db)
    loaded_nodes = loaded_rels = 0
    for t in m["tables"]:
        files = "[" + ", ".join(f"'{os.path.join(root, s['path'])}'" for s in t["shards"]) + "]"
        cells = columns(conn, files)
        name = t["name"].replace("-", "_")
        ret = ", ".join(f"`{c}`" for c in cells)
        if t["kind"] == "node":
            if cells[:2] != [f"id:ID({t['name']})", ":LABEL"]:
                fail(f"{t['name']}: unexpected leading columns {cells[:2]}")
            props = [prop(c) for c in cells[2:]]
            ddl = ", ".join(f"`{p}` {TYPES[ty]}" for p, ty in props)
            conn.execute(f"CREATE NODE TABLE `{name}`(id STRING, labels STRING, {ddl}, PRIMARY KEY(id))")
        else:
            if cells[:2] != [f":START_ID({t['start']})", f":END_ID({t['end']})"]:
                fail(f"{t['name']}: unexpected leading columns {cells[:2]}")
            props = [prop(c) for c in cells[2:]]
            ddl = "".join(f", `{p}` {TYPES[ty]}" for p, ty in props)
            conn.execute(f"CREATE REL TABLE `{name}`(FROM `{t['start']}` TO `{t['end']}`{ddl})")
        try:
            conn.execute(f"COPY `{name}` FROM (LOAD FROM {files} RETURN {ret})")
        except RuntimeError as e:
            fail(f"{t['name']}: {e}")
        if t["kind"] == "node":
            n = one(conn, f"MATCH (n:`{name}`) RETURN count(*)")
            loaded_nodes += n
        else:
            n = one(conn, f"MATCH ()-[e:`{name}`]->() RETURN count(*)")
            loaded_rels += n
        if n != t["rows"]:
            fail(f"{t['name']}: loaded {n} rows, the manifest has {t['rows']}")
    totals = m["totals"]
    if (loaded_nodes, loaded_rels) != (totals["nodes"], totals["relationships"]):
        fail(f"loaded {loaded_nodes} nodes / {loaded_rels} relationships, manifest {totals}")
    print(f"ladybug_parquet: loaded {loaded_nodes} nodes and {loaded_rels} relationships")


if __name__ == "__main__":
    main()
