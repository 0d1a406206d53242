#!/usr/bin/env python3
"""Independent cross-check of a cmdbgen bundle with DuckDB and Ladybug.

    crosscheck.py BUNDLE_DIR

Reads BUNDLE_DIR/manifest.json and checks the bundle with two third-party
engines, sharing no code with cmdbgen:

DuckDB (strict CSV reader; the header comes from each table's header.csv, the
shard files are header-less, plain or gzip), per table: the rows have exactly
the header's column count, the row count equals the manifest's, typed columns
cast cleanly, node ids are unique per ID group, and every :START_ID/:END_ID
exists in its group (anti-join); then node and relationship totals.

DuckDB also fails any empty temporal cell: neo4j-admin 5.0 to 5.5 stop on it,
so cmdbgen writes rows without a date to companion inputs (manifest entries
with `omits`) whose header leaves the column out.

Ladybug (Kuzu fork): one typed node table per node kind (id primary key) and
one relationship table per family; COPY every shard with IGNORE_ERRORS so each
duplicate key, missing end or unparsable value becomes a warning (companion
rows are copied in with empty fields for the columns they leave out); the
load must give no warnings and the counts must equal the manifest's.

Prints one PASS/FAIL line per check and a final line `N passed, M failed`;
exits 1 if any check failed, 2 on bad usage.
"""

import csv
import gzip
import json
import os
import re
import shutil
import sys
import tempfile
import time

import duckdb
import ladybug

GROUP = re.compile(r"\(([^)]*)\)")


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, engine, table, what, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        tail = f": {detail}" if detail else ""
        print(f"{'PASS' if ok else 'FAIL'} {engine} {table}: {what}{tail}", flush=True)
        return ok


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def ident(s):
    return "`" + s.replace("`", "") + "`"


class Column:
    """One header cell: `[name][:kind][(group)]` (options are not used here)."""

    def __init__(self, index, cell):
        self.index = index
        self.cell = cell
        m = GROUP.search(cell)
        self.group = m.group(1) if m else None
        plain = GROUP.sub("", cell)
        plain = re.sub(r"\{.*\}", "", plain)
        if ":" in plain:
            self.name, self.kind = plain.rsplit(":", 1)
        else:
            self.name, self.kind = plain, "string"
        self.kind = self.kind.lower()
        if self.kind == "label":
            self.name = "labels"

    def __repr__(self):
        return self.cell


