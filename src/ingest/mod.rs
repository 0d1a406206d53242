//! `cmdbgen ingest`: teams' exports (CSV, Parquet, Arrow IPC) mapped to the
//! model by a small TOML file per source, merged with the rules of
//! [`crate::merge`], and written as the same bundle as `generate`
//! (docs/sources.md).
//!
//! Memory stays bounded whatever the input size. The work runs in steps,
//! each over hash partitions on disk (in the output's `.cmdbgen/ingest`):
//! 1. [`load`]: every file is read once; each report is typed, keyed by its
//!    canonical id and spilled to the partition of its key's hash (node
//!    reports by item, relationship reports by start).
//! 2. [`join::merge_nodes`]: per partition, reports are sorted by id and
//!    merged; the merged rows go to run files, and a small meta file lists
//!    each item's id, winner and sources.
//! 3. [`join::join_starts`]: relationship reports are merged per
//!    relationship and joined with the meta of their start (partitioned by
//!    start); [`join::check_ends`] streams a small check of each end against
//!    the meta of the end's partition (so an end shared by millions of
//!    relationships costs no memory), and an end no source reports is bad
//!    input; [`join::write_rels`] writes the relationships that passed, in
//!    start order.
//! 4. [`output`]: shards are cut from the runs in partition order.
//!
//! Partitions are contiguous ranges of a 128-bit hash and rows are sorted by
//! (hash, id) inside them, so the bytes written depend neither on the thread
//! count, nor on the input order, nor on the number of partitions (which
//! follows `--memory-mb`).

pub mod errors;
pub mod join;
pub mod load;
pub mod mapping;
pub mod output;
pub mod read;
pub mod spill;
pub mod value;

