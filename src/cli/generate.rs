//! `cmdbgen generate`: profile -> world -> plan -> bundle.

use super::generate_part::{self, Reporting};
use crate::error::{exit, Usage};
use crate::manifest::RunKey;
use crate::plan::{Part, Plan, ShardSize};
use crate::progress;
use crate::runner::{self, Options};
use crate::write::parquet::{Codec, DEFAULT_ROW_GROUP_ROWS};
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
    /// Shard file format: CSV (optionally --gzip) or Parquet (docs/parquet.md).
    #[arg(long, value_enum, default_value_t = ShardFormat::Csv)]
    format: ShardFormat,
    /// Compress each CSV shard with gzip.
    #[arg(long)]
    gzip: bool,
    /// gzip level, 0 (store) to 9 (smallest). The default 4 is within 3% of
    /// level 6's size at about twice its speed (docs/performance.md).
    #[arg(long, requires = "gzip", default_value_t = crate::write::DEFAULT_GZIP_LEVEL, value_parser = clap::value_parser!(u32).range(0..=9))]
    gzip_level: u32,
    #[command(flatten)]
    parquet: ParquetArgs,
    /// Rows per shard file.
    #[arg(long, conflicts_with = "shard_bytes")]
    shard_rows: Option<u64>,
    /// Target uncompressed bytes per shard file (e.g. 268435456).
    #[arg(long)]
    shard_bytes: Option<u64>,
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

/// The shard file format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ShardFormat {
    /// CSV with a header file per table.
    Csv,
    /// Parquet, one file per shard, column names as header entries.
    Parquet,
}

/// The Parquet options `generate` and `estimate` share.
#[derive(clap::Args, Debug)]
pub struct ParquetArgs {
    /// Who reads the Parquet files; picks the default codec: snappy for
    /// neo4j-admin (the codec its reader is known to handle), zstd:3 for
    /// archives.
    #[arg(long, value_enum, default_value_t = ParquetTarget::Neo4jAdmin)]
    parquet_target: ParquetTarget,
    /// Parquet codec: snappy, zstd, zstd:LEVEL (1-22) or none.
    #[arg(long, value_name = "CODEC")]
    parquet_codec: Option<Codec>,
    /// Rows per Parquet row group (memory per busy thread grows with it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    row_group_rows: Option<u64>,
}

/// The reader Parquet output is meant for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ParquetTarget {
    /// `neo4j-admin database import --input-type=parquet` (default codec snappy).
    Neo4jAdmin,
    /// Pipelines and archives (default codec zstd:3).
    Archive,
}

impl ParquetArgs {
    /// A usage error if an option that only Parquet takes was given with a
    /// CSV format.
    pub fn not_for_csv(&self) -> Result<(), Usage> {
        if self.parquet_codec.is_some() || self.row_group_rows.is_some() {
            return Err(Usage(
                "--parquet-codec and --row-group-rows need --format parquet".into(),
            ));
        }
        Ok(())
    }

    /// The shard format of `--format`, `--gzip`, `--gzip-level` and these
    /// options, or a usage error for a mix that makes no sense.
    pub(super) fn shard_format(
        &self,
        format: ShardFormat,
        gzip: bool,
        level: u32,
    ) -> Result<Format, Usage> {
        match format {
            ShardFormat::Csv => {
                self.not_for_csv()?;
                Ok(if gzip {
                    Format::CsvGz { level }
                } else {
                    Format::Csv
                })
            }
            ShardFormat::Parquet if gzip => Err(Usage(
                "--gzip is for CSV; Parquet compresses with --parquet-codec".into(),
            )),
            ShardFormat::Parquet => Ok(self.format()),
        }
    }

    /// The Parquet format these options ask for.
    pub fn format(&self) -> Format {
        let codec = self.parquet_codec.unwrap_or(match self.parquet_target {
            ParquetTarget::Neo4jAdmin => Codec::Snappy,
            ParquetTarget::Archive => Codec::Zstd {
                level: Codec::DEFAULT_ZSTD_LEVEL,
            },
        });
        Format::Parquet {
            codec,
            row_group_rows: self.row_group_rows.unwrap_or(DEFAULT_ROW_GROUP_ROWS),
        }
    }
}

fn format(a: &Args) -> Result<Format, Usage> {
    a.parquet.shard_format(a.format, a.gzip, a.gzip_level)
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
pub fn run(mut a: Args) -> Result<u8> {
    let profile = super::load_profile(&a.profile, a.seed)?;
    a.threads = super::worker_threads(a.threads)?;
    let format = format(&a)?;
    let shard_size = shard_size(&a)?;
    let world = super::build_world(&profile, a.quiet);
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
    super::estimate::preflight(
        &world,
        &plan,
        shard_size,
        &a.out,
        a.part,
        (a.force, a.quiet),
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
    if !outcome.repaired.is_empty() && !a.quiet {
        eprintln!(
            "generate: {} held this run's complete bundle with {} damaged file(s), written again: {}",
            a.out.display(),
            outcome.repaired.len(),
            crate::bundle::list(&outcome.repaired)
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
    Ok(exit::OK)
}
