//! `cmdbgen ingest`: teams' exports -> mapped, merged bundle (docs/sources.md).

use super::output::FormatArgs;
use crate::error::exit;
use crate::ingest::errors::OnError;
use crate::ingest::{self, Options};
use crate::merge::Strategy;
use crate::progress;
use anyhow::Result;
use std::path::PathBuf;

/// Options of `cmdbgen ingest`.
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// A source: its name and its mapping file (or a folder holding
    /// `mapping.toml`). Repeat for each source; without a `priority` in the
    /// mapping, earlier flags are more trusted.
    #[arg(long = "source", value_name = "NAME=PATH", required = true, value_parser = parse_source)]
    sources: Vec<(String, PathBuf)>,
    /// The bundle folder.
    #[arg(long)]
    out: PathBuf,
    /// How several sources' values of one record are merged.
    #[arg(long, default_value = "priority", value_parser = parse_strategy)]
    strategy: Strategy,
    /// Bad input (a mapped column the file lacks, a value that does not
    /// parse, a relationship to a CI no source reports): stop at the first
    /// (`fail`, exit 1) or leave the row out and list it (`skip`).
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    on_error: OnError,
    /// With `--on-error skip`: fail once more than N rows were left out.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_errors: u64,
    #[command(flatten)]
    output: FormatArgs,
    /// Rows per shard file (ingest cuts shards by rows only).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    shard_rows: u64,
    /// Worker threads (default: all cores; at most 8 per core). The output
    /// does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Memory budget of the merge in MiB: inputs are hash-partitioned to
    /// disk so that one partition per thread fits. The output does not
    /// depend on it.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..))]
    memory_mb: u64,
    /// Replace cmdbgen's files in a non-empty --out.
    #[arg(long)]
    force: bool,
    /// Progress and notes on stderr: a bar or text on a terminal, JSON lines
    /// otherwise (auto), or as chosen; JSON mode ends with a summary object.
    #[arg(long, value_enum, default_value_t = progress::Mode::Auto)]
    progress: progress::Mode,
    /// No progress and no summary.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_source(s: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not NAME=PATH"))?;
    if name.is_empty() || path.is_empty() {
        return Err(format!("'{s}' is not NAME=PATH"));
    }
    Ok((name.to_string(), PathBuf::from(path)))
}

fn parse_strategy(s: &str) -> Result<Strategy, String> {
    s.parse()
}

/// Runs `ingest`.
impl Args {
    /// Where this run's own stderr lines go (text, or JSON in JSON mode).
    pub(super) fn console(&self) -> progress::Console {
        progress::Console::new(self.progress, self.quiet)
    }
}

pub(crate) fn run(mut a: Args) -> Result<u8> {
    let console = a.console();
    a.threads = super::worker_threads_on(a.threads, &console)?;
    let format = a.output.format()?;
    let o = Options {
        sources: a.sources.clone(),
        out: a.out.clone(),
        strategy: a.strategy,
        on_error: a.on_error,
        max_errors: a.max_errors,
        format,
        shard_rows: a.shard_rows,
        threads: a.threads,
        force: a.force,
        memory_mb: a.memory_mb,
        console,
    };
    let outcome = ingest::run(&o)?;
    if !a.quiet {
        let m = &outcome.manifest;
        let skipped: u64 = m.inputs.iter().map(|i| i.skipped).sum();
        for i in m.inputs.iter().filter(|i| i.problems > 0) {
            for msg in &i.messages {
                console.note("warning", &format!("ingest: skipped: {msg}"));
            }
            if i.problems > i.messages.len() as u64 {
                console.note(
                    "warning",
                    &format!(
                        "ingest: ... and {} more problems in {} (counted in manifest.json)",
                        i.problems - i.messages.len() as u64,
                        i.file
                    ),
                );
            }
        }
        super::outln!("{}", m.merge)?;
        super::outln!(
            "ingested {} rows from {} files into {} nodes and {} relationships ({} files, {} bytes) in {} in {:.2}s ({:.0} rows/s){}",
            outcome.rows_read,
            m.inputs.len(),
            m.totals.nodes,
            m.totals.relationships,
            m.totals.files,
            m.totals.bytes,
            a.out.display(),
            outcome.seconds,
            outcome.rows_read as f64 / outcome.seconds.max(1e-9),
            if skipped > 0 {
                format!("; {skipped} bad rows skipped (listed in manifest.json)")
            } else {
                String::new()
            }
        )?;
        super::outln!("import with: {}/import.sh", a.out.display())?;
    }
    let t = &outcome.manifest.totals;
    console.summary(&super::RunSummary::new(
        "ingest",
        &a.out,
        t,
        outcome.seconds,
        false,
    ));
    Ok(exit::OK)
}
