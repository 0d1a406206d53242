//! `cmdbgen changes`: files, manifest, determinism, formats and refusals.
//! (Applying change sets to a server is in online.rs.)

use crate::util::neo4j_server::csv_fields;
use crate::util::{files, ok, run};
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

fn changes(out: &Path, args: &[&str]) -> String {
    let mut all = vec!["changes", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    ok(&all)
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_day_is_deterministic_and_days_differ() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    changes(&a, &["--profile", "small", "--day", "3"]);
    changes(
        &b,
        &["--profile", "small", "--day", "3", "--shard-rows", "2"],
    );
    changes(&c, &["--profile", "small", "--day", "4"]);
    let data = |d: &Path, table: &str| -> String {
        crate::util::shard_files(&d.join(table))
            .iter()
            .map(|p| fs::read_to_string(p).unwrap())
            .collect()
    };
    for table in [
        "nodes/Server",
        "relationships/Event-AFFECTS-Server",
        "updates/Application",
        "deletes/Server",
    ] {
        assert_eq!(
            data(&a, table),
            data(&b, table),
            "{table}: shard size changed the rows"
        );
        assert_ne!(
            data(&a, table),
            data(&c, table),
            "{table}: days 3 and 4 are equal"
        );
    }
    // Sharding really happened, and the manifest matches the files.
    assert!(a.join("nodes/Event/part-00000.csv").exists());
    assert!(b.join("nodes/Event/part-00001.csv").exists());
    let m = manifest(&b);
    assert_eq!(m["kind"], "changes");
    assert_eq!(m["changes"]["day"], 3);
    for t in m["tables"].as_array().unwrap() {
        let mut rows = 0;
        for s in t["shards"].as_array().unwrap() {
            let text = fs::read_to_string(b.join(s["path"].as_str().unwrap())).unwrap();
            assert_eq!(text.lines().count() as u64, s["rows"].as_u64().unwrap());
            assert_eq!(text.len() as u64, s["bytes"].as_u64().unwrap());
            let hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()));
            assert_eq!(hash, s["xxh3"].as_str().unwrap());
            rows += s["rows"].as_u64().unwrap();
        }
        assert_eq!(rows, t["rows"].as_u64().unwrap());
    }
}

#[test]
fn new_ids_continue_after_the_base_and_never_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = HashSet::new();
    for day in ["1", "2", "3"] {
        let d = dir.path().join(day);
        changes(&d, &["--profile", "tiny", "--day", day]);
        let text = fs::read_to_string(d.join("nodes/Server/part-00000.csv")).unwrap();
        for line in text.lines() {
            let id = line.split(',').next().unwrap().to_string();
            // tiny has 22 servers: srv-000000000 .. srv-000000021.
            assert!(id.as_str() >= "srv-000000022", "{id}");
            assert!(seen.insert(id.clone()), "{id} on two days");
        }
        let upd = fs::read_to_string(d.join("updates/Server/header.csv")).unwrap();
        assert_eq!(
            upd,
            "id:ID(Server),status,install_status,operational_status,status_since:datetime,criticality,owner_team\n"
        );
    }
}

