#!/usr/bin/env python3
"""Helpers for the operations scripts (scripts/import.sh, scripts/pipeline.sh).

Everything that reads JSON or compares numbers lives here, so the shell
scripts stay plain: python3 is on every machine these scripts run on (the
official Neo4j image aside, where nothing of this runs). Standard library only.

Subcommands (all print to stdout; errors go to stderr with exit code 2):
  info BUNDLE                 shell assignments describing a bundle's manifest,
                              after checking that every file it lists exists
                              with its size (exit 1 if not)
  count-query BUNDLE          the Cypher statement counting what the bundle adds
  counts OUTPUT               cypher-shell --format plain output -> JSON
  check-counts BUNDLE OUTPUT [BEFORE]
                              compare cypher-shell's counts with the manifest
                              (plus the counts BEFORE an increment); exit 1
                              with a table of differences
  admin-summary LOG           node/relationship totals and peak memory printed
                              by neo4j-admin ("IMPORT DONE ... Imported: ...")
  memory ESTIMATE_JSON        HEAP= and OFF_HEAP= from an estimate, if present
  incremental-ready BUNDLE    exit 0 if every node header's :ID carries {label:..}
  additions-only BUNDLE       exit 0 if the bundle/change set only adds
  missing-constraints BUNDLE OUTPUT
                              CREATE CONSTRAINT statements for the id keys that
                              `SHOW CONSTRAINTS` output lacks (one per line)
  check-version BUNDLE VERSION EDITION
                              exit 2 with the reason if this Neo4j cannot import
                              the bundle (the manifest's "neo4j" entry); prints
                              what the bundle needs otherwise
  schema-report OUTPUT        cypher-shell's SHOW INDEXES output -> a summary
                              line; exit 1 if an index is not ONLINE
  history FILE key=value ...  append one JSON line (numbers stay numbers)
"""

import json
import os
import re
import sys
import time


def die(msg, code=2):
    print(f"ops.py: {msg}", file=sys.stderr)
    sys.exit(code)


def load_manifest(bundle):
    path = os.path.join(bundle, "manifest.json")
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
    except FileNotFoundError:
        die(f"{path} is missing: the bundle is incomplete (rerun cmdbgen generate, or cmdbgen gather for a distributed run)")
    except (OSError, ValueError) as e:
        die(f"{path} is not readable JSON: {e}")
    if not isinstance(m, dict) or m.get("tool") != "cmdbgen":
        die(f"{path} is not a cmdbgen manifest")
    return m


def shell_quote(v):
    return "'" + str(v).replace("'", "'\"'\"'") + "'"


def input_type(m):
    for a in m.get("import", {}).get("args", []):
        if a.startswith("--input-type="):
            return a.split("=", 1)[1]
    return "csv"


def fmt_of(m):
    f = m.get("run", {}).get("format")
    if isinstance(f, dict):
        return f.get("format", "csv")
    return f or "csv"


def version_key(v):
    """'5.26.1' -> (5, 26, 1); calendar releases '2025.01.0' -> (2025, 1, 0)."""
    parts = (str(v).split(".") + ["0", "0", "0"])[:3]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        die(f"not a Neo4j version: {v!r}")


def needs_of(m):
    """The manifest's "neo4j" entry; for bundles of older cmdbgen versions,
    what their input type implies."""
    n = m.get("neo4j")
    if isinstance(n, dict) and isinstance(n.get("features"), list):
        return n
    features = [{"feature": "the neo4j-admin 5 command line (database import full)", "min_version": "5.0.0"}]
    if input_type(m) == "parquet":
        allow = "ALLOW_PARQUET_LABEL_BUG"
        features.append({
            "feature": "Parquet input (--input-type=parquet)",
            "min_version": "5.26.0",
            "broken": [
                {"from": "5.26.0", "below": "5.26.26", "why": "its Parquet import corrupts :LABEL values", "allow_env": allow},
                {"from": "2025.01.0", "below": "2025.04.0", "why": "its Parquet import corrupts :LABEL values or crashes", "allow_env": allow},
                {"from": "2025.04.0", "below": "", "why": "its Parquet reader refuses list columns (seen on 2025.12.1)"},
            ],
            "instead": "a CSV bundle (cmdbgen generate --format csv)",
        })
    return {
        "min_version": max((f["min_version"] for f in features), key=version_key),
        "edition": "community",
        "features": features,
    }


