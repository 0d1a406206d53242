//! `apply`: loading a bundle or a change set into a running Neo4j over Bolt
//! with batched, idempotent Cypher.
//!
//! The run: read the folder's manifest and check its files; create one
//! uniqueness constraint per node label (idempotent); then, table by table
//! (nodes, relationships, updates, moves, deletions), cut the rows into batches
//! ([`batch`]) and send each as one `UNWIND $rows …` statement in its own
//! transaction ([`cypher`], [`client`]). Before each batch the server's heap
//! is checked ([`gate`]); transient failures are retried with back-off and
//! jitter; a refused batch stops the run with the offending row. After each
//! committed batch the checkpoint is written ([`checkpoint`]), so rerunning
//! the same command resumes exactly where it stopped.

pub mod batch;
pub mod checkpoint;
pub mod client;
pub mod cypher;
pub mod gate;
pub mod source;
mod worker;

use worker::{run_schema, Culprit, Done, Failure, Job, Shared, Stats, TableCtx};

use crate::error::Usage;
use crate::progress::{self, Reporter};
use crate::write::Counters;
use anyhow::{anyhow, Result};
use batch::Batcher;
use checkpoint::State;
use client::{Client, Target};
use gate::HeapGate;
use serde::{Deserialize, Serialize};
use source::{Source, SourceTable, TableRows};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How to apply.
#[derive(Clone, Debug)]
pub struct Options {
    /// The bundle or change-set folder.
    pub dir: PathBuf,
    /// Where notices go (text, or JSON lines in JSON mode).
    pub console: crate::progress::Console,
    /// Where to.
    pub target: Target,
    /// Rows per batch (one statement, one transaction).
    pub batch_size: u64,
    /// Concurrent writers.
    pub workers: usize,
    /// Wait while heap used/max is above this.
    pub heap_threshold: f64,
    /// The longest a batch waits for the heap.
    pub heap_max_wait: Duration,
    /// Retries of a batch after transient errors.
    pub max_retries: u32,
    /// How long the first connection may wait for a server that is not
    /// (yet) there; `None`: one attempt, so a wrong address fails fast.
    pub wait_for_server: Option<Duration>,
    /// The first retry pause (doubling, with jitter).
    pub retry_delay: Duration,
    /// The checkpoint file (default: `DIR/apply-state.json`).
    pub state: Option<PathBuf>,
    /// Ignore an existing checkpoint and apply everything again.
    pub restart: bool,
    /// Progress display.
    pub progress: progress::Mode,
    /// Test hook: a pause before each batch, so a test can stop a run in
    /// the middle. The CLI takes it from `CMDBGEN_APPLY_PAUSE_MS`.
    pub pause: Option<Duration>,
}

/// What a run did (also kept in the checkpoint as `last_run`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Rows committed by this run, per op (`nodes`, `relationships`, ...).
    pub rows: BTreeMap<String, u64>,
    /// Rows that matched nothing (a relationship end or an updated or
    /// deleted node that does not exist).
    pub unmatched: u64,
    /// Batches committed by this run.
    pub batches: u64,
    /// Batches skipped because an earlier run committed them.
    pub resumed_batches: u64,
    /// Rows of those batches.
    pub resumed_rows: u64,
    /// Retries after transient errors.
    pub retries: u64,
    /// Pauses because the server heap was above the threshold.
    pub heap_waits: u64,
    /// Whether heap gating was active (false: the server has no JMX query).
    pub heap_gating: bool,
    /// Wall time of this run.
    pub seconds: f64,
    /// Every statement sent.
    pub queries: u64,
    /// Constraint statements.
    pub schema_queries: u64,
    /// Batch statements, including retried attempts.
    pub write_queries: u64,
    /// Heap probes.
    pub heap_queries: u64,
    /// Rolled-back trial statements that located an offending row.
    pub diagnostic_queries: u64,
    /// Wall time spent on the tables of each op, for per-op rates.
    #[serde(default)]
    pub op_seconds: BTreeMap<String, f64>,
}

impl Summary {
    /// Rows committed by this run.
    pub fn total_rows(&self) -> u64 {
        self.rows.values().sum()
    }
}

/// The outcome of `apply`.
#[derive(Debug)]
pub struct Outcome {
    /// This run's summary.
    pub summary: Summary,
    /// The checkpoint said everything was applied; nothing was sent.
    pub already_complete: bool,
    /// The checkpoint file.
    pub state_path: PathBuf,
}