#[test]
fn json_lines_and_incremental_files() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("j");
    let out = changes(
        &j,
        &[
            "--profile",
            "tiny",
            "--day",
            "1",
            "--format",
            "jsonl",
            "--neo4j-incremental",
        ],
    );
    assert!(out.contains("import incremental --force"), "{out}");
    let text = fs::read_to_string(j.join("nodes/Server/part-00000.jsonl")).unwrap();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["id"].as_str().unwrap().starts_with("srv-"));
        assert!(v["cpu_cores"].is_f64() && v[":LABEL"].is_array());
    }
    let header = fs::read_to_string(j.join("incremental/nodes/Server/header.csv")).unwrap();
    assert!(
        header.starts_with("id:ID(Server){label:Server},:LABEL,"),
        "{header}"
    );
    // JSON lines get CSV copies for neo4j-admin; CSV change sets share parts.
    assert!(j.join("incremental/nodes/Server/part-00000.csv").exists());
    let args = fs::read_to_string(j.join("incremental.args")).unwrap();
    assert!(args.contains(
        "--nodes=incremental/nodes/Server/header.csv,incremental/nodes/Server/part-[0-9]+[.]csv"
    ));
    assert!(args.contains("--relationships=AFFECTS="));
    assert!(!args.contains("updates/") && !args.contains("deletes/"));
    let c = dir.path().join("c");
    changes(
        &c,
        &["--profile", "tiny", "--day", "1", "--neo4j-incremental"],
    );
    let args = fs::read_to_string(c.join("incremental.args")).unwrap();
    assert!(
        args.contains("--nodes=incremental/nodes/Server/header.csv,nodes/Server/part-[0-9]+[.]csv")
    );
    assert!(!files(&c)
        .iter()
        .any(|f| f.starts_with("incremental/") && f.ends_with("part-00000.csv")));
    let m = manifest(&c);
    assert!(m["incremental_files"].as_array().unwrap().len() > 5);
}

/// neo4j-admin only resolves `:START_ID(G)`/`:END_ID(G)` in groups that a
/// node input of the increment declares; a day adds no data centres, yet its
/// servers are HOSTED_IN one.
#[test]
fn incremental_inputs_declare_every_group_they_refer_to() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["csv", "jsonl"] {
        let c = dir.path().join(format);
        changes(
            &c,
            &[
                "--profile",
                "small",
                "--day",
                "1",
                "--format",
                format,
                "--neo4j-incremental",
            ],
        );
        let args = fs::read_to_string(c.join("incremental.args")).unwrap();
        let mut declared = std::collections::BTreeSet::new();
        let mut referred = std::collections::BTreeSet::new();
        for a in args.lines() {
            let Some((flag, v)) = a.split_once('=') else {
                continue;
            };
            if flag != "--nodes" && flag != "--relationships" {
                continue;
            }
            let files = if flag == "--relationships" {
                v.split_once('=').unwrap().1
            } else {
                v
            };
            let head = fs::read_to_string(c.join(files.split(',').next().unwrap())).unwrap();
            for cell in head.trim_end().split(',') {
                let group = |k: &str| {
                    cell.split_once(k)
                        .map(|(_, g)| g.split(')').next().unwrap().to_string())
                };
                if let Some(g) = group(":ID(") {
                    declared.insert(g);
                }
                for k in [":START_ID(", ":END_ID("] {
                    referred.extend(group(k));
                }
            }
        }
        assert!(referred.contains("DataCenter"), "{args}");
        let missing: Vec<_> = referred.difference(&declared).collect();
        assert!(missing.is_empty(), "{missing:?} undeclared in\n{args}");
        let only = fs::read_to_string(c.join("incremental/groups/DataCenter/header.csv")).unwrap();
        assert_eq!(only, "id:ID(DataCenter){label:DataCenter}\n");
        assert!(
            args.contains("--nodes=incremental/groups/DataCenter/header.csv\n"),
            "{args}"
        );
        let m = manifest(&c);
        assert!(m["incremental_files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "incremental/groups/DataCenter/header.csv"));
    }
}

#[test]
fn reruns_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    changes(&d, &["--profile", "tiny", "--day", "1"]);
    let again = changes(&d, &["--profile", "tiny", "--day", "1"]);
    assert!(again.contains("already complete"), "{again}");
    let o = run(&[
        "changes",
        "--profile",
        "tiny",
        "--day",
        "2",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    changes(&d, &["--profile", "tiny", "--day", "2", "--force"]);
    assert_eq!(manifest(&d)["changes"]["day"], 2);
    for args in [
        vec![
            "changes",
            "--profile",
            "tiny",
            "--day",
            "0",
            "--out",
            "/nonexistent/z",
        ],
        vec!["changes", "--profile", "tiny", "--out", "/nonexistent/z"],
        vec![
            "changes",
            "--profile",
            "nope",
            "--day",
            "1",
            "--out",
            "/nonexistent/z",
        ],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

/// A change set carries the constraints and indexes of the kinds it
/// touches (relationship ends included: incremental import looks them up),
/// recorded with its hash in the manifest.
#[test]
fn a_change_set_has_the_schema_of_its_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c");
    changes(
        &c,
        &["--profile", "tiny", "--day", "1", "--neo4j-incremental"],
    );
    let schema = fs::read_to_string(c.join("schema.cypher")).unwrap();
    let m = manifest(&c);
    let kinds: HashSet<String> = m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            let mut v = vec![];
            for k in ["start", "end"] {
                if let Some(s) = t[k].as_str() {
                    v.push(s.to_string());
                }
            }
            if t["kind"] == "node" {
                v.push(t["label_or_type"].as_str().unwrap().to_string());
            }
            v
        })
        .collect();
    assert!(kinds.contains("DataCenter"), "{kinds:?}");
    for k in &kinds {
        let want = format!("FOR (n:{k}) REQUIRE n.id IS UNIQUE;");
        assert!(schema.contains(&want), "{want} missing:\n{schema}");
    }
    assert_eq!(
        schema.lines().filter(|l| l.contains("IS UNIQUE")).count(),
        kinds.len()
    );
    let rec = &m["scripts"][0];
    assert_eq!(rec["path"], "schema.cypher");
    assert_eq!(rec["bytes"], schema.len() as u64);
    assert_eq!(
        rec["xxh3"],
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(schema.as_bytes()))
    );
}

