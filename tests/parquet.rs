//! `generate --format parquet`: every Parquet bundle is read back with the
//! arrow/parquet reader and with DuckDB and compared with the CSV bundle of
//! the same profile and seed, row by row, values and types; Ladybug loads it
//! with no duplicate key or dangling end; bytes do not depend on threads;
//! the manifest and import arguments are right for `--input-type=parquet`.

use crate::util::{self, files, generate, run, verify_python};
use ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use ::parquet::basic::Compression;
use ::parquet::file::reader::{FileReader, SerializedFileReader};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatchReader};
use arrow_schema::{DataType, TimeUnit};
use serde_json::Value as Json;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A typed cell, the common ground of both formats.
#[derive(Debug, PartialEq)]
enum Cell {
    Null,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Microseconds since the epoch, UTC.
    Micros(i64),
    List(Vec<String>),
}

/// The Neo4j type of a header cell (`None`: a string, an id or labels; with
/// integer ids, `:ID`, `:START_ID` and `:END_ID` are `long`).
fn neo4j_type(cell: &str, integer: bool) -> Option<&str> {
    if integer
        && [":ID(", ":START_ID(", ":END_ID("]
            .iter()
            .any(|p| cell.starts_with(p))
    {
        return Some("long");
    }
    if cell.starts_with(':') || cell.contains(":ID(") {
        return None;
    }
    cell.rsplit_once(':').map(|(_, t)| t)
}

/// The Arrow type a header cell's Neo4j type calls for.
fn arrow_type(cell: &str, integer: bool) -> DataType {
    match neo4j_type(cell, integer) {
        None => DataType::Utf8,
        Some("int" | "long") => DataType::Int64,
        Some("double") => DataType::Float64,
        Some("boolean") => DataType::Boolean,
        Some("datetime") => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        // Elements named as the Parquet format recommends, never null.
        Some("string[]") => DataType::List(std::sync::Arc::new(arrow_schema::Field::new(
            "element",
            DataType::Utf8,
            false,
        ))),
        Some(t) => panic!("unexpected type {t} in {cell}"),
    }
}

