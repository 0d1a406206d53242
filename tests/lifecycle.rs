//! The promise of every command that writes a bundle or change set: it is
//! complete if and only if its manifest exists, and what is complete is
//! whole. Crash points (`CMDBGEN_CRASH_AT`, a deterministic kill) and real
//! SIGKILLs stop `generate --force`, `ingest --force`, `changes --force`,
//! a repairing rerun and `gather` at every step; after each stop a present
//! manifest must list exactly the files of one whole run, and rerunning the
//! command must finish the new one. Also: `--force` keeps the user's files,
//! a rerun repairs a damaged bundle, a full disk names the file, a foreign
//! manifest is refused, and files are synced before the manifest.

use crate::util;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The exit code of a crash point (`write::durable::CRASH_EXIT`).
const CRASHED: i32 = 86;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn run_env(args: &[String], env: &[(&str, &str)]) -> Output {
    let mut c = util::bin();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("running cmdbgen")
}

fn ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what}: exit {:?}\n{}",
        o.status.code(),
        stderr(o)
    );
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|a| a.to_string()).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = fs::remove_dir_all(to);
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// Every file under `dir` but the run state, with its bytes.
type Snapshot = BTreeMap<String, Vec<u8>>;

fn snapshot(dir: &Path) -> Snapshot {
    util::files(dir)
        .into_iter()
        .filter(|f| !f.starts_with(".cmdbgen/"))
        .map(|f| {
            let b = fs::read(dir.join(&f)).unwrap();
            (f, b)
        })
        .collect()
}

/// The files a manifest lists (headers, shards, incremental files).
fn listed(manifest: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for t in manifest["tables"].as_array().into_iter().flatten() {
        out.push(t["header"]["path"].as_str().unwrap().to_string());
        for sh in t["shards"].as_array().unwrap() {
            out.push(sh["path"].as_str().unwrap().to_string());
        }
    }
    for f in manifest["incremental_files"]
        .as_array()
        .into_iter()
        .flatten()
    {
        out.push(f["path"].as_str().unwrap().to_string());
    }
    out
}

/// The promise, checked after a stop: no manifest, or the manifest of one
/// of `runs` with every file it lists (and the import files) byte for byte
/// that run's, and `validate` passing for a bundle.
fn assert_whole(dir: &Path, runs: &[&Snapshot], what: &str) {
    let Ok(bytes) = fs::read(dir.join("manifest.json")) else {
        return;
    };
    let Some(run) = runs.iter().find(|r| r.get("manifest.json") == Some(&bytes)) else {
        panic!("{what}: manifest.json is no run's manifest");
    };
    let m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let mut files = listed(&m);
    files.extend(
        ["import.args", "import.sh", "incremental.args"]
            .iter()
            .filter(|f| run.contains_key(**f))
            .map(|f| f.to_string()),
    );
    for f in files {
        let got = fs::read(dir.join(&f)).ok();
        assert!(
            got.as_ref() == run.get(&f),
            "{what}: the manifest is there but {f} is {}",
            if got.is_some() {
                "different"
            } else {
                "missing"
            }
        );
    }
    if m["kind"] != "changes" {
        let o = util::run(&["validate", s(dir), "--quiet"]);
        assert!(
            o.status.success(),
            "{what}: a manifest over a bundle validate rejects:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            stderr(&o)
        );
    }
}

/// One command that replaces `old` with `new`: `setup` puts the old state
/// into a folder, `cmd` is the command (with `{out}` for the folder).
struct Case<'a> {
    name: &'a str,
    old: &'a Snapshot,
    new: &'a Snapshot,
    setup: &'a dyn Fn(&Path),
    cmd: Vec<String>,
}

