//! Gathering the parts of a distributed run into one bundle.
//!
//! `cmdbgen generate --part i/n` writes a part's shards and
//! `manifest.part-<i>-of-<n>.json`. [`gather`] reads the part manifests from
//! one or more folders, checks that they belong to one run (same
//! fingerprint, same split, this cmdbgen's version), that every part is
//! present once and that every shard of the plan (recomputed from the run
//! key) is listed exactly once by the part that owns it, brings the files
//! into the output folder (copying from other folders, or moving with
//! `--move`), and then writes `import.args`, `import.sh` and, last,
//! `manifest.json`: the same bytes a single-machine run writes.

use crate::gen::World;
use crate::manifest::{self, PartManifest};
use crate::plan::{Part, Plan};
use crate::runner;
use crate::write::{self, FileInfo};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What to gather.
#[derive(Clone, Debug)]
pub struct Options {
    /// Folders holding part manifests and their files.
    pub dirs: Vec<PathBuf>,
    /// The bundle folder to complete (often one of `dirs`).
    pub out: PathBuf,
    /// Check every file's xxh3, not only its size (files copied from another
    /// folder are always hashed while they are copied).
    pub verify: bool,
    /// Move files from other folders instead of copying them.
    pub move_files: bool,
}

/// What gathering did.
#[derive(Debug)]
pub struct Outcome {
    /// The bundle's manifest.
    pub manifest: manifest::Manifest,
    /// The number of parts gathered (0 when the bundle was already complete).
    pub parts: u32,
    /// Files brought in from other folders.
    pub copied: usize,
    /// The output folder already held this run's complete bundle.
    pub already_complete: bool,
}

/// A part manifest and the folder it was found in.
struct Found {
    dir: PathBuf,
    file: PathBuf,
    manifest: PartManifest,
}

fn find_parts(dirs: &[PathBuf]) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    for dir in dirs {
        let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| PartManifest::part_of_name(n).is_some())
            .collect();
        names.sort();
        for name in names {
            let file = dir.join(&name);
            let text =
                fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let m: PartManifest = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a cmdbgen part manifest", file.display()))?;
            m.headers
                .iter()
                .chain(&m.shards)
                .try_for_each(|f| crate::bundle_file::check_path(&f.path))
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            if PartManifest::part_of_name(&name) != Some(m.part) {
                bail!(
                    "{} says it is part {}, which does not match its file name",
                    file.display(),
                    m.part
                );
            }
            found.push(Found {
                dir: dir.clone(),
                file,
                manifest: m,
            });
        }
    }
    Ok(found)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Checks that `path` holds the file `f` describes (size, and xxh3 when
/// `verify`).
fn check_file(path: &Path, f: &FileInfo, verify: bool) -> Result<()> {
    let meta = fs::metadata(path).with_context(|| {
        format!(
            "{} is missing (listed by its part manifest)",
            path.display()
        )
    })?;
    if meta.len() != f.bytes {
        bail!(
            "{} has {} bytes, but its part manifest says {}",
            path.display(),
            meta.len(),
            f.bytes
        );
    }
    if verify {
        let (_, hash) =
            write::hash_file(path).with_context(|| format!("reading {}", path.display()))?;
        if format!("{hash:016x}") != f.xxh3 {
            bail!(
                "{} does not match the xxh3 in its part manifest (the file changed after it was written)",
                path.display()
            );
        }
    }
    Ok(())
}

/// Copies `from` to `to` through a temporary name, hashing on the way, and
/// fails unless the copy matches `f`.
fn copy_checked(from: &Path, to: &Path, f: &FileInfo) -> Result<()> {
    let mut src = fs::File::open(from).with_context(|| {
        format!(
            "{} is missing (listed by its part manifest)",
            from.display()
        )
    })?;
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut dst = write::AtomicFile::create(to)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = src
            .read(&mut buf)
            .with_context(|| format!("reading {}", from.display()))?;
        if n == 0 {
            break;
        }
        dst.write_all(&buf[..n])
            .with_context(|| format!("writing {}", to.display()))?;
    }
    let (bytes, hash) = dst.commit()?;
    if bytes != f.bytes || format!("{hash:016x}") != f.xxh3 {
        let _ = fs::remove_file(to);
        bail!(
            "{} does not match its part manifest ({bytes} bytes, xxh3 {hash:016x}; expected {} bytes, xxh3 {})",
            from.display(),
            f.bytes,
            f.xxh3
        );
    }
    Ok(())
}

/// Brings one listed file into the output folder. Returns whether it came
/// from another folder.
fn place(src_dir: &Path, out: &Path, f: &FileInfo, opts: &Options) -> Result<bool> {
    let dst = out.join(&f.path);
    if same_dir(src_dir, out) {
        check_file(&dst, f, opts.verify)?;
        write::durable::sync_existing(&dst)?;
        return Ok(false);
    }
    let src = src_dir.join(&f.path);
    if dst.exists() {
        // Brought in by an earlier, interrupted gather: keep it if it is the
        // same file; never overwrite anything else.
        check_file(&dst, f, true).with_context(|| {
            format!(
                "{} already exists and is not the file its part manifest lists; refusing to overwrite it",
                dst.display()
            )
        })?;
        write::durable::sync_existing(&dst)?;
        return Ok(false);
    }
    if opts.move_files {
        check_file(&src, f, opts.verify)?;
        if let Some(dir) = dst.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        if fs::rename(&src, &dst).is_ok() {
            write::durable::sync_existing(&dst)?;
            return Ok(true);
        }
        // Another file system: copy instead (the source stays).
    }
    copy_checked(&src, &dst, f)?;
    Ok(true)
}

