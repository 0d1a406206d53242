//! `cmdbgen bench-table`: write the peer benchmark workload (see
//! ../shared/bench/peers-schema.md) through cmdbgen's shard writer, so
//! scripts/bench.sh can time it beside DuckDB writing the same table.

use super::output::{FormatArgs, ParquetTarget};
use crate::bench::{self, BenchTable};
use crate::error::{exit, Usage};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Instant;

/// Options of `cmdbgen bench-table`.
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// Which table: `nodes` (8 columns) or `edges` (start_id,end_id).
    #[arg(long, value_enum)]
    table: BenchTable,
    /// Number of rows.
    #[arg(long)]
    rows: u64,
    /// Output folder (header.csv + part files; Parquet: part files only).
    #[arg(long)]
    out: PathBuf,
    /// The format, as `generate` takes it, except that Parquet defaults to
    /// zstd (`--parquet-target archive`), DuckDB's peer setting.
    #[command(flatten)]
    output: FormatArgs,
    /// Rows per shard (bench-table cuts by rows only).
    #[arg(long, default_value_t = 1_000_000)]
    shard_rows: u64,
    /// Worker threads (default: all cores; at most 8 per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Write around the page cache (O_DIRECT) where the file system allows.
    #[arg(long)]
    direct_io: bool,
}

/// Runs `bench-table`; prints one JSON line with rows, bytes and seconds.
pub(super) fn run(mut a: Args) -> Result<u8> {
    if a.shard_rows == 0 {
        return Err(Usage("--shard-rows must be at least 1".into()).into());
    }
    a.threads = super::worker_threads(a.threads)?;
    let format = a.output.format_for(ParquetTarget::Archive)?;
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
