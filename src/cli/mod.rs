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
/// `print!` through the same locked stdout: a write error (a closed pipe) is
/// returned, not a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
    }};
}
pub(crate) use out;

mod apply;
/// The profile named by `--profile` (built-in name or TOML path), with the
/// `--seed` override applied; bad profiles are usage errors.
fn load_profile(name: &str, seed: Option<u64>) -> Result<crate::profile::Profile, Usage> {
    let mut profile = crate::profile_file::load(name)?;
    if let Some(seed) = seed {
        profile.seed = seed;
    }
    Ok(profile)
}

/// `--provenance`, shared by the commands whose output has a bundle's
/// columns (`generate`, `estimate`, `changes`).
#[derive(clap::Args, Debug, Clone, Copy)]
struct ProvenanceArg {
    /// Provenance columns: `auto` writes `sources` and `observed_at` only
    /// where they carry information (multi-source profiles); `full` writes
    /// them in every profile (docs/import.md).
    #[arg(long, value_enum, default_value_t = ProvenanceValue::Auto)]
    provenance: ProvenanceValue,
}

/// The values of `--provenance` (the core's `ProvenanceMode` knows no clap).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ProvenanceValue {
    /// `sources` and `observed_at` in multi-source bundles only.
    Auto,
    /// `sources` and `observed_at` in every bundle.
    Full,
}

impl ProvenanceArg {
    /// The profile with this setting: part of the run key, as it changes
    /// the bytes.
    fn apply(self, mut profile: crate::profile::Profile) -> crate::profile::Profile {
        profile.provenance = match self.provenance {
            ProvenanceValue::Auto => crate::profile::ProvenanceMode::Auto,
            ProvenanceValue::Full => crate::profile::ProvenanceMode::Full,
        };
        profile
    }
}

/// `--ids`, shared by the commands that write or size a bundle (`generate`,
/// `estimate`).
#[derive(clap::Args, Debug, Clone, Copy)]
struct IdsArg {
    /// How the import files identify nodes: `string` writes the string id
    /// as `id:ID(Kind)`; `integer` writes the row index as `:ID(Kind)` (an
    /// integer per ID group, imported with `--id-type=integer`) and the
    /// string id as the property `id` (docs/import.md).
    #[arg(long, value_enum, default_value_t = IdsValue::String)]
    ids: IdsValue,
}

/// The values of `--ids` (the core's `Ids` knows no clap).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum IdsValue {
    /// `id:ID(Kind)` with the string id.
    String,
    /// `:ID(Kind)` with the row index, and the string id as `id`.
    Integer,
}

impl IdsArg {
    /// The profile with this setting (part of the run key, as it changes the
    /// bytes), or why it cannot have it: multi-source ids are canonical
    /// hashes of natural keys. Every format takes integer ids (CSV and
    /// Parquet alike, docs/import.md).
    fn apply(self, mut profile: crate::profile::Profile) -> Result<crate::profile::Profile, Usage> {
        let ids = match self.ids {
            IdsValue::String => crate::model::Ids::String,
            IdsValue::Integer => crate::model::Ids::Integer,
        };
        if ids == crate::model::Ids::Integer && profile.merge.is_some() {
            return Err(Usage(format!(
                "--ids integer: profile '{}' is multi-source (a [merge] table), whose ids \
                 are canonical hashes of natural keys, stable across sources and ingests; \
                 use --ids string (docs/import.md)",
                profile.name
            )));
        }
        profile.ids = ids;
        Ok(profile)
    }
}

/// Rejects `--threads 0` (the default, `None`, means all cores).
fn check_threads(threads: Option<usize>) -> Result<(), Usage> {
    match threads {
        Some(0) => Err(Usage("--threads must be at least 1".into())),
        _ => Ok(()),
    }
}

/// The closing JSON object of a writing command in JSON progress mode
/// (schema in docs/operations.md).
#[derive(serde::Serialize)]
struct RunSummary {
    command: &'static str,
    path: String,
    nodes: u64,
    relationships: u64,
    rows: u64,
    files: u64,
    bytes: u64,
    seconds: f64,
    already_complete: bool,
}

