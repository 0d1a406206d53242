//! Runs a plan into a bundle folder: parallel shards, resume, and the manifest
//! written last.
//!
//! State of a bundle folder:
//! * `manifest.json` present: complete. Rerunning the same command does nothing;
//!   another profile/seed/format is refused unless `--force`.
//! * `.cmdbgen/run.json` present: a run in progress (or one that crashed). The
//!   same command resumes: shards recorded in `.cmdbgen/journal.jsonl` whose
//!   size and xxh3 still match are kept, all others are written again.
//! * anything else non-empty: refused unless `--force`.

use crate::error::Usage;
use crate::gen::World;
use crate::manifest::{self, Manifest, RunKey};
use crate::plan::{Plan, Shard};
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

const STATE_DIR: &str = ".cmdbgen";
const RUN_FILE: &str = "run.json";
const JOURNAL: &str = "journal.jsonl";

/// How to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The bundle folder.
    pub out: PathBuf,
    /// Overwrite a folder holding another run or foreign files.
    pub force: bool,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Progress display.
    pub progress: progress::Mode,
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
    /// Wall time of this run.
    pub seconds: f64,
}

/// Files and folders cmdbgen owns in a bundle folder (removed by `--force`).
const OWNED: &[&str] = &[
    "nodes",
    "relationships",
    manifest::FILE,
    manifest::ARGS_FILE,
    manifest::SCRIPT_FILE,
    STATE_DIR,
];

fn read_fingerprint_of_manifest(path: &Path) -> Result<String> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let m: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a cmdbgen manifest", path.display()))?;
    Ok(m.fingerprint)
}

