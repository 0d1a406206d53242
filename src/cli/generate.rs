//! `cmdbgen generate`: profile -> world -> plan -> bundle.

use crate::error::{exit, Usage};
use crate::gen::World;
use crate::manifest::RunKey;
use crate::plan::{Plan, ShardSize};
use crate::profile::Profile;
use crate::progress;
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
        return Ok(exit::OK);
    }
    super::estimate::preflight(&world, &plan, shard_size, &a.out, a.force, a.quiet)?;
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
    let outcome = runner::run(&world, &key, &plan, &opts)?;
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