impl RunSummary {
    fn new(
        command: &'static str,
        path: &std::path::Path,
        t: &crate::manifest::Totals,
        seconds: f64,
        already_complete: bool,
    ) -> RunSummary {
        RunSummary {
            command,
            path: path.display().to_string(),
            nodes: t.nodes,
            relationships: t.relationships,
            rows: t.nodes + t.relationships,
            files: t.files,
            bytes: t.bytes,
            seconds: (seconds * 1000.0).round() / 1000.0,
            already_complete,
        }
    }
}

/// Most worker threads per core. Beyond the cores threads only add
/// switching and memory (a buffer and a deflate state each); a huge
/// `--threads` would spend minutes starting threads.
const THREADS_PER_CORE: usize = 8;

/// `--threads` for a pool on this machine: at least 1, and at most
/// [`THREADS_PER_CORE`] per core (said on stderr when it is lowered). The
/// output never depends on it.
fn worker_threads(threads: Option<usize>) -> Result<Option<usize>, Usage> {
    worker_threads_on(threads, &Console::text())
}

/// [`worker_threads`], saying on `console` when `--threads` is lowered.
fn worker_threads_on(threads: Option<usize>, console: &Console) -> Result<Option<usize>, Usage> {
    check_threads(threads)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = cores.saturating_mul(THREADS_PER_CORE);
    Ok(threads.map(|n| {
        if n > max {
            console.warn(&format!(
                "--threads {n} is more than {THREADS_PER_CORE} per core ({cores} cores here); using {max}"
            ));
        }
        n.min(max)
    }))
}

/// Above this many start nodes to count, building the world says so and
/// shows progress (a count of this size takes seconds).
const COUNT_NOTICE: u64 = 2_000_000_000;

/// The start nodes whose degrees `World::new` draws to count relationships
/// exactly: one pass per fan-out family, one for events, one per kind for a
/// multi-source profile's reports.
fn counting_work(p: &crate::profile::Profile) -> u64 {
    use crate::model::{NodeKind, RelKind, Shape};
    let mut work = p.count(NodeKind::Event);
    for r in RelKind::ALL {
        if r.spec().shape == Shape::Fanout {
            work = work.saturating_add(p.count(r.spec().start));
        }
    }
    if p.merge.is_some() {
        for &k in crate::profile::profile_kinds() {
            work = work.saturating_add(p.count(k));
        }
    }
    work
}

/// Builds the world of `profile`. Exact counts cost one pass over the start
/// nodes; when that is long (see [`COUNT_NOTICE`]; `CMDBGEN_COUNT_NOTICE`
/// lowers it for tests) it is said up front and progress follows on stderr
/// every 10 s, unless `quiet`.
fn build_world(profile: &crate::profile::Profile, quiet: bool) -> crate::gen::World {
    build_world_on(profile, &Console::plain(quiet))
}