fn clear_owned(out: &Path) -> Result<()> {
    for name in OWNED {
        let p = out.join(name);
        if p.is_dir() {
            fs::remove_dir_all(&p).with_context(|| format!("removing {}", p.display()))?;
        } else if p.exists() {
            fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    Ok(())
}

/// Decides what to do with an existing folder. Returns `Some(manifest)` when
/// the same bundle is already complete.
fn prepare(out: &Path, key: &RunKey, force: bool) -> Result<Option<Manifest>> {
    let fp = key.fingerprint();
    if !out.exists() {
        fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        return Ok(None);
    }
    if !out.is_dir() {
        return Err(Usage(format!("{} exists and is not a folder", out.display())).into());
    }
    let manifest_path = out.join(manifest::FILE);
    let run_path = out.join(STATE_DIR).join(RUN_FILE);
    let refuse = |what: &str| -> Result<Option<Manifest>> {
        Err(Usage(format!(
            "{} already holds {what}; refusing to mix runs. Use another --out, or --force to replace cmdbgen's files there",
            out.display()
        ))
        .into())
    };
    if manifest_path.exists() {
        let theirs = read_fingerprint_of_manifest(&manifest_path)?;
        if theirs == fp {
            // Complete; a state folder left by a crash after the manifest was
            // written is stale.
            if run_path.exists() {
                fs::remove_dir_all(out.join(STATE_DIR))?;
            }
            let text = fs::read_to_string(&manifest_path)?;
            return Ok(Some(serde_json::from_str(&text)?));
        }
        if !force {
            return refuse("a complete bundle of another profile, seed or format");
        }
        clear_owned(out)?;
    } else if run_path.exists() {
        let text = fs::read_to_string(&run_path)?;
        let theirs: Option<RunKey> = serde_json::from_str(&text).ok();
        if theirs.as_ref().map(RunKey::fingerprint) != Some(fp) {
            if !force {
                return refuse("an unfinished run of another profile, seed or format");
            }
            clear_owned(out)?;
        }
    } else if fs::read_dir(out)?.next().is_some() {
        if !force {
            return refuse("files that cmdbgen did not write");
        }
        clear_owned(out)?;
    }
    Ok(None)
}

/// Shards recorded as finished by an earlier run whose files still verify.
fn verified_journal(out: &Path, plan: &Plan) -> Result<HashMap<String, FileInfo>> {
    let path = out.join(STATE_DIR).join(JOURNAL);
    let mut kept = HashMap::new();
    let Ok(text) = fs::read_to_string(&path) else {
        return Ok(kept);
    };
    let planned: HashMap<&str, &Shard> = plan.shards().map(|s| (s.path.as_str(), s)).collect();
    let entries: Vec<FileInfo> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<FileInfo>(l).ok())
        .filter(|f| {
            planned
                .get(f.path.as_str())
                .is_some_and(|s| s.rows.end - s.rows.start == f.rows)
        })
        .collect();
    let verified: Vec<FileInfo> = entries
        .into_par_iter()
        .filter(|f| {
            write::hash_file(&out.join(&f.path))
                .map(|(bytes, hash)| bytes == f.bytes && format!("{hash:016x}") == f.xxh3)
                .unwrap_or(false)
        })
        .collect();
    for f in verified {
        kept.insert(f.path.clone(), f);
    }
    Ok(kept)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = write::AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()?;
    Ok(())
}

/// Generates `plan` into `opts.out`.
pub fn run(world: &World, key: &RunKey, plan: &Plan, opts: &Options) -> Result<Outcome> {
    let started = Instant::now();
    let out = opts.out.as_path();
    if let Some(manifest) = prepare(out, key, opts.force)? {
        return Ok(Outcome {
            manifest,
            written: 0,
            kept: 0,
            already_complete: true,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    let state = out.join(STATE_DIR);
    fs::create_dir_all(&state).with_context(|| format!("creating {}", state.display()))?;
    write_atomic(&state.join(RUN_FILE), &serde_json::to_vec_pretty(key)?)?;

    let kept = verified_journal(out, plan)?;
    for t in &plan.tables {
        let dir = out.join(t.table.dir());
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let headers = plan
        .tables
        .iter()
        .map(|t| write::write_header(t.table, out, &t.header))
        .collect::<std::io::Result<Vec<_>>>()
        .context("writing header files")?;

    // Largest shards first, so the last ones to finish are small.
    let mut todo: Vec<&Shard> = plan
        .shards()
        .filter(|s| !kept.contains_key(&s.path))
        .collect();
    todo.sort_by_key(|s| std::cmp::Reverse(s.rows.end - s.rows.start));
    let total_rows = plan.nodes() + plan.relationships();
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
    // Test hook: fail like a crash after this many shards (resume tests).
    let fail_after: Option<usize> = std::env::var("CMDBGEN_FAIL_AFTER_SHARDS")
        .ok()
        .and_then(|v| v.parse().ok());
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
                    plan.format,
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
                let n = finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                if fail_after.is_some_and(|limit| n >= limit) {
                    anyhow::bail!("stopping after {n} shards (CMDBGEN_FAIL_AFTER_SHARDS)");
                }
                Ok(info)
            })
            .collect::<Result<Vec<_>>>()
    })?;
    reporter.finish();

    let mut all: Vec<FileInfo> = kept.values().cloned().collect();
    all.extend(written.iter().cloned());
    let manifest = manifest::build(key, plan, &headers, &all);
    write_atomic(
        &out.join(manifest::ARGS_FILE),
        (manifest.import.args.join("\n") + "\n").as_bytes(),
    )?;
    let script = out.join(manifest::SCRIPT_FILE);
    write_atomic(&script, manifest::import_script().as_bytes())?;
    set_executable(&script)?;
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    write_atomic(&out.join(manifest::FILE), &json)?;
    fs::remove_dir_all(&state).context("removing the run state")?;
    Ok(Outcome {
        manifest,
        written: written.len(),
        kept: kept.len(),
        already_complete: false,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(unix)]
fn set_executable(p: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(0o755))?;
    Ok(())
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> Result<()> {
    Ok(())
}
