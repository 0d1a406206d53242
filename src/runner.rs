//! Runs a plan into a bundle folder: parallel shards, resume, and the manifest
//! written last.
//!
//! State of a bundle folder:
//! * `manifest.json` present: complete. Rerunning the same command checks
//!   every listed file's size (and xxh3 with `--verify`) and writes damaged
//!   ones again; another profile/seed/format is refused unless `--force`.
//! * `.cmdbgen/run.json` present: a run in progress (or one that crashed). The
//!   same command resumes: shards recorded in `.cmdbgen/journal.jsonl` whose
//!   size and xxh3 still match are kept, all others are written again.
//! * anything else non-empty: refused unless `--force`.
//!
//! `--force` goes through [`crate::bundle::retire`]: the new run's state,
//! then the old manifest, then the old files, and only cmdbgen's.
//!
//! A part of a distributed run ([`run_part`], `--part i/n`) writes only its
//! shards (part 1 also the headers), keeps its state in
//! `.cmdbgen/part-<i>-of-<n>/`, and ends with `manifest.part-<i>-of-<n>.json`
//! instead of `manifest.json`; parts of the same run may share one folder.
//! `cmdbgen gather` ([`crate::gather`]) then writes the bundle's manifest.

pub mod changes;

use crate::bundle::{self, STATE_DIR};
use crate::error::Usage;
use crate::gen::World;
use crate::manifest::{self, Manifest, PartManifest, RunKey};
use crate::plan::{Part, Plan, Shard};
use crate::progress::{self, Reporter};
use crate::write::{self, Counters, FileInfo};
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const RUN_FILE: &str = "run.json";
const JOURNAL: &str = "journal.jsonl";

/// How to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The bundle folder.
    pub out: PathBuf,
    /// Replace another run's files in the folder (files cmdbgen did not
    /// write stay).
    pub force: bool,
    /// On a rerun over the complete bundle, check every file's xxh3, not
    /// only its size.
    pub verify: bool,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Progress display.
    pub progress: progress::Mode,
    /// Test hook (resume tests): fail like a crash once this many shards are
    /// written. The CLI takes it from `CMDBGEN_FAIL_AFTER_SHARDS`.
    pub fail_after_shards: Option<usize>,
    /// Write shards around the page cache (`--direct-io`, [`write::direct`]).
    pub direct_io: bool,
}

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    /// The manifest of the complete bundle.
    pub manifest: Manifest,
    /// Shards written by this run.
    pub written: usize,
    /// Shards kept from an earlier, interrupted run.
    pub kept: usize,
    /// The bundle was already complete; nothing was written.
    pub already_complete: bool,
    /// Files of the complete bundle found damaged and written again.
    pub repaired: Vec<bundle::Damage>,
    /// Wall time of this run.
    pub seconds: f64,
}

/// Creates `out` if it is missing (returns `false`), or checks that the
/// existing path is a folder (returns `true`).
pub(crate) fn open_folder(out: &Path) -> Result<bool> {
    if !out.exists() {
        fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        return Ok(false);
    }
    if !out.is_dir() {
        return Err(Usage(format!("{} exists and is not a folder", out.display())).into());
    }
    Ok(true)
}

/// What to do in the output folder.
enum Prepared {
    /// The same bundle is complete and whole.
    Complete(Box<Manifest>),
    /// Write (or resume) the run; `repair` lists what was found damaged in
    /// the complete bundle this run now rewrites.
    Write { repair: Vec<bundle::Damage> },
}

/// Starts this run in a folder holding another: its state first, then the
/// old manifest goes, then the old files (see [`bundle::retire`]).
fn take_over(out: &Path, key: &RunKey) -> Result<()> {
    let journal = out.join(STATE_DIR).join(JOURNAL);
    if journal.exists() {
        fs::remove_file(&journal).with_context(|| format!("removing {}", journal.display()))?;
    }
    bundle::claim(out, RUN_FILE, &serde_json::to_vec_pretty(key)?)?;
    bundle::retire(out, &[RUN_FILE])
}

/// Checks the complete bundle of this run: every listed file by size (and
/// xxh3 with `verify`), and `import.args`/`import.sh` by content.
pub(crate) fn damage_of(out: &Path, m: &Manifest, verify: bool) -> Vec<bundle::Damage> {
    let files: Vec<&FileInfo> = m
        .tables
        .iter()
        .flat_map(|t| std::iter::once(&t.header).chain(&t.shards))
        .collect();
    let mut damage = bundle::check(out, &files, verify);
    let args = m.import.args.join("\n") + "\n";
    damage.extend(bundle::check_exact(
        out,
        manifest::ARGS_FILE,
        args.as_bytes(),
    ));
    // import.sh and schema.cypher: their sizes and hashes are in the manifest.
    let scripts: Vec<&FileInfo> = m.scripts.iter().collect();
    damage.extend(bundle::check(out, &scripts, true));
    damage
}

