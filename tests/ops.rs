//! Operations: scripts/import.sh, scripts/pipeline.sh and the Makefile's
//! customer targets, run end to end up to where a real Neo4j would be
//! needed. Neo4j's tools are the fakes in tests/fakes/ (a neo4j-admin that
//! reads the files import.args names and keeps counts, a cypher-shell that
//! answers from them, a docker that runs both "in a container"); every call
//! they get is logged, and the tests assert the exact arguments.

use crate::util::{self, generate};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A sandbox: temp folders, the fakes' state and log, and a fake NEO4J_HOME.
struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    out: PathBuf,
    home: PathBuf,
}

fn fakes() -> PathBuf {
    util::repo().join("tests/fakes")
}

/// The python3 interpreter itself (not a version manager's shim, which costs
/// a quarter of a second per start on a busy machine).
fn python3() -> &'static Path {
    static P: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let o = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 is needed by scripts/import.sh");
        PathBuf::from(String::from_utf8(o.stdout).unwrap().trim())
    })
}

impl Sandbox {
    fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let out = root.join("out");
        let home = root.join("neo4j-home");
        fs::create_dir_all(home.join("bin")).unwrap();
        fs::create_dir_all(&out).unwrap();
        for tool in ["neo4j-admin", "cypher-shell", "neo4j"] {
            std::os::unix::fs::symlink(fakes().join(tool), home.join("bin").join(tool)).unwrap();
        }
        // A PATH folder holding only docker and python3 (neo4j-admin is then
        // only reachable through NEO4J_HOME or "inside the container").
        fs::create_dir_all(root.join("docker-only")).unwrap();
        std::os::unix::fs::symlink(fakes().join("docker"), root.join("docker-only/docker"))
            .unwrap();
        std::os::unix::fs::symlink(python3(), root.join("docker-only/python3")).unwrap();
        Sandbox {
            _tmp: tmp,
            root,
            out,
            home,
        }
    }

    /// A command with the sandbox's environment: fakes logging to the
    /// sandbox, nothing inherited that would steer the scripts.
    fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(util::repo());
        for v in [
            "NEO4J_HOME",
            "DATABASE",
            "CUSTOMER",
            "CMDBGEN_HISTORY",
            "NEO4J_EDITION",
            "HEAP_SIZE",
            "MAX_OFF_HEAP_MEMORY",
            "NEO4J_URI",
            "NEO4J_MODE",
            "PROFILE",
            "OUT_DIR",
            "FORMAT",
            "THREADS",
            "MAKEFLAGS",
            "MFLAGS",
            "MAKELEVEL",
        ] {
            c.env_remove(v);
        }
        let path = std::env::var("PATH").unwrap_or_default();
        c.env(
            "PATH",
            format!("{}:{path}", self.root.join("docker-only").display()),
        )
        .env("FAKE_NEO4J_STATE", self.root.join("state"))
        .env("FAKE_NEO4J_LOG", self.root.join("calls.jsonl"))
        .env("FAKE_DOCKER_IMPORT", &self.out)
        .env("FAKE_CONTAINER_PATH", fakes())
        .env("NEO4J_PASSWORD", "test-password")
        .env("MAX_OFF_HEAP_MEMORY", "3g")
        .env("CMDBGEN", env!("CARGO_BIN_EXE_cmdbgen"));
        c
    }

    /// scripts/import.sh with NEO4J_HOME set to the fake installation.
    fn import(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = self.cmd("scripts/import.sh");
        c.env("NEO4J_HOME", &self.home).args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn bundle(&self, name: &str, profile: &str) -> PathBuf {
        let d = self.out.join(name);
        generate(&d, profile, &[]);
        d
    }

    fn start_server(&self) {
        fs::create_dir_all(self.root.join("state")).unwrap();
        fs::write(self.root.join("state/server.up"), "").unwrap();
    }

    /// Every logged call of `tool`.
    fn calls(&self, tool: &str) -> Vec<Value> {
        let text = fs::read_to_string(self.root.join("calls.jsonl")).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|v| v["tool"] == tool)
            .collect()
    }

    /// The argv of every neo4j-admin import (not --version / --help probes).
    fn imports(&self) -> Vec<Vec<String>> {
        self.calls("neo4j-admin")
            .iter()
            .map(argv)
            .filter(|a| a.len() > 3 && a[2] != "--help" && !a.contains(&"--help".to_string()))
            .collect()
    }

    /// The statements cypher-shell ran, with their database.
    fn queries(&self) -> Vec<(String, String)> {
        self.calls("cypher-shell")
            .iter()
            .map(|c| {
                (
                    c["database"].as_str().unwrap().to_string(),
                    c["query"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn history(&self) -> Vec<Value> {
        fs::read_to_string(self.root.join("history.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn argv(call: &Value) -> Vec<String> {
    call["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn assert_ok(o: &Output) {
    assert!(o.status.success(), "{}", text(o));
}

fn assert_fails(o: &Output, code: i32, needle: &str) {
    assert_eq!(o.status.code(), Some(code), "{}", text(o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(needle),
        "stderr lacks {needle:?}\n{}",
        text(o)
    );
}

fn manifest(bundle: &Path) -> Value {
    serde_json::from_slice(&fs::read(bundle.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn full_import_on_enterprise_creates_and_verifies_the_database() {
    let sb = Sandbox::new();
    let b = sb.bundle("acme", "small");
    sb.start_server();
    let hist = sb.root.join("history.jsonl");
    let ent = [("FAKE_NEO4J_EDITION", "enterprise")];
    let o = sb.import(
        &[
            "--database",
            "acme",
            "--customer",
            "acme",
            "--history",
            s(&hist),
            s(&b),
        ],
        &ent,
    );
    assert_ok(&o);

    // Exactly one import: database name first, the args file, nothing
    // destructive, the memory budget; run from the bundle folder.
    let imports = sb.imports();
    assert_eq!(
        imports,
        vec![vec![
            "database",
            "import",
            "full",
            "acme",
            "@import.args",
            "--max-off-heap-memory=3g"
        ]]
    );
    let call = sb
        .calls("neo4j-admin")
        .into_iter()
        .find(|c| argv(c).contains(&"full".to_string()))
        .unwrap();
    assert_eq!(call["cwd"], s(&b));
    assert_eq!(call["env"]["HEAP_SIZE"], "2g");

    // The database is created on the system database, then counted.
    let q = sb.queries();
    let create = q
        .iter()
        .position(|(db, q)| db == "system" && q == "CREATE DATABASE `acme` IF NOT EXISTS WAIT;")
        .expect("CREATE DATABASE was sent");
    let count = q
        .iter()
        .position(|(db, q)| {
            db == "acme" && q.starts_with("CALL { MATCH (n) RETURN count(n) AS nodes }")
        })
        .expect("the count query ran on acme");
    assert!(create < count);
    assert!(sb
        .calls("cypher-shell")
        .iter()
        .all(|c| c["env"]["NEO4J_PASSWORD_SET"] == true && !argv(c).contains(&"-p".into())));

    // The fake neo4j-admin read every shard: its totals are the manifest's.
    let m = manifest(&b);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!(
            "neo4j-admin imported {} nodes and {} relationships, as the manifest says",
            m["totals"]["nodes"], m["totals"]["relationships"]
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("verified: database acme holds exactly"),
        "{stderr}"
    );
    assert_eq!(fs::read(b.join("import.report")).unwrap(), b"");

    let h = sb.history();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["phase"], "import");
    assert_eq!(h[0]["customer"], "acme");
    assert_eq!(h[0]["ok"], true);
    assert_eq!(h[0]["nodes"], m["totals"]["nodes"]);
    assert_eq!(h[0]["peak_rss_bytes"], 1_107_027_820u64);
    // `cmdbgen report` reads the script's lines.
    let r = util::ok(&["report", "--history", s(&hist)]);
    assert!(
        r.lines().nth(1).unwrap().starts_with("acme      import"),
        "{r}"
    );
}

#[test]
fn an_existing_database_is_replaced_only_when_asked() {
    let sb = Sandbox::new();
    let b = sb.bundle("acme", "tiny");
    sb.start_server();
    let ent = [("FAKE_NEO4J_EDITION", "enterprise")];
    assert_ok(&sb.import(&["--database", "acme", s(&b)], &ent));
    assert_eq!(sb.imports().len(), 1);

    let o = sb.import(&["--database", "acme", s(&b)], &ent);
    assert_fails(&o, 2, "pass --overwrite-destination to replace it");
    assert_eq!(sb.imports().len(), 1, "nothing ran without the flag");

    // A dry run shows the commands and changes nothing.
    let o = sb.import(
        &[
            "--database",
            "acme",
            "--overwrite-destination",
            "--dry-run",
            s(&b),
        ],
        &ent,
    );
    assert_ok(&o);
    let shown = String::from_utf8_lossy(&o.stderr);
    assert!(
        shown.contains("would run: cypher system STOP\\ DATABASE"),
        "{shown}"
    );
    assert!(
        shown
            .contains("neo4j-admin database import full acme @import.args --overwrite-destination"),
        "{shown}"
    );
    assert_eq!(sb.imports().len(), 1);

    let before = sb.queries().len();
    let o = sb.import(
        &["--database", "acme", "--overwrite-destination", s(&b)],
        &ent,
    );
    assert_ok(&o);
    let imports = sb.imports();
    assert_eq!(
        imports[1],
        vec![
            "database",
            "import",
            "full",
            "acme",
            "@import.args",
            "--overwrite-destination",
            "--max-off-heap-memory=3g"
        ]
    );
    // Stopped before, started after (the fake refuses to import into an
    // online database).
    let q: Vec<String> = sb.queries()[before..]
        .iter()
        .map(|(_, q)| q.clone())
        .collect();
    let stop = q
        .iter()
        .position(|q| q == "STOP DATABASE `acme` WAIT;")
        .unwrap();
    let start = q
        .iter()
        .position(|q| q == "START DATABASE `acme` WAIT;")
        .unwrap();
    assert!(stop < start);
}

#[test]
fn counts_that_differ_from_the_manifest_fail_the_import() {
    let sb = Sandbox::new();
    let b = sb.bundle("acme", "tiny");
    sb.start_server();
    let hist = sb.root.join("history.jsonl");
    let o = sb.import(
        &["--database", "acme", "--history", s(&hist), s(&b)],
        &[
            ("FAKE_NEO4J_EDITION", "enterprise"),
            ("FAKE_CYPHER_SKEW", "-1"),
        ],
    );
    assert_fails(&o, 1, "database acme does not hold what the manifest says");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let nodes = manifest(&b)["totals"]["nodes"].as_u64().unwrap();
    assert!(
        stderr.contains(&format!("{nodes:>15} {:>15}", nodes - 1)),
        "{stderr}"
    );
    let h = sb.history();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["ok"], false);

    // --verify-only checks an existing database the same way.
    let o = sb.import(
        &["--verify-only", "--database", "acme", s(&b)],
        &[("FAKE_NEO4J_EDITION", "enterprise")],
    );
    assert_ok(&o);
    let o = sb.import(
        &["--verify-only", "--database", "acme", s(&b)],
        &[
            ("FAKE_NEO4J_EDITION", "enterprise"),
            ("FAKE_CYPHER_SKEW", "2"),
        ],
    );
    assert_fails(&o, 1, "does not hold what the manifest says");
}

#[test]
fn community_imports_its_default_database_offline_then_starts() {
    let sb = Sandbox::new();
    let b = sb.bundle("acme", "tiny");

    // Another database name cannot be served by Community: explained, and
    // nothing runs.
    let o = sb.import(&["--database", "acme", s(&b)], &[]);
    assert_fails(&o, 2, "Community Edition serves only its default database");
    assert!(sb.imports().is_empty());

    // Server down: import, start it, verify by Cypher.
    let o = sb.import(&["--start-server", s(&b)], &[]);
    assert_ok(&o);
    assert_eq!(
        sb.imports(),
        vec![vec![
            "database",
            "import",
            "full",
            "neo4j",
            "@import.args",
            "--max-off-heap-memory=3g"
        ]]
    );
    assert_eq!(argv(&sb.calls("neo4j")[0]), vec!["start"]);
    assert!(sb
        .queries()
        .iter()
        .any(|(db, q)| db == "neo4j" && q.starts_with("CALL { MATCH (n)")));
    assert!(!sb
        .queries()
        .iter()
        .any(|(_, q)| q.starts_with("CREATE DATABASE")));
    assert!(sb
        .queries()
        .iter()
        .any(|(db, q)| db == "neo4j" && q.starts_with("CREATE CONSTRAINT region_id_unique")));

    // Server up: Community cannot stop its database; the script says how.
    let o = sb.import(&["--overwrite-destination", s(&b)], &[]);
    assert_fails(&o, 2, "Stop the DBMS (make neo4j-down, or neo4j stop)");
    assert_eq!(sb.imports().len(), 1);
}

#[test]
fn failures_of_neo4j_admin_are_reported() {
    let sb = Sandbox::new();
    let b = sb.bundle("acme", "tiny");
    let o = sb.import(&[s(&b)], &[("FAKE_ADMIN_EXIT", "70")]);
    assert_fails(
        &o,
        1,
        "neo4j-admin crashed (unhandled exception) (exit code 70)",
    );

    let o = sb.import(
        &["--overwrite-destination", s(&b)],
        &[(
            "FAKE_ADMIN_REPORT",
            "srv-1 (Server) referring to missing node",
        )],
    );
    assert_fails(&o, 1, "the import skipped or rejected entries");
    assert!(String::from_utf8_lossy(&o.stderr).contains("referring to missing node"));
    // The earlier report was kept, under a dated name.
    let kept = fs::read_dir(&b)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("import.report.")
        })
        .count();
    assert_eq!(kept, 1);

    // No server to count with: neo4j-admin's own totals must match.
    let o = sb.import(
        &["--overwrite-destination", s(&b)],
        &[("FAKE_ADMIN_LOSE_NODES", "1")],
    );
    assert_fails(&o, 1, "the manifest has");
    let o = sb.import(
        &["--overwrite-destination", "--verify", "cypher", s(&b)],
        &[],
    );
    assert_fails(&o, 2, "--verify cypher: Neo4j does not answer");

    // Usage errors.
    assert_fails(
        &sb.import(&["--database", "a_b", s(&b)], &[]),
        2,
        "not a valid Neo4j database name",
    );
    assert_fails(
        &sb.import(&["--database", "system", s(&b)], &[]),
        2,
        "system database",
    );
    assert_fails(&sb.import(&[], &[]), 2, "no bundle folder given");
    assert_fails(
        &sb.import(&["--bogus", s(&b)], &[]),
        2,
        "unknown option --bogus",
    );
    assert_fails(
        &sb.import(&[s(&sb.root)], &[]),
        2,
        "manifest.json is missing",
    );
    assert_fails(
        &sb.import(&[s(&b)], &[("FAKE_NEO4J_VERSION", "4.4.30")]),
        2,
        "too old",
    );

    // A damaged bundle is refused before anything runs.
    let n = sb.imports().len();
    let shard = b.join("nodes/Server/part-00000.csv");
    let mut bytes = fs::read(&shard).unwrap();
    bytes.pop();
    fs::write(&shard, bytes).unwrap();
    let o = sb.import(&["--overwrite-destination", s(&b)], &[]);
    assert_fails(&o, 1, "does not match its manifest");
    assert_eq!(sb.imports().len(), n);
}

/// A change set that only adds: 2 servers (with `{label:Server}` on the id,
/// as incremental import needs) hosted in data centres of the base bundle.
fn additions(dir: &Path) {
    fs::create_dir_all(dir.join("nodes/Server")).unwrap();
    fs::create_dir_all(dir.join("relationships/Server-HOSTED_IN-DataCenter")).unwrap();
    let files = [
        (
            "nodes/Server/header.csv",
            "id:ID(Server){label:Server},:LABEL,name\n",
        ),
        (
            "nodes/Server/part-00000.csv",
            "srv-900000001,ConfigurationItem;Server,new-1\nsrv-900000002,ConfigurationItem;Server,new-2\n",
        ),
        (
            "relationships/Server-HOSTED_IN-DataCenter/header.csv",
            ":START_ID(Server),:END_ID(DataCenter),source\n",
        ),
        (
            "relationships/Server-HOSTED_IN-DataCenter/part-00000.csv",
            "srv-900000001,dc-000000000,servicenow\nsrv-900000002,dc-000000001,servicenow\n",
        ),
    ];
    let mut entries = Vec::new();
    for (p, body) in files {
        fs::write(dir.join(p), body).unwrap();
        entries.push(serde_json::json!({"path": p, "rows": body.lines().count(), "bytes": body.len(), "xxh3": "0"}));
    }
    let m = serde_json::json!({
        "tool": "cmdbgen",
        "fingerprint": "test",
        "run": {"profile": {"name": "acme-day-1"}, "format": {"format": "csv"}},
        "changes": {"creates": 4, "updates": 0, "deletes": 0},
        "totals": {"nodes": 2, "relationships": 2, "files": 4, "bytes": 0},
        "tables": [
            {"name": "Server", "kind": "node", "label_or_type": "Server", "rows": 2,
             "header": entries[0], "shards": [entries[1]]},
            {"name": "Server-HOSTED_IN-DataCenter", "kind": "relationship", "label_or_type": "HOSTED_IN",
             "rows": 2, "header": entries[2], "shards": [entries[3]]}
        ],
        "import": {"args": [], "command": ""}
    });
    // Sizes in the manifest are checked: use the real ones.
    fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(&m).unwrap(),
    )
    .unwrap();
    fs::write(
        dir.join("import.args"),
        "--nodes=nodes/Server/header.csv,nodes/Server/part-[0-9]+[.]csv\n\
         --relationships=HOSTED_IN=relationships/Server-HOSTED_IN-DataCenter/header.csv,relationships/Server-HOSTED_IN-DataCenter/part-[0-9]+[.]csv\n\
         --id-type=string\n--bad-tolerance=0\n--report-file=import.report\n",
    )
    .unwrap();
}

#[test]
fn increments_use_incremental_import_on_enterprise_and_apply_otherwise() {
    let sb = Sandbox::new();
    let base = sb.bundle("acme", "tiny");
    sb.start_server();
    let ent = [("FAKE_NEO4J_EDITION", "enterprise")];
    // Without schema.cypher, whose constraints would satisfy the check below.
    assert_ok(&sb.import(&["--database", "acme", "--no-schema", s(&base)], &ent));
    let day1 = sb.out.join("acme-day-1");
    additions(&day1);

    // Incremental import needs a uniqueness constraint per {label:...} id.
    let o = sb.import(&["--incremental", "--database", "acme", s(&day1)], &ent);
    assert_fails(&o, 2, "pass --create-constraints");
    assert!(String::from_utf8_lossy(&o.stderr).contains(
        "CREATE CONSTRAINT server_id_unique IF NOT EXISTS FOR (n:`Server`) REQUIRE n.`id` IS UNIQUE;"
    ));
    // Online database: stopping it is the caller's decision.
    let o = sb.import(
        &[
            "--incremental",
            "--create-constraints",
            "--database",
            "acme",
            s(&day1),
        ],
        &ent,
    );
    assert_fails(&o, 2, "pass --stop-start");
    assert_eq!(sb.imports().len(), 1);
    assert!(sb
        .queries()
        .iter()
        .any(|(db, q)| db == "acme" && q.starts_with("CREATE CONSTRAINT server_id_unique")));

    let before = sb.queries().len();
    let o = sb.import(
        &[
            "--incremental",
            "--stop-start",
            "--database",
            "acme",
            s(&day1),
        ],
        &ent,
    );
    assert_ok(&o);
    assert_eq!(
        sb.imports()[1],
        vec![
            "database",
            "import",
            "incremental",
            "acme",
            "--force",
            "@import.args",
            "--max-off-heap-memory=3g"
        ]
    );
    let q: Vec<String> = sb.queries()[before..]
        .iter()
        .map(|(_, q)| q.clone())
        .collect();
    let counts: Vec<usize> = (0..q.len())
        .filter(|&i| q[i].starts_with("CALL {"))
        .collect();
    let stop = q
        .iter()
        .position(|q| q.starts_with("STOP DATABASE `acme`"))
        .unwrap();
    let start = q
        .iter()
        .position(|q| q.starts_with("START DATABASE `acme`"))
        .unwrap();
    assert_eq!(counts.len(), 2, "counted before and after");
    assert!(counts[0] < stop && stop < start && start < counts[1]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("grew by exactly the change set"));

    // Fallback to the real `cmdbgen apply`: no server listens here, so it
    // fails, and import.sh says how to resume.
    let o = sb.import(&["--incremental", "--database", "acme", s(&day1)], &[]);
    assert_fails(
        &o,
        1,
        "cmdbgen apply failed (it resumes from its checkpoint",
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("incremental import is Enterprise-only"));

    // With an apply command (a stand-in that records its arguments).
    let fake = sb.root.join("cmdbgen-with-apply");
    let record = sb.root.join("apply.args");
    fs::write(
        &fake,
        format!(
            "#!/bin/sh\nif [ \"$1\" = apply ] && [ \"$2\" = --help ]; then exit 0; fi\nprintf '%s\\n' \"$@\" > {}\n",
            record.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let hist = sb.root.join("history.jsonl");
    let o = sb.import(
        &[
            "--incremental",
            "--database",
            "acme",
            "--history",
            s(&hist),
            s(&day1),
        ],
        &[("CMDBGEN", s(&fake))],
    );
    assert_ok(&o);
    assert_eq!(
        fs::read_to_string(&record)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        vec![
            "apply",
            s(&day1),
            "--uri",
            "neo4j://localhost:7687",
            "--user",
            "neo4j",
            "--password-env",
            "NEO4J_PASSWORD",
            "--database",
            "acme"
        ]
    );
    assert_eq!(sb.history().last().unwrap()["phase"], "apply");

    // Updates, moves or deletes: apply even on Enterprise.
    let goes_to_apply = |m: &Value| {
        fs::write(day1.join("manifest.json"), serde_json::to_vec(m).unwrap()).unwrap();
        fs::remove_file(&record).unwrap();
        let o = sb.import(
            &["--incremental", "--database", "acme", s(&day1)],
            &[("CMDBGEN", s(&fake)), ("FAKE_NEO4J_EDITION", "enterprise")],
        );
        assert_ok(&o);
        assert!(String::from_utf8_lossy(&o.stderr).contains("updates, moves or deletes"));
        assert!(record.exists());
    };
    let mut m = manifest(&day1);
    m["changes"]["updates"] = 3.into();
    goes_to_apply(&m);
    // A table of moved relationships (a CI handed to another group): the
    // incremental import cannot delete the old relationship.
    m["changes"]["updates"] = 0.into();
    m["tables"] = serde_json::json!([{"op": "moves", "rows": 2}]);
    goes_to_apply(&m);

    // A real `cmdbgen changes` day has updates and deletions: even on
    // Enterprise it must go to apply, never to incremental import (which
    // would silently drop them).
    let real_day = sb.root.join("real-day-1");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cmdbgen"))
        .args([
            "changes",
            "--profile",
            "small",
            "--day",
            "1",
            "--out",
            s(&real_day),
        ])
        .output()
        .unwrap();
    assert_ok(&o);
    assert_eq!(manifest(&real_day)["additions_only"], false);
    fs::remove_file(&record).unwrap();
    let imports = sb.imports().len();
    let o = sb.import(
        &["--incremental", "--database", "acme", s(&real_day)],
        &[("CMDBGEN", s(&fake)), ("FAKE_NEO4J_EDITION", "enterprise")],
    );
    assert_ok(&o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("updates, moves or deletes"));
    assert!(record.exists(), "apply was not called");
    assert_eq!(
        sb.imports().len(),
        imports,
        "neo4j-admin must not import it"
    );

    // A plain bundle has no {label:...} on its ids: apply as well.
    let o = sb.import(
        &["--incremental", "--database", "acme", s(&base)],
        &[("CMDBGEN", s(&fake)), ("FAKE_NEO4J_EDITION", "enterprise")],
    );
    assert_ok(&o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("have no {label:...} on their :ID column"));
    assert_eq!(sb.imports().len(), 2, "no more neo4j-admin imports");
}

#[test]
fn docker_modes_run_neo4j_admin_in_the_container() {
    let sb = Sandbox::new();
    let b = sb.bundle("acme", "tiny");
    let make = |args: &[&str]| {
        let mut c = sb.cmd("make");
        c.arg("--no-print-directory")
            .arg(format!("OUT_DIR={}", sb.out.display()))
            .arg(format!("NEO4J_DATA_DIR={}", sb.root.join("data").display()))
            .arg(format!("NEO4J_LOGS_DIR={}", sb.root.join("logs").display()))
            .arg(format!("CMDBGEN={}", env!("CARGO_BIN_EXE_cmdbgen")))
            .args(args);
        c.output().expect("running make (install GNU make)")
    };
    let o = make(&["neo4j-up", "EDITION=enterprise"]);
    assert_ok(&o);
    let up = sb.calls("docker").pop().unwrap();
    assert_eq!(argv(&up), vec!["compose", "up", "-d", "--wait"]);
    let env = &up["compose_env"];
    assert_eq!(env["NEO4J_IMPORT_DIR"], s(&sb.out));
    assert_eq!(env["NEO4J_IMAGE_EDITION"], "-enterprise");
    assert_eq!(env["NEO4J_VERSION"], "5.26");
    let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
    assert_eq!(env["NEO4J_UID"], uid.trim());
    assert!(sb.root.join("data").is_dir());

    // Container running, no local neo4j-admin: exec into it.
    let mut c = sb.cmd("scripts/import.sh");
    c.args(["--database", "acme", s(&b)])
        .env("NEO4J_IMPORT_DIR", &sb.out)
        .env("FAKE_NEO4J_EDITION", "enterprise");
    let o = c.output().unwrap();
    assert_ok(&o);
    let docker: Vec<Vec<String>> = sb.calls("docker").iter().map(argv).collect();
    assert!(
        docker.contains(
            &[
                "exec",
                "-i",
                "-w",
                "/import/acme",
                "-e",
                "HEAP_SIZE=2g",
                "cmdbgen-neo4j",
                "neo4j-admin",
                "database",
                "import",
                "full",
                "acme",
                "@import.args",
                "--max-off-heap-memory=3g"
            ]
            .map(String::from)
            .to_vec()
        ),
        "{docker:#?}"
    );
    assert_eq!(sb.calls("neo4j-admin").last().unwrap()["cwd"], s(&b));
    let cypher_via_exec = [
        "exec",
        "-i",
        "-e",
        "NEO4J_USERNAME",
        "-e",
        "NEO4J_PASSWORD",
        "cmdbgen-neo4j",
        "cypher-shell",
    ]
    .map(String::from);
    assert!(
        docker.iter().any(|a| a.starts_with(&cypher_via_exec)),
        "{docker:#?}"
    );

    // A bundle outside the mounted folder cannot be seen in the container.
    let elsewhere = sb.root.join("elsewhere");
    generate(&elsewhere, "tiny", &[]);
    let mut c = sb.cmd("scripts/import.sh");
    c.args(["--database", "other", s(&elsewhere)])
        .env("NEO4J_IMPORT_DIR", &sb.out);
    assert_fails(&c.output().unwrap(), 2, "is not under NEO4J_IMPORT_DIR");

    // Down: a one-off container (compose run) for the offline import.
    assert_ok(&make(&["neo4j-down"]));
    let mut c = sb.cmd("scripts/import.sh");
    c.args(["--overwrite-destination", s(&b)])
        .env("NEO4J_IMPORT_DIR", &sb.out);
    let o = c.output().unwrap();
    assert_ok(&o);
    let last_run = sb
        .calls("docker")
        .iter()
        .map(argv)
        .rfind(|a| a.contains(&"full".to_string()))
        .unwrap();
    assert_eq!(
        last_run,
        [
            "compose",
            "-f",
            s(&util::repo().join("docker-compose.yml")),
            "run",
            "--rm",
            "--no-deps",
            "-T",
            "-w",
            "/import/acme",
            "-e",
            "HEAP_SIZE=2g",
            "neo4j",
            "neo4j-admin",
            "database",
            "import",
            "full",
            "neo4j",
            "@import.args",
            "--overwrite-destination",
            "--max-off-heap-memory=3g"
        ]
        .map(String::from)
        .to_vec()
    );
}

/// A customer profile small enough for tests.
const TESTCO: &str = r#"
name = "testco"
seed = 3
[nodes]
Region = 2
DataCenter = 3
Server = 200
NetworkDevice = { ratio = 0.1, of = "Server" }
Database = { ratio = 0.2, of = "Server" }
Application = { ratio = 0.5, of = "Server" }
BusinessService = 12
Event = { ratio = 2.0, of = "Server" }
[[sources]]
name = "servicenow"
"#;

#[test]
fn make_import_runs_the_whole_pipeline() {
    let sb = Sandbox::new();
    let profiles = sb.root.join("profiles");
    fs::create_dir_all(&profiles).unwrap();
    fs::write(profiles.join("testco.toml"), TESTCO).unwrap();
    sb.start_server();
    let hist = sb.out.join("history.jsonl");
    let make = |args: &[&str], cmdbgen: &str| {
        let mut c = sb.cmd("make");
        c.arg("--no-print-directory")
            .arg(format!("OUT_DIR={}", sb.out.display()))
            .arg(format!("PROFILE_DIR={}", profiles.display()))
            .arg(format!("NEO4J_HOME={}", sb.home.display()))
            .arg(format!("CMDBGEN={cmdbgen}"))
            .args(args)
            .env("FAKE_NEO4J_EDITION", "enterprise");
        c.output().expect("running make (install GNU make)")
    };
    let bin = env!("CARGO_BIN_EXE_cmdbgen");

    // `make estimate` writes the customer's estimate; `make import` uses its
    // memory advice for neo4j-admin.
    let o = make(&["estimate", "CUSTOMER=testco"], bin);
    assert_ok(&o);
    let est_file = sb.out.join("testco.estimate.json");
    let est: Value = serde_json::from_slice(&fs::read(&est_file).unwrap()).unwrap();
    let size = |bytes: u64| {
        let mib = (bytes >> 20).max(1);
        if mib % 1024 == 0 {
            format!("{}g", mib / 1024)
        } else {
            format!("{mib}m")
        }
    };
    let heap = size(est["memory"]["import"]["heap_bytes"].as_u64().unwrap());
    assert!(
        est["memory"]["import"]["max_off_heap_bytes"]
            .as_u64()
            .unwrap()
            > 0
    );
    // The sandbox sets MAX_OFF_HEAP_MEMORY=3g, which wins over the estimate.
    let off_heap = "3g";
    let o = make(&["clean"], bin);
    assert_fails(&o, 2, "CUSTOMER is not set");

    let o = make(
        &["import", "CUSTOMER=testco", "DATABASE=testco", "THREADS=2"],
        bin,
    );
    assert_ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("estimate written to"), "{err}");
    assert!(err.contains("pipeline: validated"), "{err}");
    assert!(err.contains(&format!("HEAP_SIZE={heap}")), "{err}");
    let bundle = sb.out.join("testco");
    let m = manifest(&bundle);
    assert_eq!(m["run"]["profile"]["name"], "testco");
    assert_eq!(m["run"]["profile"]["nodes"]["Server"], 200);
    assert_eq!(
        sb.imports(),
        vec![vec![
            "database".to_string(),
            "import".to_string(),
            "full".to_string(),
            "testco".to_string(),
            "@import.args".to_string(),
            format!("--max-off-heap-memory={off_heap}")
        ]]
    );
    assert!(sb
        .queries()
        .iter()
        .any(|(db, q)| db == "system" && q.starts_with("CREATE DATABASE `testco`")));
    let h: Vec<Value> = fs::read_to_string(&hist)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let phases: Vec<&str> = h.iter().map(|r| r["phase"].as_str().unwrap()).collect();
    assert_eq!(phases, vec!["generate", "import"]);
    assert!(h
        .iter()
        .all(|r| r["customer"] == "testco" && r["ok"] == true));
    assert_eq!(h[0]["threads"], 2);
    let o = make(&["report"], bin);
    assert_ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("testco"));

    // A second customer, from a built-in profile, gzip; then clean removes
    // only the first customer's output.
    let o = make(
        &[
            "import",
            "CUSTOMER=tiny",
            "DATABASE=tinydb",
            "FORMAT=csv-gz",
        ],
        bin,
    );
    assert_ok(&o);
    assert!(sb.out.join("tiny/nodes/Server/part-00000.csv.gz").exists());
    assert_ok(&make(&["clean", "CUSTOMER=testco"], bin));
    assert!(!bundle.exists());
    assert!(sb.out.join("tiny/manifest.json").exists());
    assert!(hist.exists());
    // clean refuses a folder holding someone else's files.
    fs::write(sb.out.join("tiny/notes.txt"), "mine").unwrap();
    assert_fails(
        &make(&["clean", "CUSTOMER=tiny"], bin),
        2,
        "which cmdbgen did not write",
    );
    assert!(sb.out.join("tiny/notes.txt").exists());

    // FORMAT=parquet over the customer's CSV bundle is refused, not mixed.
    let o = make(&["generate", "CUSTOMER=tiny", "FORMAT=parquet"], bin);
    assert_fails(&o, 2, "refusing to mix runs");

    // With an estimate command, its memory advice reaches neo4j-admin.
    let wrapper = sb.root.join("cmdbgen-with-estimate");
    fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nif [ \"$1\" = estimate ]; then\n  case \" $* \" in *' --json '*) echo '{{\"rows\": 1, \"import\": {{\"heap\": \"3g\", \"max_off_heap_memory\": 5368709120}}}}' ;; *) echo 'estimate: fine' ;; esac\n  exit 0\nfi\nif [ \"$1\" = validate ] && [ \"$2\" != --help ] && [ -n \"$FAKE_VALIDATE_FAIL\" ]; then echo \"error: $FAKE_VALIDATE_FAIL\" >&2; exit 1; fi\nexec {bin} \"$@\"\n"
        ),
    )
    .unwrap();
    fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut c = sb.cmd("make");
    c.arg("--no-print-directory")
        .arg(format!("OUT_DIR={}", sb.out.display()))
        .arg(format!("PROFILE_DIR={}", profiles.display()))
        .arg(format!("NEO4J_HOME={}", sb.home.display()))
        .arg(format!("CMDBGEN={}", wrapper.display()))
        .args(["import", "CUSTOMER=testco", "DATABASE=testco2"])
        .env("FAKE_NEO4J_EDITION", "enterprise")
        .env_remove("MAX_OFF_HEAP_MEMORY");
    let o = c.output().unwrap();
    assert_ok(&o);
    assert!(sb.out.join("testco.estimate.json").exists());
    let last = sb
        .calls("neo4j-admin")
        .into_iter()
        .rfind(|c| argv(c).contains(&"testco2".to_string()))
        .unwrap();
    assert_eq!(
        argv(&last),
        vec![
            "database",
            "import",
            "full",
            "testco2",
            "@import.args",
            "--max-off-heap-memory=5g"
        ]
    );
    assert_eq!(last["env"]["HEAP_SIZE"], "3g");

    // A bundle that fails validation is not imported.
    let imports = sb.imports().len();
    let mut c = sb.cmd("make");
    c.arg("--no-print-directory")
        .arg(format!("OUT_DIR={}", sb.out.display()))
        .arg(format!("PROFILE_DIR={}", profiles.display()))
        .arg(format!("NEO4J_HOME={}", sb.home.display()))
        .arg(format!("CMDBGEN={}", wrapper.display()))
        .args(["import", "CUSTOMER=testco", "DATABASE=testco3"])
        .env("FAKE_NEO4J_EDITION", "enterprise")
        .env("FAKE_VALIDATE_FAIL", "nodes/Server/header.csv: bad type");
    let o = c.output().unwrap();
    assert_fails(&o, 2, "failed validation; not importing it");
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad type"));
    assert_eq!(sb.imports().len(), imports);
    // `make validate` runs the real validate on the customer's bundle.
    let o = make(&["validate", "CUSTOMER=testco"], bin);
    assert_ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("validated")
            || String::from_utf8_lossy(&o.stdout).contains("validated"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn make_keeps_the_plain_targets_and_calls_bench() {
    let sb = Sandbox::new();
    let out = sb.root.join("plain");
    let mut c = sb.cmd("make");
    c.args(["--no-print-directory", "generate"])
        .arg(format!("OUT={}", out.display()))
        .arg("PROFILE=tiny")
        .arg(format!("CMDBGEN={}", env!("CARGO_BIN_EXE_cmdbgen")));
    let o = c.output().expect("running make");
    assert_ok(&o);
    assert_eq!(manifest(&out)["run"]["profile"]["name"], "tiny");
    let o = sb
        .cmd("make")
        .args(["-n", "bench", "test", "check"])
        .output()
        .unwrap();
    assert_ok(&o);
    let plan = String::from_utf8_lossy(&o.stdout);
    assert!(plan.contains("scripts/bench.sh"), "{plan}");
    assert!(plan.contains("scripts/test.sh"), "{plan}");
    assert!(plan.contains("clippy --all-targets"), "{plan}");
}

#[test]
fn customer_profiles_and_compose_file_are_well_formed() {
    for (name, servers) in [("acme", "48000"), ("globex", "16000")] {
        let p = util::repo().join(format!("fixtures/profiles/{name}.toml"));
        let plan = util::ok(&["generate", "--profile", s(&p), "--dry-run"]);
        let row: Vec<&str> = plan
            .lines()
            .find(|l| l.starts_with("nodes/Server "))
            .unwrap()
            .split_whitespace()
            .collect();
        assert_eq!(row[1], servers, "{plan}");
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.contains("ratio ="), "{name} uses ratios");
        assert!(text.contains("[fanout."), "{name} has custom fan-outs");
        assert!(text.contains("[[sources]]"), "{name} names its sources");
    }
    let compose = fs::read_to_string(util::repo().join("docker-compose.yml")).unwrap();
    for needle in [
        "image: neo4j:${NEO4J_VERSION:-5.26}${NEO4J_IMAGE_EDITION:-}",
        "container_name: ${NEO4J_CONTAINER:-cmdbgen-neo4j}",
        "${NEO4J_IMPORT_DIR:-./out}:/import",
        "NEO4J_ACCEPT_LICENSE_AGREEMENT:",
        "healthcheck:",
    ] {
        assert!(
            compose.contains(needle),
            "docker-compose.yml lacks {needle}"
        );
    }
    // Settings follow the image's convention: NEO4J_ + setting with '.' -> '_'
    // and '_' -> '__'; these are Neo4j 5 setting names.
    for setting in [
        "server.memory.heap.initial_size",
        "server.memory.heap.max_size",
        "server.memory.pagecache.size",
        "dbms.memory.transaction.total.max",
        "initial.dbms.default_database",
    ] {
        let env = format!("NEO4J_{}", setting.replace('_', "__").replace('.', "_"));
        assert!(
            compose.contains(&format!("{env}: ")),
            "docker-compose.yml lacks {env}"
        );
    }
}

/// After a full import the bundle's schema.cypher is applied, the indexes
/// are awaited and reported; without a server the script says how to do it
/// later.
#[test]
fn full_import_applies_schema_cypher_and_waits_for_the_indexes() {
    let sb = Sandbox::new();
    let b = sb.bundle("acme", "tiny");
    let schema = fs::read_to_string(b.join("schema.cypher")).unwrap();
    let statements = schema.lines().count();
    assert!(statements > 9, "{schema}");
    sb.start_server();
    let ent = [("FAKE_NEO4J_EDITION", "enterprise")];
    let o = sb.import(&["--database", "acme", s(&b)], &ent);
    assert_ok(&o);
    let q = sb.queries();
    let count = q
        .iter()
        .position(|(_, q)| q.starts_with("CALL { MATCH (n)"))
        .unwrap();
    let applied = q
        .iter()
        .position(|(db, q)| db == "acme" && *q == schema)
        .expect("schema.cypher was sent to acme as written");
    let wait = q
        .iter()
        .position(|(db, q)| db == "acme" && q == "CALL db.awaitIndexes(300);")
        .expect("the indexes were awaited");
    assert!(count < applied && applied < wait);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!("({statements} statements of schema.cypher)")),
        "{stderr}"
    );
    // Two token lookup indexes besides the schema's.
    assert!(
        stderr.contains(&format!(
            "schema: {} indexes online: application_app_type, ",
            statements + 2
        )),
        "{stderr}"
    );

    // An index that does not come online fails the run, with the way out.
    let o = sb.import(
        &["--schema-only", "--database", "acme", s(&b)],
        &[
            ("FAKE_NEO4J_EDITION", "enterprise"),
            ("FAKE_INDEX_STUCK", "event_severity"),
        ],
    );
    assert_fails(
        &o,
        1,
        "did not come online within 300s (INDEX_WAIT_SECONDS)",
    );
    assert_eq!(sb.imports().len(), 1, "--schema-only imports nothing");

    // A schema.cypher that is not cmdbgen's is refused before anything runs.
    let n = sb.imports().len();
    fs::write(b.join("schema.cypher"), "MATCH (n) DETACH DELETE n;\n").unwrap();
    let o = sb.import(&["--schema-only", "--database", "acme", s(&b)], &ent);
    assert_fails(&o, 1, "does not match its manifest");
    assert!(String::from_utf8_lossy(&o.stderr).contains("schema.cypher: 27 bytes, manifest says"));
    assert!(!sb
        .queries()
        .iter()
        .any(|(_, q)| q.contains("DETACH DELETE")));
    assert_eq!(sb.imports().len(), n);
    fs::write(b.join("schema.cypher"), &schema).unwrap();

    // --no-schema skips it; with no server the command for later is printed.
    let before = sb.queries().len();
    let o = sb.import(
        &[
            "--database",
            "acme",
            "--overwrite-destination",
            "--no-schema",
            s(&b),
        ],
        &ent,
    );
    assert_ok(&o);
    assert!(!sb.queries()[before..]
        .iter()
        .any(|(_, q)| q.contains("CREATE CONSTRAINT")));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not applied (--no-schema)"));
    let b2 = sb.bundle("other", "tiny");
    let o = sb.import(&[s(&b2)], &[("FAKE_CYPHER_DOWN", "1")]);
    assert_ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&format!(
            "schema.cypher not applied: Neo4j is not running. Once it runs: scripts/import.sh --schema-only --database neo4j {}",
            s(&b2)
        )),
        "{}",
        text(&o)
    );
}

/// The bundle's import.sh run by hand (NEO4J_HOME holding the fakes).
fn bundle_script(sb: &Sandbox, b: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = sb.cmd(s(&b.join("import.sh")));
    c.env("NEO4J_HOME", &sb.home)
        .env("FAKE_NEO4J_VERSION", "5.26.30");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// A neo4j-admin that cannot read the bundle is refused before anything
/// runs, by scripts/import.sh and by the bundle's own import.sh, from what
/// the manifest records.
#[test]
fn a_neo4j_too_old_for_the_bundle_is_refused_first() {
    let sb = Sandbox::new();
    let pq = sb.out.join("pq");
    generate(&pq, "tiny", &["--format", "parquet"]);
    let m = manifest(&pq);
    assert_eq!(m["neo4j"]["min_version"], "5.26.0");
    assert_eq!(m["neo4j"]["edition"], "community");
    assert_eq!(
        manifest(&sb.bundle("csv", "tiny"))["neo4j"]["min_version"],
        "5.0.0"
    );

    let need = "this bundle needs Neo4j 5.26.0 or later for Parquet input (--input-type=parquet); neo4j-admin here is 5.3.0. Use a CSV bundle (cmdbgen generate --format csv)";
    let o = sb.import(&[s(&pq)], &[("FAKE_NEO4J_VERSION", "5.3.0")]);
    assert_fails(&o, 2, need);
    let o = bundle_script(&sb, &pq, &[("FAKE_NEO4J_VERSION", "5.3.0")]);
    assert_fails(&o, 2, need);
    assert!(sb.imports().is_empty(), "nothing ran");

    // Releases with the Parquet label bug, unless accepted.
    for v in ["5.26.1", "2025.02.0"] {
        let o = sb.import(&[s(&pq)], &[("FAKE_NEO4J_VERSION", v)]);
        assert_fails(&o, 2, "its Parquet import corrupts :LABEL values");
        assert_fails(&o, 2, "or set ALLOW_PARQUET_LABEL_BUG=1");
        let o = bundle_script(&sb, &pq, &[("FAKE_NEO4J_VERSION", v)]);
        assert_fails(
            &o,
            2,
            &format!("Neo4j {v} cannot be trusted with Parquet input"),
        );
    }
    // The calendar releases from 2025.04 refuse list columns (no fixed
    // release known): refused, and ALLOW_PARQUET_LABEL_BUG does not help.
    for v in ["2025.04.0", "2025.12.1"] {
        let env = [("FAKE_NEO4J_VERSION", v), ("ALLOW_PARQUET_LABEL_BUG", "1")];
        let o = sb.import(&[s(&pq)], &env);
        assert_fails(&o, 2, "its Parquet reader refuses list columns");
        assert_fails(&o, 2, "no fixed release known");
        let o = bundle_script(&sb, &pq, &env);
        assert_fails(&o, 2, "its Parquet reader refuses list columns");
    }
    assert!(sb.imports().is_empty());
    // Accepted, or a fixed release: past the check (the fake then reads
    // CSV only, which proves neo4j-admin was reached).
    for (v, allow) in [("5.26.1", "1"), ("5.26.26", "0"), ("5.26.30", "0")] {
        let env = [
            ("FAKE_NEO4J_VERSION", v),
            ("ALLOW_PARQUET_LABEL_BUG", allow),
        ];
        let o = sb.import(&[s(&pq)], &env);
        assert_fails(&o, 1, "neo4j-admin rejected its command line");
        let o = bundle_script(&sb, &pq, &env);
        assert_fails(&o, 64, "fake neo4j-admin reads CSV only");
    }

    // A CSV bundle on neo4j-admin 4: the 5.x command line is needed.
    let csv = sb.out.join("csv");
    let o = bundle_script(&sb, &csv, &[("FAKE_NEO4J_VERSION", "4.4.30")]);
    assert_fails(
        &o,
        2,
        "this bundle needs Neo4j 5.0.0 or later for the neo4j-admin 5 command line (database import full); neo4j-admin here is 4.4.30",
    );
    let o = bundle_script(&sb, &csv, &[]);
    assert_ok(&o);
    assert_eq!(
        sb.imports().last().unwrap(),
        &["database", "import", "full", "neo4j", "@import.args"]
    );
}

#[test]
fn make_help_lists_every_target_with_a_line() {
    let o = std::process::Command::new("make")
        .arg("--no-print-directory")
        .arg("help")
        .current_dir(util::repo())
        .output()
        .expect("running make help");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let help = String::from_utf8_lossy(&o.stdout).into_owned();
    let makefile = std::fs::read_to_string(util::repo().join("Makefile")).unwrap();
    let targets: Vec<&str> = makefile
        .lines()
        .filter_map(|l| l.split_once(':').map(|(t, _)| t))
        .filter(|t| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
        .filter(|t| *t != "all")
        .collect();
    assert!(targets.len() > 10, "{targets:?}");
    for t in targets {
        let line = help
            .lines()
            .find(|l| l.split_whitespace().next() == Some(t))
            .unwrap_or_else(|| panic!("make help does not list {t}:\n{help}"));
        assert!(
            line.split_whitespace().count() > 2,
            "{t} has no description: {line}"
        );
    }
}

/// scripts/import.sh with no NEO4J_HOME: only the fake docker on PATH.
fn import_via_docker(sb: &Sandbox, bundle: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = sb.cmd("scripts/import.sh");
    c.arg(s(bundle)).env("NEO4J_IMPORT_DIR", &sb.out);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn a_docker_client_without_daemon_or_compose_is_no_way_to_run_neo4j_admin() {
    let sb = Sandbox::new();
    let b = sb.bundle("acme", "tiny");
    let not_found =
        "import.sh: error: neo4j-admin not found (no NEO4J_HOME, not on PATH, no running Docker)\n";
    for (env, why) in [
        ("FAKE_DOCKER_NO_DAEMON", "its daemon does not answer"),
        ("FAKE_DOCKER_NO_COMPOSE", "has no compose"),
    ] {
        let o = import_via_docker(&sb, &b, &[(env, "1")]);
        assert_fails(&o, 2, not_found);
        assert!(
            String::from_utf8_lossy(&o.stderr).ends_with(not_found),
            "{}",
            text(&o)
        );
        assert_fails(&o, 2, why);
        assert!(sb.imports().is_empty());
    }
    // No docker command at all.
    let o = import_via_docker(&sb, &b, &[("DOCKER", "no-such-docker")]);
    assert_fails(&o, 2, not_found);
    assert_fails(&o, 2, "no no-such-docker command");
    // Asked for explicitly, a one-off container says what is missing.
    let o = import_via_docker(
        &sb,
        &b,
        &[("FAKE_DOCKER_NO_DAEMON", "1"), ("NEO4J_MODE", "run")],
    );
    assert_fails(&o, 2, "--mode run needs a running Docker with compose");
    // With both, the same call imports.
    assert_ok(&import_via_docker(&sb, &b, &[]));
}

#[test]
fn make_neo4j_up_says_when_there_is_no_running_docker() {
    let sb = Sandbox::new();
    for (env, why) in [
        ("FAKE_DOCKER_NO_DAEMON", "the Docker daemon does not answer"),
        ("FAKE_DOCKER_NO_COMPOSE", "no Docker compose"),
    ] {
        let mut c = sb.cmd("make");
        c.args(["--no-print-directory", "neo4j-up"])
            .arg(format!("OUT_DIR={}", sb.out.display()))
            .arg(format!("NEO4J_DATA_DIR={}", sb.root.join("data").display()))
            .env(env, "1");
        let o = c.output().expect("running make");
        assert!(!o.status.success(), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        let line = err
            .lines()
            .find(|l| l.starts_with("make neo4j-up: "))
            .unwrap_or_else(|| panic!("no message:\n{err}"));
        assert!(line.contains(why), "{line}");
        assert!(line.contains("scripts/install-neo4j.sh"), "{line}");
        assert!(line.contains("NEO4J_HOME"), "{line}");
        assert!(!sb.root.join("data").exists(), "nothing is created");
        assert!(!sb
            .calls("docker")
            .iter()
            .any(|c| argv(c).contains(&"up".to_string())));
    }
}

#[test]
fn an_existing_database_is_named_and_a_refusal_is_not_called_unusable() {
    let sb = Sandbox::new();
    let b = sb.bundle("acme", "tiny");
    assert_ok(&sb.import(&[s(&b)], &[]));
    let store = sb.home.join("data/databases/neo4j");
    assert!(store.join("neostore").is_file());

    // The store is on disk: refused up front, nothing run.
    let o = sb.import(&[s(&b)], &[]);
    assert_fails(&o, 2, "database neo4j already exists");
    assert_fails(
        &o,
        2,
        "pass --overwrite-destination to replace it (its data is lost)",
    );
    assert_eq!(sb.imports().len(), 1);

    // neo4j-admin itself refuses (it knows the database, whose folder is
    // gone): named, and the store is not called unusable.
    fs::rename(&store, sb.root.join("moved-store")).unwrap();
    let o = sb.import(&[s(&b)], &[]);
    assert_fails(&o, 1, "database neo4j already exists");
    assert_fails(&o, 1, "nothing was written");
    assert_fails(&o, 1, "--overwrite-destination (its data is lost)");
    assert!(!text(&o).contains("likely unusable"), "{}", text(&o));

    assert!(!store.exists(), "nothing was written");
    fs::rename(sb.root.join("moved-store"), &store).unwrap();

    // Refused before writing (bad arguments): the store is as it was.
    let before = fs::read(store.join("neostore")).unwrap();
    let o = sb.import(
        &[
            "--overwrite-destination",
            s(&b),
            "--",
            "--input-type=parquet",
        ],
        &[],
    );
    assert_fails(&o, 1, "before writing anything");
    let t = text(&o);
    assert!(!t.contains("likely unusable"), "{t}");
    assert!(!t.contains("re-run with --overwrite-destination"), "{t}");
    assert_eq!(fs::read(store.join("neostore")).unwrap(), before);

    // Failed after it began writing: now the store is likely unusable.
    let o = sb.import(
        &["--overwrite-destination", s(&b)],
        &[("FAKE_ADMIN_EXIT", "70")],
    );
    assert_fails(&o, 1, "after it began writing the store of neo4j");
    assert_fails(
        &o,
        1,
        "likely unusable: fix the cause and re-run with --overwrite-destination",
    );
}
