//! `cmdbgen bench-table`: the peer benchmark workload of scripts/bench.sh,
//! written as Parquet and CSV, checked against DuckDB writing the same table.

use crate::util::{self, ok, run, verify_python};
use std::path::Path;
use std::process::Command;

fn bench_table(table: &str, rows: u64, out: &Path, extra: &[&str]) -> serde_json::Value {
    let rows = rows.to_string();
    let mut args = vec![
        "bench-table",
        "--table",
        table,
        "--rows",
        &rows,
        "--out",
        out.to_str().expect("utf-8 temp path"),
        "--shard-rows",
        "7000",
        "--threads",
        "2",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(ok(&args).trim()).expect("one JSON line")
}

/// Both peer tables, Parquet (several row groups per shard, a short last
/// shard) and CSV, are the same rows, and match DuckDB's Parquet of the
/// same table in count, types and every hash-independent column.
#[test]
#[ignore = "needs DuckDB and Ladybug: scripts/test.sh"]
fn bench_table_parquet_matches_csv_and_duckdb() {
    let t = tempfile::tempdir().unwrap();
    for (table, rows) in [("nodes", 20_001u64), ("edges", 30_002)] {
        let pq = t.path().join(format!("{table}-pq"));
        let csv = t.path().join(format!("{table}-csv"));
        let j = bench_table(
            table,
            rows,
            &pq,
            &["--format", "parquet", "--row-group-rows", "3000"],
        );
        assert_eq!(j["rows"], rows);
        assert_eq!(j["format"], "parquet");
        assert_eq!(j["files"], rows.div_ceil(7000));
        assert!(
            !pq.join("header.csv").exists(),
            "Parquet has no header file"
        );
        bench_table(table, rows, &csv, &[]);
        let o = Command::new(verify_python())
            .arg(util::repo().join("tests/crosscheck/bench_vs_duckdb.py"))
            .args([table, &rows.to_string()])
            .args([&pq, &csv, t.path()])
            .output()
            .expect("running the verify python");
        assert!(
            o.status.success(),
            "bench_vs_duckdb.py {table} failed:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn bench_table_rejects_mixed_format_flags() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().to_str().unwrap();
    for args in [
        &["--format", "parquet", "--gzip"][..],
        &["--parquet-codec", "zstd"][..],
        &["--row-group-rows", "10"][..],
    ] {
        let mut all = vec![
            "bench-table",
            "--table",
            "nodes",
            "--rows",
            "10",
            "--out",
            d,
        ];
        all.extend_from_slice(args);
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--"), "{args:?}: {err}");
    }
}
