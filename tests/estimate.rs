//! `cmdbgen estimate` against what `generate` then writes: exact rows and
//! files, bytes within the stated ±2 %, the JSON schema, and `generate`'s
//! refusal when the bundle does not fit the free space.

use crate::util::{self, run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs cmdbgen with `args` as if `free` bytes were free.
fn with_free(args: &[&str], free: &str) -> std::process::Output {
    util::bin()
        .args(args)
        .env("CMDBGEN_FAKE_FREE_BYTES", free)
        .output()
        .unwrap()
}

/// `estimate --json` for a bundle in `out`.
fn estimate(profile: &str, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "estimate",
        "--profile",
        profile,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&util::ok(&args)).expect("estimate --json prints JSON")
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn table_bytes(m: &Value) -> u64 {
    m["header"]["bytes"].as_u64().unwrap()
        + m["shards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["bytes"].as_u64().unwrap())
            .sum::<u64>()
}

/// Estimates, generates, and compares. Rows and files must be exact; the
/// total and every table of at least `big` bytes within 2 %; a table whose
/// figure is exact must equal the file sizes byte for byte.
fn check(profile: &str, est_args: &[&str], gen_args: &[&str], big: u64) -> (u64, u64) {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("b");
    let e = estimate(profile, &out, est_args);
    util::generate(&out, profile, gen_args);
    let m = manifest(&out);
    let case = format!("{profile} {est_args:?}");
    assert_eq!(e["rows"]["nodes"], m["totals"]["nodes"], "{case}");
    assert_eq!(
        e["rows"]["relationships"], m["totals"]["relationships"],
        "{case}"
    );
    assert_eq!(e["bundle"]["files"], m["totals"]["files"], "{case}");
    let tables = m["tables"].as_array().unwrap();
    let est_tables = e["tables"].as_array().unwrap();
    assert_eq!(tables.len(), est_tables.len(), "{case}");
    for (et, mt) in est_tables.iter().zip(tables) {
        let name = mt["name"].as_str().unwrap();
        assert_eq!(et["name"], mt["name"], "{case}");
        assert_eq!(et["rows"], mt["rows"], "{case} {name}");
        assert_eq!(
            et["shards"].as_u64().unwrap(),
            mt["shards"].as_array().unwrap().len() as u64,
            "{case} {name}"
        );
        assert_eq!(et["header_bytes"], mt["header"]["bytes"], "{case} {name}");
        let actual = table_bytes(mt);
        let est = et["bytes"].as_u64().unwrap();
        if et["method"] == "exact" {
            assert_eq!(est, actual, "{case} {name}: an exact figure must be exact");
        } else if actual >= big {
            let err = est as f64 / actual as f64 - 1.0;
            assert!(
                err.abs() <= 0.02,
                "{case} {name}: estimate {est} vs {actual} ({:+.2}%)",
                err * 100.0
            );
        }
    }
    let actual = m["totals"]["bytes"].as_u64().unwrap();
    let est = e["bundle"]["bytes"].as_u64().unwrap();
    let err = est as f64 / actual as f64 - 1.0;
    assert!(
        err.abs() <= 0.02,
        "{case}: total estimate {est} vs {actual} ({:+.2}%)",
        err * 100.0
    );
    assert!(e["bundle"]["bytes_low"].as_u64().unwrap() <= actual);
    assert!(e["bundle"]["bytes_high"].as_u64().unwrap() >= actual);
    (est, actual)
}

#[test]
fn bytes_match_generate_with_default_sampling() {
    let mut totals = Vec::new();
    for profile in ["tiny", "small", "medium"] {
        let csv = check(profile, &[], &[], 256 << 10);
        check(
            profile,
            &["--format", "csv-gz", "--gzip-level", "1"],
            &["--gzip", "--gzip-level", "1"],
            256 << 10,
        );
        check(
            profile,
            &["--gzip", "--gzip-level", "6"],
            &["--gzip", "--gzip-level", "6"],
            256 << 10,
        );
        totals.push(csv.0);
    }
    // Bigger profiles, bigger estimates.
    assert!(totals.windows(2).all(|w| w[0] < w[1]), "{totals:?}");
}

/// Single-source bundles leave `sources` and `observed_at` out: the estimate
/// of the bytes, the array store, the whole store and the import shrinks, and
/// `--provenance full` estimates the bundle `generate --provenance full`
/// writes.
#[test]
fn the_store_estimate_follows_the_provenance_columns() {
    let t = tempfile::tempdir().unwrap();
    let auto = estimate("small", &t.path().join("a"), &[]);
    let (full_est, _) = check(
        "small",
        &["--provenance", "full"],
        &["--provenance", "full"],
        256 << 10,
    );
    let full = estimate("small", &t.path().join("f"), &["--provenance", "full"]);
    assert_eq!(full["bundle"]["bytes"].as_u64().unwrap(), full_est);
    let num = |v: &Value, path: &[&str]| {
        path.iter()
            .fold(v, |v, k| &v[*k])
            .as_f64()
            .unwrap_or_else(|| panic!("{path:?} is a number"))
    };
    for path in [
        &["bundle", "bytes"][..],
        &["neo4j", "record_format", "arrays_bytes"],
        &["neo4j", "record_format", "properties"],
        &["neo4j", "record_format", "total_bytes"],
        &["time", "import", "seconds"],
    ] {
        let (a, f) = (num(&auto, path), num(&full, path));
        assert!(a < f, "{path:?}: {a} without provenance, {f} with");
    }
    // The array store holds only tags without `sources`: a fraction of it.
    let arrays = num(&auto, &["neo4j", "record_format", "arrays_bytes"])
        / num(&full, &["neo4j", "record_format", "arrays_bytes"]);
    assert!(arrays < 0.25, "{arrays}");
    let store = num(&auto, &["neo4j", "record_format", "total_bytes"])
        / num(&full, &["neo4j", "record_format", "total_bytes"]);
    assert!(store < 0.75, "{store}");
}

/// `--ids integer` estimates the bundle `generate --ids integer` writes
/// (shorter ids, the extra `id` column), the same store and import memory,
/// and the import time scaled by the measured integer-id factor.
#[test]
fn the_estimate_follows_the_id_mode() {
    let t = tempfile::tempdir().unwrap();
    let string = estimate("small", &t.path().join("s"), &[]);
    let (int_est, _) = check(
        "small",
        &["--ids", "integer"],
        &["--ids", "integer"],
        256 << 10,
    );
    let int = estimate("small", &t.path().join("i"), &["--ids", "integer"]);
    assert_eq!(int["bundle"]["bytes"].as_u64().unwrap(), int_est);
    assert_eq!(
        (&string["profile"]["ids"], &int["profile"]["ids"]),
        (&"string".into(), &"integer".into())
    );
    assert!(int_est < string["bundle"]["bytes"].as_u64().unwrap());
    for path in [
        ["neo4j", "record_format", "total_bytes"],
        ["memory", "import", "max_off_heap_bytes"],
    ] {
        assert_eq!(
            string[path[0]][path[1]][path[2]], int[path[0]][path[1]][path[2]],
            "{path:?}"
        );
    }
    let (s, i) = (&string["time"]["import"], &int["time"]["import"]);
    assert_eq!(s["id_scale"].as_f64(), Some(1.0));
    let scale = i["id_scale"].as_f64().unwrap();
    assert!(scale > 0.5 && scale < 1.0, "{scale}");
    let ratio = i["seconds"].as_f64().unwrap() / s["seconds"].as_f64().unwrap();
    assert!((ratio - scale).abs() < 1e-6, "{ratio} vs {scale}");
}

/// Every table sampled (none rendered in full), with small and large shards.
#[test]
fn bytes_match_generate_when_every_table_is_sampled() {
    for profile in ["small", "medium"] {
        check(profile, &["--exact-below", "0"], &[], 256 << 10);
        check(
            profile,
            &[
                "--exact-below",
                "0",
                "--format",
                "csv-gz",
                "--gzip-level",
                "6",
            ],
            &["--gzip", "--gzip-level", "6"],
            256 << 10,
        );
    }
    check(
        "medium",
        &[
            "--exact-below",
            "0",
            "--format",
            "csv-gz",
            "--shard-rows",
            "700",
        ],
        &["--gzip", "--shard-rows", "700"],
        256 << 10,
    );
    check(
        "medium",
        &["--exact-below", "0", "--shard-bytes", "100000"],
        &["--shard-bytes", "100000"],
        256 << 10,
    );
}

/// Parquet: the same checks against `generate --format parquet`, for each
/// codec, the default row groups and small ones (many per shard, so full
/// and short row groups are both sampled).
#[test]
fn parquet_bytes_match_generate() {
    for profile in ["tiny", "small", "medium"] {
        for codec in ["snappy", "zstd:3"] {
            let args = ["--format", "parquet", "--parquet-codec", codec];
            let (_, actual) = check(profile, &args, &args, 256 << 10);
            assert!(actual > 0);
        }
    }
    let args = ["--format", "parquet", "--row-group-rows", "5000"];
    check("medium", &args, &args, 256 << 10);
    // Integer ids: Int64 ids and ends, the string id as a column of its own,
    // exact and sampled.
    let args = ["--format", "parquet", "--ids", "integer"];
    let (int_est, _) = check("small", &args, &args, 256 << 10);
    let (string_est, _) = check("small", &args[..2], &args[..2], 256 << 10);
    assert_ne!(int_est, string_est);
    let mut est = vec!["--exact-below", "0"];
    est.extend_from_slice(&args);
    check("medium", &est, &args, 64 << 10);
    let args = [
        "--format",
        "parquet",
        "--parquet-target",
        "archive",
        "--row-group-rows",
        "500",
        "--shard-rows",
        "1500",
    ];
    let mut est = vec!["--exact-below", "0"];
    est.extend_from_slice(&args);
    // Parquet tables are small here: hold sampled ones from 64 KiB up.
    check("medium", &est, &args, 64 << 10);
    let t = tempfile::tempdir().unwrap();
    let e = estimate("medium", &t.path().join("b"), &est);
    assert_eq!(e["format"]["name"], "parquet");
    assert_eq!(e["format"]["parquet_codec"], "zstd:3");
    assert_eq!(e["format"]["row_group_rows"], 500);
    assert!(e["format"].get("gzip_level").is_none());
    let sampled = e["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["method"] == "sampled")
        .count();
    assert!(sampled >= 3, "{sampled} sampled tables");
    assert!(e["time"]["generate"]["seconds"].as_f64().unwrap() > 0.0);
}

/// A slow disk caps the generation time: `--disk-write-speed` is the
/// bandwidth, and the time is never less than bytes / bandwidth.
#[test]
fn a_slow_disk_bounds_the_generation_time() {
    let t = tempfile::tempdir().unwrap();
    let e = estimate("small", &t.path().join("b"), &["--disk-write-speed", "1K"]);
    let g = &e["time"]["generate"];
    assert_eq!(g["bound"], "disk", "{g}");
    assert_eq!(g["disk_bytes_per_second"], 1024);
    let bytes = e["bundle"]["bytes"].as_f64().unwrap();
    assert!(g["seconds"].as_f64().unwrap() >= bytes / 1024.0, "{g}");
    let o = run(&["estimate", "--disk-write-speed", "fast"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn generate_parquet_refuses_when_the_bundle_does_not_fit() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("b");
    let args = [
        "generate",
        "--profile",
        "tiny",
        "--format",
        "parquet",
        "--out",
        out.to_str().unwrap(),
        "--progress",
        "none",
    ];
    let o = with_free(&args, "1000");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("does NOT fit") && err.contains("--force"),
        "{err}"
    );
    assert!(!out.join("nodes").exists(), "nothing may be written");
    let o = with_free(&args, "1000000000");
    assert!(o.status.success(), "{}", stderr(&o));
    let se = stderr(&o);
    let first = se.lines().next().unwrap_or("");
    assert!(
        first.starts_with("estimate: ") && first.contains("parquet") && first.ends_with("fits"),
        "{se}"
    );
    assert!(out.join("manifest.json").exists());
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The JSON schema documented in docs/capacity-planning.md.
#[test]
fn json_schema_is_stable() {
    let t = tempfile::tempdir().unwrap();
    let e = estimate(
        "small",
        &t.path().join("b"),
        &["--format", "csv-gz", "--ram", "16G", "--threads", "2"],
    );
    assert_eq!(e["schema"], "cmdbgen-estimate/1");
    assert_eq!(
        keys(&e),
        set(&[
            "schema",
            "profile",
            "format",
            "shard_size",
            "rows",
            "tables",
            "bundle",
            "disk",
            "neo4j",
            "memory",
            "time"
        ])
    );
    assert_eq!(
        keys(&e["profile"]),
        set(&["name", "seed", "provenance", "ids"])
    );
    assert_eq!(e["format"]["name"], "csv-gz");
    assert_eq!(
        e["format"]["gzip_level"],
        cmdbgen::write::DEFAULT_GZIP_LEVEL
    );
    assert_eq!(e["shard_size"]["rows"], 1_000_000);
    assert_eq!(
        keys(&e["rows"]),
        set(&[
            "nodes",
            "relationships",
            "total",
            "node_kinds",
            "relationship_types"
        ])
    );
    assert_eq!(
        keys(&e["tables"][0]),
        set(&[
            "name",
            "kind",
            "dir",
            "rows",
            "shards",
            "files",
            "header_bytes",
            "data_bytes",
            "bytes",
            "csv_bytes",
            "method",
            "rendered_rows"
        ])
    );
    assert_eq!(
        keys(&e["bundle"]),
        set(&[
            "files",
            "bytes",
            "bytes_low",
            "bytes_high",
            "csv_bytes",
            "error",
            "exact_tables",
            "sampled_tables"
        ])
    );
    assert_eq!(
        keys(&e["disk"]),
        set(&[
            "path",
            "checked_path",
            "free_bytes",
            "free_source",
            "reusable_bytes",
            "needed_bytes",
            "fits"
        ])
    );
    assert_eq!(
        keys(&e["neo4j"]),
        set(&["record_format", "block_format", "limits"])
    );
    assert_eq!(
        keys(&e["neo4j"]["record_format"]),
        set(&[
            "nodes_bytes",
            "relationships_bytes",
            "properties_bytes",
            "strings_bytes",
            "arrays_bytes",
            "id_indexes_bytes",
            "token_indexes_bytes",
            "total_bytes",
            "properties",
            "property_records",
            "string_records",
            "array_records",
            "relationship_groups_max_bytes"
        ])
    );
    assert_eq!(
        keys(&e["neo4j"]["block_format"]),
        set(&[
            "x1_bytes",
            "node_xd_bytes",
            "big_values_bytes",
            "relationships_low_bytes",
            "relationships_high_bytes",
            "indexes_bytes",
            "low_bytes",
            "high_bytes",
            "bytes"
        ])
    );
    assert_eq!(
        keys(&e["neo4j"]["limits"]),
        set(&["record_format_ok", "exceeded", "block_format_required"])
    );
    assert_eq!(
        keys(&e["memory"]),
        set(&["ram_bytes", "ram_source", "import", "server"])
    );
    assert_eq!(e["memory"]["ram_bytes"], 16u64 << 30);
    assert_eq!(e["memory"]["ram_source"], "--ram");
    assert_eq!(
        keys(&e["memory"]["import"]),
        set(&[
            "heap_bytes",
            "id_mapping_bytes",
            "node_relationship_cache_bytes",
            "max_off_heap_bytes",
            "fits_in_ram",
            "args",
            "env"
        ])
    );
    assert_eq!(
        keys(&e["memory"]["server"]),
        set(&[
            "heap_bytes",
            "os_reserve_bytes",
            "page_cache_available_bytes",
            "page_cache_needed_bytes",
            "page_cache_bytes",
            "store_fits_in_page_cache",
            "ram_for_full_page_cache_bytes",
            "neo4j_conf",
            "docker_env"
        ])
    );
    // 16 GiB: memory-recommendation's heap 5g.
    assert_eq!(
        e["memory"]["server"]["neo4j_conf"][1],
        "server.memory.heap.max_size=5g"
    );
    assert_eq!(
        e["memory"]["server"]["docker_env"]["NEO4J_server_memory_heap_max__size"],
        "5g"
    );
    assert_eq!(keys(&e["time"]), set(&["generate", "import"]));
    assert_eq!(
        keys(&e["time"]["generate"]),
        set(&[
            "seconds",
            "bound",
            "threads",
            "cpu_seconds",
            "cpu_bound_seconds",
            "disk_seconds",
            "disk_bytes_per_second",
            "world_seconds",
            "calibration_rows",
            "write_bytes_per_second",
            "basis"
        ])
    );
    assert_eq!(e["time"]["generate"]["threads"], 2);
    assert_eq!(e["time"]["generate"]["basis"], "calibrated on this machine");
    assert_eq!(e["time"]["generate"]["disk_bytes_per_second"], 1u64 << 30);
    assert!(["cpu", "disk"].contains(&e["time"]["generate"]["bound"].as_str().unwrap()));
    assert_eq!(
        keys(&e["time"]["import"]),
        set(&[
            "seconds",
            "seconds_low",
            "seconds_high",
            "sources",
            "property_scale",
            "id_scale",
            "basis"
        ])
    );
    assert_eq!(
        keys(&e["time"]["import"]["sources"][0]),
        set(&["what", "source", "seconds"])
    );
}

#[test]
fn generate_refuses_when_the_bundle_does_not_fit() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("b");
    let d = out.to_str().unwrap();
    let args = ["generate", "--profile", "small", "--out", d];
    let o = with_free(&args, "1000");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("free at") && err.contains("--force"), "{err}");
    assert!(!out.join("manifest.json").exists());
    assert!(!out.join("nodes").exists(), "nothing may be written");
    // The short form went to stderr first (stdout may be a closed pipe).
    assert!(err.contains("does NOT fit"), "{err}");

    // --force starts anyway, with a warning.
    let o = util::bin()
        .args(args)
        .args(["--force", "--progress", "none"])
        .env("CMDBGEN_FAKE_FREE_BYTES", "1000")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(out.join("manifest.json").exists());

    // Plenty of room: the short form says so, and the run goes ahead.
    let out2 = t.path().join("c");
    let o = util::bin()
        .args([
            "generate",
            "--profile",
            "tiny",
            "--out",
            out2.to_str().unwrap(),
            "--progress",
            "none",
        ])
        .env("CMDBGEN_FAKE_FREE_BYTES", "1000000000")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let se = stderr(&o);
    let first = se.lines().next().unwrap_or("");
    assert!(
        first.starts_with("estimate: ") && first.ends_with("fits"),
        "{se}"
    );

    // A bundle already there counts as reusable space: rerunning it fits in
    // far less than its size.
    let total = manifest(&out)["totals"]["bytes"].as_u64().unwrap();
    let o = util::bin()
        .args(args)
        .arg("--quiet")
        .env("CMDBGEN_FAKE_FREE_BYTES", (total / 10).to_string())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));

    let o = util::bin()
        .args(args)
        .env("CMDBGEN_FAKE_FREE_BYTES", "lots")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("CMDBGEN_FAKE_FREE_BYTES"));
}

