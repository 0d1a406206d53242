//! The independent cross-check: tests/crosscheck/crosscheck.py loads
//! generated bundles into DuckDB and Ladybug (third-party engines, no shared
//! code) and checks column counts, row counts, ID uniqueness per group,
//! dangling ends and totals against the manifest.

use crate::util::{self, generate};
use std::fs;
use std::path::Path;
use std::process::Output;

fn crosscheck(dir: &Path) -> Output {
    std::process::Command::new(util::verify_python())
        .arg(util::repo().join("tests/crosscheck/crosscheck.py"))
        .arg(dir)
        .output()
        .expect("running tests/crosscheck/crosscheck.py")
}

fn text(o: &Output) -> String {
    format!(
        "{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Generates `profile` with `args` in each id mode (`--ids string` and
/// `integer`), cross-checks it and asserts a clean report that names every
/// table of the manifest.
fn clean(profile: &str, args: &[&str]) {
    for ids in ["string", "integer"] {
        let mut with = args.to_vec();
        with.extend(["--ids", ids]);
        clean_one(profile, &with);
    }
}

fn clean_one(profile: &str, args: &[&str]) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    generate(&d, profile, args);
    let o = crosscheck(&d);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let last = String::from_utf8_lossy(&o.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(last.ends_with(" passed, 0 failed"), "{out}");
    let passed: u64 = last.split(' ').next().unwrap().parse().unwrap();
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap();
    let tables = m["tables"].as_array().unwrap();
    assert!(tables.len() >= 20);
    // At least a read, a row count and a load per table.
    assert!(passed >= 3 * tables.len() as u64, "{out}");
    for t in tables {
        let name = t["name"].as_str().unwrap();
        for engine in ["duckdb", "ladybug"] {
            assert!(
                out.contains(&format!("PASS {engine} {name}: ")),
                "{engine} did not report {name}:\n{out}"
            );
        }
    }
}

#[test]
#[ignore = "needs DuckDB and Ladybug: scripts/test.sh"]
fn small_plain_crosschecks_clean() {
    clean("small", &[]);
}

#[test]
#[ignore = "needs DuckDB and Ladybug: scripts/test.sh"]
fn small_gzip_crosschecks_clean() {
    clean("small", &["--gzip"]);
}

#[test]
#[ignore = "needs DuckDB and Ladybug: scripts/test.sh"]
fn medium_gzip_in_many_shards_crosschecks_clean() {
    clean("medium", &["--gzip", "--shard-rows", "3000"]);
}

#[test]
#[ignore = "needs DuckDB and Ladybug: scripts/test.sh"]
fn the_crosscheck_catches_damage() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    generate(&d, "tiny", &[]);
    // A dangling end, and a duplicate node id.
    let rel = d.join("relationships/Server-HOSTED_IN-DataCenter/part-00000.csv");
    let r = fs::read_to_string(&rel).unwrap();
    let first_end = r
        .lines()
        .next()
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_string();
    fs::write(&rel, r.replacen(&first_end, "dc-999999999", 1)).unwrap();
    let db = d.join("nodes/Database/part-00000.csv");
    let text_db = fs::read_to_string(&db).unwrap();
    let lines: Vec<&str> = text_db.lines().collect();
    let id0 = lines[0].split(',').next().unwrap();
    let id1 = lines[1].split(',').next().unwrap();
    fs::write(&db, text_db.replacen(id1, id0, 1)).unwrap();
    let o = crosscheck(&d);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for want in [
        "FAIL duckdb Server-HOSTED_IN-DataCenter: every :END_ID exists in DataCenter: 1 not found, e.g. 'dc-999999999'",
        "FAIL duckdb Database: ids unique in ID group",
        "FAIL ladybug Database: COPY without warnings",
        "FAIL ladybug Server-HOSTED_IN-DataCenter: COPY without warnings",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
    assert!(!out.contains(" passed, 0 failed"), "{out}");
}