/// Turns a complete but damaged bundle back into a run in progress whose
/// journal vouches for the files that checked out: state first, then the
/// manifest goes, so a kill from here on leaves a run to resume.
fn reopen(out: &Path, key: &RunKey, m: &Manifest, damage: &[bundle::Damage]) -> Result<()> {
    let bad: std::collections::HashSet<&str> = damage.iter().map(|d| d.path.as_str()).collect();
    let state = out.join(STATE_DIR);
    fs::create_dir_all(&state).with_context(|| format!("creating {}", state.display()))?;
    let mut journal = Vec::new();
    for f in m.tables.iter().flat_map(|t| &t.shards) {
        if !bad.contains(f.path.as_str()) {
            journal.extend(serde_json::to_vec(f)?);
            journal.push(b'\n');
        }
    }
    write::durable::write_file(&state.join(JOURNAL), &journal, false)?;
    bundle::claim(out, RUN_FILE, &serde_json::to_vec_pretty(key)?)?;
    let path = out.join(manifest::FILE);
    fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    write::durable::sync_dir(out)?;
    write::durable::crash_point("retired");
    Ok(())
}

/// Decides what to do with an existing folder.
fn prepare(out: &Path, key: &RunKey, force: bool, verify: bool) -> Result<Prepared> {
    let fp = key.fingerprint();
    let start = Prepared::Write { repair: Vec::new() };
    if !open_folder(out)? {
        return Ok(start);
    }
    let run_path = out.join(STATE_DIR).join(RUN_FILE);
    let refuse = |what: &str| -> Result<Prepared> {
        Err(Usage(format!(
            "{} already holds {what}; refusing to mix runs. Use another --out, or --force to replace cmdbgen's files there",
            out.display()
        ))
        .into())
    };
    let found = bundle::manifest_in(out)?;
    match &found {
        bundle::Found::Foreign(why) => return Err(bundle::foreign_manifest(out, why)),
        bundle::Found::Bundle(theirs) if *theirs == fp => {
            let path = out.join(manifest::FILE);
            let text =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let m: Manifest = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a cmdbgen manifest", path.display()))?;
            let damage = damage_of(out, &m, verify);
            if damage.is_empty() {
                // A state folder left by a crash after the manifest was
                // written (or before an old run was retired) is stale.
                if out.join(STATE_DIR).exists() {
                    fs::remove_dir_all(out.join(STATE_DIR))?;
                }
                return Ok(Prepared::Complete(Box::new(m)));
            }
            reopen(out, key, &m, &damage)?;
            return Ok(Prepared::Write { repair: damage });
        }
        bundle::Found::Absent => {}
        other => {
            if !force {
                return refuse(other.describe());
            }
            take_over(out, key)?;
            return Ok(start);
        }
    }
    if run_path.exists() {
        let text = fs::read_to_string(&run_path)?;
        let theirs: Option<RunKey> = serde_json::from_str(&text).ok();
        if theirs.as_ref().map(RunKey::fingerprint) != Some(fp) {
            if !force {
                return refuse("an unfinished run of another profile, seed or format");
            }
            take_over(out, key)?;
        }
        return Ok(start);
    }
    let s = bundle::scan(out)?;
    if !s.is_empty() {
        if !force {
            let has_parts = s
                .ours
                .iter()
                .any(|n| PartManifest::part_of_name(n).is_some());
            if has_parts {
                return refuse(
                    "parts of a distributed run (manifest.part-*.json; finish them with `cmdbgen gather`)",
                );
            }
            return refuse(&bundle::unvouched(&s));
        }
        take_over(out, key)?;
    }
    Ok(start)
}

