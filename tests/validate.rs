//! `cmdbgen validate`: generated bundles validate clean, and damaged copies
//! fail with the right `FILE:LINE: message`.

mod parquet;

use crate::util::{self, generate, run};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn validate(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["validate", dir.to_str().unwrap(), "--progress", "none"];
    args.extend_from_slice(extra);
    run(&args)
}

/// Runs validate and asserts it found problems (exit 1); returns stdout.
fn fails(dir: &Path) -> String {
    let o = validate(dir, &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "validate should fail\nstdout:\n{}\nstderr:\n{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

fn assert_clean(dir: &Path) -> String {
    let o = validate(dir, &[]);
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains(": OK: 0 errors, 0 warnings;"), "{out}");
    out
}

/// Asserts that `out` has a line `<dir>/<file>:<line>: <message...>`.
fn has_line(out: &str, dir: &Path, file: &str, line: Option<u64>, message: &str) {
    let prefix = match line {
        Some(l) => format!("{}:{l}: ", dir.join(file).display()),
        None => format!("{}: ", dir.join(file).display()),
    };
    assert!(
        out.lines()
            .any(|l| l.starts_with(&prefix) && l[prefix.len()..].contains(message)),
        "no line `{prefix}...{message}...` in:\n{out}"
    );
}

/// A fresh bundle of `profile` in a temporary folder.
fn bundle(profile: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    generate(&d, profile, args);
    (t, d)
}

/// Splits a CSV line on commas outside quotes, keeping each field's raw text.
fn split(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == ',' && !quoted {
            out.push(String::new());
        } else {
            out.last_mut().unwrap().push(c);
        }
    }
    out
}

fn read_text(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

fn write_text(path: &Path, text: &str) {
    if path.to_string_lossy().ends_with(".gz") {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).unwrap();
        fs::write(path, e.finish().unwrap()).unwrap();
    } else {
        fs::write(path, text).unwrap();
    }
}

/// The column of `cell` in a table's header.
fn column(dir: &Path, table: &str, cell: &str) -> usize {
    let h = fs::read_to_string(dir.join(table).join("header.csv")).unwrap();
    split(h.trim_end())
        .iter()
        .position(|c| c == cell)
        .unwrap_or_else(|| panic!("{table} has no column {cell}: {h}"))
}

/// Replaces field `col` of line `line` (1-based) of a shard; returns the old value.
fn set_field(path: &Path, line: usize, col: usize, value: &str) -> String {
    let text = read_text(path);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut fields = split(&lines[line - 1]);
    let old = std::mem::replace(&mut fields[col], value.to_string());
    lines[line - 1] = fields.join(",");
    write_text(path, &(lines.join("\n") + "\n"));
    old
}

fn shard(table: &str) -> String {
    format!("{table}/part-00000.csv")
}

#[test]
fn generated_bundles_validate_clean() {
    let (_t, d) = bundle("tiny", &[]);
    let out = assert_clean(&d);
    assert!(out.contains(" rows and 155 ids checked in "), "{out}");
    let (_t, d) = bundle("small", &["--shard-rows", "700"]);
    assert_clean(&d);
    let (_t, d) = bundle("small", &["--gzip"]);
    assert_clean(&d);
    // Integer ids: the same rows and ids, checked as integers.
    let (_t, d) = bundle("tiny", &["--ids", "integer"]);
    let out = assert_clean(&d);
    assert!(out.contains(" rows and 155 ids checked in "), "{out}");
    let (_t, d) = bundle(
        "small",
        &["--gzip", "--shard-rows", "700", "--ids", "integer"],
    );
    assert_clean(&d);
}

#[test]
fn the_golden_fixtures_validate_clean() {
    for name in ["tiny", "tiny-integer-ids"] {
        assert_clean(&util::repo().join("fixtures/golden").join(name));
    }
}

