//! The life of an output folder, shared by `generate`, `ingest`, `changes`
//! and `gather`: what its manifest is, which of its files cmdbgen wrote,
//! retiring an old bundle before a new run writes there, checking a complete
//! one, and finishing one (files durable first, manifest last).
//!
//! The promise: a bundle is complete if and only if its `manifest.json`
//! exists, and then every file it lists is on disk as listed. So a run that
//! replaces a bundle first records its own state, then removes the old
//! manifest (and syncs the folder), and only then touches the old files.

use crate::error::Usage;
use crate::manifest;
use crate::write::durable::{self, crash_point};
use crate::write::FileInfo;
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

/// The folder of run state inside an output folder.
pub const STATE_DIR: &str = ".cmdbgen";

/// Folders whose files cmdbgen writes (tables of bundles and change sets).
const DATA_DIRS: &[&str] = &[
    "nodes",
    "relationships",
    "updates",
    "moves",
    "deletes",
    "incremental",
];

/// Files in the root that only cmdbgen writes besides the manifest.
const ROOT_FILES: &[&str] = &[
    manifest::ARGS_FILE,
    manifest::SCRIPT_FILE,
    manifest::SCHEMA_FILE,
    crate::changes::INCREMENTAL_ARGS,
];

/// Shard file extensions of every format cmdbgen writes.
const SHARD_EXTS: &[&str] = &["csv", "csv.gz", "parquet", "jsonl"];

/// What `manifest.json` in an output folder is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// There is none.
    Absent,
    /// Not written by cmdbgen (why), so never removed.
    Foreign(String),
    /// A generated (or gathered) bundle's, with its fingerprint.
    Bundle(String),
    /// An ingested bundle's.
    Ingest(String),
    /// A change set's.
    Changes(String),
}

impl Found {
    /// What it is, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Found::Absent => "nothing",
            Found::Foreign(_) => "a manifest.json that cmdbgen did not write",
            Found::Bundle(_) => "a complete bundle of another profile, seed or format",
            Found::Ingest(_) => "a complete ingested bundle",
            Found::Changes(_) => "a complete change set",
        }
    }
}

/// Reads and classifies `out/manifest.json`.
pub fn manifest_in(out: &Path) -> Result<Found> {
    let path = out.join(manifest::FILE);
    let meta = match fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if !meta.is_file() {
        return Ok(Found::Foreign("not a regular file".into()));
    }
    let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Ok(Found::Foreign("not JSON".into()));
    };
    if v["tool"] != "cmdbgen" {
        return Ok(Found::Foreign("no \"tool\": \"cmdbgen\"".into()));
    }
    let Some(fp) = v["fingerprint"].as_str().map(String::from) else {
        return Ok(Found::Foreign("no fingerprint".into()));
    };
    Ok(if v["kind"] == crate::changes::KIND {
        Found::Changes(fp)
    } else if v["run"]["mode"] == "ingest" {
        Found::Ingest(fp)
    } else if v["run"]["profile"].is_object() {
        Found::Bundle(fp)
    } else {
        Found::Foreign("a cmdbgen manifest of an unknown kind".into())
    })
}

/// The refusal for a foreign manifest, which even `--force` keeps.
pub fn foreign_manifest(out: &Path, why: &str) -> anyhow::Error {
    Usage(format!(
        "{} is not a cmdbgen manifest ({why}); cmdbgen does not remove it, even with --force. Use another --out",
        out.join(manifest::FILE).display()
    ))
    .into()
}

/// Whether `name` is a data file name cmdbgen writes: `header.csv` or
/// `part-NNNNN.<ext>`, or either with `.tmp` (an unfinished write).
fn data_file_name(name: &str) -> bool {
    let name = name.strip_suffix(".tmp").unwrap_or(name);
    if name == "header.csv" {
        return true;
    }
    let Some(rest) = name.strip_prefix("part-") else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && rest[digits..]
            .strip_prefix('.')
            .is_some_and(|e| SHARD_EXTS.contains(&e))
}

