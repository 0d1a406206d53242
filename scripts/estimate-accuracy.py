#!/usr/bin/env python3
"""Compares `cmdbgen estimate` with what `cmdbgen generate` then writes.

    scripts/estimate-accuracy.py [--bin target/release/cmdbgen] [--keep]
        [--exact-below BYTES] [--shard-rows N] [--threads N] [--row-group-rows N]
        PROFILE:FORMAT[:LEVEL] ...

FORMAT is csv, csv-gz (LEVEL defaults to 1) or parquet (LEVEL is the codec,
e.g. snappy or zstd:3; default snappy). For each case it runs the
estimate (JSON), generates the bundle into a temporary folder, reads the
manifest and prints the error of the total and of every table of at least
1 MiB, then removes the bundle (unless --keep). Rows must match exactly.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="target/release/cmdbgen")
ap.add_argument("--keep", action="store_true")
ap.add_argument("--exact-below", default=None)
ap.add_argument("--threads", default=None)
ap.add_argument("--shard-rows", default=None)
ap.add_argument("--row-group-rows", default=None)
ap.add_argument("cases", nargs="+")
a = ap.parse_args()

worst = 0.0
for case in a.cases:
    parts = case.split(":", 2)
    profile, fmt = parts[0], parts[1]
    level = parts[2] if len(parts) > 2 else ("snappy" if fmt == "parquet" else "1")
    out = tempfile.mkdtemp(prefix=f"cmdbgen-acc-{profile}-")
    est_args = [a.bin, "estimate", "--profile", profile, "--format", fmt, "--out", out, "--json"]
    gen_args = [a.bin, "generate", "--profile", profile, "--out", out, "--quiet", "--force"]
    if fmt == "csv-gz":
        est_args += ["--gzip-level", level]
        gen_args += ["--gzip", "--gzip-level", level]
    if fmt == "parquet":
        pq = ["--parquet-codec", level]
        if a.row_group_rows:
            pq += ["--row-group-rows", a.row_group_rows]
        est_args += pq
        gen_args += ["--format", "parquet"] + pq
    if a.exact_below is not None:
        est_args += ["--exact-below", a.exact_below]
    if a.shard_rows:
        gen_args += ["--shard-rows", a.shard_rows]
        est_args += ["--shard-rows", a.shard_rows]
    if a.threads:
        gen_args += ["--threads", a.threads]
        est_args += ["--threads", a.threads]
    t0 = time.time()
    est = json.loads(subprocess.run(est_args, check=True, capture_output=True).stdout)
    t_est = time.time() - t0
    t0 = time.time()
    subprocess.run(gen_args, check=True)
    t_gen = time.time() - t0
    man = json.load(open(os.path.join(out, "manifest.json")))
    tables = {t["name"]: t for t in man["tables"]}
    for t in est["tables"]:
        m = tables[t["name"]]
        assert t["rows"] == m["rows"], (case, t["name"], t["rows"], m["rows"])
        assert t["files"] == 1 + len(m["shards"]), (case, t["name"])
    assert est["bundle"]["files"] == man["totals"]["files"], case
    assert est["rows"]["nodes"] == man["totals"]["nodes"], case
    assert est["rows"]["relationships"] == man["totals"]["relationships"], case
    actual = man["totals"]["bytes"]
    err = est["bundle"]["bytes"] / actual - 1
    worst = max(worst, abs(err))
    g = est["time"]["generate"]["seconds"]
    print(f"{profile:<10} {fmt:<6} L{level if fmt != 'csv' else '-'}  estimate {est['bundle']['bytes']:>14,}  "
          f"actual {actual:>14,}  error {err*100:+.2f}%  ({est['bundle']['sampled_tables']} sampled tables; "
          f"estimate took {t_est:.1f}s; generate predicted {g:.1f}s, took {t_gen:.1f}s)")
    for t in est["tables"]:
        m = tables[t["name"]]
        b = m["header"]["bytes"] + sum(s["bytes"] for s in m["shards"])
        if b >= 1 << 20:
            e = t["bytes"] / b - 1
            print(f"    {t['name']:<45} {t['method']:<8} {t['bytes']:>14,} vs {b:>14,}  {e*100:+.2f}%")
    if not a.keep:
        shutil.rmtree(out)
print(f"worst total error: {worst*100:.2f}%")
sys.exit(0 if worst <= 0.02 else 1)
