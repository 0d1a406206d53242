//! `cmdbgen bench-table`: write the peer benchmark workload (see
//! ../shared/bench/peers-schema.md) through cmdbgen's shard writer, so
//! scripts/bench.sh can time it beside DuckDB writing the same table.

use crate::bench::{self, BenchTable};
use crate::error::{exit, Usage};
use crate::write::parquet::{Codec, DEFAULT_ROW_GROUP_ROWS};
use crate::write::Format;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Instant;

/// Options of `cmdbgen bench-table`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which table: `nodes` (8 columns) or `edges` (start_id,end_id).
    #[arg(long, value_enum)]
    table: BenchTable,
    /// Number of rows.
    #[arg(long)]
    rows: u64,
    /// Output folder (header.csv + part files; Parquet: part files only).
    #[arg(long)]
    out: PathBuf,
    /// Shard file format.
    #[arg(long, value_enum, default_value_t = BenchFormat::Csv)]
    format: BenchFormat,
    /// Parquet codec: snappy, zstd, zstd:LEVEL (1-22) or none (default: zstd
    /// at generate's level for archives).
    #[arg(long, value_name = "CODEC")]
    parquet_codec: Option<Codec>,
    /// Rows per Parquet row group (default: generate's).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    row_group_rows: Option<u64>,
    /// gzip each shard.
    #[arg(long)]
    gzip: bool,
    /// gzip level.
    #[arg(long, default_value_t = crate::write::DEFAULT_GZIP_LEVEL, value_parser = clap::value_parser!(u32).range(0..=9))]
    gzip_level: u32,
    /// Rows per shard.
    #[arg(long, default_value_t = 1_000_000)]
    shard_rows: u64,
    /// Worker threads (default: all cores; at most 8 per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Write around the page cache (O_DIRECT) where the file system allows.
    #[arg(long)]
    direct_io: bool,
}

/// The shard file format of `bench-table`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum BenchFormat {
    /// CSV (`--gzip` for csv.gz).
    Csv,
    /// Parquet, zstd unless `--parquet-codec` says otherwise.
    Parquet,
}

/// Runs `bench-table`; prints one JSON line with rows, bytes and seconds.
pub fn run(mut a: Args) -> Result<u8> {
    if a.shard_rows == 0 {
        return Err(Usage("--shard-rows must be at least 1".into()).into());
    }
    a.threads = super::worker_threads(a.threads)?;
    let format = match a.format {
        BenchFormat::Parquet if a.gzip => {
            return Err(Usage("--gzip is for CSV; Parquet uses --parquet-codec".into()).into())
        }
        BenchFormat::Parquet => Format::Parquet {
            codec: a.parquet_codec.unwrap_or(Codec::Zstd {
                level: Codec::DEFAULT_ZSTD_LEVEL,
            }),
            row_group_rows: a.row_group_rows.unwrap_or(DEFAULT_ROW_GROUP_ROWS),
        },
        BenchFormat::Csv if a.parquet_codec.is_some() || a.row_group_rows.is_some() => {
            return Err(
                Usage("--parquet-codec and --row-group-rows need --format parquet".into()).into(),
            )
        }
        BenchFormat::Csv if a.gzip => Format::CsvGz {
            level: a.gzip_level,
        },
        BenchFormat::Csv => Format::Csv,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let start = Instant::now();
    let files = pool
        .install(|| bench::write(a.table, a.rows, format, &a.out, (a.shard_rows, a.direct_io)))?;
    let secs = start.elapsed().as_secs_f64();
    let bytes: u64 = files.iter().map(|f| f.bytes).sum();
    super::outln!(
        "{}",
        serde_json::json!({
            "table": format!("{:?}", a.table).to_lowercase(),
            "rows": a.rows,
            "bytes": bytes,
            "files": files.len(),
            "format": format.extension(),
            "seconds": secs,
            "rows_per_s": a.rows as f64 / secs.max(1e-9),
        })
    )?;
    Ok(exit::OK)
}
