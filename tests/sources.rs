//! Several sources in one graph (docs/sources.md): the multi-source fixture
//! generated with each merge strategy is deterministic, valid and
//! cross-checks clean; its conflict summary is printed and recorded; and
//! `export-sources` writes per-source files whose priority merge is the
//! generated bundle.

use crate::util::{self, generate, shard_files};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The fixture with `strategy`, written into `dir`; returns its path.
fn profile(dir: &Path, strategy: &str) -> PathBuf {
    let text = fs::read_to_string(util::repo().join("fixtures/profiles/multisource.toml")).unwrap();
    let text = text.replace(
        "strategy = \"priority\"",
        &format!("strategy = \"{strategy}\""),
    );
    assert!(text.contains(&format!("strategy = \"{strategy}\"")));
    let p = dir.join(format!("ms-{strategy}.toml"));
    fs::write(&p, text).unwrap();
    p
}

/// Every table's rows, concatenated in shard order, by table folder; a
/// companion folder (rows without a date) as `Table/no-column`.
fn tables(bundle: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for group in ["nodes", "relationships"] {
        for e in fs::read_dir(bundle.join(group)).unwrap() {
            let dir = e.unwrap().path();
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let mut folders = vec![(name.clone(), dir.clone())];
            for c in fs::read_dir(&dir).unwrap() {
                let c = c.unwrap().path();
                if c.is_dir() {
                    let sub = c.file_name().unwrap().to_string_lossy().into_owned();
                    folders.push((format!("{name}/{sub}"), c));
                }
            }
            for (key, dir) in folders {
                let mut data = Vec::new();
                for f in shard_files(&dir) {
                    data.extend(fs::read(f).unwrap());
                }
                out.insert(key, data);
            }
        }
    }
    out
}

/// No source reported some items' `created_at`: those rows go to companion
/// inputs without the column (never an empty datetime field, which
/// neo4j-admin 5.0-5.5 cannot read), in every strategy, plain and gzip.
#[test]
fn rows_without_a_date_go_to_companion_inputs() {
    let t = tempfile::tempdir().unwrap();
    for strategy in ["priority", "latest", "keep-all"] {
        let p = profile(t.path(), strategy);
        for extra in [&[][..], &["--gzip"][..]] {
            let d = t.path().join(format!("{strategy}{}", extra.len()));
            let mut args = vec!["--shard-rows", "50"];
            args.extend_from_slice(extra);
            generate(&d, p.to_str().unwrap(), &args);
            let v = util::ok(&["validate", d.to_str().unwrap(), "--progress", "none"]);
            assert!(v.contains(": OK: 0 errors, 0 warnings;"), "{strategy}: {v}");
            let m = manifest(&d);
            let entries = m["tables"].as_array().unwrap();
            let companions: Vec<&serde_json::Value> = entries
                .iter()
                .filter(|e| e.get("omits").is_some())
                .collect();
            let omits = |c: &serde_json::Value| -> Vec<String> {
                c["omits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect()
            };
            assert!(
                companions
                    .iter()
                    .any(|c| omits(c).contains(&"created_at".to_string())),
                "{strategy}: no companion without created_at"
            );
            let args = fs::read_to_string(d.join("import.args")).unwrap();
            for c in &companions {
                let name = c["name"].as_str().unwrap();
                let (base, folder) = name.split_once('/').unwrap();
                let gone = omits(c);
                assert_eq!(folder, format!("no-{}", gone.join("-")), "{name}");
                let dir = format!("nodes/{base}/{folder}");
                let header = fs::read_to_string(d.join(&dir).join("header.csv")).unwrap();
                let full = fs::read_to_string(d.join(format!("nodes/{base}/header.csv"))).unwrap();
                let want = gone
                    .iter()
                    .fold(full, |h, g| h.replace(&format!(",{g}:datetime"), ""));
                assert_eq!(header, want, "{name}");
                let rows: u64 = c["shards"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["rows"].as_u64().unwrap())
                    .sum();
                assert_eq!(c["rows"].as_u64().unwrap(), rows);
                assert!(rows > 0, "{name}");
                assert!(
                    args.contains(&format!("--nodes={dir}/header.csv,{dir}/part-[0-9]+[.]csv")),
                    "{args}"
                );
                // The kind's rows add up to its count.
                let main = entries.iter().find(|e| e["name"] == base).unwrap();
                let all: u64 = entries
                    .iter()
                    .filter(|e| e["label_or_type"] == main["label_or_type"] && e["kind"] == "node")
                    .map(|e| e["rows"].as_u64().unwrap())
                    .sum();
                let want =
                    fs::read_to_string(util::repo().join("fixtures/profiles/multisource.toml"))
                        .unwrap()
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix(&format!("{base} = "))
                                .map(|n| n.trim().parse::<u64>().unwrap())
                        });
                assert_eq!(Some(all), want, "{name}");
            }
        }
    }
}