def cmd_check_version(bundle, version, edition):
    n = needs_of(load_manifest(bundle))
    have = version_key(version)
    for f in n["features"]:
        need = f.get("min_version", "5.0.0")
        instead = f.get("instead")
        if have < version_key(need):
            die(f"this bundle needs Neo4j {need} or later for {f['feature']}; neo4j-admin here is {version}"
                + (f". Use {instead}" if instead else ""), 2)
        if f.get("edition") == "enterprise" and edition != "enterprise":
            die(f"this bundle needs Neo4j Enterprise Edition for {f['feature']}; this is {edition}"
                + (f". Use {instead}" if instead else ""), 2)
        for b in f.get("broken") or []:
            below = b.get("below") or ""
            if version_key(b["from"]) <= have and (not below or have < version_key(below)):
                allow = b.get("allow_env")
                if allow and os.environ.get(allow) == "1":
                    print(f"ops.py: warning: Neo4j {version}: {b['why']} ({allow}=1 accepts it; the label counts are still verified)",
                          file=sys.stderr)
                    continue
                span = (f"releases {b['from']} up to {below}); use {below} or later" if below
                        else f"releases {b['from']} on; no fixed release known); use an earlier supported release")
                die(f"Neo4j {version} cannot be trusted with {f['feature']}: {b['why']} ({span}"
                    + (f", or {instead}" if instead else "")
                    + (f", or set {allow}=1 (the label counts are still verified)" if allow else ""), 2)
    print(f"needs Neo4j {n['min_version']}+ ({n.get('edition', 'community')}): "
          + "; ".join(f"{f['feature']} {f['min_version']}+" for f in n["features"]))


def cmd_schema_report(output):
    with open(output, encoding="utf-8", errors="replace") as f:
        rows = [l.strip() for l in f.read().splitlines()[1:] if l.strip()]
    states = {}
    bad = []
    for r in rows:
        # plain format: "name", "state", 100.0
        cells = [c.strip().strip('"') for c in r.split(",")]
        if len(cells) < 2:
            continue
        name, state = cells[0], cells[1].upper()
        states[name] = state
        if state != "ONLINE":
            bad.append(f"{name} ({state})")
    if bad:
        print(f"not online: {', '.join(bad)}")
        sys.exit(1)
    print(f"{len(states)} indexes online: {', '.join(sorted(states))}")


def cmd_info(bundle):
    cmd_check_files(bundle)
    m = load_manifest(bundle)
    t = m.get("totals", {})
    run = m.get("run", {})
    profile = run.get("profile", {}).get("name", "")
    out = {
        "M_FINGERPRINT": m.get("fingerprint", ""),
        "M_PROFILE": profile,
        "M_NODES": t.get("nodes", 0),
        "M_RELATIONSHIPS": t.get("relationships", 0),
        "M_BYTES": t.get("bytes", 0),
        "M_FILES": t.get("files", 0),
        "M_FORMAT": fmt_of(m),
        "M_INPUT_TYPE": input_type(m),
        "M_MIN_VERSION": needs_of(m)["min_version"],
    }
    for k, v in out.items():
        print(f"{k}={shell_quote(v)}")


