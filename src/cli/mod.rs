//! The command line: clap definitions and dispatch; one file per subcommand.

/// Like `println!`, but returns the I/O error instead of panicking, so that a
/// closed pipe (`cmdbgen ... | head`) ends the program quietly with exit 0.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}
pub(crate) use outln;

mod apply;
/// The profile named by `--profile` (built-in name or TOML path), with the
/// `--seed` override applied; bad profiles are usage errors.
fn load_profile(name: &str, seed: Option<u64>) -> Result<crate::profile::Profile, Usage> {
    let mut profile = crate::profile::Profile::load(name)?;
    if let Some(seed) = seed {
        profile.seed = seed;
    }
    Ok(profile)
}

/// Rejects `--threads 0` (the default, `None`, means all cores).
fn check_threads(threads: Option<usize>) -> Result<(), Usage> {
    match threads {
        Some(0) => Err(Usage("--threads must be at least 1".into())),
        _ => Ok(()),
    }
}

mod bench_table;
mod changes;
mod estimate;
mod export_sources;
mod gather;
mod generate;
mod generate_part;
mod ingest;
mod report;
mod validate;

use crate::error::{exit, Usage};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Deterministic generator of large CMDB graphs for neo4j-admin import.
#[derive(Parser, Debug)]
#[command(name = "cmdbgen", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a bundle: header files, sharded CSV, manifest and import script.
    Generate(generate::Args),
    /// Check a bundle against the neo4j-admin import format, without Neo4j.
    Validate(validate::Args),
    /// Write the peer benchmark workload (scripts/bench.sh) through cmdbgen's writer.
    BenchTable(bench_table::Args),
    /// Check the parts of a distributed run (`generate --part i/n`) and write
    /// the bundle's manifest, import.args and import.sh.
    Gather(gather::Args),
    /// Summarise the metrics history: load times per customer and size.
    Report(report::Args),
    /// Capacity planning before any byte is written: rows, bytes, free space,
    /// Neo4j store size, memory and time (docs/capacity-planning.md).
    Estimate(estimate::Args),
    /// Write day N's change set (new CIs, relationships, updates, deletions).
    Changes(changes::Args),
    /// Apply a bundle or change set to a running Neo4j over Bolt.
    Apply(apply::Args),
    /// Merge teams' exports (CSV, Parquet, Arrow IPC), mapped by a TOML file
    /// per source, into a bundle (docs/sources.md).
    Ingest(ingest::Args),
    /// Write what each source of a multi-source profile would export: per
    /// source a mapping.toml and CSV files, for `ingest` (docs/sources.md).
    ExportSources(export_sources::Args),
}

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(a) => generate::run(a),
        Command::Validate(a) => validate::run(a),
        Command::BenchTable(a) => bench_table::run(a),
        Command::Gather(a) => gather::run(a),
        Command::Report(a) => report::run(a),
        Command::Estimate(a) => estimate::run(a),
        Command::Changes(a) => changes::run(a),
        Command::Apply(a) => apply::run(a),
        Command::Ingest(a) => ingest::run(a),
        Command::ExportSources(a) => export_sources::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::from(exit::OK);
                }
            }
            eprintln!("cmdbgen: error: {e:#}");
            if e.downcast_ref::<Usage>().is_some() {
                ExitCode::from(exit::USAGE)
            } else {
                ExitCode::from(exit::FAILURE)
            }
        }
    }
}