/// [`build_world`], its notices on `console`.
fn build_world_on(profile: &crate::profile::Profile, console: &Console) -> crate::gen::World {
    use crate::gen::index::COUNTED;
    use std::sync::atomic::Ordering;
    let work = counting_work(profile);
    let notice = std::env::var("CMDBGEN_COUNT_NOTICE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(COUNT_NOTICE);
    if work < notice {
        return crate::gen::World::new(profile);
    }
    console.note("notice",
        &format!("cmdbgen: counting the relationships of {work} start nodes exactly before anything else (one pass over them; progress every 10 s)")
    );
    let started = std::time::Instant::now();
    let base = COUNTED.load(Ordering::Relaxed);
    let console = *console;
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let ticker = std::thread::spawn(move || {
        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            done_rx.recv_timeout(std::time::Duration::from_secs(10))
        {
            let n = COUNTED.load(Ordering::Relaxed).saturating_sub(base);
            let secs = started.elapsed().as_secs_f64();
            let left = (work.saturating_sub(n)) as f64 / (n as f64 / secs).max(1.0);
            let left = if left >= 5400.0 {
                format!("{:.1} h", left / 3600.0)
            } else if left >= 90.0 {
                format!("{:.0} min", left / 60.0)
            } else {
                format!("{left:.0} s")
            };
            console.note("notice", &format!(
                "cmdbgen: counted {n} of {work} start nodes ({:.1}%) in {secs:.0} s; about {left} left at this rate",
                100.0 * n as f64 / work.max(1) as f64,
            ));
        }
    });
    let world = crate::gen::World::new(profile);
    drop(done_tx);
    let _ = ticker.join();
    console.note(
        "notice",
        &format!(
            "cmdbgen: counted in {:.1}s",
            started.elapsed().as_secs_f64()
        ),
    );
    world
}

mod bench_table;
mod changes;
mod completions;
mod estimate;
mod export_sources;
mod gather;
mod generate;
mod generate_part;
mod ingest;
mod machine;
mod output;
mod report;
mod validate;

use crate::error::{exit, Usage};
use crate::progress::Console;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Deterministic generator of large CMDB graphs for neo4j-admin import.
#[derive(Parser, Debug)]
#[command(name = "cmdbgen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Each subcommand's `--help` ends with these examples; a test parses every
/// line that starts with `cmdbgen ` (so write them without quotes).
mod examples {
    pub(super) const GENERATE: &str = "Examples:
  cmdbgen generate --profile medium --out out/acme
  cmdbgen generate --profile fixtures/profiles/acme.toml --out out/acme --format csv-gz --threads 2
  cmdbgen generate --profile large --out out/big --format parquet --dry-run";
    pub(super) const VALIDATE: &str = "Examples:
  cmdbgen validate out/acme
  cmdbgen validate out/big --max-problems 20";
    pub(super) const GATHER: &str = "Examples:
  cmdbgen gather out/part1 out/part2 out/part3 --out out/acme
  cmdbgen gather /shared/acme --verify";
    pub(super) const REPORT: &str = "Examples:
  cmdbgen report
  cmdbgen report --history out/history.jsonl --customer acme --json";
    pub(super) const ESTIMATE: &str = "Examples:
  cmdbgen estimate --profile enterprise --format csv-gz --gzip-level 6 --out /data/acme
  cmdbgen estimate --profile xlarge --ram 256G --threads 32 --json
  cmdbgen estimate --profile enterprise --format parquet --parquet-codec zstd:3";
    pub(super) const CHANGES: &str = "Examples:
  cmdbgen changes --profile medium --day 1 --out out/acme-day1
  cmdbgen changes --profile medium --day 2 --out out/acme-day2 --neo4j-incremental";
    pub(super) const APPLY: &str = "Examples:
  NEO4J_PASSWORD=secret cmdbgen apply out/acme --uri bolt://localhost:7687
  cmdbgen apply out/acme-day1 --uri neo4j+s://db.example.com:7687 --batch-size 2000";
    pub(super) const INGEST: &str = "Examples:
  cmdbgen ingest --source cmdb=exports/cmdb --source monitoring=exports/mon --out out/merged
  cmdbgen ingest --source cmdb=exports/cmdb/mapping.toml --out out/merged --format parquet --on-error skip";
    pub(super) const EXPORT_SOURCES: &str = "Examples:
  cmdbgen export-sources --profile fixtures/profiles/multisource.toml --out exports
  cmdbgen export-sources --profile fixtures/profiles/multisource.toml --out exports --seed 7";
    pub(super) const COMPLETIONS: &str = "Examples:
  cmdbgen completions bash
  cmdbgen completions zsh";
    pub(super) const BENCH_TABLE: &str = "Examples:
  cmdbgen bench-table --table nodes --rows 1000000 --out /tmp/bench
  cmdbgen bench-table --table edges --rows 1000000 --out /tmp/bench --gzip --gzip-level 1
  cmdbgen bench-table --table nodes --rows 1000000 --out /tmp/bench --format parquet";
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a bundle: header files, sharded CSV, manifest and import script.
    #[command(after_help = examples::GENERATE)]
    Generate(generate::Args),
    /// Capacity planning before any byte is written: rows, bytes, free space,
    /// Neo4j store size, memory and time (docs/capacity-planning.md).
    #[command(after_help = examples::ESTIMATE)]
    Estimate(estimate::Args),
    /// Check a bundle against the neo4j-admin import format, without Neo4j.
    #[command(after_help = examples::VALIDATE)]
    Validate(validate::Args),
    /// Write day N's change set (new CIs, relationships, updates, moves, deletions).
    #[command(after_help = examples::CHANGES)]
    Changes(changes::Args),
    /// Apply a bundle or change set to a running Neo4j over Bolt.
    #[command(after_help = examples::APPLY)]
    Apply(apply::Args),
    /// Check the parts of a distributed run (`generate --part i/n`) and write
    /// the bundle's manifest, import.args and import.sh.
    #[command(after_help = examples::GATHER)]
    Gather(gather::Args),
    /// Summarise the metrics history: load times per customer and size.
    #[command(after_help = examples::REPORT)]
    Report(report::Args),
    /// Write what each source of a multi-source profile would export: per
    /// source a mapping.toml and CSV files, for `ingest` (docs/sources.md).
    #[command(after_help = examples::EXPORT_SOURCES)]
    ExportSources(export_sources::Args),
    /// Merge teams' exports (CSV, Parquet, Arrow IPC), mapped by a TOML file
    /// per source, into a bundle (docs/sources.md).
    #[command(after_help = examples::INGEST)]
    Ingest(ingest::Args),
    /// Print the shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = examples::COMPLETIONS)]
    Completions(completions::Args),
    /// Write the manual pages (roff); used by `make install`.
    #[command(hide = true)]
    Man(completions::ManArgs),
    /// Benchmark tool: write the peer benchmark workload (scripts/bench.sh)
    /// through cmdbgen's writer.
    #[command(after_help = examples::BENCH_TABLE)]
    BenchTable(bench_table::Args),
}

/// The fault injection of the crash and full-disk tests, from the
/// environment (read here once; see [`crate::write::durable::Faults`]).
fn test_faults() -> crate::write::durable::Faults {
    crate::write::durable::Faults {
        crash_at: std::env::var("CMDBGEN_CRASH_AT")
            .ok()
            .and_then(|v| crate::write::durable::Faults::parse_crash_at(&v)),
        fail_write: std::env::var("CMDBGEN_FAIL_WRITE").ok(),
        sync_trace: std::env::var_os("CMDBGEN_SYNC_TRACE").map(std::path::PathBuf::from),
    }
}

/// Parses the command line, runs it and returns the exit code.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    // Errors follow the run's output mode: in JSON mode one JSON object.
    let console = match &cli.command {
        Command::Generate(a) => a.console(),
        Command::Validate(a) => a.console(),
        Command::Apply(a) => a.console(),
        Command::Ingest(a) => a.console(),
        Command::Changes(a) => a.console(),
        Command::Gather(a) => a.console(),
        _ => Console::text(),
    };
    crate::write::durable::install(test_faults());
    let result = match cli.command {
        Command::Generate(a) => generate::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Gather(a) => gather::run(a),
        Command::Report(a) => report::run(a),
        Command::Estimate(a) => estimate::run(a),
        Command::Changes(a) => changes::run(a),
        Command::Apply(a) => apply::run(a),
        Command::Ingest(a) => ingest::run(a),
        Command::ExportSources(a) => export_sources::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => completions::man(a),
        Command::BenchTable(a) => bench_table::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::from(exit::OK);
                }
            }
            let code = if e.downcast_ref::<Usage>().is_some() {
                exit::USAGE
            } else {
                exit::FAILURE
            };
            console.error(&format!("cmdbgen: error: {e:#}"), code);
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every listed subcommand's help ends with examples, and each example parses
    /// (an environment prefix such as `NAME=value` is not part of it).
    #[test]
    fn every_subcommand_has_examples_that_parse() {
        let cli = Cli::command();
        for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = sub.get_name();
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(help.starts_with("Examples:"), "{name}: {help}");
            let lines: Vec<&str> = help
                .lines()
                .filter_map(|l| l.trim().split_once("cmdbgen ").map(|(_, rest)| rest))
                .collect();
            assert!((2..=3).contains(&lines.len()), "{name}: {help}");
            for line in lines {
                let words: Vec<&str> = std::iter::once("cmdbgen")
                    .chain(line.split_whitespace())
                    .collect();
                assert_eq!(words[1], name, "{line}");
                if let Err(e) = Cli::try_parse_from(&words) {
                    panic!("{line}: {e}");
                }
            }
        }
    }
}
