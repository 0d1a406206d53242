//! `cmdbgen changes`: day N's change set of a profile, as files + manifest.

use crate::changes::ChangeSet;
use crate::error::{exit, Usage};
use crate::progress;
use crate::runner::changes::{write_change_set, ChangeKey};
use crate::write::changes::ChangeFormat;
use anyhow::Result;
use std::path::PathBuf;
use std::time::Instant;

/// Options of `cmdbgen changes`.
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// The base profile: a built-in name or a profile TOML file (the one the
    /// base bundle was generated from).
    #[arg(long, default_value = "small")]
    profile: String,
    /// The day, from 1. Each day is independent of the others.
    #[arg(long)]
    day: u64,
    /// The change-set folder.
    #[arg(long)]
    out: PathBuf,
    /// Override the profile's seed (use the base bundle's seed).
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    provenance: super::ProvenanceArg,
    /// Data file format.
    #[arg(long, value_enum, default_value_t = ChangeFormat::Csv)]
    format: ChangeFormat,
    /// Also write the additions as `neo4j-admin database import incremental`
    /// files (Enterprise): `id:ID(Kind){label:Kind}` headers + incremental.args.
    #[arg(long)]
    neo4j_incremental: bool,
    /// Rows per shard file.
    #[arg(long, default_value_t = 1_000_000)]
    shard_rows: u64,
    /// Replace another change set or bundle in --out (only the files
    /// cmdbgen wrote are removed).
    #[arg(long)]
    force: bool,
    /// On a rerun over the complete change set, check every file's xxh3 as
    /// well as its size (a damaged change set is written again).
    #[arg(long)]
    verify: bool,
    /// Progress and notes on stderr: text on a terminal, JSON lines
    /// otherwise (auto), or as chosen; JSON mode ends with a summary object.
    #[arg(long, value_enum, default_value_t = progress::Mode::Auto)]
    progress: progress::Mode,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `changes`.
impl Args {
    /// Where this run's own stderr lines go (text, or JSON in JSON mode).
    pub(super) fn console(&self) -> progress::Console {
        progress::Console::new(self.progress, self.quiet)
    }
}

pub(crate) fn run(a: Args) -> Result<u8> {
    let profile = a.provenance.apply(super::load_profile(&a.profile, a.seed)?);
    if profile.merge.is_some() {
        return Err(Usage(format!(
            "changes does not support multi-source profiles yet: '{}' has a [merge] table (docs/sources.md)",
            a.profile
        ))
        .into());
    }
    if a.shard_rows == 0 {
        return Err(Usage("--shard-rows must be at least 1".into()).into());
    }
    let started = Instant::now();
    let console = a.console();
    let world = super::build_world_on(&profile, &console);
    let cs = ChangeSet::new(&world, a.day).map_err(|e| Usage(e.0))?;
    let key = ChangeKey {
        version: env!("CARGO_PKG_VERSION").to_string(),
        profile,
        day: a.day,
        format: a.format,
        incremental: a.neo4j_incremental,
        shard_rows: a.shard_rows,
    };
    let outcome = write_change_set(&cs, &key, &a.out, a.force, a.verify)?;
    if !outcome.repaired.is_empty() {
        console.note(
            "notice",
            &format!(
                "changes: {} held this change set with {} damaged file(s); wrote it again: {}",
                a.out.display(),
                outcome.repaired.len(),
                crate::bundle::list(&outcome.repaired)
            ),
        );
    }
    if !a.quiet {
        let m = &outcome.manifest;
        let count = |op: &str| -> u64 {
            m.tables
                .iter()
                .filter(|t| t.op == op)
                .map(|t| t.table.rows)
                .sum()
        };
        let what = format!(
            "day {}: {} new nodes, {} new relationships, {} updates, {} moves, {} deletions",
            a.day,
            count("nodes"),
            count("relationships"),
            count("updates"),
            count("moves"),
            count("deletes")
        );
        if outcome.already_complete {
            super::outln!(
                "{} is already complete ({what}); nothing to do",
                a.out.display()
            )?;
        } else {
            super::outln!(
                "wrote {what} ({} files, {} bytes) to {} in {:.2}s",
                m.totals.files,
                m.totals.bytes,
                a.out.display(),
                started.elapsed().as_secs_f64()
            )?;
            if let Some(inc) = &m.incremental {
                super::outln!("incremental import (Enterprise): {}", inc.command)?;
            }
        }
    }
    console.summary(&super::RunSummary::new(
        "changes",
        &a.out,
        &outcome.manifest.totals,
        started.elapsed().as_secs_f64(),
        outcome.already_complete,
    ));
    Ok(exit::OK)
}
