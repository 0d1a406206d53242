//! `cmdbgen generate`: profile -> world -> plan -> bundle.

use super::generate_part::{self, Reporting};
use super::output::OutputArgs;
use crate::error::exit;
use crate::manifest::RunKey;
use crate::plan::{Part, Plan};
use crate::progress;
use crate::runner::{self, Options};
use anyhow::Result;
use std::path::PathBuf;

/// Options of `cmdbgen generate`.
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// A built-in profile (tiny, small, medium, large, enterprise, xlarge) or a
    /// profile TOML file.
    #[arg(long, default_value = "small")]
    profile: String,
    /// The bundle folder.
    #[arg(long, default_value = "out/default")]
    out: PathBuf,
    /// Override the profile's seed.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    provenance: super::ProvenanceArg,
    #[command(flatten)]
    ids: super::IdsArg,
    #[command(flatten)]
    output: OutputArgs,
    /// Worker threads (default: all cores; at most 8 per core). The output
    /// does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Write shards around the page cache (O_DIRECT) where the file system
    /// allows; saves most of the kernel's page-cache cost on large outputs.
    #[arg(long)]
    direct_io: bool,
    /// Replace an existing bundle of another run in --out (only the files
    /// cmdbgen wrote are removed; docs/guarantees.md).
    #[arg(long)]
    force: bool,
    /// On a rerun over the complete bundle, check every file's xxh3 as well
    /// as its size (damaged files are written again).
    #[arg(long)]
    verify: bool,
    /// Progress display.
    #[arg(long, value_enum, default_value_t = progress::Mode::Auto)]
    progress: progress::Mode,
    /// No progress and no summary.
    #[arg(long, short)]
    quiet: bool,
    /// Print the plan (tables, rows, shards) and exit without writing.
    #[arg(long)]
    dry_run: bool,
    /// Write only part I of N of a distributed run (the shards whose global
    /// ordinal is I-1 modulo N) and `manifest.part-I-of-N.json`; finish with
    /// `cmdbgen gather`.
    #[arg(long, value_name = "I/N")]
    part: Option<Part>,
    /// Append this run's metrics as a JSON line to FILE (default:
    /// $CMDBGEN_HISTORY when set); `cmdbgen report` summarises it.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// The customer recorded in the history (default: the profile's name).
    #[arg(long)]
    customer: Option<String>,
}

impl Args {
    /// Where this run's own stderr lines go (text, or JSON in JSON mode).
    pub(super) fn console(&self) -> progress::Console {
        progress::Console::new(self.progress, self.quiet)
    }
}

/// Runs `generate`.
pub(super) fn run(mut a: Args) -> Result<u8> {
    let profile = a.provenance.apply(super::load_profile(&a.profile, a.seed)?);
    let console = progress::Console::new(a.progress, a.quiet);
    a.threads = super::worker_threads_on(a.threads, &console)?;
    let format = a.output.format()?;
    let profile = a.ids.apply(profile)?;
    let shard_size = a.output.shard_size()?;
    let world = super::build_world_on(&profile, &console);
    let plan = Plan::new(&world, format, shard_size);
    if a.dry_run {
        super::outln!("{plan}")?;
        if let Some(part) = a.part {
            let mine: Vec<_> = plan.shards_of(Some(part)).collect();
            let rows: u64 = mine.iter().map(|s| s.rows.end - s.rows.start).sum();
            super::outln!(
                "part {part}: {} of {} shards, {rows} rows",
                mine.len(),
                plan.shards().count()
            )?;
        }
        return Ok(exit::OK);
    }
    crate::estimate::preflight(
        &world,
        &plan,
        shard_size,
        (
            super::machine::disk_of(&a.out)?,
            super::machine::machine_ram(),
        ),
        a.part,
        (a.force, &console),
    )?;
    let key = RunKey {
        version: env!("CARGO_PKG_VERSION").to_string(),
        profile,
        format,
        shard_size,
    };
    let opts = Options {
        out: a.out.clone(),
        force: a.force,
        verify: a.verify,
        threads: a.threads,
        progress: if a.quiet {
            progress::Mode::None
        } else {
            a.progress
        },
        fail_after_shards: std::env::var("CMDBGEN_FAIL_AFTER_SHARDS")
            .ok()
            .and_then(|v| v.parse().ok()),
        direct_io: a.direct_io,
    };
    let history = a
        .history
        .clone()
        .or_else(|| std::env::var_os("CMDBGEN_HISTORY").map(PathBuf::from));
    let customer = a
        .customer
        .clone()
        .unwrap_or_else(|| key.profile.name.clone());
    if let Some(part) = a.part {
        let out = Reporting {
            out: &a.out,
            quiet: a.quiet,
            threads: a.threads,
            history,
            customer,
        };
        return generate_part::run(&world, &key, &plan, part, &opts, &out);
    }
    let outcome = runner::run(&world, &key, &plan, &opts)?;
    if !outcome.repaired.is_empty() {
        console.note(
            "notice",
            &format!(
                "generate: {} held this run's complete bundle with {} damaged file(s), written again: {}",
                a.out.display(),
                outcome.repaired.len(),
                crate::bundle::list(&outcome.repaired)
            ),
        );
    }
    if let (Some(h), false) = (&history, outcome.already_complete) {
        let t = &outcome.manifest.totals;
        let counts = (t.nodes, t.relationships, t.bytes);
        generate_part::record(h, &key, &customer, None, counts, outcome.seconds, a.threads)?;
    }
    if !a.quiet {
        let t = &outcome.manifest.totals;
        if outcome.already_complete {
            super::outln!(
                "{} is already complete ({} nodes, {} relationships); nothing to do",
                a.out.display(),
                t.nodes,
                t.relationships
            )?;
        } else {
            let rows = t.nodes + t.relationships;
            super::outln!(
                "wrote {} nodes and {} relationships ({} files, {} bytes) to {} in {:.2}s ({:.0} rows/s){}",
                t.nodes,
                t.relationships,
                t.files,
                t.bytes,
                a.out.display(),
                outcome.seconds,
                rows as f64 / outcome.seconds.max(1e-9),
                if outcome.kept > 0 {
                    format!("; resumed: kept {} verified shards, wrote {}", outcome.kept, outcome.written)
                } else {
                    String::new()
                }
            )?;
            super::outln!("import with: {}/import.sh", a.out.display())?;
        }
        // Multi-source profiles: the conflict summary (also in manifest.json
        // under `merge`), on stdout with the rest of the summary; progress
        // (bar or JSON lines) stays on stderr.
        if let Some(summary) = &outcome.manifest.merge {
            super::outln!("{summary}")?;
        }
    }
    console.summary(&Summary {
        run: super::RunSummary::new(
            "generate",
            &a.out,
            &outcome.manifest.totals,
            outcome.seconds,
            outcome.already_complete,
        ),
        kept_shards: outcome.kept,
        written_shards: outcome.written,
    });
    Ok(exit::OK)
}

/// The closing JSON object of `generate` in JSON progress mode: the common
/// summary and what a resume kept (schema in docs/operations.md).
#[derive(serde::Serialize)]
struct Summary {
    #[serde(flatten)]
    run: super::RunSummary,
    kept_shards: usize,
    written_shards: usize,
}
