//! `cmdbgen generate` helpers for distributed runs (`--part i/n`) and the
//! metrics history (`--history`).

use crate::error::exit;
use crate::gen::World;
use crate::history;
use crate::manifest::RunKey;
use crate::plan::{Part, Plan};
use crate::runner::{self, Options};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Appends a `generate` record to the history file.
pub(super) fn record(
    path: &Path,
    key: &RunKey,
    customer: &str,
    part: Option<Part>,
    (nodes, relationships, bytes): (u64, u64, u64),
    seconds: f64,
    threads: Option<usize>,
) -> Result<()> {
    // `csv`, `csv-gz`, ...: the shard extension names the format.
    let format = key.format.extension().replace('.', "-");
    let r = history::Record {
        time: history::now(),
        customer: customer.to_string(),
        profile: key.profile.name.clone(),
        phase: "generate".to_string(),
        format: Some(format),
        part: part.map(|p| p.to_string()),
        nodes,
        relationships,
        rows: nodes + relationships,
        bytes,
        seconds,
        peak_rss_bytes: history::peak_rss_bytes(),
        threads: Some(threads.unwrap_or_else(rayon::current_num_threads) as u64),
        ok: true,
    };
    history::append(path, &r)
        .map_err(|e| anyhow::anyhow!("appending to history file {}: {e}", path.display()))
}

/// How a run reports: where, how loudly, and to which history file.
pub(super) struct Reporting<'a> {
    /// The bundle folder.
    pub out: &'a Path,
    /// No summary.
    pub quiet: bool,
    /// Worker threads asked for.
    pub threads: Option<usize>,
    /// The history file, if any.
    pub history: Option<PathBuf>,
    /// The customer recorded in the history.
    pub customer: String,
}

/// Runs one part of a distributed generation.
pub(super) fn run(
    world: &World,
    key: &RunKey,
    plan: &Plan,
    part: Part,
    opts: &Options,
    r: &Reporting<'_>,
) -> Result<u8> {
    let outcome = runner::run_part(world, key, plan, part, opts)?;
    let nodes_rows = |m: &crate::manifest::PartManifest| {
        let node_dirs: Vec<String> = plan
            .tables
            .iter()
            .filter(|t| t.table.is_node())
            .map(|t| format!("{}/", t.table.dir()))
            .collect();
        let nodes: u64 = m
            .shards
            .iter()
            .filter(|f| node_dirs.iter().any(|d| f.path.starts_with(d)))
            .map(|f| f.rows)
            .sum();
        (nodes, m.rows - nodes, m.bytes)
    };
    if let (Some(h), Some(m), false) = (&r.history, &outcome.manifest, outcome.already_complete) {
        record(
            h,
            key,
            &r.customer,
            Some(part),
            nodes_rows(m),
            outcome.seconds,
            r.threads,
        )?;
    }
    if !r.quiet {
        match &outcome.manifest {
            Some(m) if !outcome.already_complete => super::outln!(
                "wrote part {part}: {} shards, {} rows, {} bytes to {} in {:.2}s{}; when all {} parts are done: cmdbgen gather {}",
                m.shards.len(),
                m.rows,
                m.bytes,
                r.out.display(),
                outcome.seconds,
                if outcome.kept > 0 {
                    format!(" (resumed: kept {} verified shards, wrote {})", outcome.kept, outcome.written)
                } else {
                    String::new()
                },
                part.count,
                r.out.display()
            )?,
            _ => super::outln!(
                "part {part} in {} is already complete ({}); nothing to do",
                r.out.display(),
                outcome.manifest_path.display()
            )?,
        }
    }
    Ok(exit::OK)
}