/// A change set has its base bundle's columns: without provenance columns by
/// default, with them when both take `--provenance full`.
#[test]
fn change_sets_have_their_base_bundles_columns() {
    let t = tempfile::tempdir().unwrap();
    for setting in ["auto", "full"] {
        let base = t.path().join(format!("base-{setting}"));
        let cs = t.path().join(format!("day-{setting}"));
        crate::util::generate(&base, "tiny", &["--provenance", setting]);
        changes(
            &cs,
            &["--profile", "tiny", "--day", "1", "--provenance", setting],
        );
        let mut compared = 0;
        for f in files(&cs) {
            let Some(dir) = f.strip_suffix("/header.csv") else {
                continue;
            };
            let Some(table) = dir
                .strip_prefix("nodes/")
                .map(|k| format!("nodes/{k}"))
                .or_else(|| {
                    dir.strip_prefix("relationships/")
                        .map(|r| format!("relationships/{r}"))
                })
            else {
                continue;
            };
            let want = fs::read_to_string(base.join(&table).join("header.csv")).unwrap();
            let got = fs::read_to_string(cs.join(&f)).unwrap();
            assert_eq!(got, want, "{setting} {table}");
            assert_eq!(got.contains("sources:string[]"), setting == "full", "{got}");
            compared += 1;
        }
        assert!(compared > 0, "{setting}: no node or relationship tables");
    }
}

/// The rows of a table folder as field lists, and each header column's
/// position by name (types stripped).
fn table(dir: &Path) -> (HashMap<String, usize>, Vec<Vec<String>>) {
    let header = fs::read_to_string(dir.join("header.csv")).unwrap();
    let cols = csv_fields(header.trim_end())
        .into_iter()
        .enumerate()
        .map(|(k, (h, _))| (h.split(':').next().unwrap().to_string(), k))
        .collect();
    let mut rows = Vec::new();
    for f in crate::util::shard_files(dir) {
        for l in fs::read_to_string(f).unwrap().lines() {
            rows.push(csv_fields(l).into_iter().map(|(v, _)| v).collect());
        }
    }
    (cols, rows)
}

