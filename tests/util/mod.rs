//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `cmdbgen` binary under test.
pub(crate) fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cmdbgen"))
}

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs cmdbgen with `args`, returning its output.
pub(crate) fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("running cmdbgen")
}

/// Runs cmdbgen and asserts it succeeded; returns stdout.
pub(crate) fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "cmdbgen {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Generates a bundle quietly into `dir` with extra `args`.
pub(crate) fn generate(dir: &Path, profile: &str, args: &[&str]) {
    let d = dir.to_str().expect("utf-8 temp path");
    let mut all = vec!["generate", "--profile", profile, "--out", d, "--quiet"];
    all.extend_from_slice(args);
    ok(&all);
}

/// The shard files (`part-*`) of a table folder, sorted; none when the
/// folder does not exist.
pub(crate) fn shard_files(table_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(table_dir) else {
        return Vec::new();
    };
    let mut parts: Vec<PathBuf> = entries
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("part-"))
        })
        .collect();
    parts.sort();
    parts
}

/// Every file under `dir`, as sorted relative paths.
pub(crate) fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("reading a folder") {
            let p = e.expect("a folder entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(
                    p.strip_prefix(root)
                        .expect("under root")
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The python interpreter with duckdb and ladybug installed, from
/// `CMDBGEN_VERIFY_PYTHON` (scripts/test.sh sets it up). Panics with a clear
/// message when it is not set: these checks must not be skipped silently.
pub(crate) fn verify_python() -> PathBuf {
    match std::env::var_os("CMDBGEN_VERIFY_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "CMDBGEN_VERIFY_PYTHON is not set: run the tests through `make test` (scripts/test.sh), which installs DuckDB and Ladybug"
        ),
    }
}
/// A JSON file (a manifest, a checkpoint), parsed.
pub(crate) fn json(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The row count a manifest records for the table `name`, if it lists it.
pub(crate) fn manifest_rows(manifest: &serde_json::Value, name: &str) -> Option<u64> {
    manifest["tables"]
        .as_array()?
        .iter()
        .find(|t| t["name"] == name)
        .and_then(|t| t["rows"].as_u64())
}

pub(crate) mod neo4j_server;

/// What every [`duckdb_counts`] script starts with: the bundle folder `d`,
/// `rel(name)` reading a relationship family's shards as `s`, `e`, `src`,
/// and `node(kind)` reading a node table's shards as `c0`, `c1`, … with
/// the column positions by name.
const DUCKDB_PRELUDE: &str = r#"
import duckdb, glob, sys
d = sys.argv[1]
def rel(name):
    files = sorted(glob.glob(f"{d}/relationships/{name}/part-*.csv"))
    return f"read_csv({files!r}, header=false, columns={{'s':'VARCHAR','e':'VARCHAR','src':'VARCHAR'}})"
def node(kind):
    head = open(f"{d}/nodes/{kind}/header.csv").read().strip().split(",")
    cols = ", ".join(f"'c{k}':'VARCHAR'" for k in range(len(head)))
    names = {h.split(":")[0] or "label": k for k, h in enumerate(head)}
    files = sorted(glob.glob(f"{d}/nodes/{kind}/part-*.csv"))
    return f"read_csv({files!r}, header=false, columns={{{cols}}})", names
"#;

/// Generates `profile`, runs the Python `script` (DuckDB, under
/// `verify_python()`, after [`DUCKDB_PRELUDE`]) with the bundle's path as
/// its argument, asserts it succeeds, and returns its output and the
/// numbers it printed.
pub(crate) fn duckdb_counts(profile: &str, script: &str) -> (String, Vec<u64>) {
    let t = tempfile::tempdir().expect("a temp dir");
    let d = t.path().join("b");
    generate(&d, profile, &[]);
    let o = std::process::Command::new(verify_python())
        .args(["-c", &format!("{DUCKDB_PRELUDE}{script}")])
        .arg(&d)
        .output()
        .expect("running the DuckDB check");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let n = out
        .split_whitespace()
        .map(|x| x.parse().expect("a count"))
        .collect();
    (out, n)
}

/// Generates `profile`, asserts `cmdbgen validate` passes on it, and returns
/// its manifest's row count of a table by name (panicking on a name the
/// manifest does not list).
pub(crate) fn validated_rows(profile: &str) -> impl Fn(&str) -> u64 {
    let t = tempfile::tempdir().expect("a temp dir");
    let d = t.path().join("b");
    generate(&d, profile, &[]);
    ok(&["validate", d.to_str().expect("utf-8 temp path"), "--quiet"]);
    let m = json(&d.join("manifest.json"));
    move |name: &str| {
        manifest_rows(&m, name).unwrap_or_else(|| panic!("{name} missing from the manifest"))
    }
}
