//! Distributed generation: `generate --part i/n` and `gather`, and the
//! metrics history with `report`.

use crate::util::{self, files, generate, run};
use std::fs;
use std::path::Path;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn assert_identical(a: &Path, b: &Path) {
    assert_eq!(files(a), files(b), "file lists differ");
    for f in files(a) {
        assert!(
            fs::read(a.join(&f)).unwrap() == fs::read(b.join(&f)).unwrap(),
            "{f} differs"
        );
    }
}

fn gather(args: &[&str]) -> std::process::Output {
    let mut all = vec!["gather"];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn parts_in_one_folder_gather_into_the_single_run_bundle() {
    for (ids, format) in [
        ("string", "csv-gz"),
        ("integer", "csv-gz"),
        ("integer", "parquet"),
    ] {
        parts_gather_into_the_single_run_bundle(ids, format);
    }
}

/// The four-part run in one folder, with `--ids ids --format format`.
fn parts_gather_into_the_single_run_bundle(ids: &str, format: &str) {
    let t = tempfile::tempdir().unwrap();
    let single = t.path().join("single");
    let args = ["--shard-rows", "300", "--format", format, "--ids", ids];
    generate(&single, "small", &args);
    let shared = t.path().join("shared");
    for (i, threads) in [(1, "1"), (2, "2"), (3, "1"), (4, "2")] {
        let part = format!("{i}/4");
        let mut a = args.to_vec();
        a.extend(["--part", &part, "--threads", threads]);
        generate(&shared, "small", &a);
        assert!(shared.join(format!("manifest.part-{i}-of-4.json")).exists());
        assert!(!shared.join("manifest.json").exists());
    }
    // Part 1 wrote the headers; no part wrote the bundle's files.
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(shared.join("manifest.part-2-of-4.json")).unwrap())
            .unwrap();
    assert_eq!(m["headers"].as_array().unwrap().len(), 0);
    assert!(!shared.join("import.args").exists());

    let o = gather(&[s(&shared)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_identical(&single, &shared);

    // Gathering again is a no-op.
    let o = gather(&[s(&shared)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("already complete"));
}

#[test]
fn parts_in_separate_folders_gather_by_copy_or_move() {
    let t = tempfile::tempdir().unwrap();
    let single = t.path().join("single");
    generate(&single, "small", &["--shard-rows", "500"]);
    let dirs: Vec<_> = (1..=3).map(|i| t.path().join(format!("p{i}"))).collect();
    for (i, d) in dirs.iter().enumerate() {
        let part = format!("{}/3", i + 1);
        generate(d, "small", &["--shard-rows", "500", "--part", &part]);
    }
    let out = t.path().join("copied");
    let mut args = vec!["--out", s(&out), "--verify"];
    args.extend(dirs.iter().map(|d| s(d)));
    let o = gather(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_identical(&single, &out);
    // Copying leaves the sources as they were.
    assert!(dirs[1].join("manifest.part-2-of-3.json").exists());

    // --move into the first folder.
    let mut args = vec!["--move"];
    args.extend(dirs.iter().map(|d| s(d)));
    let o = gather(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_identical(&single, &dirs[0]);
    assert!(!files(&dirs[1]).iter().any(|f| f.starts_with("nodes/")));
}

#[test]
fn gather_refuses_incomplete_or_mixed_parts() {
    let t = tempfile::tempdir().unwrap();
    let base = ["--shard-rows", "400"];
    let mk = |name: &str, part: &str, extra: &[&str]| {
        let d = t.path().join(name);
        let mut a = base.to_vec();
        a.extend(["--part", part]);
        a.extend_from_slice(extra);
        generate(&d, "small", &a);
        d
    };
    let p1 = mk("p1", "1/3", &[]);
    let p2 = mk("p2", "2/3", &[]);
    let p3 = mk("p3", "3/3", &[]);
    let other_seed = mk("x3", "3/3", &["--seed", "7"]);
    let again2 = mk("q2", "2/3", &[]);
    let split4 = mk("s4", "3/4", &[]);
    let out = t.path().join("out");

    let cases: Vec<(Vec<&Path>, &str)> = vec![
        (vec![&p1, &p2], "missing part(s) 3 of 3"),
        (vec![&p1, &p2, &other_seed], "belongs to another run"),
        (vec![&p1, &p2, &p3, &again2], "part 2/3 is present twice"),
        (vec![&p1, &p2, &split4], "4-way split"),
    ];
    for (dirs, want) in cases {
        let mut args = vec!["--out", s(&out)];
        args.extend(dirs.iter().map(|d| s(d)));
        let o = gather(&args);
        assert_eq!(o.status.code(), Some(1), "{want}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "want {want:?}: {}", stderr(&o));
        assert!(!out.join("manifest.json").exists());
    }

    // A damaged shard: a truncated one is caught by size, a same-size edit
    // by --verify (and by copying, which always hashes).
    let shared = t.path().join("shared");
    for i in 1..=3 {
        let part = format!("{i}/3");
        generate(&shared, "small", &["--shard-rows", "400", "--part", &part]);
    }
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(shared.join("manifest.part-2-of-3.json")).unwrap())
            .unwrap();
    let victim = shared.join(m["shards"][0]["path"].as_str().unwrap());
    let original = fs::read(&victim).unwrap();
    let mut edited = original.clone();
    let last = edited.len() - 2;
    edited[last] = if edited[last] == b'x' { b'y' } else { b'x' };
    fs::write(&victim, &edited).unwrap();
    let o = gather(&["--verify", s(&shared)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("does not match the xxh3"),
        "{}",
        stderr(&o)
    );
    let o = gather(&["--out", s(&t.path().join("copy")), s(&shared)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("does not match its part manifest"),
        "{}",
        stderr(&o)
    );
    fs::write(&victim, &original[..original.len() - 1]).unwrap();
    let o = gather(&[s(&shared)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("bytes, but its part manifest says"),
        "{}",
        stderr(&o)
    );
    assert!(!shared.join("manifest.json").exists());

    // Nothing to gather.
    let empty = t.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let o = gather(&[s(&empty)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no part manifests"), "{}", stderr(&o));
}

#[test]
fn part_runs_resume_and_refuse_to_mix() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    let args = [
        "generate",
        "--profile",
        "small",
        "--out",
        s(&d),
        "--shard-rows",
        "100",
        "--threads",
        "1",
        "--part",
        "2/3",
        "--quiet",
    ];
    let o = util::bin()
        .args(args)
        .env("CMDBGEN_FAIL_AFTER_SHARDS", "5")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!d.join("manifest.part-2-of-3.json").exists());
    assert!(d.join(".cmdbgen/part-2-of-3/journal.jsonl").exists());
    // Another part may start meanwhile in the same folder.
    generate(&d, "small", &["--shard-rows", "100", "--part", "1/3"]);
    let o = util::bin().args(&args[..args.len() - 1]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("kept 5 verified shards"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(!d.join(".cmdbgen").exists());

    // Another seed, another split, or a plain run in this folder: refused.
    for (extra, want) in [
        (vec!["--part", "3/3", "--seed", "9"], "files of another run"),
        (vec!["--part", "1/2"], "3-way split"),
        (vec![], "finish them with `cmdbgen gather`"),
    ] {
        let mut a = vec![
            "generate",
            "--profile",
            "small",
            "--out",
            s(&d),
            "--shard-rows",
            "100",
            "--quiet",
        ];
        a.extend(extra);
        let o = run(&a);
        assert_eq!(o.status.code(), Some(2), "{a:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "want {want:?}: {}", stderr(&o));
    }
    // A finished part is not rewritten.
    let o = util::ok(&args[..args.len() - 1]);
    assert!(o.contains("already complete"), "{o}");

    for bad in ["0/3", "4/3", "two/3", "3"] {
        let o = run(&["generate", "--part", bad, "--out", s(&t.path().join("z"))]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
    }
    // The dry run shows the part's share.
    let o = util::ok(&[
        "generate",
        "--profile",
        "small",
        "--part",
        "2/3",
        "--dry-run",
    ]);
    assert!(o.contains("part 2/3: "), "{o}");
}

#[test]
fn history_lines_and_report() {
    let t = tempfile::tempdir().unwrap();
    let h = t.path().join("h/history.jsonl");
    generate(
        &t.path().join("a"),
        "tiny",
        &["--history", s(&h), "--customer", "acme"],
    );
    generate(&t.path().join("b"), "small", &["--history", s(&h)]);
    // CMDBGEN_HISTORY is used when --history is not given.
    let o = util::bin()
        .args(["generate", "--profile", "tiny", "--quiet", "--out"])
        .arg(t.path().join("c"))
        .args(["--customer", "acme"])
        .env("CMDBGEN_HISTORY", &h)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // A complete bundle adds no line.
    generate(&t.path().join("b"), "small", &["--history", s(&h)]);

    let text = fs::read_to_string(&h).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let small: serde_json::Value =
        serde_json::from_slice(&fs::read(t.path().join("b/manifest.json")).unwrap()).unwrap();
    let l = &lines[1];
    assert_eq!(l["customer"], "small");
    assert_eq!(l["phase"], "generate");
    assert_eq!(l["nodes"], small["totals"]["nodes"]);
    assert_eq!(l["relationships"], small["totals"]["relationships"]);
    assert_eq!(l["bytes"], small["totals"]["bytes"]);
    assert!(l["seconds"].as_f64().unwrap() > 0.0);
    assert!(l["peak_rss_bytes"].as_u64().unwrap() > 1 << 20);
    assert_eq!(lines[0]["customer"], "acme");

    let o = util::ok(&["report", "--history", s(&h)]);
    let rows: Vec<&str> = o.lines().collect();
    assert_eq!(rows.len(), 3, "{o}");
    assert!(rows[0].starts_with("customer"), "{o}");
    assert!(
        rows[1].starts_with("acme") && rows[2].starts_with("small"),
        "{o}"
    );

    // The chart: a panel per customer and size, a point per run.
    let chart = t.path().join("load.svg");
    util::ok(&["report", "--history", s(&h), "--chart", s(&chart)]);
    let svg = fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<g class=\"series\"").count(), 2, "{svg}");
    assert_eq!(svg.matches("<circle").count(), 3, "{svg}");

    let o = util::ok(&["report", "--history", s(&h), "--json", "--customer", "acme"]);
    let groups: Vec<serde_json::Value> = serde_json::from_str(&o).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["runs"], 2);
    assert_eq!(groups[0]["phase"], "generate");

    let o = run(&["report", "--history", s(&t.path().join("nope.jsonl"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.jsonl"), "{}", stderr(&o));
}