fn manifest(bundle: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(bundle.join("manifest.json")).unwrap()).unwrap()
}

#[test]
#[ignore = "needs DuckDB and Ladybug: scripts/test.sh"]
fn every_strategy_is_deterministic_valid_and_crosschecks_clean() {
    let t = tempfile::tempdir().unwrap();
    for strategy in ["priority", "latest", "keep-all"] {
        let p = profile(t.path(), strategy);
        let p = p.to_str().unwrap();
        let a = t.path().join(format!("{strategy}-a"));
        let b = t.path().join(format!("{strategy}-b"));
        generate(&a, p, &["--threads", "1"]);
        generate(&b, p, &["--threads", "2", "--shard-rows", "37"]);
        let (ta, tb) = (tables(&a), tables(&b));
        assert_eq!(
            ta, tb,
            "{strategy}: output depends on threads or shard size"
        );
        assert_eq!(
            ta.contains_key("SourceRecord"),
            strategy == "keep-all",
            "{strategy}: {:?}",
            ta.keys()
        );
        let (ma, mb) = (manifest(&a), manifest(&b));
        assert_eq!(ma["merge"], mb["merge"], "{strategy}");
        assert_eq!(ma["merge"]["strategy"], strategy);
        let servers = &ma["merge"]["kinds"]["Server"];
        assert_eq!(servers["records"], 160);
        assert!(
            servers["conflicting_records"].as_u64().unwrap() > 10,
            "{servers}"
        );
        let v = util::ok(&["validate", a.to_str().unwrap(), "--progress", "none"]);
        assert!(v.contains(": OK: 0 errors, 0 warnings;"), "{strategy}: {v}");
        let o = std::process::Command::new(util::verify_python())
            .arg(util::repo().join("tests/crosscheck/crosscheck.py"))
            .arg(&b)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{strategy}: {out}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            out.lines().last().unwrap_or("").ends_with(" 0 failed"),
            "{out}"
        );
    }
}

#[test]
fn keep_all_counts_are_exact_and_records_point_at_items() {
    let t = tempfile::tempdir().unwrap();
    let p = profile(t.path(), "keep-all");
    let d = t.path().join("b");
    generate(&d, p.to_str().unwrap(), &[]);
    let m = manifest(&d);
    let rows = |name: &str| util::manifest_rows(&m, name).unwrap_or(0);
    let reports: u64 = m["merge"]["kinds"]
        .as_object()
        .unwrap()
        .values()
        .map(|k| k["reports"].as_u64().unwrap())
        .sum();
    assert_eq!(rows("SourceRecord"), reports);
    let families: u64 = [
        "Region",
        "DataCenter",
        "Server",
        "NetworkDevice",
        "Database",
        "Application",
        "BusinessService",
    ]
    .iter()
    .map(|k| rows(&format!("{k}-REPORTED_BY-SourceRecord")))
    .sum();
    assert_eq!(families, reports);
    let data = tables(&d);
    let text = String::from_utf8(data["SourceRecord"].clone()).unwrap();
    assert_eq!(text.lines().count() as u64, reports);
    // Servers without some dates are in the companion inputs.
    let mut servers = data["Server"].clone();
    for (_, rows) in data
        .range("Server/no-".to_string()..)
        .take_while(|(k, _)| k.starts_with("Server/no-"))
    {
        servers.extend(rows);
    }
    let server_ids: Vec<String> = String::from_utf8(servers)
        .unwrap()
        .lines()
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    for l in text.lines().filter(|l| l.contains(",Server,srv-")) {
        let item = l.split(',').nth(6).unwrap();
        assert!(server_ids.iter().any(|s| s == item), "{l}");
    }
}

