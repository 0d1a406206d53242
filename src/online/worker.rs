//! The workers: each takes batches, waits for the heap, sends the batch in
//! one transaction, retries transient failures with back-off, and on a
//! refused batch finds the offending row.

use super::batch::{self, Batch};
use super::client::{Class, Client};
use super::gate::{backoff, noise, HeapGate, ProbeError};
use super::{cypher, Options};
use crate::changes::Op;
use anyhow::{anyhow, Result};
use neo4j::ValueSend;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Default)]
pub(super) struct Stats {
    pub(super) schema: AtomicU64,
    pub(super) write: AtomicU64,
    pub(super) heap: AtomicU64,
    pub(super) diagnostic: AtomicU64,
    pub(super) retries: AtomicU64,
}

/// A table's statement context.
pub(super) struct TableCtx {
    pub(super) key: String,
    pub(super) op: Op,
    pub(super) label: String,
    pub(super) start: (String, String),
    pub(super) end: (String, String),
    pub(super) id: String,
}

impl TableCtx {
    pub(super) fn statement(&self, labels: &[String]) -> String {
        match self.op {
            Op::Nodes => cypher::merge_nodes(&self.label, &self.id, labels),
            Op::Relationships => cypher::merge_rels(
                &self.label,
                (&self.start.0, &self.start.1),
                (&self.end.0, &self.end.1),
            ),
            Op::Updates => cypher::update_nodes(&self.label, &self.id),
            Op::Moves => cypher::move_rels(
                &self.label,
                (&self.start.0, &self.start.1),
                (&self.end.0, &self.end.1),
            ),
            Op::Deletes => cypher::delete_nodes(&self.label, &self.id),
        }
    }
}

/// Where the offending row of a refused batch is.
pub(super) enum Culprit {
    /// The row at this index of the batch fails on its own.
    Row(usize),
    /// No single row fails alone: rows interact (or the cause is elsewhere).
    Together,
    /// Not searched.
    Unknown,
}

/// Why a batch did not commit.
pub(super) enum Failure {
    /// The server refused the statement (a client error).
    Refused { error: String, culprit: Culprit },
    /// Transient errors outlasted the retries.
    GaveUp { error: String },
    /// The run is stopping after another batch failed.
    Stopped,
}

pub(super) struct Done {
    pub(super) rows: u64,
    pub(super) matched: u64,
}

pub(super) struct Job {
    pub(super) batch: Batch,
    pub(super) ctx: Arc<TableCtx>,
}

/// Shared by the workers.
pub(super) struct Shared<'a> {
    pub(super) opts: &'a Options,
    pub(super) stats: &'a Stats,
    pub(super) gate: &'a HeapGate,
    pub(super) stop: &'a AtomicBool,
    /// Test hook: a pause before each batch (`CMDBGEN_APPLY_PAUSE_MS`).
    pub(super) pause: Option<Duration>,
}

impl Shared<'_> {
    pub(super) fn process(&self, client: &Client, job: &Job) -> Result<Done, Failure> {
        let Job { batch, ctx } = job;
        if let Some(p) = self.pause {
            std::thread::sleep(p);
        }
        let stmt = ctx.statement(&batch.labels);
        let mut attempt = 0;
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(Failure::Stopped);
            }
            let gated = self.gate.wait(
                || {
                    self.stats.heap.fetch_add(1, Ordering::Relaxed);
                    client.heap().map_err(|e| ProbeError {
                        transient: e.class == Class::Transient,
                        text: e.text.lines().next().unwrap_or_default().to_string(),
                    })
                },
                std::thread::sleep,
            );
            let result = match gated {
                Err(e) => Err((Class::Transient, e.text, None)),
                Ok(()) => {
                    self.stats.write.fetch_add(1, Ordering::Relaxed);
                    client
                        .write(&stmt, &batch.params)
                        .map_err(|e| (e.class, e.text, e.code))
                }
            };
            match result {
                Ok(matched) => {
                    return Ok(Done {
                        rows: batch.len() as u64,
                        matched: u64::try_from(matched).unwrap_or(0),
                    })
                }
                Err((Class::Transient, error, _)) if attempt < self.opts.max_retries => {
                    attempt += 1;
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    let pause = backoff(attempt - 1, self.opts.retry_delay, noise());
                    self.opts.console.note(
                        "notice",
                        &format!(
                            "cmdbgen: {} batch {}: {error}; retry {attempt} of {} in {:.2}s",
                            ctx.key,
                            batch.seq,
                            self.opts.max_retries,
                            pause.as_secs_f64()
                        ),
                    );
                    std::thread::sleep(pause);
                }
                Err((Class::Transient, error, _)) => {
                    return Err(Failure::GaveUp {
                        error: format!("{error} (after {attempt} retries)"),
                    })
                }
                Err((Class::Fatal, error, code)) => {
                    let culprit = self.locate(client, &stmt, batch.rows(), code.as_deref());
                    return Err(Failure::Refused { error, culprit });
                }
            }
        }
    }

    /// Finds the row of a refused batch that fails on its own, by halving
    /// the batch in rolled-back transactions (about 2·log2(rows) statements).
    fn locate(
        &self,
        client: &Client,
        stmt: &str,
        rows: &[ValueSend],
        code: Option<&str>,
    ) -> Culprit {
        let Some(code) = code else {
            return Culprit::Unknown;
        };
        // Errors that depend on the data, not on the statement's text.
        let data_error = ["Neo.ClientError.Schema.", "Neo.ClientError.Statement."]
            .iter()
            .any(|p| code.starts_with(p))
            && code != "Neo.ClientError.Statement.SyntaxError";
        if !data_error || rows.is_empty() {
            return Culprit::Unknown;
        }
        let fails = |r: std::ops::Range<usize>| -> Option<bool> {
            self.stats.diagnostic.fetch_add(1, Ordering::Relaxed);
            match client.trial(stmt, &batch::params(rows[r].to_vec())) {
                Ok(()) => Some(false),
                Err(e) if e.code.as_deref() == Some(code) => Some(true),
                Err(_) => None,
            }
        };
        let (mut lo, mut hi) = (0, rows.len());
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            match fails(lo..mid) {
                Some(true) => hi = mid,
                Some(false) => match fails(mid..hi) {
                    Some(true) => lo = mid,
                    Some(false) => return Culprit::Together,
                    None => return Culprit::Unknown,
                },
                None => return Culprit::Unknown,
            }
        }
        Culprit::Row(lo)
    }
}

pub(super) fn run_schema(client: &Client, opts: &Options, stats: &Stats, stmt: &str) -> Result<()> {
    let mut attempt = 0;
    loop {
        stats.schema.fetch_add(1, Ordering::Relaxed);
        match client.schema(stmt) {
            Ok(()) => return Ok(()),
            Err(e) if e.class == Class::Transient && attempt < opts.max_retries => {
                attempt += 1;
                stats.retries.fetch_add(1, Ordering::Relaxed);
                let pause = backoff(attempt - 1, opts.retry_delay, noise());
                opts.console.note(
                    "notice",
                    &format!(
                        "cmdbgen: {}: {e}; retry {attempt} of {} in {:.2}s",
                        opts.target.uri,
                        opts.max_retries,
                        pause.as_secs_f64()
                    ),
                );
                std::thread::sleep(pause);
            }
            Err(e) if e.class == Class::Transient => {
                return Err(anyhow!(
                    "cannot reach {} (after {attempt} retries): {e}",
                    opts.target.uri
                ))
            }
            Err(e) => return Err(anyhow!("{} refused `{stmt}`: {e}", opts.target.uri)),
        }
    }
}