/// Shards recorded as finished by an earlier run whose files still verify.
fn verified_journal(out: &Path, state: &Path, plan: &Plan) -> Result<HashMap<String, FileInfo>> {
    let path = state.join(JOURNAL);
    let mut kept = HashMap::new();
    let Ok(text) = fs::read_to_string(&path) else {
        return Ok(kept);
    };
    let planned: HashMap<&str, &Shard> = plan.shards().map(|s| (s.path.as_str(), s)).collect();
    let entries: Vec<FileInfo> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<FileInfo>(l).ok())
        .filter(|f| {
            let rows = f.rows + f.companions.iter().map(|c| c.rows).sum::<u64>();
            planned
                .get(f.path.as_str())
                .is_some_and(|s| s.rows.end - s.rows.start == rows)
        })
        .collect();
    // A shard is kept only with all of its companion files.
    let verified: Vec<FileInfo> = entries
        .into_par_iter()
        .filter(|f| {
            std::iter::once(f).chain(&f.companions).all(|g| {
                write::hash_file(&out.join(&g.path))
                    .map(|(bytes, hash)| bytes == g.bytes && format!("{hash:016x}") == g.xxh3)
                    .unwrap_or(false)
            })
        })
        .collect();
    for f in verified {
        // Written by a run that may have been killed: its bytes may still be
        // only in the page cache.
        write::durable::sync_existing(&out.join(&f.path))?;
        kept.insert(f.path.clone(), f);
    }
    Ok(kept)
}

/// What the write phase produced.
struct Written {
    /// Header files (empty when this run does not write them).
    headers: Vec<FileInfo>,
    /// Every shard of this run, kept or written, in no particular order.
    shards: Vec<FileInfo>,
    /// Shards written now.
    written: usize,
    /// Shards kept from an earlier run.
    kept: usize,
}