/// An integer-id bundle whose header or import arguments no longer say what
/// the manifest records is an error, named in the finding.
#[test]
fn integer_id_headers_must_match_the_manifest() {
    let (_t, d) = bundle("tiny", &["--ids", "integer"]);
    let header = d.join("nodes/Server/header.csv");
    let h = fs::read_to_string(&header).unwrap();
    fs::write(
        &header,
        h.replacen(":ID(Server),id,", "id:ID(Server),name2,", 1),
    )
    .unwrap();
    let args = d.join("import.args");
    let a = fs::read_to_string(&args).unwrap();
    fs::write(&args, a.replace("--id-type=integer", "--id-type=string")).unwrap();
    let o = util::bin()
        .args(["validate", d.to_str().unwrap(), "--progress", "none"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for want in [
        "the :ID column is named 'id', so the integer id would be stored",
        "no string property 'id'",
        "import.args",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let t = tempfile::tempdir().unwrap();
    let o = validate(&t.path().join("missing"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let o = validate(t.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not a complete bundle"), "{err}");
    let o = run(&["validate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_flipped_byte_fails_the_checksum() {
    let (_t, d) = bundle("tiny", &[]);
    let f = shard("nodes/Region");
    let p = d.join(&f);
    let mut bytes = fs::read(&p).unwrap();
    // Flip a letter of the first row's label column (still valid CSV).
    let at = bytes.iter().position(|&b| b == b'C').unwrap();
    bytes[at] ^= 0x20;
    fs::write(&p, bytes).unwrap();
    let out = fails(&d);
    has_line(&out, &d, &f, None, "xxh3 is ");
    has_line(&out, &d, &f, None, "the manifest says");
    assert!(!out.contains("size is"), "{out}");
    assert!(out.contains("FAILED: 1 errors"), "{out}");
}

#[test]
fn a_truncated_shard_fails() {
    let (_t, d) = bundle("small", &[]);
    let f = shard("nodes/Event");
    let p = d.join(&f);
    let bytes = fs::read(&p).unwrap();
    let cut = &bytes[..bytes.len() / 2];
    fs::write(&p, cut).unwrap();
    let lines = cut.split(|&b| b == b'\n').count() as u64;
    let out = fails(&d);
    has_line(&out, &d, &f, None, "the manifest says 450");
    has_line(&out, &d, &f, None, &format!("has {lines} rows"));
    has_line(&out, &d, &f, Some(lines), "the last line has no line break");
    has_line(&out, &d, &f, None, "size is");
}

#[test]
fn an_extra_column_fails() {
    let (_t, d) = bundle("tiny", &[]);
    let f = shard("relationships/Server-HOSTED_IN-DataCenter");
    let p = d.join(&f);
    let text = fs::read_to_string(&p).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let third = format!("{},surplus", lines[2]);
    lines[2] = &third;
    fs::write(&p, lines.join("\n") + "\n").unwrap();
    let out = fails(&d);
    has_line(
        &out,
        &d,
        &f,
        Some(3),
        "4 fields, but the header has 3 columns",
    );
}

#[test]
fn a_bad_int_fails() {
    let (_t, d) = bundle("tiny", &[]);
    let col = column(&d, "nodes/DataCenter", "tier:int");
    let f = shard("nodes/DataCenter");
    set_field(&d.join(&f), 2, col, "8x");
    let out = fails(&d);
    has_line(
        &out,
        &d,
        &f,
        Some(2),
        &format!("field {} 'tier:int': '8x' is not a valid int", col + 1),
    );
    // Surrounding spaces are flagged as such, `+` and overflow as not an int.
    set_field(&d.join(&f), 3, col, "+4");
    set_field(&d.join(&f), 4, col, "2147483648");
    let out = fails(&d);
    has_line(&out, &d, &f, Some(3), "'+4' is not a valid int");
    has_line(&out, &d, &f, Some(4), "out of range");
}

#[test]
fn a_bad_datetime_fails() {
    let (_t, d) = bundle("tiny", &[]);
    let col = column(&d, "nodes/Application", "created_at:datetime");
    let f = shard("nodes/Application");
    let old = set_field(&d.join(&f), 5, col, "2024-02-30T10:00:00Z");
    assert!(old.ends_with('Z'), "{old}");
    let out = fails(&d);
    has_line(
        &out,
        &d,
        &f,
        Some(5),
        "'2024-02-30T10:00:00Z' is not a valid datetime",
    );
}

/// neo4j-admin 5.0 to 5.5 stop on an empty temporal field.
#[test]
fn an_empty_datetime_fails() {
    let (_t, d) = bundle("tiny", &[]);
    let col = column(&d, "nodes/Application", "created_at:datetime");
    let f = shard("nodes/Application");
    set_field(&d.join(&f), 5, col, "");
    let out = fails(&d);
    has_line(
        &out,
        &d,
        &f,
        Some(5),
        "'created_at:datetime': empty datetime value: neo4j-admin 5.0 to 5.5 stop the import on it",
    );
}

/// A change set validates; its increment must declare every ID group its
/// relationship inputs refer to.
#[test]
fn change_sets_validate_and_undeclared_increment_groups_fail() {
    let t = tempfile::tempdir().unwrap();
    let c = t.path().join("c");
    util::ok(&[
        "changes",
        "--profile",
        "small",
        "--day",
        "1",
        "--neo4j-incremental",
        "--out",
        c.to_str().unwrap(),
    ]);
    let out = assert_clean(&c);
    assert!(
        out.contains("a change set refers to nodes of its base"),
        "{out}"
    );
    let p = c.join("manifest.json");
    let text = fs::read_to_string(&p).unwrap();
    let gone = text.replace("\"--nodes=incremental/groups/DataCenter/header.csv\",", "");
    assert_ne!(gone, text);
    fs::write(&p, gone).unwrap();
    let out = fails(&c);
    has_line(
        &out,
        &c,
        "manifest.json",
        None,
        "ID group 'DataCenter' of incremental/relationships/NetworkDevice-HOSTED_IN-DataCenter/header.csv is declared by no --nodes input of the increment",
    );
}

#[test]
fn a_duplicate_id_fails() {
    let (_t, d) = bundle("tiny", &[]);
    let f = shard("nodes/Server");
    let p = d.join(&f);
    let first = split(read_text(&p).lines().next().unwrap())[0].clone();
    let replaced = set_field(&p, 3, 0, &first);
    let out = fails(&d);
    has_line(
        &out,
        &d,
        &f,
        Some(3),
        &format!(
            "id '{first}' is defined more than once in ID group 'Server' (first at {}:1)",
            p.display()
        ),
    );
    // The id that disappeared is now a dangling end somewhere.
    assert!(
        out.contains(&format!("'{replaced}' is not an id in ID group 'Server'")),
        "{out}"
    );
}

#[test]
fn a_dangling_end_id_fails() {
    let (_t, d) = bundle("tiny", &[]);
    let f = shard("relationships/Server-HOSTED_IN-DataCenter");
    set_field(&d.join(&f), 7, 1, "dc-999999999");
    assert_dangling_data_center(&fails(&d), &d, &f);
}

/// Asserts that row or line 7 of `file` has the dangling end `dc-999999999`.
fn assert_dangling_data_center(out: &str, dir: &Path, file: &str) {
    has_line(
        out,
        dir,
        file,
        Some(7),
        "END_ID 'dc-999999999' is not an id in ID group 'DataCenter'",
    );
}

#[test]
fn a_header_with_an_unknown_type_fails() {
    let (_t, d) = bundle("tiny", &[]);
    let f = "nodes/Server/header.csv";
    let p = d.join(f);
    let h = fs::read_to_string(&p).unwrap();
    fs::write(&p, h.replace("cpu_cores:double", "cpu_cores:integer")).unwrap();
    let out = fails(&d);
    has_line(
        &out,
        &d,
        f,
        Some(1),
        "'cpu_cores:integer': unknown property type 'integer'",
    );
}

#[test]
fn an_unknown_id_group_fails() {
    let (_t, d) = bundle("tiny", &[]);
    let f = "relationships/Server-HOSTED_IN-DataCenter/header.csv";
    let p = d.join(f);
    let h = fs::read_to_string(&p).unwrap();
    fs::write(&p, h.replace(":END_ID(DataCenter)", ":END_ID(DataCentre)")).unwrap();
    let out = fails(&d);
    has_line(
        &out,
        &d,
        f,
        Some(1),
        "ID group 'DataCentre' is not defined by any node header",
    );
}

#[test]
fn gzip_shards_are_checked_line_by_line_and_stray_files_found() {
    let (_t, d) = bundle("small", &["--gzip"]);
    let col = column(&d, "nodes/Database", "encrypted:boolean");
    let f = format!("{}.gz", shard("nodes/Database"));
    set_field(&d.join(&f), 9, col, "yes");
    fs::write(d.join("nodes/Database/part-00001.csv.gz"), b"").unwrap();
    fs::write(d.join("nodes/Database/part-00002.csv.gz.tmp"), b"").unwrap();
    let out = fails(&d);
    has_line(&out, &d, &f, Some(9), "'yes' is not a valid boolean");
    has_line(&out, &d, &f, None, "xxh3 is ");
    has_line(
        &out,
        &d,
        "nodes/Database/part-00001.csv.gz",
        None,
        "not listed in the manifest",
    );
    has_line(
        &out,
        &d,
        "nodes/Database/part-00002.csv.gz.tmp",
        None,
        "temporary file",
    );
}

#[test]
fn problems_are_capped_and_output_does_not_depend_on_threads() {
    let (_t, d) = bundle("small", &["--shard-rows", "200"]);
    // Damage several shards.
    for table in [
        "nodes/Server",
        "nodes/Event",
        "relationships/Server-HOSTED_IN-DataCenter",
    ] {
        let p = d.join(table).join("part-00001.csv");
        let text = fs::read_to_string(&p).unwrap();
        fs::write(&p, text.replace(',', ";")).unwrap();
    }
    let one = validate(&d, &["--threads", "1"]);
    let two = validate(&d, &["--threads", "2"]);
    let body = |o: &Output| {
        let s = stdout(o);
        let mut lines: Vec<String> = s.lines().map(String::from).collect();
        let last = lines.pop().unwrap();
        (
            lines,
            last.split(" checked in ").next().unwrap().to_string(),
        )
    };
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(body(&one), body(&two));
    let (lines, _) = body(&one);
    assert_eq!(lines.len(), 101, "{lines:?}");
    assert!(lines[100].starts_with("... and "), "{}", lines[100]);
    let capped = validate(&d, &["--max-problems", "3"]);
    let (lines, _) = body(&capped);
    assert_eq!(lines.len(), 4, "{lines:?}");
}

#[test]
fn too_many_ids_skips_the_id_checks_and_says_so() {
    let (_t, d) = bundle("tiny", &[]);
    let o = validate(&d, &["--max-ids", "10"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("checks SKIPPED"), "{out}");
    assert!(out.contains("--max-ids 10"), "{out}");
    assert!(out.contains("(ID checks SKIPPED)"), "{out}");
    // Other problems are still found.
    let f = shard("relationships/Server-HOSTED_IN-DataCenter");
    set_field(&d.join(&f), 2, 1, "");
    let o = validate(&d, &["--max-ids", "10"]);
    assert_eq!(o.status.code(), Some(1));
    has_line(&stdout(&o), &d, &f, Some(2), "empty :END_ID value");
}

/// What neo4j-admin reads is `import.args`, not the manifest's copy:
/// removing the Server lines, or the file, is a named problem.
#[test]
fn import_args_must_name_exactly_the_manifests_files() {
    let (_t, d) = bundle("small", &["--shard-rows", "100"]);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap();
    let servers = m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Server")
        .unwrap()["shards"]
        .as_array()
        .unwrap()
        .len();
    assert!(servers > 1);
    let args = d.join("import.args");
    let text = fs::read_to_string(&args).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("--nodes=nodes/Server/"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, text);
    fs::write(&args, &without).unwrap();
    let out = fails(&d);
    has_line(
        &out,
        &d,
        "import.args",
        None,
        "lacks the manifest's import argument --nodes=nodes/Server/header.csv,nodes/Server/part-[0-9]+[.]csv",
    );
    has_line(
        &out,
        &d,
        "import.args",
        None,
        "names no group with the header nodes/Server/header.csv: neo4j-admin would not import table Server",
    );
    has_line(
        &out,
        &d,
        "import.args",
        None,
        &format!("does not name {servers} shard(s) of table Server (the first: nodes/Server/part-00000.csv)"),
    );

    // A pattern that also matches a file the manifest does not list, and an
    // argument the manifest does not have.
    fs::write(
        &args,
        text.replace("--bad-tolerance=0", "--bad-tolerance=1000"),
    )
    .unwrap();
    let out = fails(&d);
    let line = text.lines().position(|l| l == "--bad-tolerance=0").unwrap() as u64 + 1;
    has_line(
        &out,
        &d,
        "import.args",
        Some(line),
        "'--bad-tolerance=1000' is not one of the manifest's import arguments",
    );
    fs::write(&args, &text).unwrap();
    assert_clean(&d);

    fs::remove_file(&args).unwrap();
    let out = fails(&d);
    has_line(
        &out,
        &d,
        "import.args",
        None,
        "missing: neo4j-admin reads the import's arguments from this file",
    );
    // Not a regular file: refused without reading it.
    fs::create_dir(&args).unwrap();
    has_line(&fails(&d), &d, "import.args", None, "not a regular file");
}

#[test]
fn import_args_groups_are_read_from_the_file() {
    let (_t, d) = bundle("tiny", &[]);
    let args = d.join("import.args");
    let text = fs::read_to_string(&args).unwrap();
    // The same arguments in another order, with a comment: still clean.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.reverse();
    fs::write(&args, format!("# reordered\n{}\n", lines.join("\n"))).unwrap();
    assert_clean(&d);
    // A group naming a shard twice, and one starting with a shard.
    let server = text
        .lines()
        .find(|l| l.starts_with("--nodes=nodes/Server/"))
        .unwrap();
    let twice = format!("{server},nodes/Server/part-00000.csv");
    let bad_first = "--nodes=nodes/Region/part-00000.csv";
    fs::write(
        &args,
        format!("{}\n{bad_first}\n", text.replace(server, &twice).trim_end()),
    )
    .unwrap();
    let out = fails(&d);
    has_line(
        &out,
        &d,
        "import.args",
        None,
        "names the shard nodes/Server/part-00000.csv 2 times: its rows would be imported 2 times",
    );
    has_line(
        &out,
        &d,
        "import.args",
        Some(text.lines().count() as u64 + 1),
        "the group starts with nodes/Region/part-00000.csv, which is not a header file in the manifest",
    );
}

#[test]
fn import_sh_and_schema_cypher_must_be_cmdbgens_bytes() {
    let (_t, d) = bundle("tiny", &[]);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap();
    let scripts: Vec<&str> = m["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(scripts, ["import.sh", "schema.cypher"]);

    let sh = d.join("import.sh");
    let original = fs::read(&sh).unwrap();
    fs::write(&sh, "#!/bin/sh\necho imported\n").unwrap();
    let out = fails(&d);
    has_line(
        &out,
        &d,
        "import.sh",
        None,
        "not the file cmdbgen wrote: 24 bytes, xxh3 ",
    );
    fs::write(&sh, &original).unwrap();
    assert_clean(&d);

    let schema = d.join("schema.cypher");
    let text = fs::read_to_string(&schema).unwrap();
    fs::write(&schema, text.lines().skip(1).collect::<Vec<_>>().join("\n")).unwrap();
    has_line(
        &fails(&d),
        &d,
        "schema.cypher",
        None,
        "not the file cmdbgen wrote",
    );
    fs::remove_file(&schema).unwrap();
    has_line(
        &fails(&d),
        &d,
        "schema.cypher",
        None,
        "missing: cmdbgen wrote it",
    );
}

/// `validate --json`: one JSON object with the verdict, the totals and each
/// shown problem's file, line, severity and message; same exit codes.
#[test]
fn json_output_lists_problems_and_summary() {
    let (_t, d) = bundle("tiny", &[]);
    let o = validate(&d, &["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (v["valid"].as_bool(), v["errors"].as_u64()),
        (Some(true), Some(0))
    );
    assert!(v["rows"].as_u64().unwrap() > 0 && v["files"].as_u64().unwrap() > 0);
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(0));

    let col = column(&d, "nodes/DataCenter", "tier:int");
    let f = shard("nodes/DataCenter");
    set_field(&d.join(&f), 2, col, "8x");
    let o = validate(&d, &["--json", "--max-problems", "5"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"].as_bool(), Some(false));
    let p = v["problems"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["line"] == 2))
        .unwrap_or_else(|| panic!("no problem at line 2: {v}"));
    assert_eq!(p["file"], d.join(&f).display().to_string());
    assert_eq!(p["severity"], "error");
    assert!(
        p["message"]
            .as_str()
            .unwrap()
            .contains("'8x' is not a valid int"),
        "{p}"
    );
}
