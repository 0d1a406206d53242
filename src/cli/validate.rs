//! `cmdbgen validate`: checks a bundle against the neo4j-admin import format.

use crate::error::exit;
use crate::progress;
use crate::validate::{self, Options};
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;

/// Options of `cmdbgen validate`.
///
/// Checks, without Neo4j, a CSV or Parquet bundle (the manifest says which):
/// the manifest (every listed file exists with its size, xxh3 and row count;
/// no unlisted shard or temporary files; totals), the import arguments,
/// every header (and every Parquet file's column names) against
/// neo4j-admin's header grammar, every CSV record against its CSV rules,
/// every Parquet column's type against its declared type, every value
/// against its column's type, ID uniqueness per ID group and that every
/// :START_ID/:END_ID exists. Problems are printed as `FILE: message`,
/// `FILE:LINE: message` (CSV) or `FILE:ROW: message` (Parquet, 1-based row).
/// Exit code 0: valid; 1: problems found; 2: usage (e.g. DIR is not a
/// complete bundle).
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// The bundle folder (the --out of generate).
    dir: PathBuf,
    /// Check ID uniqueness and dangling ends only up to this many node ids
    /// (memory is about 26 bytes per id); above it those checks are skipped,
    /// and the output says so.
    #[arg(long, default_value_t = 50_000_000)]
    max_ids: u64,
    /// Print at most this many problems (all are counted).
    #[arg(long, default_value_t = 100)]
    max_problems: usize,
    /// Worker threads (default: all cores; at most 8 per core). The output
    /// does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Progress display on stderr.
    #[arg(long, value_enum, default_value_t = progress::Mode::Auto)]
    progress: progress::Mode,
    /// No progress display.
    #[arg(long, short)]
    quiet: bool,
    /// Print the problems and the summary as one JSON object on stdout
    /// (schema in docs/validate.md); the exit code is the same.
    #[arg(long)]
    json: bool,
}

impl Args {
    /// Where this run's own stderr lines go (text, or JSON in JSON mode).
    pub(super) fn console(&self) -> progress::Console {
        progress::Console::new(self.progress, self.quiet)
    }
}

/// Runs `validate`.
pub(super) fn run(mut a: Args) -> Result<u8> {
    a.threads = super::worker_threads(a.threads)?;
    let opts = Options {
        dir: a.dir,
        max_ids: a.max_ids,
        max_problems: a.max_problems,
        threads: a.threads,
        progress: if a.quiet {
            progress::Mode::None
        } else {
            a.progress
        },
        json: a.json,
    };
    let mut out = std::io::stdout().lock();
    let summary = validate::run(&opts, &mut out)?;
    out.flush()?;
    Ok(if summary.errors > 0 {
        exit::FAILURE
    } else {
        exit::OK
    })
}