/// Whether a root entry named `name` is a file cmdbgen writes.
fn root_file_name(name: &str) -> bool {
    let name = name.strip_suffix(".tmp").unwrap_or(name);
    name == manifest::FILE
        || ROOT_FILES.contains(&name)
        || crate::manifest::PartManifest::part_of_name(name).is_some()
}

/// An output folder's entries, split into cmdbgen's and the rest.
#[derive(Debug, Default)]
pub struct Scan {
    /// Files cmdbgen writes (relative paths), the manifest excepted.
    pub ours: Vec<String>,
    /// Folders under the data folders, deepest first.
    pub dirs: Vec<String>,
    /// Anything else (relative paths), sorted.
    pub foreign: Vec<String>,
    /// Whether the state folder exists.
    pub state: bool,
}

impl Scan {
    /// Whether the folder holds anything besides the manifest.
    pub fn is_empty(&self) -> bool {
        self.ours.is_empty() && self.foreign.is_empty() && !self.state
    }
}

/// Sorts `out`'s entries into cmdbgen's files and others. Symbolic links
/// are never followed; they and anything that is not a regular file or a
/// folder count as foreign.
pub fn scan(out: &Path) -> Result<Scan> {
    fn walk(out: &Path, rel: &str, depth: usize, s: &mut Scan) -> Result<()> {
        let dir = out.join(rel);
        let rd = fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
        for e in rd {
            let e = e.with_context(|| format!("reading {}", dir.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let path = format!("{rel}/{name}");
            let t = e.file_type()?;
            if t.is_dir() && depth < 3 {
                walk(out, &path, depth + 1, s)?;
                s.dirs.push(path);
            } else if t.is_file() && data_file_name(&name) {
                s.ours.push(path);
            } else {
                s.foreign.push(path);
            }
        }
        Ok(())
    }
    let mut s = Scan::default();
    let rd = fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?;
    for e in rd {
        let e = e.with_context(|| format!("reading {}", out.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let t = e.file_type()?;
        if name == manifest::FILE {
            continue;
        } else if name == STATE_DIR && t.is_dir() {
            s.state = true;
        } else if t.is_dir() && DATA_DIRS.contains(&name.as_str()) {
            walk(out, &name, 0, &mut s)?;
            s.dirs.push(name);
        } else if t.is_file() && root_file_name(&name) {
            s.ours.push(name);
        } else {
            s.foreign.push(name);
        }
    }
    s.dirs
        .sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
    s.foreign.sort();
    Ok(s)
}

/// What a folder that no manifest or run state vouches for holds, for the
/// refusal: its foreign files first, else cmdbgen's own files.
pub fn unvouched(s: &Scan) -> String {
    match s.foreign.first() {
        Some(f) => format!("files that cmdbgen did not write ({f})"),
        None => "cmdbgen files that no manifest or run state vouches for (left by an interrupted run or --force)".into(),
    }
}

/// Writes the state file `name` of a new run into the state folder: from
/// here on the folder belongs to that run, whatever else it still holds.
pub fn claim(out: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let state = out.join(STATE_DIR);
    fs::create_dir_all(&state).with_context(|| format!("creating {}", state.display()))?;
    durable::write_file(&state.join(name), bytes, false)?;
    crash_point("claimed");
    Ok(())
}

/// Retires what `out` holds, in an order that keeps the promise at every
/// step: the manifest first (removed, and the removal synced), then every
/// other file cmdbgen wrote (shards, headers, scripts, part manifests, run
/// state except the entries `keep` of the state folder). Files cmdbgen did
/// not write stay, and so do the folders holding them. A foreign manifest
/// is refused.
pub fn retire(out: &Path, keep: &[&str]) -> Result<()> {
    match manifest_in(out)? {
        Found::Foreign(why) => return Err(foreign_manifest(out, &why)),
        Found::Absent => {}
        _ => {
            let m = out.join(manifest::FILE);
            fs::remove_file(&m).with_context(|| format!("removing {}", m.display()))?;
            durable::sync_dir(out)?;
        }
    }
    crash_point("retired");
    let s = scan(out)?;
    if s.state {
        let state = out.join(STATE_DIR);
        for e in fs::read_dir(&state).with_context(|| format!("reading {}", state.display()))? {
            let e = e?;
            if keep.iter().any(|k| e.file_name() == *k) {
                continue;
            }
            let p = e.path();
            if e.file_type()?.is_dir() {
                fs::remove_dir_all(&p)
            } else {
                fs::remove_file(&p)
            }
            .with_context(|| format!("removing {}", p.display()))?;
        }
        if keep.is_empty() {
            let _ = fs::remove_dir(&state);
        }
    }
    for f in &s.ours {
        let p = out.join(f);
        fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        crash_point("removed");
    }
    for d in &s.dirs {
        // Only empty folders go: one holding the user's files stays.
        let _ = fs::remove_dir(out.join(d));
    }
    Ok(())
}

/// Removes cmdbgen's data files under the data folders that `wanted` does
/// not list (shards of an earlier plan, `.tmp` files of a killed run), so a
/// resumed bundle holds exactly its own files.
pub fn sweep(out: &Path, wanted: &std::collections::HashSet<&str>) -> Result<()> {
    let s = scan(out)?;
    for f in s.ours.iter().filter(|f| f.contains('/')) {
        if !wanted.contains(f.as_str()) {
            let p = out.join(f);
            fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    Ok(())
}

/// A listed file that is not as its manifest lists it.
#[derive(Clone, Debug)]
pub struct Damage {
    /// The file, relative to the bundle root.
    pub path: String,
    /// What is wrong.
    pub why: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.path, self.why)
    }
}

/// Checks `files` under `out`: each must exist with its listed size, and,
/// with `verify`, its listed xxh3. Returns what does not match, in order.
pub fn check(out: &Path, files: &[&FileInfo], verify: bool) -> Vec<Damage> {
    files
        .par_iter()
        .filter_map(|f| {
            let p = out.join(&f.path);
            let why = match fs::symlink_metadata(&p) {
                Err(_) => "missing".to_string(),
                Ok(m) if !m.is_file() => "not a regular file".to_string(),
                Ok(m) if m.len() != f.bytes => {
                    format!("{} bytes, the manifest lists {}", m.len(), f.bytes)
                }
                Ok(_) if verify => match crate::write::hash_file(&p) {
                    Err(e) => format!("unreadable: {e}"),
                    Ok((_, h)) if format!("{h:016x}") != f.xxh3 => {
                        "its xxh3 differs from the manifest's".to_string()
                    }
                    Ok(_) => return None,
                },
                Ok(_) => return None,
            };
            Some(Damage {
                path: f.path.clone(),
                why,
            })
        })
        .collect()
}

/// Checks a root file cmdbgen derives from the manifest (`import.args`,
/// `import.sh`): it must hold exactly `want`.
pub fn check_exact(out: &Path, name: &str, want: &[u8]) -> Option<Damage> {
    match fs::read(out.join(name)) {
        Ok(b) if b == want => None,
        Ok(_) => Some(Damage {
            path: name.into(),
            why: "not what the manifest implies".into(),
        }),
        Err(_) => Some(Damage {
            path: name.into(),
            why: "missing".into(),
        }),
    }
}

/// Lists damage for messages.
pub fn list(damage: &[Damage]) -> String {
    let mut s: Vec<String> = damage.iter().take(5).map(Damage::to_string).collect();
    if damage.len() > 5 {
        s.push(format!("and {} more", damage.len() - 5));
    }
    s.join(", ")
}

/// Finishes a bundle: waits until every data file and folder is durable,
/// then writes the side `files` (`import.args`, `import.sh`,
/// `schema.cypher`: `manifest::side_files`) and, last, `manifest.json`
/// (`json`), each synced before and after its rename.
pub fn finish(out: &Path, files: &[(&str, Vec<u8>)], json: &[u8]) -> Result<()> {
    durable::settle(out).context("syncing the bundle's files to disk")?;
    for (name, bytes) in files {
        let exec = *name == manifest::SCRIPT_FILE;
        durable::write_file(&out.join(name), bytes, exec)?;
        crash_point(match *name {
            manifest::ARGS_FILE => "args",
            manifest::SCRIPT_FILE => "script",
            _ => "side",
        });
    }
    write_manifest(&out.join(manifest::FILE), json)
}

/// Finishes a bundle of `plan` whose import is `import`: the one place
/// that makes `import.args`, `import.sh` (executable) and `schema.cypher`
/// and writes them and, last, the manifest (see [`finish`]). `build` makes
/// the manifest from the Neo4j releases the bundle needs and the scripts as
/// written; `generate`, `gather` and `ingest` differ only there.
pub fn finish_with<M: serde::Serialize>(
    out: &Path,
    plan: &crate::plan::Plan,
    import: &manifest::Import,
    build: impl FnOnce(manifest::Neo4jNeeds, Vec<FileInfo>) -> M,
) -> Result<M> {
    let needs = manifest::neo4j_needs(plan);
    let files = manifest::side_files(plan, import, &needs);
    let m = build(needs, manifest::scripts_of(&files));
    let mut json = serde_json::to_vec_pretty(&m)?;
    json.push(b'\n');
    finish(out, &files, &json)?;
    Ok(m)
}

/// Writes a manifest (bundle, part or change set) durably, last.
pub fn write_manifest(path: &Path, json: &[u8]) -> Result<()> {
    crash_point("synced");
    durable::write_file(path, json, false)?;
    crash_point("manifest");
    Ok(())
}

/// The relative path of `p` under `out`, for messages.
pub fn rel(out: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(out).unwrap_or(p).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_names() {
        for ok in [
            "header.csv",
            "part-00000.csv",
            "part-7.csv.gz",
            "part-00001.parquet.tmp",
            "part-00002.jsonl",
            "header.csv.tmp",
        ] {
            assert!(data_file_name(ok), "{ok}");
        }
        for no in [
            "cat.jpg",
            "part-.csv",
            "part-0001.txt",
            "header.csv.bak",
            "part-01.csv.gz.old",
            "Part-00000.csv",
        ] {
            assert!(!data_file_name(no), "{no}");
        }
    }

    #[test]
    fn retire_keeps_the_users_files() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path();
        for f in [
            "nodes/Server/header.csv",
            "nodes/Server/part-00000.csv",
            "nodes/Server/part-00001.csv.tmp",
            "nodes/photos/cat.jpg",
            "nodes/Server/notes.txt",
            "relationships/X/part-00000.csv",
            "import.args",
            "notes.md",
            ".cmdbgen/journal.jsonl",
            ".cmdbgen/run.json",
        ] {
            let p = out.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, "x").unwrap();
        }
        fs::write(
            out.join("manifest.json"),
            r#"{"tool":"cmdbgen","fingerprint":"1","run":{"profile":{}}}"#,
        )
        .unwrap();
        let s = scan(out).unwrap();
        assert_eq!(
            s.foreign,
            ["nodes/Server/notes.txt", "nodes/photos/cat.jpg", "notes.md"]
        );
        retire(out, &["run.json"]).unwrap();
        let mut left = Vec::new();
        for f in [
            "manifest.json",
            "nodes/Server/header.csv",
            "nodes/Server/part-00001.csv.tmp",
            "relationships/X",
            "relationships",
            "import.args",
            ".cmdbgen/journal.jsonl",
            ".cmdbgen/run.json",
            "nodes/photos/cat.jpg",
            "nodes/Server/notes.txt",
            "notes.md",
        ] {
            if out.join(f).exists() {
                left.push(f);
            }
        }
        assert_eq!(
            left,
            [
                ".cmdbgen/run.json",
                "nodes/photos/cat.jpg",
                "nodes/Server/notes.txt",
                "notes.md"
            ]
        );
    }

    #[test]
    fn foreign_manifests_are_never_retired() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("manifest.json"), "{\"name\": \"mine\"}").unwrap();
        assert!(matches!(manifest_in(t.path()).unwrap(), Found::Foreign(_)));
        assert!(retire(t.path(), &[]).is_err());
        assert!(t.path().join("manifest.json").exists());
    }
}