/// The key property of each node label (the header's ID name, `id`).
fn id_names(source: &Source) -> Result<BTreeMap<String, String>> {
    let mut keys = BTreeMap::new();
    for t in &source.tables {
        if !t.op.is_rel() {
            let rows = TableRows::open(&source.root, t)?;
            let id = rows.id_name().unwrap_or("id").to_string();
            keys.insert(t.label_or_type.clone(), id);
        }
    }
    for t in &source.tables {
        for g in [&t.start, &t.end].into_iter().flatten() {
            keys.entry(g.clone()).or_insert_with(|| "id".to_string());
        }
    }
    Ok(keys)
}

fn table_ctx(t: &SourceTable, keys: &BTreeMap<String, String>) -> TableCtx {
    let key_of = |g: &str| keys.get(g).cloned().unwrap_or_else(|| "id".into());
    let start = t.start.clone().unwrap_or_default();
    let end = t.end.clone().unwrap_or_default();
    TableCtx {
        key: t.key(),
        op: t.op,
        label: t.label_or_type.clone(),
        id: key_of(&t.label_or_type),
        start: (start.clone(), key_of(&start)),
        end: (end.clone(), key_of(&end)),
    }
}

fn target_name(t: &Target) -> String {
    match &t.database {
        Some(db) => format!("{} database {db}", t.uri),
        None => t.uri.clone(),
    }
}

/// Applies `opts.dir` to the target.
pub fn run(opts: &Options) -> Result<Outcome> {
    let started = Instant::now();
    let source = Source::open(&opts.dir)?;
    let client = Client::new(&opts.target).map_err(Usage)?;
    let state_path = opts
        .state
        .clone()
        .unwrap_or_else(|| opts.dir.join(checkpoint::FILE));
    let target = target_name(&opts.target);
    let Some(mut state) = resume_state(opts, &source, &state_path, &target)? else {
        return Ok(Outcome {
            summary: Summary::default(),
            already_complete: true,
            state_path,
        });
    };
    connect(&client, opts)?;
    source.verify()?;
    state.runs += 1;
    state.save(&state_path)?;

    let keys = id_names(&source)?;
    let stats = Stats::default();
    for (label, key) in &keys {
        run_schema(&client, opts, &stats, &cypher::constraint(label, key))?;
    }

    let gate = HeapGate::new(opts.heap_threshold, opts.heap_max_wait).with_console(opts.console);
    let stop = AtomicBool::new(false);
    let shared = Shared {
        opts,
        stats: &stats,
        gate: &gate,
        stop: &stop,
        pause: opts.pause,
    };
    let counters = Arc::new(Counters::default());
    let reporter = Reporter::start(opts.progress, counters.clone(), source.rows(), state.rows());
    let mut summary = Summary::default();
    let workers = opts.workers.max(1);
    let clients = (0..workers)
        .map(|_| Client::new(&opts.target).map_err(Usage))
        .collect::<Result<Vec<_>, _>>()?;

    let result: Result<()> = std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(workers);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (res_tx, res_rx) = mpsc::channel::<(Job, Result<Done, Failure>)>();
        for client in &clients {
            let (rx, tx, shared) = (job_rx.clone(), res_tx.clone(), &shared);
            scope.spawn(move || loop {
                let job = match rx.lock() {
                    Ok(guard) => guard.recv(),
                    Err(_) => return,
                };
                let Ok(job) = job else { return };
                let r = shared.process(client, &job);
                if tx.send((job, r)).is_err() {
                    return;
                }
            });
        }
        drop(res_tx);
        Dispatch {
            source: &source,
            keys: &keys,
            opts,
            state_path: &state_path,
            counters: &counters,
            stop: &stop,
            jobs: job_tx,
            results: res_rx,
            state: &mut state,
            summary: &mut summary,
            failure: None,
        }
        .all_tables()
    });
    reporter.finish();

    count_queries(&mut summary, &stats, &gate);
    summary.seconds = started.elapsed().as_secs_f64();
    state.complete = result.is_ok();
    state.last_run = Some(summary.clone());
    state.save(&state_path)?;
    result?;
    Ok(Outcome {
        summary,
        already_complete: false,
        state_path,
    })
}

/// The checkpoint to continue from: a fresh one, the saved one (if it was
/// written for this source and target; with another batch size only its
/// complete tables are kept), or `None` when the saved run is complete.
fn resume_state(
    opts: &Options,
    source: &Source,
    state_path: &std::path::Path,
    target: &str,
) -> Result<Option<State>> {
    Ok(Some(match State::load(state_path)? {
        Some(s) if !opts.restart => {
            let mismatch = if s.source != source.fingerprint {
                Some("another bundle or change set".to_string())
            } else if s.target != target {
                Some(format!("another target ({})", s.target))
            } else {
                None
            };
            if let Some(what) = mismatch {
                return Err(Usage(format!(
                    "the checkpoint {} was written for {what}; rerun with the same options to resume, \
                     use --state for a separate checkpoint, or --restart to apply everything again",
                    state_path.display()
                ))
                .into());
            }
            if s.complete {
                return Ok(None);
            }
            let mut s = s;
            if s.batch_size != opts.batch_size {
                // Batches are numbered per size: keep the complete tables and
                // send the partly applied ones again from their first row.
                s.tables.retain(|_, t| t.complete);
                opts.console.note(
                    "notice",
                    &format!(
                        "cmdbgen: the checkpoint was written with --batch-size {}; complete tables are kept, a partly applied table is sent again from its first row (MERGE makes that harmless)",
                        s.batch_size
                    ),
                );
                s.batch_size = opts.batch_size;
            }
            s
        }
        _ => State::new(&source.fingerprint, target, opts.batch_size),
    }))
}

