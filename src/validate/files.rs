//! The files that actually run: `import.args`, which neo4j-admin reads
//! (`@import.args`), must hold the manifest's arguments and name exactly
//! the manifest's files; `import.sh` and `schema.cypher` must be the bytes
//! cmdbgen wrote (size and xxh3 in the manifest's `scripts`). The
//! manifest's own copy of the arguments is checked in [`super::bundle`].

use super::bundle::{safe_path, DataFormat, Manifest, Pattern};
use super::findings::FileReport;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

/// The neo4j-admin argument file.
pub const ARGS_FILE: &str = "import.args";
/// The files every bundle of this version records in `scripts`.
const SCRIPTS: [&str; 2] = ["import.sh", "schema.cypher"];
/// Larger than any argument file or script cmdbgen writes.
const MAX_BYTES: u64 = 16 << 20;

/// A small regular file of the bundle. Symlinks, FIFOs and folders are
/// refused without opening them (a FIFO would block the read).
fn read_small(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    let p = dir.join(name);
    let meta = fs::symlink_metadata(&p).map_err(|e| match e.kind() {
        ErrorKind::NotFound => "missing".to_string(),
        _ => format!("cannot read: {e}"),
    })?;
    if !meta.file_type().is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_BYTES {
        return Err(format!(
            "{} bytes, more than any file cmdbgen writes",
            meta.len()
        ));
    }
    // Opened through the one bundle-file rule (no links, regular files only).
    let mut bytes = Vec::new();
    crate::bundle_file::open(dir, name)
        .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    Ok(bytes)
}

/// The arguments of an `@`-file as picocli reads it: words separated by
/// white space, `#` lines are comments. With their line numbers.
fn words(text: &str) -> Vec<(u64, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
        .flat_map(|(i, l)| l.split_whitespace().map(move |w| (i as u64 + 1, w)))
        .collect()
}

/// Checks `import.args`: present, the manifest's arguments and no others,
/// and its file groups naming each header first, each shard once and no
/// other file on disk.
pub fn check_args_file(dir: &Path, m: &Manifest, format: &DataFormat, keep: usize) -> FileReport {
    let mut r = FileReport::new(ARGS_FILE, keep);
    let bytes = match read_small(dir, ARGS_FILE) {
        Ok(b) => b,
        Err(why) => {
            r.error(
                None,
                format!("{why}: neo4j-admin reads the import's arguments from this file (import.sh passes @{ARGS_FILE}); regenerate the bundle"),
            );
            return r;
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let got = words(&text);

    // The same arguments as the manifest's copy (a multiset: neo4j-admin
    // does not care about their order).
    let mut want: BTreeMap<&str, i64> = BTreeMap::new();
    for a in &m.import.args {
        *want.entry(a.as_str()).or_default() += 1;
    }
    for (line, w) in &got {
        match want.get_mut(w) {
            Some(n) if *n > 0 => *n -= 1,
            _ => r.error(
                Some(*line),
                format!("'{w}' is not one of the manifest's import arguments"),
            ),
        }
    }
    for (a, n) in want {
        if n > 0 {
            r.error(None, format!("lacks the manifest's import argument {a}"));
        }
    }
    check_named_files(dir, m, format, &got, &mut r);
    r
}

/// How often `import.args` names each header and shard of the manifest (by
/// path, with its table), and the folder listings read so far.
struct Uses<'m> {
    headers: BTreeMap<&'m str, (&'m str, u32)>,
    shards: BTreeMap<&'m str, (&'m str, u32)>,
    listings: HashMap<String, Vec<String>>,
}

/// What the `--nodes`/`--relationships` groups of `args` name, against the
/// manifest's headers and shards and the files on disk.
fn check_named_files(
    dir: &Path,
    m: &Manifest,
    format: &DataFormat,
    args: &[(u64, &str)],
    r: &mut FileReport,
) {
    let parquet = format.is_parquet();
    let mut uses = Uses {
        headers: BTreeMap::new(),
        shards: BTreeMap::new(),
        listings: HashMap::new(),
    };
    for t in &m.tables {
        uses.headers
            .insert(t.header.path.as_str(), (t.name.as_str(), 0));
        for s in &t.shards {
            uses.shards.insert(s.path.as_str(), (t.name.as_str(), 0));
        }
    }
    for &(line, w) in args {
        let Some(v) = w
            .strip_prefix("--nodes=")
            .or_else(|| w.strip_prefix("--relationships="))
        else {
            continue;
        };
        // A label list or relationship type ends at the first '='.
        let files = v.split_once('=').map_or(v, |(_, f)| f);
        for (i, part) in files.split(',').enumerate() {
            if !safe_path(part) {
                r.error(
                    Some(line),
                    format!("'{part}' is not a path inside the bundle"),
                );
                continue;
            }
            // CSV groups start with their header file; Parquet groups carry
            // the header in the column names.
            if i == 0 && !parquet {
                match uses.headers.get_mut(part) {
                    Some((_, n)) => *n += 1,
                    None => r.error(
                        Some(line),
                        format!("the group starts with {part}, which is not a header file in the manifest: neo4j-admin reads a group's first file as its header"),
                    ),
                }
                continue;
            }
            count_matches(dir, (line, part), &mut uses, r);
        }
    }
    report_uses(&uses, parquet, r);
}

