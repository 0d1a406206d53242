//! `cmdbgen generate`: profile -> world -> plan -> bundle.

use crate::error::{exit, Usage};
use crate::gen::World;
use crate::manifest::RunKey;
use crate::plan::{Part, Plan, ShardSize};
use crate::profile::Profile;
use crate::progress;
use crate::report;
use crate::runner::{self, Options};
use crate::write::Format;
use anyhow::Result;
use std::path::PathBuf;

/// Options of `cmdbgen generate`.
#[derive(clap::Args, Debug)]
pub struct Args {
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
    /// Compress each shard with gzip.
    #[arg(long)]
    gzip: bool,
    /// gzip level, 0 (store) to 9 (smallest).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=9))]
    gzip_level: u32,
    /// Rows per shard file.
    #[arg(long, conflicts_with = "shard_bytes")]
    shard_rows: Option<u64>,
    /// Target uncompressed bytes per shard file (e.g. 268435456).
    #[arg(long)]
    shard_bytes: Option<u64>,
    /// Worker threads (default: all cores). The output does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Replace an existing bundle of another run in --out.
    #[arg(long)]
    force: bool,
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

fn shard_size(a: &Args) -> Result<ShardSize, Usage> {
    match (a.shard_rows, a.shard_bytes) {
        (Some(0), _) => Err(Usage("--shard-rows must be at least 1".into())),
        (_, Some(b)) if b < 1024 => Err(Usage("--shard-bytes must be at least 1024".into())),
        (Some(r), _) => Ok(ShardSize::Rows(r)),
        (None, Some(b)) => Ok(ShardSize::Bytes(b)),
        (None, None) => Ok(ShardSize::default()),
    }
}

/// Runs `generate`.
pub fn run(a: Args) -> Result<u8> {
    let mut profile = Profile::load(&a.profile).map_err(Usage::from)?;
    if let Some(seed) = a.seed {
        profile.seed = seed;
    }
    if a.threads == Some(0) {
        return Err(Usage("--threads must be at least 1".into()).into());
    }
    let format = if a.gzip {
        Format::CsvGz {
            level: a.gzip_level,
        }
    } else {
        Format::Csv
    };
    let shard_size = shard_size(&a)?;
    let world = World::new(&profile);
    let plan = Plan::new(&world, format, shard_size);
    if a.dry_run {
        println!("{plan}");
        if let Some(part) = a.part {
            let mine: Vec<_> = plan.shards_of(Some(part)).collect();
            let rows: u64 = mine.iter().map(|s| s.rows.end - s.rows.start).sum();
            println!(
                "part {part}: {} of {} shards, {rows} rows",
                mine.len(),
                plan.shards().count()
            );
        }
        return Ok(exit::OK);
    }
    let key = RunKey {
        version: env!("CARGO_PKG_VERSION").to_string(),
        profile,
        format,
        shard_size,
    };
    let opts = Options {
        out: a.out.clone(),
        force: a.force,
        threads: a.threads,
        progress: if a.quiet {
            progress::Mode::None
        } else {
            a.progress
        },
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
        return run_part(&a, &world, &key, &plan, part, &opts, history, customer);
    }
    let outcome = runner::run(&world, &key, &plan, &opts)?;
    if let (Some(h), false) = (&history, outcome.already_complete) {
        let t = &outcome.manifest.totals;
        record(
            h,
            &key,
            &customer,
            None,
            (t.nodes, t.relationships, t.bytes),
            outcome.seconds,
            a.threads,
        )?;
    }
    if !a.quiet {
        let t = &outcome.manifest.totals;
        if outcome.already_complete {
            println!(
                "{} is already complete ({} nodes, {} relationships); nothing to do",
                a.out.display(),
                t.nodes,
                t.relationships
            );
        } else {
            let rows = t.nodes + t.relationships;
            println!(
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
            );
            println!("import with: {}/import.sh", a.out.display());
        }
    }
    Ok(exit::OK)
}

/// Appends a `generate` record to the history file.
fn record(
    path: &std::path::Path,
    key: &RunKey,
    customer: &str,
    part: Option<Part>,
    (nodes, relationships, bytes): (u64, u64, u64),
    seconds: f64,
    threads: Option<usize>,
) -> Result<()> {
    let format = match key.format {
        Format::Csv => "csv",
        Format::CsvGz { .. } => "csv-gz",
    };
    let r = report::Record {
        time: report::now(),
        customer: customer.to_string(),
        profile: key.profile.name.clone(),
        phase: "generate".to_string(),
        format: Some(format.to_string()),
        part: part.map(|p| p.to_string()),
        nodes,
        relationships,
        rows: nodes + relationships,
        bytes,
        seconds,
        peak_rss_bytes: report::peak_rss_bytes(),
        threads: Some(threads.unwrap_or_else(rayon::current_num_threads) as u64),
        ok: true,
    };
    report::append(path, &r)
        .map_err(|e| anyhow::anyhow!("appending to history file {}: {e}", path.display()))
}

/// Runs one part of a distributed generation.
#[allow(clippy::too_many_arguments)]
fn run_part(
    a: &Args,
    world: &World,
    key: &RunKey,
    plan: &Plan,
    part: Part,
    opts: &Options,
    history: Option<PathBuf>,
    customer: String,
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
    if let (Some(h), Some(m), false) = (&history, &outcome.manifest, outcome.already_complete) {
        record(
            h,
            key,
            &customer,
            Some(part),
            nodes_rows(m),
            outcome.seconds,
            a.threads,
        )?;
    }
    if !a.quiet {
        match &outcome.manifest {
            Some(m) if !outcome.already_complete => println!(
                "wrote part {part}: {} shards, {} rows, {} bytes to {} in {:.2}s{}; when all {} parts are done: cmdbgen gather {}",
                m.shards.len(),
                m.rows,
                m.bytes,
                a.out.display(),
                outcome.seconds,
                if outcome.kept > 0 {
                    format!(" (resumed: kept {} verified shards, wrote {})", outcome.kept, outcome.written)
                } else {
                    String::new()
                },
                part.count,
                a.out.display()
            ),
            _ => println!(
                "part {part} in {} is already complete ({}); nothing to do",
                a.out.display(),
                outcome.manifest_path.display()
            ),
        }
    }
    Ok(exit::OK)
}