#[test]
fn generate_prints_the_conflict_summary() {
    let t = tempfile::tempdir().unwrap();
    let p = profile(t.path(), "latest");
    let d = t.path().join("b");
    let out = util::ok(&[
        "generate",
        "--profile",
        p.to_str().unwrap(),
        "--out",
        d.to_str().unwrap(),
        "--progress",
        "json",
    ]);
    assert!(out.contains("merge (latest):"), "{out}");
    assert!(
        out.lines().any(|l| l.trim_start().starts_with("Server ")),
        "{out}"
    );
    assert!(out.contains("won by: "), "{out}");
    // Single-source bundles have no merge key.
    let s = t.path().join("s");
    generate(&s, "tiny", &[]);
    assert!(manifest(&s).get("merge").is_none());
}

#[test]
fn changes_and_export_refuse_the_wrong_kind_of_profile() {
    let t = tempfile::tempdir().unwrap();
    let p = profile(t.path(), "priority");
    let o = util::run(&[
        "changes",
        "--profile",
        p.to_str().unwrap(),
        "--day",
        "1",
        "--out",
        t.path().join("c").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[merge]"));
    let o = util::run(&[
        "export-sources",
        "--profile",
        "tiny",
        "--out",
        t.path().join("e").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no [merge] table"));
    let bad = t.path().join("bad.toml");
    fs::write(
        &bad,
        "[nodes]\nServer = 1\nRegion = 1\nDataCenter = 1\n[[sources]]\nname = \"a\"\nstale = 0.2\n",
    )
    .unwrap();
    let o = util::run(&[
        "generate",
        "--profile",
        bad.to_str().unwrap(),
        "--out",
        t.path().join("g").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sources[0].stale"));
}

/// Parses a CSV file without quoted fields into header + rows.
fn plain_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = fs::read_to_string(path).unwrap();
    assert!(!text.contains('"'), "{} has quoted fields", path.display());
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

#[test]
fn exports_merge_by_priority_into_the_generated_bundle() {
    let t = tempfile::tempdir().unwrap();
    let p = profile(t.path(), "priority");
    let d = t.path().join("b");
    generate(&d, p.to_str().unwrap(), &[]);
    let e = t.path().join("e");
    let e2 = t.path().join("e2");
    let args = |out: &Path, threads: &str| {
        util::ok(&[
            "export-sources",
            "--profile",
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
        ]);
    };
    args(&e, "1");
    args(&e2, "2");
    assert_eq!(util::files(&e), util::files(&e2));
    for f in util::files(&e) {
        assert_eq!(
            fs::read(e.join(&f)).unwrap(),
            fs::read(e2.join(&f)).unwrap(),
            "{f}"
        );
    }
    let sources = [
        "servicenow",
        "device42",
        "aws-config",
        "bmc-helix",
        "team-spreadsheet",
    ];
    let mapping = fs::read_to_string(e.join("device42/mapping.toml")).unwrap();
    assert!(mapping.contains("priority = 2\n"), "{mapping}");
    assert!(mapping.contains("[[nodes]]\nkind = \"Server\"\nfile = \"Server.csv\"\nkey = \"name\"\nlabels = \"labels\"\nobserved_at = \"observed_at\"\n[nodes.columns]\nstatus = \"status\"\n"), "{mapping}");
    assert!(mapping.contains("[[relationships]]\ntype = \"HOSTED_IN\"\nstart = \"Server\"\nend = \"DataCenter\"\nfile = \"Server-HOSTED_IN-DataCenter.csv\"\nstart_key = \"start\"\nend_key = \"end\"\nobserved_at = \"observed_at\"\n"), "{mapping}");
    assert!(
        !e.join("device42/Application.csv").exists(),
        "device42 does not list Application"
    );

    // Re-merge the servers by hand: per attribute, the first source (in
    // priority order) with a value; the record's source is the first
    // reporter; sources lists every reporter.
    let mut reports: BTreeMap<String, Vec<(usize, Vec<String>)>> = BTreeMap::new();
    let mut export_header = Vec::new();
    for (x, s) in sources.iter().enumerate() {
        let (h, rows) = plain_csv(&e.join(s).join("Server.csv"));
        export_header = h;
        for r in rows {
            reports.entry(r[0].clone()).or_default().push((x, r));
        }
    }
    let bundle = tables(&d);
    let header: Vec<String> = fs::read_to_string(d.join("nodes/Server/header.csv"))
        .unwrap()
        .trim_end()
        .split(',')
        .map(|c| c.split(':').next().unwrap().to_string())
        .collect();
    let col = |name: &str| header.iter().position(|c| c == name).unwrap();
    // The companions' rows (without some dates) in the table's layout.
    let mut merged = String::from_utf8(bundle["Server"].clone()).unwrap();
    for (key, rows) in &bundle {
        let Some(folder) = key.strip_prefix("Server/no-") else {
            continue;
        };
        let mut gone: Vec<usize> = folder.split('-').map(col).collect();
        gone.sort_unstable();
        for line in String::from_utf8(rows.clone()).unwrap().lines() {
            let mut row: Vec<&str> = line.split(',').collect();
            for &c in &gone {
                row.insert(c, "");
            }
            merged.push_str(&(row.join(",") + "\n"));
        }
    }
    assert!(!merged.contains('"'));
    let mut checked = 0;
    for line in merged.lines() {
        let row: Vec<&str> = line.split(',').collect();
        let name = row[col("name")];
        let reps = &reports[name];
        assert_eq!(row[col("source")], sources[reps[0].0], "{name}");
        let listed: Vec<&str> = reps.iter().map(|(x, _)| sources[*x]).collect();
        assert_eq!(row[col("sources")], listed.join(";"), "{name}");
        assert_eq!(row[col("observed_at")], reps[0].1.last().unwrap(), "{name}");
        let hash = xxhash_rust::xxh3::xxh3_128(format!("Server:{name}").as_bytes());
        assert_eq!(row[0], format!("srv-{hash:032x}"));
        for (k, attr) in export_header.iter().enumerate().skip(2) {
            if attr == "observed_at" {
                continue;
            }
            let want = reps
                .iter()
                .map(|(_, r)| r[k].as_str())
                .find(|v| !v.is_empty())
                .unwrap_or("");
            assert_eq!(row[col(attr)], want, "{name}.{attr}");
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
    assert_eq!(
        reports.len(),
        merged.lines().count(),
        "every server is exported by some source"
    );
}

/// Companions go with their shard: a part run writes and lists them, gather
/// brings them together, and a resumed run keeps a shard only when its
/// companion still verifies. Each way gives the single run's bundle.
#[test]
fn companions_survive_parts_gather_and_resume() {
    let t = tempfile::tempdir().unwrap();
    let p = profile(t.path(), "latest");
    let p = p.to_str().unwrap();
    let args = ["--shard-rows", "40", "--gzip"];
    let single = t.path().join("single");
    generate(&single, p, &args);
    let all = util::files(&single);
    assert!(all.iter().any(|f| f.contains("/no-created_at")), "{all:?}");

    let dirs: Vec<PathBuf> = (1..=3).map(|i| t.path().join(format!("p{i}"))).collect();
    for (i, d) in dirs.iter().enumerate() {
        let part = format!("{}/3", i + 1);
        let mut a = args.to_vec();
        a.extend(["--part", &part]);
        generate(d, p, &a);
    }
    let out = t.path().join("gathered");
    let mut g = vec!["gather", "--out", out.to_str().unwrap()];
    g.extend(dirs.iter().map(|d| d.to_str().unwrap()));
    util::ok(&g);
    let same = |a: &Path, b: &Path| {
        assert_eq!(util::files(a), util::files(b));
        for f in util::files(a) {
            assert!(
                fs::read(a.join(&f)).unwrap() == fs::read(b.join(&f)).unwrap(),
                "{f} differs"
            );
        }
    };
    same(&single, &out);

    // Crash, then damage a companion the journal vouches for: its shard is
    // written again.
    let r = t.path().join("resumed");
    let mut a = vec![
        "generate",
        "--profile",
        p,
        "--out",
        r.to_str().unwrap(),
        "--threads",
        "1",
        "--quiet",
    ];
    a.extend(args);
    let o = util::bin()
        .args(&a)
        .env("CMDBGEN_FAIL_AFTER_SHARDS", "30")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let journal = fs::read_to_string(r.join(".cmdbgen/journal.jsonl")).unwrap();
    let companion = journal
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v["companions"][0]["path"].as_str().map(String::from))
        .expect("a journaled shard with a companion");
    fs::write(r.join(&companion), b"damaged").unwrap();
    let o = util::bin().args(&a).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    same(&single, &r);
}