use crate::bundle;
use crate::error::Usage;
use crate::merge::{Strategy, Summary};
use crate::model::Table;
use crate::write::{FileInfo, Format};
use anyhow::{Context, Result};
use errors::{Errors, OnError};
use load::Input;
use mapping::Mapping;
use output::{IngestManifest, IngestRun, InputEntry, Runs, SourceEntry};
use rayon::prelude::*;
use spill::Partitions;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most sources one ingest merges (a record's sources are a 64-bit set).
pub const MAX_SOURCES: usize = 64;

/// The provenance columns of an ingested bundle: ingest merges the reports
/// of its sources, so `sources` and `observed_at` always carry information.
pub const PROVENANCE: crate::model::Provenance = crate::model::Provenance::Full;

/// The temporary area inside the output folder.
const TMP: &str = ".cmdbgen/ingest";

/// How to ingest.
#[derive(Clone, Debug)]
pub struct Options {
    /// `(name, mapping file or folder)`, in flag order.
    pub sources: Vec<(String, PathBuf)>,
    /// The bundle folder.
    pub out: PathBuf,
    /// How conflicts are resolved.
    pub strategy: Strategy,
    /// Bad-input policy.
    pub on_error: OnError,
    /// Most rows `skip` may leave out before the run fails.
    pub max_errors: u64,
    /// Output format.
    pub format: Format,
    /// Rows per shard file.
    pub shard_rows: u64,
    /// Worker threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Replace cmdbgen's files in a non-empty `out`.
    pub force: bool,
    /// The memory budget of the merge, in MiB.
    pub memory_mb: u64,
    /// Where progress notes go (text or JSON lines; none when quiet).
    pub console: crate::progress::Console,
}

/// What an ingest did.
#[derive(Debug)]
pub struct Outcome {
    /// The bundle's manifest.
    pub manifest: IngestManifest,
    /// Data rows read from every input.
    pub rows_read: u64,
    /// Hash partitions used.
    pub partitions: usize,
    /// Wall time.
    pub seconds: f64,
}

/// A source, resolved.
struct Source {
    name: String,
    given: PathBuf,
    mapping: Mapping,
}

/// Checks source names and mappings and orders the sources by priority.
fn sources(o: &Options) -> Result<Vec<Source>, Usage> {
    if o.sources.is_empty() {
        return Err(Usage("give at least one --source NAME=PATH".into()));
    }
    if o.sources.len() > MAX_SOURCES {
        return Err(Usage(format!(
            "{} sources given; ingest merges at most {MAX_SOURCES}",
            o.sources.len()
        )));
    }
    let mut list: Vec<(u32, usize, Source)> = Vec::new();
    for (pos, (name, path)) in o.sources.iter().enumerate() {
        if name.is_empty()
            || name
                .chars()
                .any(|c| c == ';' || c == ',' || c == '"' || c.is_control())
        {
            return Err(Usage(format!(
                "--source '{name}={}': a source name must be non-empty, without ; , \" or control characters",
                path.display()
            )));
        }
        if list.iter().any(|(_, _, s)| s.name == *name) {
            return Err(Usage(format!("--source {name} is given twice")));
        }
        let mapping = Mapping::load(path)?;
        for f in &mapping.files {
            if !f.path.is_file() {
                return Err(Usage(format!(
                    "{}: {}.file: {} does not exist",
                    mapping.path.display(),
                    f.key,
                    f.path.display()
                )));
            }
        }
        let priority = mapping.priority.unwrap_or(crate::cast::small(pos) + 1);
        if let Some((_, _, other)) = list.iter().find(|(p, _, _)| *p == priority) {
            return Err(Usage(format!(
                "sources {} and {name} both have priority {priority} (a mapping's `priority`, else the position of its --source flag); give each source its own",
                other.name
            )));
        }
        list.push((
            priority,
            pos,
            Source {
                name: name.clone(),
                given: path.clone(),
                mapping,
            },
        ));
    }
    list.sort_by_key(|(p, pos, _)| (*p, *pos));
    Ok(list.into_iter().map(|(_, _, s)| s).collect())
}

/// Creates `out`, or retires cmdbgen's files there under `--force` (the
/// old manifest first; files cmdbgen did not write stay).
fn prepare(out: &Path, force: bool) -> Result<()> {
    if crate::runner::open_folder(out)? {
        if let bundle::Found::Foreign(why) = bundle::manifest_in(out)? {
            return Err(bundle::foreign_manifest(out, &why));
        }
        let busy = fs::read_dir(out)
            .with_context(|| format!("reading {}", out.display()))?
            .next()
            .is_some();
        if busy {
            if !force {
                return Err(Usage(format!(
                    "{} is not empty; use another --out, or --force to replace cmdbgen's files there",
                    out.display()
                ))
                .into());
            }
            bundle::retire(out, &[])?;
        }
    }
    Ok(())
}

/// The number of hash partitions: enough that one partition, decoded,
/// fits in each thread's share of the memory budget.
fn partitions(inputs: &[Input], memory: u64, threads: usize) -> usize {
    let est: u64 = inputs
        .iter()
        .map(|i| {
            let size = read::file_size(&i.map.path);
            // Spilled records are about the CSV size plus fixed fields;
            // columnar files expand when decoded.
            match i.format {
                read::InputFormat::Csv => size.saturating_mul(2),
                read::InputFormat::Parquet => size.saturating_mul(8),
                read::InputFormat::Ipc => size.saturating_mul(2),
            }
        })
        .sum();
    let share = (memory / (threads as u64 * 4)).max(1 << 16);
    est.div_ceil(share).clamp(1, 4096) as usize
}

/// Runs an ingest.
pub fn run(o: &Options) -> Result<Outcome> {
    let started = Instant::now();
    let srcs = sources(o)?;
    let names: Vec<String> = srcs.iter().map(|s| s.name.clone()).collect();
    let mut inputs: Vec<Input> = Vec::new();
    for (rank, s) in srcs.iter().enumerate() {
        for f in &s.mapping.files {
            inputs.push(Input {
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "at most MAX_SOURCES (64) sources, checked in sources()"
                )]
                rank: rank as u8,
                map: f.clone(),
                mapping: s.mapping.path.clone(),
                format: read::InputFormat::of(&f.path),
            });
        }
    }
    prepare(&o.out, o.force)?;
    let tmp = o.out.join(TMP);
    let result = ingest(o, &srcs, &names, &inputs, &tmp, started);
    let _ = fs::remove_dir_all(o.out.join(".cmdbgen"));
    result
}

fn say(o: &Options, msg: impl AsRef<str>) {
    o.console
        .note("notice", &format!("ingest: {}", msg.as_ref()));
}