impl Case<'_> {
    fn argv(&self, out: &Path) -> Vec<String> {
        self.cmd
            .iter()
            .map(|a| a.replace("{out}", s(out)))
            .collect()
    }

    /// After a stop: the promise holds, and rerunning finishes the new run.
    fn after_stop(&self, out: &Path, what: &str) {
        assert_whole(out, &[self.old, self.new], what);
        let o = run_env(&self.argv(out), &[]);
        ok(&o, &format!("{what}: rerun"));
        let got = snapshot(out);
        assert!(
            got == *self.new,
            "{what}: the rerun's files differ from a clean run's: {:?}",
            diff(&got, self.new)
        );
        assert!(!out.join(".cmdbgen").exists(), "{what}: state left");
    }

    /// Stops the command at each crash point, then checks.
    fn crash_at(&self, work: &Path, points: &[&str]) {
        for point in points {
            let what = format!("{} at {point}", self.name);
            (self.setup)(work);
            let o = run_env(&self.argv(work), &[("CMDBGEN_CRASH_AT", point)]);
            assert_eq!(
                o.status.code(),
                Some(CRASHED),
                "{what}: the crash point was not reached: {}",
                stderr(&o)
            );
            self.after_stop(work, &what);
        }
    }

    /// Kills the command with SIGKILL when `when` first holds (polled), or
    /// when it ends by itself, then checks.
    fn kill_when(&self, work: &Path, label: &str, when: &dyn Fn(&Path) -> bool) {
        let what = format!("{} killed {label}", self.name);
        (self.setup)(work);
        let mut child = Command::new(env!("CARGO_BIN_EXE_cmdbgen"))
            .args(self.argv(work))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if when(work) {
                child.kill().unwrap();
                child.wait().unwrap();
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        self.after_stop(work, &what);
    }

    /// Real kills: right after the old manifest went, then after each of
    /// `micros` (moments the scheduler picks the rest of).
    fn killed_at_moments(&self, work: &Path, micros: &[u64]) {
        self.kill_when(work, "once the old manifest is gone", &|w| {
            !w.join("manifest.json").exists()
        });
        for &us in micros {
            let t0 = std::time::Instant::now();
            self.kill_when(work, &format!("after {us} µs"), &move |_| {
                t0.elapsed() >= Duration::from_micros(us)
            });
        }
    }
}

fn diff(a: &Snapshot, b: &Snapshot) -> Vec<String> {
    let mut d: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    d.dedup();
    d.truncate(5);
    d
}