/// With `--part i/n`, the free-space check is for that part's share of the
/// bundle: room for a quarter fits part 1/4 but not the whole bundle.
#[test]
fn generate_part_checks_the_space_of_its_part() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("p");
    let d = out.to_str().unwrap();
    let e = estimate("small", &out, &["--shard-rows", "200"]);
    let needed = e["disk"]["needed_bytes"].as_u64().unwrap();
    let free = (needed / 3).to_string();
    let base = [
        "generate",
        "--profile",
        "small",
        "--out",
        d,
        "--shard-rows",
        "200",
    ];
    let whole = with_free(&base, &free);
    assert_eq!(whole.status.code(), Some(2), "{}", stderr(&whole));
    assert!(
        stderr(&whole).contains("the bundle needs"),
        "{}",
        stderr(&whole)
    );
    let mut part = base.to_vec();
    part.extend(["--part", "1/4", "--progress", "none"]);
    let o = with_free(&part, &free);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("manifest.part-1-of-4.json").exists());
    // A part is refused too when its own share does not fit (in a fresh
    // folder: files already there count as reusable space).
    let fresh = t.path().join("q");
    let fresh = fresh.to_str().unwrap();
    let part: Vec<&str> = part
        .iter()
        .map(|&a| if a == d { fresh } else { a })
        .collect();
    let o = with_free(&part, "1000");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("part 1/4 of the bundle needs"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_estimate_flags_are_usage_errors() {
    for (args, says) in [
        (
            vec!["estimate", "--parquet-codec", "zstd:3"],
            "--format parquet",
        ),
        (
            vec!["estimate", "--format", "parquet", "--gzip-level", "6"],
            "--format csv-gz",
        ),
        (
            vec!["estimate", "--format", "parquet", "--parquet-codec", "lz4"],
            "expected snappy",
        ),
        (vec!["estimate", "--gzip-level", "6"], "--format csv-gz"),
        (vec!["estimate", "--ram", "lots"], "lots"),
        (vec!["estimate", "--profile", "nope"], "nope"),
        (vec!["estimate", "--shard-rows", "0"], "--shard-rows"),
        (vec!["estimate", "--threads", "0"], "--threads"),
        (vec!["estimate", "--gzip-level", "12", "--gzip"], "12"),
        (vec!["estimate", "--gzip", "--format", "parquet"], "--gzip"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn human_output_is_an_aligned_table() {
    let t = tempfile::tempdir().unwrap();
    let out = util::ok(&[
        "estimate",
        "--profile",
        "tiny",
        "--out",
        t.path().join("b").to_str().unwrap(),
        "--ram",
        "16G",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    // The headline comes first: one labelled line per deciding figure.
    let blank = lines.iter().position(|l| l.is_empty()).unwrap();
    let labels: Vec<&str> = lines[blank + 1..blank + 6]
        .iter()
        .map(|l| l.split("  ").nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        labels,
        ["rows", "on disk", "Neo4j store", "import memory", "time"],
        "{out}"
    );
    let head = lines.iter().position(|l| l.starts_with("TABLE")).unwrap();
    let total = lines.iter().position(|l| l.starts_with("total")).unwrap();
    let is_heading = |l: &&&str| **l == "nodes:" || **l == "relationships:";
    // The ROWS column ends at the same place on every line of the table.
    let end = lines[head].find("ROWS").unwrap() + 4;
    for l in lines[head..=total].iter().filter(|l| !is_heading(l)) {
        assert!(
            l.as_bytes()[end - 1].is_ascii_alphanumeric() && l.as_bytes()[end] == b' ',
            "misaligned: {l}"
        );
    }
    let rows: Vec<&&str> = lines[head + 1..total]
        .iter()
        .filter(|l| !is_heading(l))
        .collect();
    assert!(rows.len() >= 20, "{out}");
    assert_eq!(
        lines[head + 1..total].iter().filter(is_heading).count(),
        2,
        "a heading for nodes and one for relationships:\n{out}"
    );
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    for s in [
        "Rows (exact)",
        "Disk:",
        "record format",
        "Block format",
        "Limits: within",
        "server.memory.pagecache.size=",
        "NEO4J_server_memory_heap_max__size",
        "HEAP_SIZE=",
        "--max-off-heap-memory=",
        "calibrated on this machine",
        "-bound",
        "--disk-write-speed",
        "rough estimate from published throughput",
    ] {
        assert!(out.contains(s), "missing {s}:\n{out}");
    }
}

/// Beyond 2^35 nodes the record format cannot hold the graph: the estimate
/// says block format is required.
#[test]
fn record_format_limits_are_flagged() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("huge.toml");
    fs::write(
        &p,
        "[nodes]\nRegion = 1\nDataCenter = 1\nServer = 34359738369\n",
    )
    .unwrap();
    let e = estimate(p.to_str().unwrap(), &t.path().join("b"), &["--ram", "1T"]);
    let l = &e["neo4j"]["limits"];
    assert_eq!(l["record_format_ok"], false);
    assert_eq!(l["block_format_required"], true);
    let ex: Vec<&str> = l["exceeded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(ex.iter().any(|s| s.starts_with("nodes")), "{ex:?}");
    assert!(ex.iter().any(|s| s.starts_with("relationships")), "{ex:?}");
    assert_eq!(e["rows"]["nodes"], 34_359_738_371u64);
    // 2^35 + 1 servers in shards of a million rows, plus their HOSTED_IN.
    assert_eq!(e["tables"][2]["shards"], 34_360);
    // ~25 B per node for the importer's caches.
    let off = e["memory"]["import"]["max_off_heap_bytes"]
        .as_u64()
        .unwrap();
    assert!(off >= 25 * 34_359_738_371u64, "{off}");
}