/// The query counts of the run, from the workers' and the gate's counters.
fn count_queries(summary: &mut Summary, stats: &Stats, gate: &HeapGate) {
    summary.retries = stats.retries.load(Ordering::Relaxed);
    summary.heap_waits = gate.waits.load(Ordering::Relaxed);
    summary.heap_gating = !gate.is_off();
    summary.schema_queries = stats.schema.load(Ordering::Relaxed);
    summary.write_queries = stats.write.load(Ordering::Relaxed);
    summary.heap_queries = stats.heap.load(Ordering::Relaxed);
    summary.diagnostic_queries = stats.diagnostic.load(Ordering::Relaxed);
    summary.queries = summary.schema_queries
        + summary.write_queries
        + summary.heap_queries
        + summary.diagnostic_queries;
}

/// The sending side of a run: batches go out to the workers in table
/// order, and each result is checkpointed as it comes back.
struct Dispatch<'a> {
    source: &'a Source,
    keys: &'a BTreeMap<String, String>,
    opts: &'a Options,
    state_path: &'a std::path::Path,
    counters: &'a Counters,
    stop: &'a AtomicBool,
    jobs: mpsc::SyncSender<Job>,
    results: mpsc::Receiver<(Job, Result<Done, Failure>)>,
    state: &'a mut State,
    summary: &'a mut Summary,
    /// The first failed batch, explained; it stops the run.
    failure: Option<anyhow::Error>,
}

impl Dispatch<'_> {
    /// Every table not yet complete, in order, until one fails; then the
    /// workers are let go (the job channel closes).
    fn all_tables(mut self) -> Result<()> {
        let mut outcome = Ok(());
        for (ti, table) in self.source.tables.iter().enumerate() {
            let ctx = Arc::new(table_ctx(table, self.keys));
            if self.state.table_complete(&ctx.key) {
                self.summary.resumed_rows += table.rows;
                continue;
            }
            let rows = match TableRows::open(&self.source.root, table) {
                Ok(r) => r,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            };
            outcome = self.one_table(ti, table, rows, &ctx);
            if outcome.is_err() || self.stop.load(Ordering::SeqCst) {
                break;
            }
            self.state.finish_table(&ctx.key);
            if let Err(e) = self.state.save(self.state_path) {
                outcome = Err(e);
                break;
            }
        }
        drop(self.jobs);
        match self.failure {
            Some(f) => Err(f),
            None => outcome,
        }
    }

    /// One table's batches: those not done yet are sent, results handled as
    /// they arrive, and the table's in-flight batches waited for.
    fn one_table(
        &mut self,
        ti: usize,
        table: &SourceTable,
        rows: TableRows,
        ctx: &Arc<TableCtx>,
    ) -> Result<()> {
        let mut outcome = Ok(());
        let table_started = Instant::now();
        let size = usize::try_from(self.opts.batch_size).unwrap_or(usize::MAX);
        let mut batcher = Batcher::new(rows, ti, table.op, &table.label_or_type, size);
        let mut in_flight = 0usize;
        loop {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let b = match batcher.next_batch() {
                Ok(Some(b)) => b,
                Ok(None) => break,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            };
            if self.state.is_done(&ctx.key, b.seq) {
                self.summary.resumed_batches += 1;
                self.summary.resumed_rows += b.len() as u64;
                continue;
            }
            let job = Job {
                batch: b,
                ctx: ctx.clone(),
            };
            if self.jobs.send(job).is_err() {
                break;
            }
            in_flight += 1;
            while let Ok((job, r)) = self.results.try_recv() {
                in_flight -= 1;
                if let Err(e) = self.handle(job, r) {
                    outcome = Err(e);
                }
            }
        }
        while in_flight > 0 {
            let Ok((job, r)) = self.results.recv() else {
                break;
            };
            in_flight -= 1;
            if let Err(e) = self.handle(job, r) {
                outcome = Err(e);
            }
        }
        *self
            .summary
            .op_seconds
            .entry(ctx.op.name().to_string())
            .or_default() += table_started.elapsed().as_secs_f64();
        outcome
    }

    /// One batch's result: a done batch is checkpointed and counted; the
    /// first failure stops the run and is kept, explained.
    fn handle(&mut self, job: Job, r: Result<Done, Failure>) -> Result<()> {
        let (b, ctx) = (&job.batch, &job.ctx);
        match r {
            Ok(done) => {
                self.state.mark(&ctx.key, b.seq, done.rows);
                self.state.save(self.state_path)?;
                *self
                    .summary
                    .rows
                    .entry(ctx.op.name().to_string())
                    .or_default() += done.rows;
                self.summary.unmatched += done.rows.saturating_sub(done.matched);
                self.summary.batches += 1;
                self.counters.rows.fetch_add(done.rows, Ordering::Relaxed);
                self.counters.bytes.fetch_add(b.bytes, Ordering::Relaxed);
            }
            Err(Failure::Stopped) => {}
            Err(f) => {
                self.stop.store(true, Ordering::SeqCst);
                if self.failure.is_none() {
                    self.failure = Some(explain(self.source, &job, f, self.state_path));
                }
            }
        }
        Ok(())
    }
}