/// One data file pattern of a group: every file on disk it matches must be
/// a shard of the manifest (counted), and it must match at least one.
fn count_matches(dir: &Path, (line, part): (u64, &str), uses: &mut Uses<'_>, r: &mut FileReport) {
    let (d, name) = part.rsplit_once('/').unwrap_or(("", part));
    let Some(pattern) = Pattern::parse(name) else {
        r.error(
            Some(line),
            format!("cannot check the file pattern '{part}'"),
        );
        return;
    };
    let names = uses.listings.entry(d.to_string()).or_insert_with(|| {
        let mut v: Vec<String> = fs::read_dir(dir.join(d))
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    });
    let mut hits = 0u64;
    for n in names.iter().filter(|n| pattern.matches(n)) {
        hits += 1;
        let path = if d.is_empty() {
            n.clone()
        } else {
            format!("{d}/{n}")
        };
        if let Some((_, uses)) = uses.shards.get_mut(path.as_str()) {
            *uses += 1;
        } else if uses.headers.contains_key(path.as_str()) {
            r.error(
                Some(line),
                format!("'{part}' matches the header file {path}, which would be read as data"),
            );
        } else {
            r.error(
                Some(line),
                format!("'{part}' matches {path}, which the manifest does not list: neo4j-admin would import it"),
            );
        }
    }
    if hits == 0 {
        r.error(
            Some(line),
            format!("'{part}' names no file: neo4j-admin would stop at it"),
        );
    }
}

/// Headers that start no group or several, shards named more than once, and
/// shards not named (one line per table, not one per shard).
fn report_uses(uses: &Uses<'_>, parquet: bool, r: &mut FileReport) {
    if !parquet {
        for (path, (table, uses)) in &uses.headers {
            match uses {
                0 => r.error(
                    None,
                    format!("names no group with the header {path}: neo4j-admin would not import table {table}"),
                ),
                1 => {}
                n => r.error(
                    None,
                    format!("starts {n} groups with the header {path}: table {table} would be imported {n} times"),
                ),
            }
        }
    }
    let mut missing: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    for (path, (table, uses)) in &uses.shards {
        match uses {
            0 => {
                let e = missing.entry(table).or_insert((0, path));
                e.0 += 1;
            }
            1 => {}
            n => r.error(
                None,
                format!("names the shard {path} {n} times: its rows would be imported {n} times"),
            ),
        }
    }
    for (table, (n, first)) in missing {
        r.error(
            None,
            format!("does not name {n} shard(s) of table {table} (the first: {first}): neo4j-admin would not import their rows"),
        );
    }
}

/// Checks `import.sh` and `schema.cypher` (and whatever else the manifest's
/// `scripts` lists) against their recorded size and xxh3.
pub fn check_scripts(dir: &Path, m: &Manifest, keep: usize) -> Vec<FileReport> {
    let mut reports = Vec::new();
    if m.scripts.is_empty() {
        let mut r = FileReport::new(SCRIPTS[0], keep);
        r.warn(
            None,
            "the manifest records no hashes of import.sh and schema.cypher (a bundle of an older cmdbgen): they are not checked",
        );
        reports.push(r);
        return reports;
    }
    let mut names: Vec<&str> = SCRIPTS.to_vec();
    for e in &m.scripts {
        if !names.contains(&e.path.as_str()) {
            names.push(&e.path);
        }
    }
    for name in names {
        let mut r = FileReport::new(name, keep);
        let entry = m.scripts.iter().find(|e| e.path == name);
        match entry {
            None => r.error(None, "manifest.json records no size and hash for this file"),
            Some(_) if !safe_path(name) => r.error(
                None,
                "manifest.json lists it under a path outside the bundle",
            ),
            Some(e) => match read_small(dir, name) {
                Err(why) => r.error(
                    None,
                    format!(
                        "{why}: cmdbgen wrote it ({} bytes, xxh3 {}); regenerate the bundle",
                        e.bytes, e.xxh3
                    ),
                ),
                Ok(bytes) => {
                    let hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes));
                    if bytes.len() as u64 != e.bytes || hash != e.xxh3 {
                        r.error(
                            None,
                            format!(
                                "not the file cmdbgen wrote: {} bytes, xxh3 {hash}; the manifest records {} bytes, xxh3 {} (regenerate the bundle, or restore the file)",
                                bytes.len(),
                                e.bytes,
                                e.xxh3
                            ),
                        );
                    }
                }
            },
        }
        reports.push(r);
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_files_are_read_as_picocli_does() {
        let w = words("--nodes=a,b\n# a comment --x\n\n  --id-type=string  --bad-tolerance=0\n");
        assert_eq!(
            w,
            vec![
                (1, "--nodes=a,b"),
                (4, "--id-type=string"),
                (4, "--bad-tolerance=0")
            ]
        );
    }
}