/// RFC 4180 fields with a flag for "was quoted" (neo4j-admin: an unquoted
/// empty field is absent, a quoted one is an empty string).
fn parse_csv(text: &str) -> Vec<Vec<(String, bool)>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let (mut quoted, mut in_quotes) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "quote inside an unquoted field");
                quoted = true;
                in_quotes = true;
            }
            ',' => row.push((std::mem::take(&mut field), std::mem::take(&mut quoted))),
            '\n' => {
                row.push((std::mem::take(&mut field), std::mem::take(&mut quoted)));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "CSV does not end with a newline"
    );
    rows
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` to microseconds since the epoch.
fn parse_datetime(s: &str) -> i64 {
    let b = s.as_bytes();
    assert!(
        b.len() == 20 && b[10] == b'T' && b[19] == b'Z',
        "bad datetime {s}"
    );
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
    let days = days_from_civil(n(0..4), n(5..7), n(8..10));
    (days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)) * 1_000_000
}

/// A CSV field read the way neo4j-admin reads it for the header cell.
fn csv_cell(header: &str, (text, quoted): &(String, bool), integer: bool) -> Cell {
    if text.is_empty() && !quoted {
        return Cell::Null;
    }
    match neo4j_type(header, integer) {
        None => Cell::Str(text.clone()),
        Some("int" | "long") => Cell::Int(text.parse().unwrap()),
        Some("double") => Cell::Float(text.parse().unwrap()),
        Some("boolean") => match text.as_str() {
            "true" => Cell::Bool(true),
            "false" => Cell::Bool(false),
            _ => panic!("{header}: boolean {text:?}"),
        },
        Some("datetime") => Cell::Micros(parse_datetime(text)),
        Some("string[]") => Cell::List(text.split(';').map(String::from).collect()),
        Some(t) => panic!("unexpected type {t}"),
    }
}

/// Cell `i` of an Arrow column.
fn arrow_cell(a: &dyn Array, i: usize) -> Cell {
    if a.is_null(i) {
        return Cell::Null;
    }
    match a.data_type() {
        DataType::Utf8 => Cell::Str(a.as_string::<i32>().value(i).to_string()),
        DataType::Int64 => Cell::Int(a.as_primitive::<Int64Type>().value(i)),
        DataType::Float64 => Cell::Float(a.as_primitive::<Float64Type>().value(i)),
        DataType::Boolean => Cell::Bool(a.as_boolean().value(i)),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            Cell::Micros(a.as_primitive::<TimestampMicrosecondType>().value(i))
        }
        DataType::List(_) => {
            let v = a.as_list::<i32>().value(i);
            let s = v.as_string::<i32>();
            Cell::List((0..s.len()).map(|k| s.value(k).to_string()).collect())
        }
        t => panic!("unexpected Arrow type {t}"),
    }
}

fn manifest(dir: &Path) -> Json {
    serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn shard_paths(dir: &Path, table: &Json) -> Vec<PathBuf> {
    table["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| dir.join(s["path"].as_str().unwrap()))
        .collect()
}

/// Every row of a CSV table, typed per its header file.
fn csv_table(dir: &Path, table: &Json, integer: bool) -> (Vec<String>, Vec<Vec<Cell>>) {
    let header = fs::read_to_string(dir.join(table["header"]["path"].as_str().unwrap())).unwrap();
    let header: Vec<String> = parse_csv(&header)
        .remove(0)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    let mut rows = Vec::new();
    for p in shard_paths(dir, table) {
        for r in parse_csv(&fs::read_to_string(&p).unwrap()) {
            assert_eq!(r.len(), header.len(), "{}", p.display());
            rows.push(
                header
                    .iter()
                    .zip(&r)
                    .map(|(h, f)| csv_cell(h, f, integer))
                    .collect(),
            );
        }
    }
    (header, rows)
}

/// Every row of a Parquet table, checking each file's schema against the
/// header cells and its row count and checksum against the manifest.
fn parquet_table(dir: &Path, table: &Json, header: &[String], integer: bool) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for (s, p) in table["shards"]
        .as_array()
        .unwrap()
        .iter()
        .zip(shard_paths(dir, table))
    {
        let bytes = fs::read(&p).unwrap();
        assert_eq!(
            s["bytes"].as_u64(),
            Some(bytes.len() as u64),
            "{}",
            p.display()
        );
        let hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes));
        assert_eq!(s["xxh3"].as_str(), Some(hash.as_str()), "{}", p.display());
        let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(&p).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let schema = reader.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, header, "{}", p.display());
        for f in schema.fields() {
            assert_eq!(
                f.data_type(),
                &arrow_type(f.name(), integer),
                "{} {}",
                p.display(),
                f.name()
            );
            let special = f.name().starts_with(':') || f.name().contains(":ID(");
            assert_eq!(f.is_nullable(), !special, "{} {}", p.display(), f.name());
        }
        let before = rows.len();
        for batch in reader {
            let batch = batch.unwrap();
            for i in 0..batch.num_rows() {
                rows.push(
                    batch
                        .columns()
                        .iter()
                        .map(|c| arrow_cell(c.as_ref(), i))
                        .collect(),
                );
            }
        }
        assert_eq!(
            s["rows"].as_u64(),
            Some((rows.len() - before) as u64),
            "{}",
            p.display()
        );
    }
    rows
}

/// Asserts that `pq` holds the same rows as the CSV bundle `csv`.
fn assert_same_rows(csv: &Path, pq: &Path) {
    let (mc, mp) = (manifest(csv), manifest(pq));
    let (tc, tp) = (
        mc["tables"].as_array().unwrap(),
        mp["tables"].as_array().unwrap(),
    );
    assert_eq!(tc.len(), tp.len());
    assert!(tc.len() >= 20, "{}", tc.len());
    // Both bundles have the same id mode (`run.profile.ids`, absent: string).
    let ids = |m: &Json| {
        m["run"]["profile"]["ids"]
            .as_str()
            .unwrap_or("string")
            .to_string()
    };
    assert_eq!(ids(&mc), ids(&mp));
    let integer = ids(&mp) == "integer";
    for (a, b) in tc.iter().zip(tp) {
        let name = a["name"].as_str().unwrap();
        assert_eq!(name, b["name"].as_str().unwrap());
        let (header, want) = csv_table(csv, a, integer);
        let got = parquet_table(pq, b, &header, integer);
        assert_eq!(want.len() as u64, a["rows"].as_u64().unwrap(), "{name}");
        assert_eq!(got.len(), want.len(), "{name}: row count");
        for (i, (w, g)) in want.iter().zip(&got).enumerate() {
            for (k, (x, y)) in w.iter().zip(g).enumerate() {
                assert_eq!(x, y, "{name} row {i} column {}", header[k]);
            }
        }
    }
    assert_eq!(mc["totals"]["nodes"], mp["totals"]["nodes"]);
    assert_eq!(mc["totals"]["relationships"], mp["totals"]["relationships"]);
}

fn python(script: &str, args: &[&Path]) -> std::process::Output {
    Command::new(verify_python())
        .arg(util::repo().join("tests/crosscheck").join(script))
        .args(args)
        .output()
        .expect("running the verify python")
}

fn python_ok(script: &str, args: &[&Path]) -> String {
    let o = python(script, args);
    assert!(
        o.status.success(),
        "{script} failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// CSV vs Parquet (snappy, and zstd with small row groups and other shard
/// sizes) for one profile and id mode (`--ids`): arrow reader, DuckDB, and
/// for string ids Ladybug (which keys its node tables by the string id).
fn parquet_matches_csv(profile: &str, ids: &str) {
    let t = tempfile::tempdir().unwrap();
    let csv = t.path().join("csv");
    generate(&csv, profile, &["--ids", ids]);
    let snappy = t.path().join("snappy");
    generate(
        &snappy,
        profile,
        &["--format", "parquet", "--shard-rows", "997", "--ids", ids],
    );
    let zstd = t.path().join("zstd");
    generate(
        &zstd,
        profile,
        &[
            "--format",
            "parquet",
            "--parquet-target",
            "archive",
            "--row-group-rows",
            "300",
            "--shard-rows",
            "2500",
            "--ids",
            ids,
        ],
    );
    for (pq, codec) in [(&snappy, "snappy"), (&zstd, "zstd:3")] {
        assert_eq!(manifest(pq)["run"]["format"]["codec"], codec);
        assert_same_rows(&csv, pq);
        let out = python_ok("parquet_vs_csv.py", &[&csv, pq]);
        assert!(
            out.contains(&format!("rows identical, keys ok ({ids} ids)")),
            "{out}"
        );
        if ids != "string" {
            continue;
        }
        let db = t.path().join(format!("ladybug-{codec}"));
        let out = python_ok("ladybug_parquet.py", &[pq, &db]);
        let m = manifest(pq);
        assert!(
            out.contains(&format!(
                "loaded {} nodes and {} relationships",
                m["totals"]["nodes"], m["totals"]["relationships"]
            )),
            "{out}"
        );
    }
}

#[test]
#[ignore = "needs DuckDB and Ladybug: scripts/test.sh"]
fn tiny_parquet_matches_csv() {
    parquet_matches_csv("tiny", "string");
}

#[test]
#[ignore = "needs DuckDB and Ladybug: scripts/test.sh"]
fn small_parquet_matches_csv() {
    parquet_matches_csv("small", "string");
}

/// With integer ids: DuckDB reads the Int64 ids and ends of both bundles,
/// ids unique per group (and the string `id` per kind), every end a node.
#[test]
#[ignore = "needs DuckDB: scripts/test.sh"]
fn small_parquet_matches_csv_with_integer_ids() {
    parquet_matches_csv("small", "integer");
}

/// `generate --format parquet --ids integer` → `validate`: the same rows as
/// the CSV bundle with integer ids (arrow reader, Int64 ids and ends), the
/// import arguments and header files of the mode, and a clean validate; a
/// file whose `:ID` is rewritten to strings is then caught.
#[test]
fn integer_id_parquet_bundle_validates_and_matches_csv() {
    let t = tempfile::tempdir().unwrap();
    let csv = t.path().join("csv");
    generate(&csv, "tiny", &["--ids", "integer"]);
    let pq = t.path().join("pq");
    generate(
        &pq,
        "tiny",
        &[
            "--format",
            "parquet",
            "--ids",
            "integer",
            "--shard-rows",
            "7",
        ],
    );
    assert_same_rows(&csv, &pq);
    let m = manifest(&pq);
    assert_eq!(m["run"]["profile"]["ids"], "integer");
    let args = fs::read_to_string(pq.join("import.args")).unwrap();
    assert!(args.contains("--input-type=parquet\n"), "{args}");
    assert!(args.contains("--id-type=integer\n"), "{args}");
    assert!(!args.contains("header.csv"), "{args}");
    let h = fs::read_to_string(pq.join("nodes/Server/header.csv")).unwrap();
    assert!(h.starts_with(":ID(Server),id,:LABEL,"), "{h}");
    let out = util::ok(&["validate", pq.to_str().unwrap()]);
    assert!(out.contains("OK: 0 errors"), "{out}");

    // The string-id Parquet file of a kind put in its place is refused: its
    // `:ID` column is not an integer.
    let s = t.path().join("s");
    generate(&s, "tiny", &["--format", "parquet", "--shard-rows", "7"]);
    let part = "nodes/Region/part-00000.parquet";
    fs::copy(s.join(part), pq.join(part)).unwrap();
    let r = run(&["validate", pq.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stdout).into_owned() + &String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains(
            "column 'id:ID(Region)': is BYTE_ARRAY (STRING); ids of integer ID groups need"
        ),
        "{err}"
    );
}

#[test]
fn parquet_bytes_do_not_depend_on_threads_and_survive_resume() {
    let t = tempfile::tempdir().unwrap();
    let args = |threads: &'static str| {
        [
            "--format",
            "parquet",
            "--shard-rows",
            "700",
            "--row-group-rows",
            "300",
            "--threads",
            threads,
        ]
    };
    let a = t.path().join("a");
    let b = t.path().join("b");
    generate(&a, "small", &args("1"));
    generate(&b, "small", &args("2"));
    assert_eq!(files(&a), files(&b));
    assert!(files(&a).iter().filter(|f| f.ends_with(".parquet")).count() > 20);
    for f in files(&a) {
        assert!(
            fs::read(a.join(&f)).unwrap() == fs::read(b.join(&f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
    }

    // A crashed run resumes to the same bytes.
    let c = t.path().join("c");
    let mut cmd: Vec<&str> = vec![
        "generate",
        "--profile",
        "small",
        "--out",
        c.to_str().unwrap(),
        "--quiet",
    ];
    cmd.extend_from_slice(&args("2"));
    let o = util::bin()
        .args(&cmd)
        .env("CMDBGEN_FAIL_AFTER_SHARDS", "5")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!c.join("manifest.json").exists());
    util::ok(&cmd);
    assert_eq!(files(&a), files(&c));
    for f in files(&a) {
        assert!(
            fs::read(a.join(&f)).unwrap() == fs::read(c.join(&f)).unwrap(),
            "{f} differs after resume"
        );
    }
}

/// Whether `name` matches `part-[0-9]+[.]parquet`.
fn is_parquet_shard_name(name: &str) -> bool {
    name.strip_prefix("part-")
        .and_then(|r| r.strip_suffix(".parquet"))
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn import_args_and_files_suit_neo4j_admin_parquet() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    generate(
        &d,
        "small",
        &[
            "--format",
            "parquet",
            "--row-group-rows",
            "100",
            "--shard-rows",
            "1000",
        ],
    );
    let m = manifest(&d);
    assert_eq!(
        m["run"]["format"],
        serde_json::json!({"format": "parquet", "codec": "snappy", "row_group_rows": 100})
    );
    let args: Vec<String> = fs::read_to_string(d.join("import.args"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(m["import"]["args"], serde_json::json!(args));
    assert_eq!(args[0], "--input-type=parquet");
    for bad in ["--delimiter", "--array-delimiter", "--quote", "header"] {
        assert!(!args.iter().any(|a| a.contains(bad)), "{bad} in {args:?}");
    }
    let tables = m["tables"].as_array().unwrap();
    let groups: Vec<&String> = args
        .iter()
        .filter(|a| a.starts_with("--nodes=") || a.starts_with("--relationships="))
        .collect();
    assert_eq!(groups.len(), tables.len());
    for (g, table) in groups.iter().zip(tables) {
        let dir = table["header"]["path"]
            .as_str()
            .unwrap()
            .trim_end_matches("/header.csv");
        let want = match table["kind"].as_str().unwrap() {
            "node" => format!("--nodes={dir}/part-[0-9]+[.]parquet"),
            _ => format!(
                "--relationships={}={dir}/part-[0-9]+[.]parquet",
                table["label_or_type"].as_str().unwrap()
            ),
        };
        assert_eq!(g.as_str(), want);
        // The pattern picks exactly the table's shards, in their order.
        let mut matched: Vec<String> = fs::read_dir(d.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| is_parquet_shard_name(n))
            .map(|n| format!("{dir}/{n}"))
            .collect();
        matched.sort();
        let listed: Vec<&str> = table["shards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["path"].as_str().unwrap())
            .collect();
        assert_eq!(matched, listed);
        // Row groups of at most 100 rows, snappy, in every shard.
        for p in &listed {
            let r = SerializedFileReader::new(fs::File::open(d.join(p)).unwrap()).unwrap();
            let meta = r.metadata();
            let rows: i64 = meta.row_groups().iter().map(|g| g.num_rows()).sum();
            assert!(rows > 0);
            assert_eq!(meta.num_row_groups() as i64, (rows + 99) / 100, "{p}");
            for g in meta.row_groups() {
                assert!(g.num_rows() <= 100);
                // Node ids are unique per row: no dictionary for them.
                let node = table["kind"] == "node";
                assert_eq!(g.column(0).dictionary_page_offset().is_none(), node, "{p}");
                for c in g.columns() {
                    assert_eq!(c.compression(), Compression::SNAPPY, "{p}");
                }
            }
        }
    }
}

#[test]
fn parquet_flags_are_checked() {
    for (args, says) in [
        (vec!["--parquet-codec", "zstd"], "need --format parquet"),
        (vec!["--row-group-rows", "5"], "need --format parquet"),
        (vec!["--format", "parquet", "--gzip"], "--gzip is for CSV"),
        (
            vec!["--format", "parquet", "--parquet-codec", "lz4"],
            "unknown Parquet codec",
        ),
        (
            vec!["--format", "parquet", "--parquet-codec", "zstd:23"],
            "unknown Parquet codec",
        ),
        (vec!["--format", "parquet", "--row-group-rows", "0"], "0"),
        (vec!["--format", "orc"], "orc"),
    ] {
        let mut all = vec!["generate", "--profile", "tiny", "--out", "/nonexistent/pq"];
        all.extend_from_slice(&args);
        let o = run(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// The Ladybug check fails on a duplicate key and on a dangling end.
#[test]
#[ignore = "needs DuckDB and Ladybug: scripts/test.sh"]
fn ladybug_check_catches_duplicates_and_dangling_ends() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    generate(&d, "tiny", &["--format", "parquet", "--shard-rows", "10"]);
    let m = manifest(&d);
    let dup: fn(&mut Json) = |t| {
        let first = t["shards"][0].clone();
        t["shards"].as_array_mut().unwrap().push(first);
    };
    // Drop the last Server shard (and its rows, so the node count agrees):
    // relationships to those servers now dangle.
    let dangling: fn(&mut Json) = |t| {
        let last = t["shards"].as_array_mut().unwrap().pop().unwrap();
        let rows = t["rows"].as_u64().unwrap() - last["rows"].as_u64().unwrap();
        t["rows"] = rows.into();
    };
    for (case, edit, says) in [
        ("dup", dup, "duplicated primary key"),
        ("dangling", dangling, "Unable to find primary key"),
    ] {
        let mut m2 = m.clone();
        let server = m2["tables"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|t| t["name"] == "Server")
            .unwrap();
        assert!(server["shards"].as_array().unwrap().len() >= 2);
        edit(server);
        fs::write(
            d.join("manifest.json"),
            serde_json::to_vec_pretty(&m2).unwrap(),
        )
        .unwrap();
        let o = python("ladybug_parquet.py", &[&d, &t.path().join(case)]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{case}: {err}");
        assert!(err.contains(says), "{case}: {err}");
    }
}
