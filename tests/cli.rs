//! CLI behaviour of `generate`: exit codes, determinism across threads and
//! shard sizes, resume, refusal to mix runs, and the golden `tiny` bundle.

use crate::util::{self, files, generate, run};
use std::fs;
use std::io::Read;
use std::path::Path;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn unknown_profile_is_a_usage_error() {
    let o = run(&[
        "generate",
        "--profile",
        "no-such-profile",
        "--out",
        "/nonexistent/x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-profile"), "{}", stderr(&o));
}

#[test]
fn bad_profile_values_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (text, key) in [
        (
            "[nodes]\nServer = -5\nDataCenter = 1\nRegion = 1\n",
            "nodes.Server",
        ),
        ("[nodes]\nServer = 5\n", "nodes.DataCenter"),
        ("[nodes]\nGadget = 5\n", "nodes.Gadget"),
        ("surprise = true\n", "surprise"),
        (
            "[fanout.Application-DEPENDS_ON-Application]\ndist = \"pareto\"\nmin = 0\nmax = 3\n",
            "fanout.Application-DEPENDS_ON-Application.min",
        ),
    ] {
        let p = dir.path().join("p.toml");
        fs::write(&p, text).unwrap();
        let out = dir.path().join("out");
        let o = run(&[
            "generate",
            "--profile",
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert!(stderr(&o).contains(key), "{text}: {}", stderr(&o));
        assert!(!out.join("manifest.json").exists());
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [
        vec!["generate", "--bogus"],
        vec!["generate", "--gzip-level", "12"],
        vec!["generate", "--threads", "0", "--out", "/nonexistent/y"],
        vec!["generate", "--shard-rows", "0", "--out", "/nonexistent/y"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

/// Concatenation of a table's shards, decompressed.
fn table_data(dir: &Path, table_dir: &str) -> Vec<u8> {
    let parts = util::shard_files(&dir.join(table_dir));
    let mut out = Vec::new();
    for p in parts {
        let bytes = fs::read(&p).unwrap();
        if p.extension().is_some_and(|e| e == "gz") {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .unwrap();
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    out
}

fn table_dirs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = files(dir)
        .into_iter()
        .filter(|f| f.ends_with("/header.csv"))
        .map(|f| f.trim_end_matches("/header.csv").to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn output_does_not_depend_on_threads_or_shard_size() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    let b = t.path().join("b");
    let c = t.path().join("c");
    generate(&a, "small", &["--threads", "1", "--shard-rows", "997"]);
    generate(&b, "small", &["--threads", "2", "--shard-rows", "100000"]);
    generate(
        &c,
        "small",
        &["--threads", "2", "--shard-bytes", "8192", "--gzip"],
    );
    let tables = table_dirs(&a);
    assert_eq!(tables, table_dirs(&b));
    assert_eq!(tables, table_dirs(&c));
    assert!(tables.len() >= 20, "{tables:?}");
    for t in &tables {
        let da = table_data(&a, t);
        assert!(!da.is_empty());
        assert!(da == table_data(&b, t), "{t} differs between shard plans");
        assert!(da == table_data(&c, t), "{t} differs with gzip shards");
        assert_eq!(
            fs::read(a.join(t).join("header.csv")).unwrap(),
            fs::read(c.join(t).join("header.csv")).unwrap()
        );
    }
    // Same settings, different threads and I/O mode: byte-identical files
    // and manifest.
    let d = t.path().join("d");
    generate(
        &d,
        "small",
        &["--threads", "2", "--shard-rows", "997", "--direct-io"],
    );
    for f in files(&a) {
        assert!(
            fs::read(a.join(&f)).unwrap() == fs::read(d.join(&f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn resume_keeps_verified_shards_and_redoes_the_rest() {
    let t = tempfile::tempdir().unwrap();
    let clean = t.path().join("clean");
    generate(&clean, "small", &["--shard-rows", "200", "--threads", "1"]);

    let dir = t.path().join("crashed");
    let d = dir.to_str().unwrap();
    let args = [
        "generate",
        "--profile",
        "small",
        "--out",
        d,
        "--shard-rows",
        "200",
        "--threads",
        "1",
        "--quiet",
    ];
    let o = util::bin()
        .args(args)
        .env("CMDBGEN_FAIL_AFTER_SHARDS", "12")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        !dir.join("manifest.json").exists(),
        "a crashed run must not look complete"
    );
    assert!(dir.join(".cmdbgen/journal.jsonl").exists());

    // Damage the crashed bundle: delete one finished shard, truncate another.
    let journal = fs::read_to_string(dir.join(".cmdbgen/journal.jsonl")).unwrap();
    let done: Vec<String> = journal
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(done.len() >= 12);
    fs::remove_file(dir.join(&done[0])).unwrap();
    let victim = dir.join(&done[1]);
    let len = fs::metadata(&victim).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&victim)
        .unwrap()
        .set_len(len / 2)
        .unwrap();

    let o = util::bin().args(&args[..args.len() - 1]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(
        summary.contains(&format!("kept {} verified shards", done.len() - 2)),
        "{summary}"
    );
    assert!(!dir.join(".cmdbgen").exists());
    assert_eq!(files(&clean), files(&dir));
    for f in files(&clean) {
        assert!(
            fs::read(clean.join(&f)).unwrap() == fs::read(dir.join(&f)).unwrap(),
            "{f} differs after resume"
        );
    }
}

#[test]
fn a_complete_bundle_is_not_rewritten() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    generate(&d, "tiny", &[]);
    let o = util::ok(&[
        "generate",
        "--profile",
        "tiny",
        "--out",
        d.to_str().unwrap(),
        "--progress",
        "none",
    ]);
    assert!(o.contains("already complete"), "{o}");
}

#[test]
fn mixing_runs_is_refused_unless_forced() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    let ds = d.to_str().unwrap();
    generate(&d, "tiny", &["--seed", "1"]);
    let o = run(&[
        "generate",
        "--profile",
        "tiny",
        "--seed",
        "2",
        "--out",
        ds,
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("refusing to mix runs"),
        "{}",
        stderr(&o)
    );
    generate(&d, "tiny", &["--seed", "2", "--force"]);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["run"]["profile"]["seed"], 2);

    // A folder with someone else's files.
    let other = t.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("notes.txt"), "mine").unwrap();
    let o = run(&[
        "generate",
        "--profile",
        "tiny",
        "--out",
        other.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    generate(&other, "tiny", &["--force"]);
    assert_eq!(fs::read_to_string(other.join("notes.txt")).unwrap(), "mine");
}

/// The golden bundle: `cmdbgen generate --profile tiny` byte for byte.
/// Regenerate with `make bless` (CMDBGEN_BLESS=1) and review the diff.
#[test]
fn golden_tiny_bundle() {
    golden("tiny", &[]);
}

/// The golden bundle with integer ids: `generate --profile tiny --ids
/// integer`, in fixtures/golden/tiny-integer-ids.
#[test]
fn golden_tiny_integer_ids_bundle() {
    golden("tiny-integer-ids", &["--ids", "integer"]);
}

/// Generates `tiny` with `args` and compares it with fixtures/golden/NAME.
fn golden(name: &str, args: &[&str]) {
    let golden = util::repo().join("fixtures/golden").join(name);
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("tiny");
    generate(&d, "tiny", args);
    if std::env::var_os("CMDBGEN_BLESS").is_some() {
        let _ = fs::remove_dir_all(&golden);
        for f in files(&d) {
            let to = golden.join(&f);
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(d.join(&f), to).unwrap();
        }
    }
    assert_eq!(
        files(&golden),
        files(&d),
        "file list differs from fixtures/golden/{name}"
    );
    for f in files(&d) {
        let want = fs::read_to_string(golden.join(&f)).unwrap();
        let got = fs::read_to_string(d.join(&f)).unwrap();
        if want != got {
            let line = want
                .lines()
                .zip(got.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{f} differs from the golden fixture at line {}:\n  want: {}\n  got:  {}",
                line + 1,
                want.lines().nth(line).unwrap_or(""),
                got.lines().nth(line).unwrap_or("")
            );
        }
    }
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    let mut child = util::bin()
        .args([
            "generate",
            "--profile",
            "tiny",
            "--out",
            d.to_str().unwrap(),
            "--progress",
            "none",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before cmdbgen prints its summary.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(d.join("manifest.json").exists());
}

/// `--format csv-gz`, its alias `--gzip` and generate's old `--format csv
/// --gzip` write the same bundle; `--gzip-level` goes with any of them.
#[test]
fn csv_gz_and_its_aliases_write_the_same_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let spellings: [&[&str]; 3] = [
        &["--format", "csv-gz", "--gzip-level", "1"],
        &["--gzip", "--gzip-level", "1"],
        &["--format", "csv", "--gzip", "--gzip-level", "1"],
    ];
    let mut manifests = Vec::new();
    for (i, args) in spellings.iter().enumerate() {
        let out = dir.path().join(i.to_string());
        generate(&out, "tiny", args);
        let m = util::json(&out.join("manifest.json"));
        assert_eq!(m["run"]["format"]["format"], "csv-gz", "{args:?}");
        assert_eq!(m["run"]["format"]["level"], 1, "{args:?}");
        manifests.push(m["totals"].clone());
        assert_eq!(files(&out), files(&dir.path().join("0")), "{args:?}");
    }
    assert!(manifests.windows(2).all(|w| w[0] == w[1]));
    for (args, says) in [
        (vec!["--format", "parquet", "--gzip"], "--gzip is for CSV"),
        (
            vec!["--format", "csv", "--gzip-level", "3"],
            "--gzip-level needs",
        ),
    ] {
        let mut all = vec!["generate", "--profile", "tiny", "--out", "/nonexistent/gz"];
        all.extend_from_slice(&args);
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}

/// Every subcommand's `--help` ends with examples, and `bench-table` (a
/// benchmark tool) is listed last.
#[test]
fn help_has_examples_and_lists_bench_table_last() {
    let top = util::ok(&["--help"]);
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert_eq!(commands.last(), Some(&"bench-table"), "{top}");
    assert!(commands.len() >= 10, "{top}");
    for c in commands {
        let help = util::ok(&[c, "--help"]);
        let examples = help.split_once("Examples:").map(|(_, e)| e);
        let examples = examples.unwrap_or_else(|| panic!("{c} --help has no examples:\n{help}"));
        assert!(
            examples.lines().filter(|l| l.contains("cmdbgen ")).count() >= 2,
            "{c}: {help}"
        );
    }
}

/// A single-source bundle writes `source` alone; `--provenance full` brings
/// `sources` and `observed_at` back (in CSV and Parquet headers alike), is a
/// different run, and both bundles validate.
#[test]
fn provenance_full_brings_the_columns_back() {
    let t = tempfile::tempdir().unwrap();
    let (auto, full) = (t.path().join("auto"), t.path().join("full"));
    generate(&auto, "tiny", &[]);
    generate(&full, "tiny", &["--provenance", "full"]);
    for dir in table_dirs(&auto) {
        let a = fs::read_to_string(auto.join(&dir).join("header.csv")).unwrap();
        let f = fs::read_to_string(full.join(&dir).join("header.csv")).unwrap();
        assert!(a.split(',').any(|c| c.trim() == "source"), "{dir}: {a}");
        assert!(
            !a.contains("sources:string[]") && !a.contains("observed_at"),
            "{dir}: {a}"
        );
        assert!(
            f.contains(",source,sources:string[],observed_at:datetime"),
            "{dir}: {f}"
        );
    }
    for dir in [&auto, &full] {
        util::ok(&["validate", dir.to_str().unwrap()]);
    }
    let setting = |d: &Path| {
        let m: serde_json::Value =
            serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap();
        (
            m["run"]["profile"]["provenance"]
                .as_str()
                .unwrap()
                .to_string(),
            m["fingerprint"].as_str().unwrap().to_string(),
        )
    };
    let (sa, fa) = setting(&auto);
    let (sf, ff) = setting(&full);
    assert_eq!((sa.as_str(), sf.as_str()), ("auto", "full"));
    assert_ne!(fa, ff, "the setting is part of the run key");
    // Rerunning over the bundle with the other setting is another run.
    let o = run(&[
        "generate",
        "--profile",
        "tiny",
        "--out",
        auto.to_str().unwrap(),
        "--quiet",
        "--provenance",
        "full",
    ]);
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    // Parquet follows the same column list.
    let pq = t.path().join("pq");
    generate(&pq, "tiny", &["--format", "parquet"]);
    let h = fs::read_to_string(pq.join("nodes/Server/header.csv")).unwrap();
    assert!(!h.contains("sources:string[]"), "{h}");
    util::ok(&["validate", pq.to_str().unwrap()]);
}

/// `--ids`: an unknown mode and multi-source profiles, whose ids stay
/// strings, are usage errors (exit 2, the reason named); the mode
/// round-trips through the manifest and the import arguments, for CSV and
/// Parquet alike.
#[test]
fn ids_mode_is_checked_and_recorded() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("b");
    let o = out.to_str().unwrap();
    let refused = |args: &[&str], want: &str| {
        let r = run(args);
        let err = String::from_utf8_lossy(&r.stderr).into_owned();
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: `{want}` not in {err}");
        assert!(!err.contains("panicked"), "{err}");
    };
    refused(
        &[
            "generate",
            "--profile",
            "tiny",
            "--ids",
            "bogus",
            "--out",
            o,
        ],
        "invalid value 'bogus' for '--ids",
    );
    refused(
        &["estimate", "--profile", "tiny", "--ids", "bogus"],
        "invalid value 'bogus' for '--ids",
    );
    let multi = util::repo().join("fixtures/profiles/multisource.toml");
    refused(
        &[
            "generate",
            "--profile",
            multi.to_str().unwrap(),
            "--ids",
            "integer",
            "--out",
            o,
        ],
        "multi-source",
    );
    assert!(!out.exists(), "a refused run wrote nothing");

    generate(&out, "tiny", &["--ids", "integer"]);
    let m = util::json(&out.join("manifest.json"));
    assert_eq!(m["run"]["profile"]["ids"], "integer");
    let args: Vec<&str> = m["import"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(args.contains(&"--id-type=integer"), "{args:?}");
    let file = fs::read_to_string(out.join("import.args")).unwrap();
    assert!(file.contains("--id-type=integer\n"), "{file}");
    // The same run again is recognised as complete; string ids are another run.
    generate(&out, "tiny", &["--ids", "integer"]);
    let r = run(&["generate", "--profile", "tiny", "--out", o, "--quiet"]);
    assert_eq!(
        r.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let pq = t.path().join("pq");
    generate(&pq, "tiny", &["--ids", "integer", "--format", "parquet"]);
    let m = util::json(&pq.join("manifest.json"));
    assert_eq!(m["run"]["profile"]["ids"], "integer");
    let file = fs::read_to_string(pq.join("import.args")).unwrap();
    assert!(file.contains("--id-type=integer\n"), "{file}");
    let s = t.path().join("s");
    generate(&s, "tiny", &["--ids", "string"]);
    let m = util::json(&s.join("manifest.json"));
    assert!(
        m["run"]["profile"].get("ids").is_none(),
        "string ids leave the key out"
    );
    assert!(fs::read_to_string(s.join("import.args"))
        .unwrap()
        .contains("--id-type=string\n"));
}