/// The steps after the checks: read every input into hash partitions, merge
/// and join them partition by partition, then write the bundle.
fn ingest(
    o: &Options,
    srcs: &[Source],
    names: &[String],
    inputs: &[Input],
    tmp: &Path,
    started: Instant,
) -> Result<Outcome> {
    if tmp.exists() {
        fs::remove_dir_all(tmp).with_context(|| format!("removing {}", tmp.display()))?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(o.threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let threads = pool.current_num_threads().max(1);
    let memory = o.memory_mb.max(1) << 20;
    let parts = partitions(inputs, memory, threads);
    let spill_limit = usize::try_from(memory / (threads as u64 * 8)).unwrap_or(usize::MAX);
    let errors = Errors::new(o.on_error, o.max_errors, inputs.len());
    let sp = Spills::create(tmp, parts)?;
    say(
        o,
        format!(
            "{} sources, {} files, {parts} partitions, {threads} threads",
            srcs.len(),
            inputs.len()
        ),
    );

    // Step 1: read.
    let counts = read_all(o, &pool, &sp, (&errors, spill_limit), inputs)?;
    let rows_read: u64 = counts.iter().sum();
    say(
        o,
        format!(
            "read {rows_read} rows in {:.1}s",
            started.elapsed().as_secs_f64()
        ),
    );
    if let Some(v) = errors.verdict() {
        anyhow::bail!(v);
    }

    // Steps 2 and 3: merge and join, partition by partition.
    let cx = join::Ctx {
        strategy: o.strategy,
        sources: names,
        inputs,
        errors: &errors,
        runs: &sp.runs,
        meta: &sp.meta,
        spill_limit,
    };
    let summary = merge_and_join(o, &pool, &cx, &sp, parts)?;
    if let Some(v) = errors.verdict() {
        anyhow::bail!(v);
    }
    say(
        o,
        format!("merged in {:.1}s", started.elapsed().as_secs_f64()),
    );

    // Step 4: the bundle.
    let per_table: Vec<(Table, Vec<u64>)> = Table::all()
        .map(|t| (t, sp.runs.rows_of(t, parts)))
        .collect();
    let totals: Vec<(Table, u64)> = per_table
        .iter()
        .map(|(t, v)| (*t, v.iter().sum()))
        .collect();
    let plan = output::plan(&totals, o.format, o.shard_rows);
    let headers = output::headers(&plan, &o.out).context("writing header files")?;
    let written = write_shards(o, &pool, &sp.runs, &plan, &per_table)?;
    let entries = input_entries(inputs, names, &counts, errors.files());
    let run = IngestRun {
        version: env!("CARGO_PKG_VERSION").to_string(),
        mode: "ingest".into(),
        strategy: o.strategy,
        sources: srcs
            .iter()
            .enumerate()
            .map(|(r, s)| SourceEntry {
                name: s.name.clone(),
                priority: crate::cast::small(r) + 1,
                mapping: s.given.display().to_string(),
            })
            .collect(),
        format: o.format,
        shard_rows: o.shard_rows,
        on_error: o.on_error,
        max_errors: o.max_errors,
    };
    let manifest = output::finish(&o.out, run, &plan, &headers, &written, summary, entries)?;
    Ok(Outcome {
        manifest,
        rows_read,
        partitions: parts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The spill partitions of one ingest, under its temporary folder: node and
/// relationship reports, relationship ends, merge metadata, relationships
/// waiting for their ends, rejected ends, and the sorted runs.
struct Spills {
    nodes: Partitions,
    rels: Partitions,
    ends: Partitions,
    meta: Partitions,
    pending: Partitions,
    rejects: Partitions,
    runs: Runs,
}

impl Spills {
    /// Creates every partition set with `parts` partitions.
    fn create(tmp: &Path, parts: usize) -> Result<Spills> {
        Ok(Spills {
            nodes: Partitions::create(&tmp.join("nodes"), parts)?,
            rels: Partitions::create(&tmp.join("rels"), parts)?,
            ends: Partitions::create(&tmp.join("ends"), parts)?,
            meta: Partitions::create(&tmp.join("meta"), parts)?,
            pending: Partitions::create(&tmp.join("pending"), parts)?,
            rejects: Partitions::create(&tmp.join("rejects"), parts)?,
            runs: Runs::new(&tmp.join("runs")),
        })
    }
}

/// Step 1: every input read in parallel into the partitions, with the rows
/// read ticking on stderr; the data rows of each input.
fn read_all(
    o: &Options,
    pool: &rayon::ThreadPool,
    sp: &Spills,
    (errors, spill_limit): (&Errors, usize),
    inputs: &[Input],
) -> Result<Vec<u64>> {
    let rows = Arc::new(AtomicU64::new(0));
    let ticker = Ticker::start(o.console, rows.clone());
    let ld = load::Load {
        nodes: &sp.nodes,
        rels: &sp.rels,
        errors,
        spill_limit,
        rows: &rows,
    };
    let counts: Vec<u64> = pool.install(|| {
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, input)| {
                load::read_input(&ld, i, input)
                    .with_context(|| format!("spilling {}", input.map.path.display()))
            })
            .collect::<Result<Vec<u64>>>()
    })?;
    ticker.stop();
    Ok(counts)
}

/// Steps 2 and 3, each over all partitions in parallel: merge node reports,
/// route relationships to their ends, check the ends exist, write the
/// relationships; the merge summary of nodes and relationships.
fn merge_and_join(
    o: &Options,
    pool: &rayon::ThreadPool,
    cx: &join::Ctx<'_>,
    sp: &Spills,
    parts: usize,
) -> Result<Summary> {
    let add = |mut a: Summary, b: Summary| {
        a.add(b);
        a
    };
    let nodes: Summary = pool.install(|| {
        (0..parts)
            .into_par_iter()
            .map(|k| join::merge_nodes(cx, &sp.nodes, k))
            .try_reduce(|| Summary::new(o.strategy), |a, b| Ok(add(a, b)))
    })?;
    pool.install(|| {
        (0..parts)
            .into_par_iter()
            .try_for_each(|k| join::join_starts(cx, &sp.rels, &sp.ends, &sp.pending, k))
    })?;
    pool.install(|| {
        (0..parts)
            .into_par_iter()
            .try_for_each(|k| join::check_ends(cx, &sp.ends, &sp.rejects, k))
    })?;
    let rels: Summary = pool.install(|| {
        (0..parts)
            .into_par_iter()
            .map(|k| join::write_rels(cx, &sp.pending, &sp.rejects, k))
            .try_reduce(|| Summary::new(o.strategy), |a, b| Ok(add(a, b)))
    })?;
    let mut summary = nodes;
    summary.add(rels);
    Ok(summary)
}

/// Step 4's shards, in parallel, from the sorted runs.
fn write_shards(
    o: &Options,
    pool: &rayon::ThreadPool,
    runs: &Runs,
    plan: &crate::plan::Plan,
    per_table: &[(Table, Vec<u64>)],
) -> Result<Vec<FileInfo>> {
    let shards: Vec<&crate::plan::Shard> = plan.shards().collect();
    pool.install(|| {
        shards
            .par_iter()
            .map(|s| {
                let per = per_table
                    .iter()
                    .find(|(t, _)| *t == s.table)
                    .map(|(_, v)| v.as_slice())
                    .unwrap_or(&[]);
                let info = output::write_shard(runs, per, s, &o.out, o.format)
                    .with_context(|| format!("writing {}", s.path))?;
                crate::write::durable::crash_point("shard");
                Ok(info)
            })
            .collect::<Result<Vec<_>>>()
    })
}

/// The manifest's `inputs`: each file's source, rows, rows skipped and
/// problems, sorted by source, file and table.
fn input_entries(
    inputs: &[Input],
    names: &[String],
    counts: &[u64],
    figures: Vec<errors::FileErrors>,
) -> Vec<InputEntry> {
    let mut entries: Vec<InputEntry> = inputs
        .iter()
        .zip(counts)
        .zip(figures)
        .map(|((i, &rows), e)| InputEntry {
            source: names[usize::from(i.rank)].clone(),
            file: i.map.path.display().to_string(),
            table: i.map.holds.name(),
            rows,
            skipped: e.skipped,
            problems: e.problems,
            messages: e.messages,
        })
        .collect();
    entries.sort_by(|a, b| (&a.source, &a.file, &a.table).cmp(&(&b.source, &b.file, &b.table)));
    entries
}

/// Prints the rows read every few seconds on stderr while reading.
struct Ticker {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(console: crate::progress::Console, rows: Arc<AtomicU64>) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = Some({
            let stop = stop.clone();
            std::thread::spawn(move || {
                let t0 = Instant::now();
                let mut last = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    if last.elapsed() >= Duration::from_secs(5) {
                        last = Instant::now();
                        let n = rows.load(Ordering::Relaxed);
                        let s = t0.elapsed().as_secs_f64();
                        console.note(
                            "progress",
                            &format!(
                                "ingest: reading: {n} rows, {:.0} rows/s",
                                n as f64 / s.max(1e-9)
                            ),
                        );
                    }
                }
            })
        });
        Ticker { stop, handle }
    }

    fn stop(self) {}
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