/// Writes `shards` (and, if asked, every header) into `out`, keeping state
/// and the journal in `state`; shards the journal vouches for are kept.
fn write_shards(
    world: &World,
    key: &RunKey,
    plan: &Plan,
    shards: &[&Shard],
    write_headers: bool,
    state: &Path,
    opts: &Options,
) -> Result<Written> {
    let out = opts.out.as_path();
    fs::create_dir_all(state).with_context(|| format!("creating {}", state.display()))?;
    write::durable::write_file(
        &state.join(RUN_FILE),
        &serde_json::to_vec_pretty(key)?,
        false,
    )?;

    let kept = verified_journal(out, state, plan)?;
    for t in &plan.tables {
        let dir = out.join(t.table.dir());
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let headers = if write_headers {
        plan.tables
            .iter()
            .map(|t| write::write_header(t.table, (plan.provenance, plan.ids), out, &t.header))
            .collect::<std::io::Result<Vec<_>>>()
            .context("writing header files")?
    } else {
        Vec::new()
    };

    let mine: std::collections::HashSet<&str> = shards.iter().map(|s| s.path.as_str()).collect();
    let kept: HashMap<String, FileInfo> = kept
        .into_iter()
        .filter(|(path, _)| mine.contains(path.as_str()))
        .collect();
    // Largest shards first, so the last ones to finish are small.
    let mut todo: Vec<&Shard> = shards
        .iter()
        .copied()
        .filter(|s| !kept.contains_key(&s.path))
        .collect();
    todo.sort_by_key(|s| std::cmp::Reverse(s.rows.end - s.rows.start));
    let total_rows: u64 = shards.iter().map(|s| s.rows.end - s.rows.start).sum();
    let done_rows: u64 = kept.values().map(|f| f.rows).sum();

    let journal = Mutex::new(
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(state.join(JOURNAL))
            .context("opening the run journal")?,
    );
    let counters = Arc::new(Counters::default());
    let reporter = Reporter::start(opts.progress, counters.clone(), total_rows, done_rows);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let fail_after = opts.fail_after_shards;
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let written: Vec<FileInfo> = pool.install(|| {
        todo.par_iter()
            .map(|s| -> Result<FileInfo> {
                let info = write::write_shard(
                    world,
                    s.table,
                    s.rows.clone(),
                    out,
                    &s.path,
                    (plan.format, opts.direct_io),
                    &counters,
                )
                .with_context(|| format!("writing {}", s.path))?;
                let mut line = serde_json::to_vec(&info)?;
                line.push(b'\n');
                journal
                    .lock()
                    .map_err(|_| anyhow::anyhow!("journal lock poisoned"))?
                    .write_all(&line)
                    .context("appending to the run journal")?;
                write::durable::crash_point("shard");
                let n = finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                if fail_after.is_some_and(|limit| n >= limit) {
                    anyhow::bail!("stopping after {n} shards (CMDBGEN_FAIL_AFTER_SHARDS)");
                }
                Ok(info)
            })
            .collect::<Result<Vec<_>>>()
    })?;
    reporter.finish();

    let n_written = written.len();
    let n_kept = kept.len();
    let mut all: Vec<FileInfo> = kept.into_values().collect();
    all.extend(written);
    Ok(Written {
        headers,
        shards: all,
        written: n_written,
        kept: n_kept,
    })
}

/// Writes the files that make a bundle complete: `import.args`, `import.sh`,
/// `schema.cypher` and, last, `manifest.json`. `headers` are in plan order; `shards` must hold
/// every planned shard (any order). `world` gives the conflict summary of a
/// multi-source profile (computed from the profile alone, so a resumed or
/// gathered run records the same). Used by [`run`] and by `gather`.
pub fn finish_bundle(
    out: &Path,
    world: &World,
    key: &RunKey,
    plan: &Plan,
    headers: &[FileInfo],
    shards: &[FileInfo],
) -> Result<Manifest> {
    let mut headers = headers.to_vec();
    headers.extend(
        write::companion::write_headers(out, (plan.provenance, plan.ids), shards)
            .context("writing header files")?,
    );
    let mut manifest = manifest::build(key, plan, &headers, shards);
    manifest.merge = world.merge_summary();
    let import = manifest.import.clone();
    bundle::finish_with(out, plan, &import, |_, scripts| {
        manifest.scripts = scripts;
        manifest
    })
}

/// Generates `plan` into `opts.out`.
pub fn run(world: &World, key: &RunKey, plan: &Plan, opts: &Options) -> Result<Outcome> {
    let started = Instant::now();
    let out = opts.out.as_path();
    let repaired = match prepare(out, key, opts.force, opts.verify)? {
        Prepared::Complete(manifest) => {
            return Ok(Outcome {
                manifest: *manifest,
                written: 0,
                kept: 0,
                already_complete: true,
                repaired: Vec::new(),
                seconds: started.elapsed().as_secs_f64(),
            })
        }
        Prepared::Write { repair } => repair,
    };
    let state = out.join(STATE_DIR);
    let shards: Vec<&Shard> = plan.shards().collect();
    // Only this plan's files may stay: an earlier plan's shards and `.tmp`
    // files of a killed run would otherwise sit beside the new manifest.
    let wanted: std::collections::HashSet<&str> = plan
        .tables
        .iter()
        .map(|t| t.header.as_str())
        .chain(shards.iter().map(|s| s.path.as_str()))
        .collect();
    bundle::sweep(out, &wanted)?;
    let w = write_shards(world, key, plan, &shards, true, &state, opts)?;
    let manifest = finish_bundle(out, world, key, plan, &w.headers, &w.shards)?;
    fs::remove_dir_all(&state).context("removing the run state")?;
    Ok(Outcome {
        manifest,
        written: w.written,
        kept: w.kept,
        already_complete: false,
        repaired,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What a part run did.
#[derive(Debug)]
pub struct PartOutcome {
    /// The part's manifest (`None` when the folder already holds the
    /// gathered bundle).
    pub manifest: Option<PartManifest>,
    /// Where it was written.
    pub manifest_path: PathBuf,
    /// Shards written by this run.
    pub written: usize,
    /// Shards kept from an earlier, interrupted run of this part.
    pub kept: usize,
    /// The part (or the gathered bundle) was already complete.
    pub already_complete: bool,
    /// Wall time of this run.
    pub seconds: f64,
}

fn part_state(out: &Path, part: Part) -> PathBuf {
    out.join(STATE_DIR)
        .join(format!("part-{}-of-{}", part.index, part.count))
}

/// Fingerprints vouching for the contents of `out`: every part manifest and
/// every run state (single or part), as (file, fingerprint, part count).
fn vouchers(out: &Path) -> Result<Vec<(PathBuf, String, Option<u32>)>> {
    let mut found = Vec::new();
    for e in fs::read_dir(out).with_context(|| format!("reading {}", out.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(p) = PartManifest::part_of_name(&name) {
            let text = fs::read_to_string(e.path())
                .with_context(|| format!("reading {}", e.path().display()))?;
            let m: PartManifest = serde_json::from_str(&text).with_context(|| {
                format!("{} is not a cmdbgen part manifest", e.path().display())
            })?;
            found.push((e.path(), m.fingerprint, Some(p.count)));
        }
    }
    let state = out.join(STATE_DIR);
    let mut runs = vec![(state.join(RUN_FILE), None)];
    if let Ok(dir) = fs::read_dir(&state) {
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let count = name
                .strip_prefix("part-")
                .and_then(|r| r.split_once("-of-"))
                .and_then(|(_, n)| n.parse().ok());
            if count.is_some() {
                runs.push((e.path().join(RUN_FILE), count));
            }
        }
    }
    for (path, count) in runs {
        if let Ok(text) = fs::read_to_string(&path) {
            let fp = serde_json::from_str::<RunKey>(&text)
                .map(|k| k.fingerprint())
                .unwrap_or_else(|_| "unreadable".to_string());
            found.push((path, fp, count));
        }
    }
    Ok(found)
}

/// Decides what a part run does with an existing folder. Returns the path of
/// a manifest when this part (or the whole gathered bundle) is complete.
fn prepare_part(out: &Path, key: &RunKey, part: Part, force: bool) -> Result<Option<PathBuf>> {
    let fp = key.fingerprint();
    if !open_folder(out)? {
        return Ok(None);
    }
    let refuse = |what: String| -> Result<Option<PathBuf>> {
        Err(Usage(format!(
            "{} already holds {what}; refusing to mix runs. Use another --out, or --force to replace cmdbgen's files there",
            out.display()
        ))
        .into())
    };
    let manifest_path = out.join(manifest::FILE);
    let mut conflict = None;
    match bundle::manifest_in(out)? {
        bundle::Found::Absent => {}
        bundle::Found::Foreign(why) => return Err(bundle::foreign_manifest(out, &why)),
        bundle::Found::Bundle(theirs) if theirs == fp => return Ok(Some(manifest_path)),
        other => conflict = Some(other.describe().to_string()),
    }
    let found = vouchers(out)?;
    if conflict.is_none() {
        if let Some((path, _, _)) = found.iter().find(|(_, f, _)| *f != fp) {
            conflict = Some(format!(
                "files of another run (see {})",
                path.strip_prefix(out).unwrap_or(path).display()
            ));
        } else if let Some((path, _, Some(n))) = found
            .iter()
            .find(|(_, _, n)| n.is_some_and(|n| n != part.count))
        {
            conflict = Some(format!(
                "parts of a {n}-way split of this run (see {}), not {}-way",
                path.strip_prefix(out).unwrap_or(path).display(),
                part.count
            ));
        }
    }
    if conflict.is_none() {
        let s = bundle::scan(out)?;
        if !s.foreign.is_empty() || (found.is_empty() && !s.is_empty()) {
            conflict = Some(bundle::unvouched(&s));
        }
    }
    if let Some(what) = conflict {
        if !force {
            return refuse(what);
        }
        // Other parts' states vouch for files that are about to go.
        let state = out.join(STATE_DIR);
        if state.exists() {
            fs::remove_dir_all(&state).with_context(|| format!("removing {}", state.display()))?;
        }
        bundle::retire(out, &[])?;
        return Ok(None);
    }
    let mine = out.join(part.manifest_name());
    if mine.exists() {
        let state = part_state(out, part);
        if state.exists() {
            fs::remove_dir_all(&state)?;
        }
        return Ok(Some(mine));
    }
    Ok(None)
}

/// Generates one part of `plan` into `opts.out`: the shards whose global
/// ordinal is `part.index - 1` modulo `part.count` (part 1 also writes the
/// header files), then `manifest.part-<i>-of-<n>.json`.
pub fn run_part(
    world: &World,
    key: &RunKey,
    plan: &Plan,
    part: Part,
    opts: &Options,
) -> Result<PartOutcome> {
    let started = Instant::now();
    let out = opts.out.as_path();
    if let Some(path) = prepare_part(out, key, part, opts.force)? {
        let manifest =
            if path.ends_with(manifest::FILE) {
                None
            } else {
                let text = fs::read_to_string(&path)?;
                Some(serde_json::from_str(&text).with_context(|| {
                    format!("{} is not a cmdbgen part manifest", path.display())
                })?)
            };
        return Ok(PartOutcome {
            manifest,
            manifest_path: path,
            written: 0,
            kept: 0,
            already_complete: true,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    let state = part_state(out, part);
    let shards: Vec<&Shard> = plan.shards_of(Some(part)).collect();
    let w = write_shards(world, key, plan, &shards, part.index == 1, &state, opts)?;
    let order: HashMap<&str, usize> = shards
        .iter()
        .enumerate()
        .map(|(i, s)| (s.path.as_str(), i))
        .collect();
    let mut files = w.shards;
    files.sort_by_key(|f| order.get(f.path.as_str()).copied().unwrap_or(usize::MAX));
    let manifest = PartManifest::new(key, part, w.headers, files);
    let path = out.join(part.manifest_name());
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    write::durable::settle(out).context("syncing the part's files to disk")?;
    bundle::write_manifest(&path, &json)?;
    fs::remove_dir_all(&state).context("removing the part's run state")?;
    // Other parts may still be running in this folder: remove the state
    // folder only when it is empty.
    let _ = fs::remove_dir(out.join(STATE_DIR));
    Ok(PartOutcome {
        manifest: Some(manifest),
        manifest_path: path,
        written: w.written,
        kept: w.kept,
        already_complete: false,
        seconds: started.elapsed().as_secs_f64(),
    })
}
