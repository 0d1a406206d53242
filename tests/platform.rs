//! The platform kinds in a generated bundle: `validate` accepts it, and the
//! invariants hold on the files themselves (owner_team against the
//! OWNED_BY group's name, one business application per application, the
//! software catalogue), checked once in Rust and once in DuckDB.

use crate::util::{self, generate, ok, shard_files};
use std::collections::HashMap;
use std::path::Path;

/// The fields of a CSV line (quoted fields may hold commas and `""`).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// A table's rows as field lists, and the position of each header column.
fn table(dir: &Path) -> (HashMap<String, usize>, Vec<Vec<String>>) {
    let header = std::fs::read_to_string(dir.join("header.csv")).unwrap();
    let names = fields(header.trim_end())
        .into_iter()
        .enumerate()
        .map(|(k, h)| (h.split(':').next().unwrap().to_string(), k))
        .collect();
    let mut rows = Vec::new();
    for f in shard_files(dir) {
        for l in std::fs::read_to_string(f).unwrap().lines() {
            rows.push(fields(l));
        }
    }
    (names, rows)
}

#[test]
fn medium_validates_and_owner_team_names_the_owner_group() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    generate(&d, "medium", &[]);
    let out = ok(&["validate", d.to_str().unwrap()]);
    assert!(out.contains("OK: 0 errors"), "{out}");
    let (g, groups) = table(&d.join("nodes/Group"));
    let name: HashMap<&str, &str> = groups
        .iter()
        .map(|r| (r[g["id"]].as_str(), r[g["name"]].as_str()))
        .collect();
    assert_eq!(name.len(), groups.len());
    let mut unique: Vec<&&str> = name.values().collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), groups.len(), "group names are unique");
    let mut checked = 0;
    for kind in [
        "Region",
        "DataCenter",
        "Server",
        "NetworkDevice",
        "Database",
        "Application",
        "BusinessService",
        "BusinessApplication",
    ] {
        let (c, cis) = table(&d.join(format!("nodes/{kind}")));
        let (_, owned) = table(&d.join(format!("relationships/{kind}-OWNED_BY-Group")));
        let (_, supported) = table(&d.join(format!("relationships/{kind}-SUPPORTED_BY-Group")));
        assert_eq!(owned.len(), cis.len(), "{kind}: one OWNED_BY each");
        assert_eq!(supported.len(), cis.len(), "{kind}: one SUPPORTED_BY each");
        let owner: HashMap<&str, &str> = owned
            .iter()
            .map(|r| (r[0].as_str(), r[1].as_str()))
            .collect();
        for r in &cis {
            let group = owner[r[c["id"]].as_str()];
            assert_eq!(r[c["owner_team"]], name[group], "{kind} {}", r[0]);
            checked += 1;
        }
    }
    assert!(checked > 6_000);
    let (_, apps) = table(&d.join("nodes/Application"));
    let (_, inst) = table(&d.join("relationships/Application-INSTANCE_OF-BusinessApplication"));
    assert_eq!(inst.len(), apps.len());
}

const DUCKDB_CHECKS: &str = r#"
import duckdb, sys
root = sys.argv[1]
con = duckdb.connect()
def t(name, kind="nodes"):
    d = f"{root}/{kind}/{name}"
    cols = [h.split(":")[0] or f"column{k}" for k, h in enumerate(open(f"{d}/header.csv").read().strip().split(","))]
    return f"read_csv('{d}/part-*.csv', header=false, names={cols}, all_varchar=true, quote='\"')"
def one(sql):
    return con.execute(sql).fetchone()[0]
fails = []
def check(what, sql):
    v = one(sql)
    print(("PASS" if v == 0 else "FAIL"), what, v)
    if v != 0:
        fails.append(what)
for kind in ["Region", "DataCenter", "Server", "NetworkDevice", "Database", "Application", "BusinessService", "BusinessApplication"]:
    owned = t(f"{kind}-OWNED_BY-Group", "relationships")
    check(f"{kind} owner_team is the OWNED_BY group's name", f"""
        select count(*) from {t(kind)} c
        left join (select column0 s, column1 e from {owned}) o on o.s = c.id
        left join {t('Group')} g on g.id = o.e
        where g.name is null or g.name <> c.owner_team""")
apps = t("Application")
inst = t("Application-INSTANCE_OF-BusinessApplication", "relationships")
check("every application INSTANCE_OF exactly one business application", f"""
    select count(*) from {apps} a
    left join (select column0 s, count(*) n from {inst} group by 1) i on i.s = a.id
    where i.n is null or i.n <> 1""")
check("INSTANCE_OF ends exist", f"""
    select count(*) from {inst} i left join {t('BusinessApplication')} b on b.id = i.column1
    where b.id is null""")
sw = t("SoftwareInstall")
check("one vendor per product", f"""
    select count(*) from (select product from {sw} group by 1 having count(distinct vendor) <> 1)""")
check("at most three versions per product", f"""
    select count(*) from (select product from {sw} group by 1 having count(distinct version) > 3)""")
check("group names unique", f"select count(*) - count(distinct name) from {t('Group')}")
check("business application names unique", f"select count(*) - count(distinct name) from {t('BusinessApplication')}")
sys.exit(1 if fails else 0)
"#;

#[test]
#[ignore = "needs DuckDB: scripts/test.sh"]
fn medium_platform_invariants_hold_in_duckdb() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    generate(&d, "medium", &[]);
    let script = t.path().join("checks.py");
    std::fs::write(&script, DUCKDB_CHECKS).unwrap();
    let o = std::process::Command::new(util::verify_python())
        .arg(&script)
        .arg(&d)
        .output()
        .unwrap();
    let out = format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{out}");
    assert_eq!(out.matches("PASS ").count(), 14, "{out}");
}