/// The sub-folders of `dir`, sorted (none when it does not exist).
fn subdirs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Days 1 and 2 of `medium` validate, and on the files themselves: every
/// relationship end exists that day (a base node the day does not delete,
/// or one of its new nodes), every new CI has one `OWNED_BY` group whose
/// name is its `owner_team`, and updates move no `owner_team`.
#[test]
fn medium_days_validate_and_nothing_dangles() {
    let t = tempfile::tempdir().unwrap();
    let base = t.path().join("base");
    crate::util::generate(&base, "medium", &[]);
    let mut ids: HashSet<String> = HashSet::new();
    let mut group_name: HashMap<String, String> = HashMap::new();
    for k in subdirs(&base.join("nodes")) {
        let (c, rows) = table(&base.join("nodes").join(&k));
        for r in rows {
            if k == "Group" {
                group_name.insert(r[c["id"]].clone(), r[c["name"]].clone());
            }
            ids.insert(r[c["id"]].clone());
        }
    }
    for day in ["1", "2"] {
        let d = t.path().join(format!("day{day}"));
        changes(&d, &["--profile", "medium", "--day", day]);
        let out = ok(&["validate", d.to_str().unwrap()]);
        assert!(out.contains("OK: 0 errors"), "day {day}: {out}");
        let mut live = ids.clone();
        for k in subdirs(&d.join("deletes")) {
            for r in table(&d.join("deletes").join(&k)).1 {
                assert!(live.remove(&r[0]), "day {day}: deletes {} twice", r[0]);
            }
        }
        let mut owner_team: HashMap<String, String> = HashMap::new();
        for k in subdirs(&d.join("nodes")) {
            let (c, rows) = table(&d.join("nodes").join(&k));
            for r in rows {
                assert!(
                    live.insert(r[c["id"]].clone()),
                    "day {day}: {} exists",
                    r[0]
                );
                if let Some(&at) = c.get("owner_team") {
                    owner_team.insert(r[c["id"]].clone(), r[at].clone());
                }
            }
        }
        let mut rels = 0;
        let mut owned = HashSet::new();
        for f in subdirs(&d.join("relationships")) {
            for r in table(&d.join("relationships").join(&f)).1 {
                for end in &r[..2] {
                    assert!(live.contains(end), "day {day}: {f} {end} does not exist");
                }
                if f.contains("-OWNED_BY-") {
                    assert_eq!(group_name[&r[1]], owner_team[&r[0]], "day {day}: {f} {r:?}");
                    assert!(
                        owned.insert(r[0].clone()),
                        "day {day}: {} owned twice",
                        r[0]
                    );
                }
                rels += 1;
            }
        }
        assert!(rels > 300, "day {day}: {rels}");
        assert_eq!(
            owned.len(),
            owner_team.len(),
            "day {day}: a new CI has no owner"
        );
        // A moved CI's new group is named by its update row's owner_team,
        // and both ends exist.
        let mut team_of: HashMap<String, String> = HashMap::new();
        for k in subdirs(&d.join("updates")) {
            let (c, rows) = table(&d.join("updates").join(&k));
            for r in rows {
                if !r[c["owner_team"]].is_empty() {
                    team_of.insert(r[0].clone(), r[c["owner_team"]].clone());
                }
            }
        }
        let mut moved = 0;
        for f in subdirs(&d.join("moves")) {
            assert!(f.contains("-OWNED_BY-Group"), "{f}");
            for r in table(&d.join("moves").join(&f)).1 {
                assert!(
                    live.contains(&r[0]) && live.contains(&r[1]),
                    "day {day}: {f} {r:?}"
                );
                assert_eq!(group_name[&r[1]], team_of[&r[0]], "day {day}: {f} {r:?}");
                moved += 1;
            }
        }
        assert_eq!(
            moved,
            team_of.len(),
            "day {day}: a renamed team without a move"
        );
        assert!(moved > 0, "day {day}");
    }
}