def cmd_check_files(bundle):
    m = load_manifest(bundle)
    bad = []
    for t in m.get("tables", []):
        for f in [t.get("header")] + t.get("shards", []):
            if not f:
                continue
            p = os.path.join(bundle, f["path"])
            try:
                size = os.path.getsize(p)
            except OSError:
                bad.append(f"{f['path']}: missing")
                continue
            if size != f["bytes"]:
                bad.append(f"{f['path']}: {size} bytes, manifest says {f['bytes']}")
    # import.sh and schema.cypher as cmdbgen wrote them (size here; cmdbgen
    # validate compares the xxh3): import.sh applies schema.cypher.
    for f in m.get("scripts") or []:
        p = os.path.join(bundle, f.get("path", ""))
        try:
            size = os.path.getsize(p)
        except OSError:
            bad.append(f"{f.get('path')}: missing")
            continue
        if size != f.get("bytes"):
            bad.append(f"{f['path']}: {size} bytes, manifest says {f.get('bytes')}")
    # A bundle has import.args; a change set (cmdbgen changes) has none, and
    # incremental.args only when written with --neo4j-incremental.
    if m.get("kind") == "changes":
        args = "incremental.args" if m.get("incremental") else None
    else:
        args = "import.args"
    if args and not os.path.isfile(os.path.join(bundle, args)):
        bad.append(f"{args}: missing")
    if bad:
        for b in bad[:10]:
            print(f"  {b}", file=sys.stderr)
        die(f"{bundle}: {len(bad)} file(s) do not match manifest.json; regenerate the bundle", 1)


def expectations(m):
    """(column, kind, name, rows): total nodes/rels, then per label and type."""
    t = m.get("totals", {})
    labels, types = {}, {}
    for tab in m.get("tables", []):
        if tab.get("kind") == "node":
            labels[tab["label_or_type"]] = labels.get(tab["label_or_type"], 0) + tab["rows"]
        else:
            types[tab["label_or_type"]] = types.get(tab["label_or_type"], 0) + tab["rows"]
    cols = [("nodes", "node", None, t.get("nodes", 0)), ("relationships", "rel", None, t.get("relationships", 0))]
    cols += [(f"label_{k}", "node", k, v) for k, v in sorted(labels.items())]
    cols += [(f"type_{k}", "rel", k, v) for k, v in sorted(types.items())]
    return cols


def cmd_count_query(bundle):
    m = load_manifest(bundle)
    parts, names = [], []
    for col, kind, name, _ in expectations(m):
        if kind == "node":
            pat = f"(n:`{name}`)" if name else "(n)"
            parts.append(f"CALL {{ MATCH {pat} RETURN count(n) AS {col} }}")
        else:
            pat = f"()-[r:`{name}`]->()" if name else "()-[r]->()"
            parts.append(f"CALL {{ MATCH {pat} RETURN count(r) AS {col} }}")
        names.append(col)
    # One row; every count comes from the count store.
    print(" ".join(parts) + " RETURN " + ", ".join(names) + ";")