/// Gathers the parts found in `opts.dirs` into `opts.out`.
pub fn gather(opts: &Options) -> Result<Outcome> {
    let out = opts.out.as_path();
    let found = find_parts(&opts.dirs)?;
    if let Some(done) = already_gathered(out, &found, opts)? {
        return Ok(done);
    }
    let Some(first) = found.first() else {
        bail!(
            "no part manifests (manifest.part-I-of-N.json) in {}",
            opts.dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let count = check_one_run(first, &found)?;
    let by_index = every_part_once(&found, count)?;

    let key = &first.manifest.run;
    let world = World::new(&key.profile);
    let plan = Plan::new(&world, key.format, key.shard_size);
    check_every_shard_once(&found, &plan, count)?;
    let part1 = by_index[&1];
    let want_headers: Vec<&str> = plan.tables.iter().map(|t| t.header.as_str()).collect();
    let got_headers: Vec<&str> = part1
        .manifest
        .headers
        .iter()
        .map(|h| h.path.as_str())
        .collect();
    if got_headers != want_headers {
        bail!(
            "{} does not list the run's header files (part 1 writes them)",
            part1.file.display()
        );
    }

    prepare_out(out, &found, &plan)?;
    let copied = place_all(&found, out, opts)?;
    let shards: Vec<FileInfo> = found
        .iter()
        .flat_map(|f| f.manifest.shards.iter().cloned())
        .collect();
    let manifest =
        runner::finish_bundle(out, &world, key, &plan, &part1.manifest.headers, &shards)?;
    // The part manifests in the bundle folder are superseded by manifest.json.
    for f in &found {
        if same_dir(&f.dir, out) {
            fs::remove_file(&f.file).with_context(|| format!("removing {}", f.file.display()))?;
        }
    }
    let _ = fs::remove_dir(out.join(".cmdbgen"));
    Ok(Outcome {
        manifest,
        parts: count,
        copied,
        already_complete: false,
    })
}

/// What `out` already holds: nothing (go on), this run's complete bundle
/// (done, if undamaged), or anything else (refused).
fn already_gathered(out: &Path, found: &[Found], opts: &Options) -> Result<Option<Outcome>> {
    let complete = out.join(manifest::FILE);
    match crate::bundle::manifest_in(out)? {
        crate::bundle::Found::Absent => {}
        crate::bundle::Found::Foreign(why) => {
            return Err(crate::bundle::foreign_manifest(out, &why))
        }
        crate::bundle::Found::Bundle(fp) if found.iter().all(|f| f.manifest.fingerprint == fp) => {
            let text = fs::read_to_string(&complete)
                .with_context(|| format!("reading {}", complete.display()))?;
            let m: manifest::Manifest = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a cmdbgen manifest", complete.display()))?;
            let damage = runner::damage_of(out, &m, opts.verify);
            if !damage.is_empty() {
                bail!(
                    "{} holds this run's complete bundle, but {} file(s) are damaged: {}. Rerun the same `cmdbgen generate` into {} to write them again",
                    out.display(),
                    damage.len(),
                    crate::bundle::list(&damage),
                    out.display()
                );
            }
            return Ok(Some(Outcome {
                manifest: m,
                parts: 0,
                copied: 0,
                already_complete: true,
            }));
        }
        other => {
            return Err(crate::error::Usage(format!(
                "{} already holds {}; gather into another --out",
                out.display(),
                match other {
                    crate::bundle::Found::Bundle(fp) =>
                        format!("a complete bundle of another run (fingerprint {fp})"),
                    o => o.describe().to_string(),
                }
            ))
            .into())
        }
    }
    Ok(None)
}

/// Every part comes from the same run (its fingerprint intact), the same
/// split and this cmdbgen version; returns the split's part count.
fn check_one_run(first: &Found, found: &[Found]) -> Result<u32> {
    let key = &first.manifest.run;
    let fp = key.fingerprint();
    let count = first.manifest.part.count;
    for f in found {
        let m = &f.manifest;
        if m.fingerprint != m.run.fingerprint() {
            bail!(
                "{}: its fingerprint does not match its run key (the file was edited)",
                f.file.display()
            );
        }
        if m.fingerprint != fp {
            bail!(
                "{} belongs to another run (fingerprint {}) than {} ({fp}): parts must come from the same profile, seed, format and shard size",
                f.file.display(),
                m.fingerprint,
                first.file.display()
            );
        }
        if m.part.count != count {
            bail!(
                "{} is part of a {}-way split, {} of a {count}-way split",
                f.file.display(),
                m.part.count,
                first.file.display()
            );
        }
    }
    if key.version != env!("CARGO_PKG_VERSION") {
        bail!(
            "the parts were written by cmdbgen {}; this is cmdbgen {}: gather with the version that generated them",
            key.version,
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(count)
}

/// Each part index 1..=count exactly once, by index.
fn every_part_once(found: &[Found], count: u32) -> Result<HashMap<u32, &Found>> {
    let mut by_index: HashMap<u32, &Found> = HashMap::new();
    for f in found {
        if let Some(other) = by_index.insert(f.manifest.part.index, f) {
            bail!(
                "part {} is present twice: {} and {}",
                f.manifest.part,
                other.file.display(),
                f.file.display()
            );
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        bail!(
            "missing part(s) {} of {count}: run `cmdbgen generate ... --part I/{count}` for them (or copy their folders here) and gather again",
            missing.join(", ")
        );
    }
    Ok(by_index)
}

/// Every planned shard exactly once, from the part that owns it, with the
/// planned rows and only companions it can have.
fn check_every_shard_once(found: &[Found], plan: &Plan, count: u32) -> Result<()> {
    let planned: HashMap<&str, (usize, u64, crate::model::Table)> = plan
        .shards()
        .enumerate()
        .map(|(o, s)| (s.path.as_str(), (o, s.rows.end - s.rows.start, s.table)))
        .collect();
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for f in found {
        let part = f.manifest.part;
        for s in &f.manifest.shards {
            let Some(&(ordinal, rows, table)) = planned.get(s.path.as_str()) else {
                bail!(
                    "{} lists {}, which is not a shard of this run's plan",
                    f.file.display(),
                    s.path
                );
            };
            if Part::owner(ordinal, count) != part.index {
                bail!(
                    "{} lists {}, which belongs to part {}",
                    f.file.display(),
                    s.path,
                    Part::owner(ordinal, count)
                );
            }
            let listed = s.rows + s.companions.iter().map(|c| c.rows).sum::<u64>();
            if listed != rows {
                bail!(
                    "{} lists {} with {listed} rows; the plan has {rows}",
                    f.file.display(),
                    s.path,
                );
            }
            let name = s.path.rsplit('/').next().unwrap_or_default();
            if let Some(c) = s.companions.iter().find(|c| {
                crate::write::companion::omit_of(table, plan.provenance, &c.path).is_none()
                    || !c.path.ends_with(&format!("/{name}"))
            }) {
                bail!(
                    "{} lists {} as a companion of {}, which it cannot be",
                    f.file.display(),
                    c.path,
                    s.path
                );
            }
            if seen.insert(s.path.as_str(), part.index).is_some() {
                bail!("{} lists {} twice", f.file.display(), s.path);
            }
        }
    }
    if seen.len() != planned.len() {
        let absent: Vec<&str> = plan
            .shards()
            .map(|s| s.path.as_str())
            .filter(|p| !seen.contains_key(p))
            .collect();
        bail!(
            "{} planned shard(s) are in no part manifest, e.g. {}",
            absent.len(),
            absent
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

/// `out` created, or holding only this run's files: nothing foreign, no
/// other run's state, and no stray `.tmp` or other plan's shards.
fn prepare_out(out: &Path, found: &[Found], plan: &Plan) -> Result<()> {
    if !out.exists() {
        fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    } else if !found.iter().any(|f| same_dir(&f.dir, out)) {
        // cmdbgen's own files may stay (an interrupted gather's, checked
        // or swept below); anything else, or another run's state, may not.
        let s = crate::bundle::scan(out)?;
        let other = s
            .foreign
            .first()
            .cloned()
            .or_else(|| s.state.then(|| crate::bundle::STATE_DIR.to_string()));
        if let Some(name) = other {
            bail!(
                "{} is not empty ({name}) and holds no part of this run; gather into an empty or new folder",
                out.display()
            );
        }
    }
    // Only the run's files may sit beside its manifest: `.tmp` files of a
    // killed copy, shards of another plan.
    let wanted: std::collections::HashSet<&str> = plan
        .tables
        .iter()
        .map(|t| t.header.as_str())
        .chain(plan.shards().map(|s| s.path.as_str()))
        .collect();
    crate::bundle::sweep(out, &wanted)?;
    Ok(())
}

/// Every part's headers, shards and companions moved or copied into `out`
/// in parallel; returns how many were copied.
fn place_all(found: &[Found], out: &Path, opts: &Options) -> Result<usize> {
    let jobs: Vec<(&Path, &FileInfo)> = found
        .iter()
        .flat_map(|f| {
            f.manifest
                .headers
                .iter()
                .chain(
                    f.manifest
                        .shards
                        .iter()
                        .flat_map(|s| std::iter::once(s).chain(&s.companions)),
                )
                .map(move |i| (f.dir.as_path(), i))
        })
        .collect();
    let copied: Vec<bool> = jobs
        .par_iter()
        .map(|(dir, info)| {
            let copied = place(dir, out, info, opts)?;
            write::durable::crash_point("placed");
            Ok(copied)
        })
        .collect::<Result<_>>()?;
    Ok(copied.iter().filter(|c| **c).count())
}