fn journal_lines(out: &Path) -> usize {
    fs::read_to_string(out.join(".cmdbgen/journal.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// A reference: `cmd` run cleanly over `setup`'s folder.
fn reference(t: &Path, name: &str, setup: &dyn Fn(&Path), cmd: &[String]) -> Snapshot {
    let dir = t.join(name);
    setup(&dir);
    let argv: Vec<String> = cmd.iter().map(|a| a.replace("{out}", s(&dir))).collect();
    ok(&run_env(&argv, &[]), name);
    snapshot(&dir)
}

#[test]
fn generate_force_keeps_the_promise_at_every_crash_point() {
    let t = tempfile::tempdir().unwrap();
    let old_dir = t.path().join("old");
    util::generate(&old_dir, "tiny", &["--shard-rows", "20"]);
    let old = snapshot(&old_dir);
    let setup = |w: &Path| copy_dir(&old_dir, w);
    let cmd = args(&[
        "generate",
        "--profile",
        "tiny",
        "--seed",
        "43",
        "--shard-rows",
        "15",
        "--out",
        "{out}",
        "--force",
        "--quiet",
    ]);
    let new = reference(t.path(), "new", &setup, &cmd);
    let case = Case {
        name: "generate --force",
        old: &old,
        new: &new,
        setup: &setup,
        cmd,
    };
    let work = t.path().join("work");
    case.crash_at(
        &work,
        &[
            "claimed",
            "retired",
            "removed@1",
            "removed@9",
            "shard@1",
            "shard@6",
            "args",
            "script",
            "synced",
            "manifest",
        ],
    );
    // Real kills: after some shards, and at moments around them.
    case.kill_when(&work, "after 3 journalled shards", &|w| {
        journal_lines(w) >= 3
    });
    case.killed_at_moments(&work, &[0, 2_000, 8_000, 30_000]);
}

#[test]
fn a_repairing_rerun_keeps_the_promise_at_every_crash_point() {
    let t = tempfile::tempdir().unwrap();
    let good = t.path().join("good");
    util::generate(&good, "tiny", &["--shard-rows", "20"]);
    let whole = snapshot(&good);
    let damaged = |w: &Path| {
        copy_dir(&good, w);
        let a = util::shard_files(&w.join("nodes/Server"));
        fs::remove_file(&a[0]).unwrap();
        let b = util::shard_files(&w.join("relationships/Server-HOSTED_IN-DataCenter"));
        let bytes = fs::read(&b[0]).unwrap();
        fs::write(&b[0], &bytes[..bytes.len() / 2]).unwrap();
    };
    let cmd = args(&[
        "generate",
        "--profile",
        "tiny",
        "--shard-rows",
        "20",
        "--out",
        "{out}",
        "--quiet",
    ]);
    // The damaged bundle's manifest lists files that are not whole: only
    // the repaired one counts as a run here.
    let case = Case {
        name: "repairing rerun",
        old: &whole,
        new: &whole,
        setup: &damaged,
        cmd,
    };
    let work = t.path().join("work");
    for point in ["claimed", "retired", "shard@1", "synced", "manifest"] {
        damaged(&work);
        let o = run_env(&case.argv(&work), &[("CMDBGEN_CRASH_AT", point)]);
        assert_eq!(o.status.code(), Some(CRASHED), "{point}: {}", stderr(&o));
        if point == "claimed" {
            // Stopped before the damaged bundle's manifest went: the damage
            // is the one the rerun found, and the next rerun repairs it.
            assert!(work.join("manifest.json").exists());
            work.join(".cmdbgen/run.json").metadata().unwrap();
            ok(&run_env(&case.argv(&work), &[]), "rerun");
            assert!(snapshot(&work) == whole);
            continue;
        }
        case.after_stop(&work, &format!("repair at {point}"));
    }
}

/// A small multi-source profile for `export-sources` and `ingest`.
const SOURCES_PROFILE: &str = r#"name = "lifecycle"
seed = 5
[nodes]
Region = 3
DataCenter = 6
Server = 120
NetworkDevice = 12
Database = 20
Application = 24
BusinessService = 5
Event = 60

[merge]
strategy = "priority"
overlap = 0.5

[[sources]]
name = "cmdb"
priority = 1
coverage = 0.9
missing = 0.05

[[sources]]
name = "scan"
priority = 2
coverage = 0.8
missing = 0.1
"#;

fn exported(t: &Path) -> PathBuf {
    let profile = t.join("sources.toml");
    fs::write(&profile, SOURCES_PROFILE).unwrap();
    let exports = t.join("exports");
    util::ok(&[
        "export-sources",
        "--profile",
        s(&profile),
        "--out",
        s(&exports),
        "--quiet",
    ]);
    exports
}

fn ingest_cmd(exports: &Path, shard_rows: &str) -> Vec<String> {
    let mut a = vec!["ingest".to_string()];
    for src in ["cmdb", "scan"] {
        a.push("--source".into());
        a.push(format!("{src}={}", exports.join(src).display()));
    }
    a.extend(args(&[
        "--shard-rows",
        shard_rows,
        "--out",
        "{out}",
        "--force",
        "--quiet",
    ]));
    a
}

#[test]
fn ingest_force_keeps_the_promise_at_every_crash_point() {
    let t = tempfile::tempdir().unwrap();
    let exports = exported(t.path());
    let empty = |w: &Path| {
        let _ = fs::remove_dir_all(w);
    };
    let old = reference(t.path(), "old", &empty, &ingest_cmd(&exports, "40"));
    let old_dir = t.path().join("old");
    let setup = |w: &Path| copy_dir(&old_dir, w);
    let cmd = ingest_cmd(&exports, "25");
    let new = reference(t.path(), "new", &setup, &cmd);
    let case = Case {
        name: "ingest --force",
        old: &old,
        new: &new,
        setup: &setup,
        cmd,
    };
    let work = t.path().join("work");
    case.crash_at(
        &work,
        &[
            "retired",
            "removed@1",
            "removed@6",
            "shard@1",
            "shard@4",
            "args",
            "script",
            "synced",
            "manifest",
        ],
    );
    case.killed_at_moments(&work, &[0, 5_000, 20_000]);
}

#[test]
fn changes_keep_the_promise_at_every_crash_point() {
    let t = tempfile::tempdir().unwrap();
    let empty = |w: &Path| {
        let _ = fs::remove_dir_all(w);
    };
    let day = |d: &str| {
        args(&[
            "changes",
            "--profile",
            "tiny",
            "--day",
            d,
            "--shard-rows",
            "3",
            "--out",
            "{out}",
            "--neo4j-incremental",
            "--force",
            "--quiet",
        ])
    };
    let old = reference(t.path(), "old", &empty, &day("1"));
    let old_dir = t.path().join("old");
    let setup = |w: &Path| copy_dir(&old_dir, w);
    let new = reference(t.path(), "new", &setup, &day("2"));
    let case = Case {
        name: "changes --force",
        old: &old,
        new: &new,
        setup: &setup,
        cmd: day("2"),
    };
    let work = t.path().join("work");
    case.crash_at(
        &work,
        &[
            "claimed",
            "retired",
            "removed@1",
            "removed@5",
            "shard@1",
            "shard@4",
            "synced",
            "manifest",
        ],
    );
    case.killed_at_moments(&work, &[0, 3_000, 10_000]);
}

#[test]
fn gather_keeps_the_promise_at_every_crash_point() {
    let t = tempfile::tempdir().unwrap();
    let (p1, p2) = (t.path().join("p1"), t.path().join("p2"));
    util::generate(&p1, "tiny", &["--shard-rows", "20", "--part", "1/2"]);
    util::generate(&p2, "tiny", &["--shard-rows", "20", "--part", "2/2"]);
    let single = t.path().join("single");
    util::generate(&single, "tiny", &["--shard-rows", "20"]);
    let whole = snapshot(&single);
    let empty = |w: &Path| {
        let _ = fs::remove_dir_all(w);
    };
    let case = Case {
        name: "gather",
        old: &whole,
        new: &whole,
        setup: &empty,
        cmd: args(&["gather", "--out", "{out}", "--quiet", s(&p1), s(&p2)]),
    };
    let work = t.path().join("work");
    case.crash_at(
        &work,
        &["placed@1", "placed@7", "args", "synced", "manifest"],
    );
}

#[test]
fn force_removes_only_the_files_cmdbgen_wrote() {
    let t = tempfile::tempdir().unwrap();
    let u = t.path().join("u");
    util::generate(&u, "tiny", &[]);
    let mine = [
        "nodes/photos/cat.jpg",
        "nodes/Server/notes.txt",
        "relationships/README",
        "notes.md",
    ];
    for f in mine {
        fs::create_dir_all(u.join(f).parent().unwrap()).unwrap();
        fs::write(u.join(f), f).unwrap();
    }
    util::generate(&u, "tiny", &["--seed", "43", "--force"]);
    for f in mine {
        assert_eq!(
            fs::read_to_string(u.join(f)).unwrap(),
            f,
            "generate --force"
        );
    }
    let o = util::run(&["validate", s(&u), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // ingest --force over the same folder keeps them too.
    let exports = exported(t.path());
    let cmd: Vec<String> = ingest_cmd(&exports, "50")
        .into_iter()
        .map(|a| a.replace("{out}", s(&u)))
        .collect();
    ok(&run_env(&cmd, &[]), "ingest --force");
    for f in mine {
        assert_eq!(fs::read_to_string(u.join(f)).unwrap(), f, "ingest --force");
    }
    let o = util::run(&["validate", s(&u), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_rerun_repairs_a_damaged_bundle_or_names_the_damage() {
    let t = tempfile::tempdir().unwrap();
    let b = t.path().join("b");
    let gen = [
        "generate",
        "--profile",
        "tiny",
        "--shard-rows",
        "20",
        "--out",
        s(&b),
    ];
    util::ok(&gen);
    let whole = snapshot(&b);
    let shards = util::shard_files(&b.join("nodes/Server"));
    let (gone, cut) = (&shards[0], &shards[1]);
    fs::remove_file(gone).unwrap();
    let bytes = fs::read(cut).unwrap();
    fs::write(cut, &bytes[..10]).unwrap();
    let o = util::run(&gen);
    ok(&o, "repairing rerun");
    let err = stderr(&o);
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        err.contains("damaged") && err.contains(&name(gone)) && err.contains(&name(cut)),
        "{err}"
    );
    assert!(snapshot(&b) == whole, "{:?}", diff(&snapshot(&b), &whole));

    // Same size, other bytes: sizes alone pass; --verify finds it.
    let mut flipped = bytes.clone();
    flipped[5] ^= 1;
    fs::write(cut, &flipped).unwrap();
    let o = util::run(&gen);
    ok(&o, "rerun");
    assert!(String::from_utf8_lossy(&o.stdout).contains("already complete"));
    let mut verify = gen.to_vec();
    verify.push("--verify");
    let o = util::run(&verify);
    ok(&o, "rerun --verify");
    assert!(stderr(&o).contains(&name(cut)), "{}", stderr(&o));
    assert!(snapshot(&b) == whole);

    // A damaged import.args is written again as well.
    fs::write(b.join("import.args"), "--nodes=elsewhere\n").unwrap();
    ok(&util::run(&gen), "rerun");
    assert!(snapshot(&b) == whole);

    // A change set: a missing shard is written again.
    let c = t.path().join("c");
    let day = [
        "changes",
        "--profile",
        "tiny",
        "--day",
        "1",
        "--shard-rows",
        "3",
        "--out",
        s(&c),
    ];
    util::ok(&day);
    let set = snapshot(&c);
    let victim = set.keys().find(|k| k.contains("/part-")).unwrap().clone();
    fs::remove_file(c.join(&victim)).unwrap();
    let o = util::run(&day);
    ok(&o, "changes rerun");
    assert!(stderr(&o).contains(&victim), "{}", stderr(&o));
    assert!(snapshot(&c) == set);

    // gather cannot rewrite a gathered file: it names it and fails.
    let (p1, p2, g) = (t.path().join("p1"), t.path().join("p2"), t.path().join("g"));
    util::generate(&p1, "tiny", &["--shard-rows", "20", "--part", "1/2"]);
    util::generate(&p2, "tiny", &["--shard-rows", "20", "--part", "2/2"]);
    let gather = ["gather", "--out", s(&g), "--quiet", s(&p1), s(&p2)];
    util::ok(&gather);
    let gs = util::shard_files(&g.join("nodes/Server"));
    fs::remove_file(&gs[0]).unwrap();
    let o = util::run(&gather);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&name(&gs[0])), "{}", stderr(&o));
    // ... and generate with the run's options repairs it.
    util::ok(&[
        "generate",
        "--profile",
        "tiny",
        "--shard-rows",
        "20",
        "--out",
        s(&g),
        "-q",
    ]);
    assert!(snapshot(&g) == whole);
}

#[test]
fn cmdbgen_files_without_a_manifest_are_not_called_foreign() {
    let t = tempfile::tempdir().unwrap();
    let b = t.path().join("b");
    util::generate(&b, "tiny", &[]);
    fs::remove_file(b.join("manifest.json")).unwrap();
    let o = util::run(&["generate", "--profile", "tiny", "--out", s(&b), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains("did not write"), "{err}");
    assert!(err.contains("no manifest or run state"), "{err}");
    // A foreign file is named as one.
    fs::write(b.join("nodes/Server/notes.txt"), "x").unwrap();
    let o = util::run(&["generate", "--profile", "tiny", "--out", s(&b), "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did not write (nodes/Server/notes.txt)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_full_disk_names_the_file() {
    let t = tempfile::tempdir().unwrap();
    let b = t.path().join("b");
    let gen = args(&["generate", "--profile", "tiny", "--out", s(&b), "-q"]);
    for file in ["import.args", "import.sh", "manifest.json"] {
        let o = run_env(&gen, &[("CMDBGEN_FAIL_WRITE", file)]);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("{}", b.join(file).display())) && err.contains("No space left"),
            "{file}: {err}"
        );
        assert!(!b.join("manifest.json").exists(), "{file}");
        assert!(!b.join(format!("{file}.tmp")).exists(), "{file}: tmp left");
    }
    ok(&run_env(&gen, &[]), "after the disk has room again");

    // ingest and changes write their last files the same way.
    let exports = exported(t.path());
    let i = t.path().join("i");
    let cmd: Vec<String> = ingest_cmd(&exports, "50")
        .into_iter()
        .map(|a| a.replace("{out}", s(&i)))
        .collect();
    let o = run_env(&cmd, &[("CMDBGEN_FAIL_WRITE", "manifest.json")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("manifest.json: No space left"),
        "{}",
        stderr(&o)
    );
    let c = t.path().join("c");
    let day = args(&[
        "changes",
        "--profile",
        "tiny",
        "--day",
        "1",
        "--out",
        s(&c),
        "--neo4j-incremental",
    ]);
    let o = run_env(&day, &[("CMDBGEN_FAIL_WRITE", "incremental.args")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("incremental.args: No space left"),
        "{}",
        stderr(&o)
    );
    assert!(!c.join("manifest.json").exists());
}

#[test]
fn a_foreign_manifest_is_refused_with_exit_2() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("f");
    fs::create_dir_all(&f).unwrap();
    let theirs = "{\"name\": \"my project\", \"version\": 3}\n";
    fs::write(f.join("manifest.json"), theirs).unwrap();
    let exports = exported(t.path());
    let ingest: Vec<String> = ingest_cmd(&exports, "50")
        .into_iter()
        .map(|a| a.replace("{out}", s(&f)))
        .collect();
    let commands = [
        args(&["generate", "--profile", "tiny", "--out", s(&f), "-q"]),
        args(&[
            "generate",
            "--profile",
            "tiny",
            "--out",
            s(&f),
            "-q",
            "--force",
        ]),
        args(&[
            "generate",
            "--profile",
            "tiny",
            "--out",
            s(&f),
            "-q",
            "--part",
            "1/2",
        ]),
        ingest,
        args(&[
            "changes",
            "--profile",
            "tiny",
            "--day",
            "1",
            "--out",
            s(&f),
            "--force",
        ]),
        args(&["gather", "--out", s(&f), s(&f)]),
    ];
    for cmd in &commands {
        let o = run_env(cmd, &[]);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("not a cmdbgen manifest"),
            "{}",
            stderr(&o)
        );
        assert_eq!(fs::read_to_string(f.join("manifest.json")).unwrap(), theirs);
    }

    // A cmdbgen manifest of another kind is another run's: exit 2 without
    // --force, replaced with it.
    let c = t.path().join("c");
    util::ok(&[
        "changes",
        "--profile",
        "tiny",
        "--day",
        "1",
        "--out",
        s(&c),
        "-q",
    ]);
    let o = util::run(&["generate", "--profile", "tiny", "--out", s(&c), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("change set"), "{}", stderr(&o));
    let o = util::run(&["gather", "--out", s(&c), s(&c)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    util::ok(&[
        "generate",
        "--profile",
        "tiny",
        "--out",
        s(&c),
        "-q",
        "--force",
    ]);
    assert!(!c.join("updates").exists());
    let o = util::run(&["validate", s(&c), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn files_and_folders_are_synced_before_the_manifest() {
    let t = tempfile::tempdir().unwrap();
    let b = t.path().join("b");
    let trace = t.path().join("trace");
    let o = run_env(
        &args(&[
            "generate",
            "--profile",
            "tiny",
            "--shard-rows",
            "20",
            "--out",
            s(&b),
            "-q",
        ]),
        &[("CMDBGEN_SYNC_TRACE", s(&trace))],
    );
    ok(&o, "generate");
    let lines: Vec<String> = fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let at = |line: &str| lines.iter().position(|l| l == line);
    let manifest = at(&format!("rename {}", b.join("manifest.json").display()))
        .expect("the manifest's rename is traced");
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(b.join("manifest.json")).unwrap()).unwrap();
    for f in listed(&m) {
        let p = b.join(&f);
        let synced = at(&format!("sync {}", p.display()));
        assert!(synced.is_some_and(|i| i < manifest), "{f} not synced first");
        let dir = at(&format!("dirsync {}", p.parent().unwrap().display()));
        assert!(
            dir.is_some_and(|i| i < manifest),
            "{f}'s folder not synced first"
        );
    }
    for d in [b.join("nodes"), b.join("relationships"), b.clone()] {
        let i = at(&format!("dirsync {}", d.display()));
        assert!(
            i.is_some_and(|i| i < manifest),
            "{} not synced first",
            d.display()
        );
    }
    for f in ["import.args", "import.sh"] {
        let i = at(&format!("rename {}", b.join(f).display()));
        assert!(i.is_some_and(|i| i < manifest), "{f}");
    }
    // The manifest's folder is synced after its rename.
    assert!(lines[manifest + 1..].contains(&format!("dirsync {}", b.display())));
}