def parse_counts(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [l.strip() for l in f.read().splitlines() if l.strip()]
    if len(lines) < 2:
        die(f"unexpected cypher-shell output ({len(lines)} line(s)): {' | '.join(lines)[:300]}", 1)
    names = [c.strip().strip('"') for c in lines[-2].split(",")]
    values = [c.strip().strip('"') for c in lines[-1].split(",")]
    if len(names) != len(values):
        die(f"unexpected cypher-shell output: {lines[-2]!r} / {lines[-1]!r}", 1)
    try:
        return {n: int(v) for n, v in zip(names, values)}
    except ValueError:
        die(f"cypher-shell returned non-numeric counts: {lines[-1]!r}", 1)


def cmd_counts(path):
    print(json.dumps(parse_counts(path), sort_keys=True))


def cmd_check_counts(bundle, output, before=None):
    m = load_manifest(bundle)
    e = {col: rows for col, _, _, rows in expectations(m)}
    if before:
        with open(before, encoding="utf-8") as f:
            b = json.load(f)
        for k in e:
            e[k] += int(b.get(k, 0))
    a = parse_counts(output)
    bad = [(k, v, a.get(k)) for k, v in sorted(e.items()) if a.get(k) != v]
    if bad:
        print(f"{'count':<32} {'expected':>15} {'in Neo4j':>15}", file=sys.stderr)
        for k, want, got in bad:
            print(f"{k:<32} {want:>15} {str(got):>15}", file=sys.stderr)
        sys.exit(1)
    print(f"nodes={e.get('nodes')} relationships={e.get('relationships')} "
          f"({len(e) - 2} labels and types) match")


def cmd_admin_summary(log):
    with open(log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    i = text.rfind("IMPORT DONE")
    if i < 0:
        print("ADMIN_NODES='' ADMIN_RELATIONSHIPS='' ADMIN_PEAK=''")
        return
    tail = text[i:]
    n = re.search(r"(\d[\d,]*)\s+nodes", tail)
    r = re.search(r"(\d[\d,]*)\s+relationships", tail)
    p = re.search(r"Peak memory usage:\s*([\d.]+)\s*([KMGT]i?B)", tail)
    peak = ""
    if p:
        mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[p.group(2)[0]]
        peak = str(int(float(p.group(1)) * mult))
    clean = lambda m: m.group(1).replace(",", "") if m else ""
    print(f"ADMIN_NODES='{clean(n)}' ADMIN_RELATIONSHIPS='{clean(r)}' ADMIN_PEAK='{peak}'")


SIZE = re.compile(r"^\d+(\.\d+)?[kKmMgGtT]?$|^\d+%$")


def as_size(v):
    """A JVM/neo4j-admin size: bytes (int) -> '123m'; '20G' stays."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) and v > 0:
        mib = max(1, int(v) // (1 << 20))
        return f"{mib // 1024}g" if mib % 1024 == 0 else f"{mib}m"
    if isinstance(v, str) and SIZE.match(v.strip()):
        return v.strip()
    return None


def flatten(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, obj


def cmd_memory(path):
    """Finds the import heap and off-heap budget in an estimate's JSON.

    Keys are matched by name, not position, so the estimate's layout may
    change: a path mentioning "import" and ending in "heap" (not off-heap) is
    the heap; one ending in "max_off_heap_memory" or "off_heap" the budget.
    """
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        die(f"cannot read estimate {path}: {e}")
    heap = off = None
    for key, v in flatten(data):
        k = key.lower().replace("-", "_")
        if "import" not in k:
            continue
        last = k.rsplit(".", 1)[-1]
        if off is None and ("off_heap" in last):
            off = as_size(v)
        elif heap is None and last in ("heap", "heap_size", "heap_bytes", "max_heap"):
            heap = as_size(v)
    print(f"EST_HEAP='{heap or ''}' EST_OFF_HEAP='{off or ''}'")


def cmd_incremental_ready(bundle):
    m = load_manifest(bundle)
    missing = []
    for t in m.get("tables", []):
        if t.get("kind") != "node":
            continue
        h = os.path.join(bundle, t["header"]["path"])
        try:
            with open(h, encoding="utf-8") as f:
                first = f.readline()
        except OSError:
            # Parquet bundles name columns in the data files; look at the manifest.
            first = ""
        if ":ID" in first and "{label:" not in first.replace(" ", ""):
            missing.append(t["name"])
        elif ":ID" not in first:
            missing.append(t["name"])
    if missing:
        print(", ".join(missing))
        sys.exit(1)


def cmd_additions_only(bundle):
    m = load_manifest(bundle)
    if isinstance(m.get("additions_only"), bool):
        sys.exit(0 if m["additions_only"] else 1)
    # Tables of update, move or delete rows (cmdbgen changes: "op") mean not additions-only.
    for t in m.get("tables") or []:
        if isinstance(t, dict) and t.get("op") in ("updates", "moves", "deletes") and (t.get("rows") or 0) > 0:
            sys.exit(1)
    changes = m.get("changes")
    if isinstance(changes, dict):
        # Any update or delete count above zero means not additions-only.
        for k, v in flatten(changes):
            last = k.lower().rsplit(".", 1)[-1]
            if any(w in last for w in ("update", "move", "delete", "decommission", "remove")):
                if isinstance(v, (int, float)) and v > 0:
                    sys.exit(1)
        sys.exit(0)
    # A full bundle only creates.
    sys.exit(0)


ID_HEADER = re.compile(r"^(\w*):ID(?:\([^)]*\))?\{(.*)\}$")


def id_keys(bundle):
    """(label, property) of every node header's id with a {label:...} option."""
    m = load_manifest(bundle)
    keys = []
    for t in m.get("tables", []):
        if t.get("kind") != "node":
            continue
        try:
            with open(os.path.join(bundle, t["header"]["path"]), encoding="utf-8") as f:
                cells = f.readline().rstrip("\r\n").split(",")
        except OSError:
            continue
        for c in cells:
            mm = ID_HEADER.match(c.strip())
            if mm:
                opt = re.search(r"label\s*:\s*'?([A-Za-z_][\w]*)'?", mm.group(2))
                if opt:
                    keys.append((opt.group(1), mm.group(1) or "id"))
    return keys


def cmd_missing_constraints(bundle, output):
    with open(output, encoding="utf-8", errors="replace") as f:
        rows = [l for l in f.read().splitlines()[1:] if l.strip()]
    have = set()
    for r in rows:
        # plain format: ["Server"], ["id"], "UNIQUENESS"
        lists = re.findall(r"\[([^\]]*)\]", r)
        kind = r.rsplit(",", 1)[-1].strip().strip('"').upper()
        if len(lists) >= 2 and ("UNIQUENESS" in kind or kind == "NODE_KEY"):
            labels = [x.strip().strip('"') for x in lists[0].split(",") if x.strip()]
            props = [x.strip().strip('"') for x in lists[1].split(",") if x.strip()]
            if len(labels) == 1 and len(props) == 1:
                have.add((labels[0], props[0]))
    for label, prop in id_keys(bundle):
        if (label, prop) not in have:
            name = f"{label.lower()}_{prop}_unique"
            print(f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:`{label}`) REQUIRE n.`{prop}` IS UNIQUE;")


def coerce(v):
    if v in ("true", "false"):
        return v == "true"
    if v == "":
        return None
    try:
        return int(v)
    except ValueError:
        pass
    try:
        return float(v)
    except ValueError:
        return v


def cmd_history(path, pairs):
    rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    for p in pairs:
        if "=" not in p:
            die(f"history: expected key=value, got {p!r}")
        k, v = p.split("=", 1)
        rec[k] = coerce(v)
    rec = {k: v for k, v in rec.items() if v is not None}
    rec.setdefault("rows", int(rec.get("nodes", 0)) + int(rec.get("relationships", 0)))
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    line = (json.dumps(rec) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    cmd, args = argv[1], argv[2:]
    table = {
        "info": (cmd_info, 1),
        "count-query": (cmd_count_query, 1),
        "counts": (cmd_counts, 1),
        "admin-summary": (cmd_admin_summary, 1),
        "memory": (cmd_memory, 1),
        "incremental-ready": (cmd_incremental_ready, 1),
        "additions-only": (cmd_additions_only, 1),
        "missing-constraints": (cmd_missing_constraints, 2),
        "check-version": (cmd_check_version, 3),
        "schema-report": (cmd_schema_report, 1),
    }
    if cmd == "check-counts" and len(args) in (2, 3):
        return cmd_check_counts(*args)
    if cmd == "history" and args:
        return cmd_history(args[0], args[1:])
    if cmd not in table or len(args) != table[cmd][1]:
        die(f"usage: ops.py {cmd} ... (see the docstring)")
    table[cmd][0](*args)


if __name__ == "__main__":
    main(sys.argv)