/// The first connection: one attempt, or attempts with back-off until
/// `opts.wait_for_server` has passed. A server that refuses the credentials
/// is not waited for. A connection lost later is retried batch by batch.
fn connect(client: &Client, opts: &Options) -> Result<()> {
    let uri = &opts.target.uri;
    let started = Instant::now();
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let e = match client.verify() {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        // A status code means a server answered (bad credentials, unknown
        // database, ...): waiting will not change that.
        let answered = e.code.is_some() && e.class != client::Class::Transient;
        let left = opts
            .wait_for_server
            .and_then(|w| w.checked_sub(started.elapsed()))
            .filter(|l| !l.is_zero());
        match left {
            Some(left) if !answered => {
                let pause = gate::backoff(attempts - 1, opts.retry_delay, gate::noise()).min(left);
                opts.console.note(
                    "notice",
                    &format!(
                        "cmdbgen: waiting for {uri}: {e}; attempt {} in {:.1}s ({:.0}s left of --wait-for-server)",
                        attempts + 1,
                        pause.as_secs_f64(),
                        left.as_secs_f64()
                    ),
                );
                std::thread::sleep(pause);
            }
            _ if answered => return Err(anyhow!("{uri} refused the connection: {e}")),
            _ if opts.wait_for_server.is_some() => {
                return Err(anyhow!(
                    "cannot connect to {uri} after {attempts} attempts in {:.0}s (--wait-for-server): {e}",
                    started.elapsed().as_secs_f64()
                ))
            }
            _ => {
                return Err(anyhow!(
                    "cannot connect to {uri}: {e}\n  is the server running at that address? --wait-for-server DURATION (e.g. 60s) waits for a server that is starting"
                ))
            }
        }
    }
}

/// The message for a batch that did not commit.
fn explain(source: &Source, job: &Job, f: Failure, state_path: &std::path::Path) -> anyhow::Error {
    let (b, ctx) = (&job.batch, &job.ctx);
    let table = &source.tables[b.table];
    let at = |i: usize| -> String {
        let (shard, line) = b.origin[i];
        let path = &table.shards[shard as usize].path;
        let text = source::line_text(&source.root, path, line).unwrap_or_default();
        format!("{path} line {line}: {text}")
    };
    let labels = if b.labels.is_empty() {
        String::new()
    } else {
        format!(", labels {}", b.labels.join(":"))
    };
    let what = format!("{} batch {} ({} rows{labels})", ctx.key, b.seq, b.len());
    let resume = format!(
        "committed batches are recorded in {}; rerun the same command to resume",
        state_path.display()
    );
    match f {
        Failure::Refused { error, culprit }
            if error.contains("MemoryLimit") || error.contains("OutOfMemory") =>
        {
            let _ = culprit;
            anyhow!(
                "the server refused {what}: {error}\n  the batch needs more transaction memory than the server allows; {resume} with a smaller --batch-size"
            )
        }
        Failure::Refused { error, culprit } => {
            let row = match culprit {
                Culprit::Row(i) => format!("\n  offending row: {}", at(i)),
                Culprit::Together => format!(
                    "\n  no single row fails alone; the batch's rows start at {}",
                    at(0)
                ),
                Culprit::Unknown => format!("\n  the batch's first row: {}", at(0)),
            };
            anyhow!(
                "the server refused {what}: {error}{row}\n  the batch was rolled back and is not retried; {resume} after fixing the cause"
            )
        }
        Failure::GaveUp { error } => anyhow!("{what} failed: {error}\n  {resume}"),
        Failure::Stopped => anyhow!("{what} was stopped"),
    }
}