def read_header(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if len(rows) != 1:
        raise ValueError(f"{path}: expected exactly one header line, found {len(rows)}")
    return [Column(i, c) for i, c in enumerate(rows[0])]


# A value check per header type, in DuckDB SQL over a VARCHAR column `v`.
DUCK_CHECKS = {
    "int": "regexp_full_match(v, '-?[0-9]+') AND TRY_CAST(v AS INTEGER) IS NOT NULL",
    "long": "regexp_full_match(v, '-?[0-9]+') AND TRY_CAST(v AS BIGINT) IS NOT NULL",
    "double": "TRY_CAST(v AS DOUBLE) IS NOT NULL",
    "boolean": "v IN ('true', 'false')",
    "datetime": "TRY_CAST(v AS TIMESTAMPTZ) IS NOT NULL",
}

LADYBUG_TYPES = {
    "int": "INT64",
    "long": "INT64",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "datetime": "TIMESTAMP",
}


def duckdb_checks(root, manifest, report):
    con = duckdb.connect()
    con.execute("CREATE TABLE ids (grp VARCHAR, id VARCHAR)")
    # With integer ids the string id is the property `id`: the key of
    # schema.cypher's constraint, so unique per group too.
    con.execute("CREATE TABLE keys (grp VARCHAR, id VARCHAR)")
    totals = {"node": 0, "relationship": 0}
    rel_tables = []
    for n, t in enumerate(manifest["tables"]):
        name = t["name"]
        try:
            cols = read_header(os.path.join(root, t["header"]["path"]))
        except (OSError, ValueError) as e:
            report.check("duckdb", name, "header", False, str(e))
            continue
        files = [os.path.join(root, s["path"]) for s in t["shards"]]
        tbl = f"t{n}"
        types = "{" + ", ".join(f"'c{c.index}': 'VARCHAR'" for c in cols) + "}"
        if files:
            flist = "[" + ", ".join(sql_str(f) for f in files) + "]"
            try:
                con.execute(
                    f"CREATE TABLE {tbl} AS SELECT * FROM read_csv({flist}, header = false, "
                    f"columns = {types}, delim = ',', quote = '\"', escape = '\"', "
                    f"strict_mode = true, auto_detect = false, null_padding = false, "
                    f"allow_quoted_nulls = false, compression = 'auto')"
                )
            except duckdb.Error as e:
                report.check("duckdb", name, f"strict CSV read with {len(cols)} columns", False, str(e).splitlines()[0])
                continue
            report.check("duckdb", name, f"strict CSV read, {len(cols)} columns per row", True)
        else:
            cdefs = ", ".join(f"c{c.index} VARCHAR" for c in cols)
            con.execute(f"CREATE TABLE {tbl} ({cdefs})")
        (rows,) = con.execute(f"SELECT count(*) FROM {tbl}").fetchone()
        report.check("duckdb", name, "rows", rows == t["rows"], f"{rows} read, manifest {t['rows']}")
        totals[t["kind"]] = totals.get(t["kind"], 0) + rows
        for c in cols:
            check = DUCK_CHECKS.get(c.kind)
            if check is None:
                continue
            (bad,) = con.execute(
                f"SELECT count(*) FROM (SELECT c{c.index} AS v FROM {tbl}) WHERE v IS NOT NULL AND NOT ({check})"
            ).fetchone()
            if c.kind in TEMPORAL and files:
                (empty,) = con.execute(f"SELECT count(*) FROM {tbl} WHERE c{c.index} IS NULL").fetchone()
                report.check("duckdb", name, f"no empty {c.cell} (neo4j-admin 5.0-5.5 stop on it)",
                             empty == 0, f"{empty} empty")
            if bad:
                (example,) = con.execute(
                    f"SELECT v FROM (SELECT c{c.index} AS v FROM {tbl}) WHERE v IS NOT NULL AND NOT ({check}) LIMIT 1"
                ).fetchone()
                report.check("duckdb", name, f"values of {c.cell}", False, f"{bad} bad, e.g. {example!r}")
        if t["kind"] == "node":
            id_cols = [c for c in cols if c.kind == "id"]
            ok = len(id_cols) == 1 and id_cols[0].group == t["label_or_type"]
            if not report.check("duckdb", name, "one :ID column in the table's ID group", ok, str(id_cols)):
                continue
            con.execute(f"INSERT INTO ids SELECT {sql_str(id_cols[0].group)}, c{id_cols[0].index} FROM {tbl}")
            (empty,) = con.execute(f"SELECT count(*) FROM {tbl} WHERE c{id_cols[0].index} IS NULL").fetchone()
            report.check("duckdb", name, "no empty ids", empty == 0, f"{empty} empty")
            if integer_ids(manifest):
                ok = id_cols[0].name == "" and id_cols[0].kind == "id"
                report.check("duckdb", name, "integer ids: bare :ID", ok, str(id_cols))
                (bad,) = con.execute(
                    f"SELECT count(*) FROM {tbl} WHERE NOT regexp_full_match(c{id_cols[0].index}, '[0-9]+')"
                ).fetchone()
                report.check("duckdb", name, "integer ids are integers", bad == 0, f"{bad} not")
                keys = [c for c in cols if c.name == "id" and c.kind == "string"]
                if report.check("duckdb", name, "integer ids: string property id", len(keys) == 1, str(keys)):
                    con.execute(f"INSERT INTO keys SELECT {sql_str(id_cols[0].group)}, c{keys[0].index} FROM {tbl}")
        else:
            rel_tables.append((t, tbl, cols))

    groups = [g for (g,) in con.execute("SELECT DISTINCT grp FROM ids ORDER BY grp").fetchall()]
    for g in groups:
        (n, distinct) = con.execute("SELECT count(*), count(DISTINCT id) FROM ids WHERE grp = ?", [g]).fetchone()
        detail = f"{n} ids, {distinct} distinct"
        if n != distinct:
            dup = con.execute(
                "SELECT id FROM ids WHERE grp = ? GROUP BY id HAVING count(*) > 1 LIMIT 1", [g]
            ).fetchone()
            detail += f", e.g. {dup[0]!r}"
        report.check("duckdb", g, "ids unique in ID group", n == distinct, detail)
        if integer_ids(manifest):
            (n, distinct) = con.execute("SELECT count(*), count(DISTINCT id) FROM keys WHERE grp = ?", [g]).fetchone()
            report.check("duckdb", g, "string ids unique in ID group", n == distinct, f"{n} ids, {distinct} distinct")

    for t, tbl, cols in rel_tables:
        for kind, want in (("start_id", t.get("start")), ("end_id", t.get("end"))):
            found = [c for c in cols if c.kind == kind]
            if not report.check(
                "duckdb", t["name"], f":{kind.upper()} column in group {want}",
                len(found) == 1 and found[0].group == want, str(found),
            ):
                continue
            c = found[0]
            (dangling,) = con.execute(
                f"SELECT count(*) FROM {tbl} r ANTI JOIN (SELECT id FROM ids WHERE grp = ?) i "
                f"ON r.c{c.index} = i.id",
                [want],
            ).fetchone()
            detail = f"{dangling} not found"
            if dangling:
                (ex,) = con.execute(
                    f"SELECT r.c{c.index} FROM {tbl} r ANTI JOIN (SELECT id FROM ids WHERE grp = ?) i "
                    f"ON r.c{c.index} = i.id LIMIT 1",
                    [want],
                ).fetchone()
                detail += f", e.g. {ex!r}"
            report.check("duckdb", t["name"], f"every :{kind.upper()} exists in {want}", dangling == 0, detail)

    for kind, key in (("node", "nodes"), ("relationship", "relationships")):
        want = manifest["totals"][key]
        got = totals.get(kind, 0)
        report.check("duckdb", "totals", key, got == want, f"{got} read, manifest {want}")


TEMPORAL = {"date", "localtime", "time", "localdatetime", "datetime", "duration"}


def widen(files, cols, full, out_path):
    """Writes the rows of `files` (header `cols`) with the columns of `full`,
    empty where `cols` lacks one: a companion's rows in its table's layout."""
    names = [c.cell for c in cols]
    pos = [names.index(c.cell) if c.cell in names else None for c in full]
    with open(out_path, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out, lineterminator="\n")
        for f in files:
            with open(f, "rb") as probe:
                zipped = probe.read(2) == b"\x1f\x8b"
            with (gzip.open if zipped else open)(f, "rt", newline="", encoding="utf-8") as src:
                for row in csv.reader(src):
                    w.writerow(["" if p is None else row[p] for p in pos])
    return out_path


def integer_ids(manifest):
    """Whether the bundle was written with `--ids integer` (the manifest's
    run.profile.ids): its `:ID` columns are unnamed integers."""
    return ((manifest.get("run") or {}).get("profile") or {}).get("ids") == "integer"


def ladybug_checks(root, manifest, report):
    work = tempfile.mkdtemp(prefix="cmdbgen-crosscheck-")
    # An unnamed integer :ID is not a property in Neo4j; Ladybug still needs
    # it as the primary key the relationships' integer ends refer to.
    key_type = "INT64" if integer_ids(manifest) else "STRING"
    try:
        db = ladybug.Database(os.path.join(work, "db"))
        con = ladybug.Connection(db)

        def run(q):
            r = con.execute(q)
            out = []
            while r.has_next():
                out.append(r.get_next())
            return out

        def copy(table, name, files):
            flist = "[" + ", ".join(sql_str(f) for f in files) + "]"
            run("CALL clear_warnings()")
            try:
                run(f"COPY {ident(table)} FROM {flist} (HEADER = false, DELIM = ',', QUOTE = '\"', "
                    f"ESCAPE = '\"', IGNORE_ERRORS = true)")
            except RuntimeError as e:
                report.check("ladybug", name, "COPY", False, str(e).splitlines()[0])
                return False
            warnings = run("CALL show_warnings() RETURN *")
            detail = f"{len(warnings)} warnings"
            if warnings:
                w = warnings[0]
                detail += f", first: {w[1]} ({os.path.relpath(w[2], root)} line {w[3]})"
            return report.check("ladybug", name, "COPY without warnings", not warnings, detail)

        def props(cols):
            return [f"{ident(c.name)} {LADYBUG_TYPES.get(c.kind, 'STRING')}" for c in cols[2:]]

        headers = {}
        for t in manifest["tables"]:
            headers[t["name"]] = read_header(os.path.join(root, t["header"]["path"]))

        # A table's companions (entries with `omits`) follow it.
        def companions_of(t):
            return [c for c in manifest["tables"] if c.get("omits") and c["name"].split("/")[0] == t["name"]]

        def load(table, t, files):
            if files:
                copy(table, t["name"], files)
            for c in companions_of(t):
                part = os.path.join(work, f"companion-{len(os.listdir(work))}.csv")
                copy(table, c["name"], [widen([os.path.join(root, s["path"]) for s in c["shards"]],
                                              headers[c["name"]], headers[t["name"]], part)])
            return t["rows"] + sum(c["rows"] for c in companions_of(t))

        for t in (t for t in manifest["tables"] if t["kind"] == "node" and not t.get("omits")):
            cols = headers[t["name"]]
            id_col = next((c for c in cols if c.kind == "id"), None)
            if not report.check("ladybug", t["name"], "has an :ID column", id_col is not None):
                continue
            # Every column, in file order; the id is the primary key.
            key = id_col.name or "import_id"
            defs = [f"{ident(c.name or key)} {key_type if c is id_col else LADYBUG_TYPES.get(c.kind, 'STRING')}"
                    for c in cols]
            defs.append(f"PRIMARY KEY({ident(key)})")
            run(f"CREATE NODE TABLE {ident(t['label_or_type'])}({', '.join(defs)})")
            files = [os.path.join(root, s["path"]) for s in t["shards"]]
            want = load(t["label_or_type"], t, files)
            (n,) = run(f"MATCH (n:{ident(t['label_or_type'])}) RETURN count(n)")[0]
            report.check("ladybug", t["name"], "nodes loaded", n == want, f"{n}, manifest {want}")

        for t in (t for t in manifest["tables"] if t["kind"] == "relationship" and not t.get("omits")):
            cols = headers[t["name"]]
            rel = t["name"].replace("-", "_")
            ends = [c.kind for c in cols[:2]]
            if not report.check("ladybug", t["name"], "header starts with :START_ID, :END_ID",
                                ends == ["start_id", "end_id"], str(cols[:2])):
                continue
            defs = [f"FROM {ident(t['start'])} TO {ident(t['end'])}"] + props(cols)
            run(f"CREATE REL TABLE {ident(rel)}({', '.join(defs)})")
            files = [os.path.join(root, s["path"]) for s in t["shards"]]
            want = load(rel, t, files)
            (n,) = run(f"MATCH ()-[e:{ident(rel)}]->() RETURN count(e)")[0]
            report.check("ladybug", t["name"], "relationships loaded", n == want, f"{n}, manifest {want}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root = os.path.abspath(argv[1])
    try:
        with open(os.path.join(root, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f"crosscheck: {root} is not a complete bundle: {e}", file=sys.stderr)
        return 2
    report = Report()
    started = time.monotonic()
    print(f"crosscheck {root}: {len(manifest['tables'])} tables, duckdb {duckdb.__version__}, ladybug {ladybug.__version__}")
    duckdb_checks(root, manifest, report)
    t_duck = time.monotonic() - started
    ladybug_checks(root, manifest, report)
    t_all = time.monotonic() - started
    print(f"time: duckdb {t_duck:.2f}s, ladybug {t_all - t_duck:.2f}s")
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
