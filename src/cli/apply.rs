//! `cmdbgen apply`: a bundle or change set into a running Neo4j over Bolt.

use crate::error::{exit, Usage};
use crate::online::{self, client::Target, Options};
use crate::progress;
use anyhow::Result;
use std::path::PathBuf;
use std::time::Duration;

/// Options of `cmdbgen apply`.
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// A generated bundle or a change set (a folder with manifest.json).
    dir: PathBuf,
    /// The server: bolt://host:7687 (direct), neo4j://host:7687 (routing),
    /// +s or +ssc for TLS.
    #[arg(long)]
    uri: String,
    /// User name.
    #[arg(long, default_value = "neo4j")]
    user: String,
    /// The environment variable that holds the password.
    #[arg(long, default_value = "NEO4J_PASSWORD")]
    password_env: String,
    /// Database (default: the user's home database).
    #[arg(long)]
    database: Option<String>,
    /// Rows per batch: one statement and one transaction each.
    #[arg(long, default_value_t = 5000)]
    batch_size: u64,
    /// Concurrent writers (more than 1 is allowed but not advised).
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Pause before a batch while server heap used/max is above this fraction.
    #[arg(long, default_value_t = 0.8)]
    heap_threshold: f64,
    /// The longest a batch waits for the heap, in seconds, before going on
    /// (the last pause is cut short to end there).
    #[arg(long, default_value_t = 600)]
    heap_max_wait: u64,
    /// Wait up to DURATION (e.g. 90s, 5m, 1h; a bare number is seconds) for
    /// the server to accept the first connection. Without it the first
    /// connection is tried once, so a wrong address or a stopped server
    /// fails at once; a connection lost later is retried (--max-retries).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    wait_for_server: Option<Duration>,
    /// Retries of a batch after transient errors (lost connection,
    /// Neo.TransientError.*); client errors are never retried.
    #[arg(long, default_value_t = 10)]
    max_retries: u32,
    /// The first retry pause in milliseconds (doubles each retry, with jitter,
    /// up to 30 s).
    #[arg(long, default_value_t = 500)]
    retry_delay_ms: u64,
    /// The checkpoint file (default: DIR/apply-state.json).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Ignore the checkpoint and apply everything again.
    #[arg(long)]
    restart: bool,
    /// Progress display on stderr.
    #[arg(long, value_enum, default_value_t = progress::Mode::Auto)]
    progress: progress::Mode,
    /// No progress and no summary.
    #[arg(long, short)]
    quiet: bool,
}

/// A duration: a number with `ms`, `s`, `m` or `h`, or a bare number of
/// seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (e.g. 90s, 5m, 1h)"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        u => return Err(format!("'{text}': unknown unit '{u}' (ms, s, m, h)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("'{text}' is out of range"))
}

impl Args {
    /// Where this run's own stderr lines go (text, or JSON in JSON mode).
    pub(super) fn console(&self) -> progress::Console {
        progress::Console::new(self.progress, self.quiet)
    }
}

/// Runs `apply`.
pub(super) fn run(a: Args) -> Result<u8> {
    if a.batch_size == 0 {
        return Err(Usage("--batch-size must be at least 1".into()).into());
    }
    if a.workers == 0 {
        return Err(Usage("--workers must be at least 1".into()).into());
    }
    if !(a.heap_threshold > 0.0 && a.heap_threshold <= 1.0) {
        return Err(Usage(format!(
            "--heap-threshold must be in (0, 1] (got {})",
            a.heap_threshold
        ))
        .into());
    }
    let password = std::env::var(&a.password_env).map_err(|_| {
        Usage(format!(
            "the password variable {} is not set (name another with --password-env)",
            a.password_env
        ))
    })?;
    let console = a.console();
    if a.workers > 1 && !a.quiet {
        console.warn(&format!(
            "--workers {}: concurrent writers may deadlock on shared nodes (retried as transient errors) and commit batches out of order; one writer is the default and usually as fast",
            a.workers
        ));
    }
    let opts = Options {
        dir: a.dir.clone(),
        console,
        target: Target {
            uri: a.uri,
            user: a.user,
            password,
            database: a.database,
        },
        batch_size: a.batch_size,
        workers: a.workers,
        heap_threshold: a.heap_threshold,
        heap_max_wait: Duration::from_secs(a.heap_max_wait),
        max_retries: a.max_retries,
        wait_for_server: a.wait_for_server,
        retry_delay: Duration::from_millis(a.retry_delay_ms),
        state: a.state,
        restart: a.restart,
        progress: if a.quiet {
            progress::Mode::None
        } else {
            a.progress
        },
        pause: std::env::var("CMDBGEN_APPLY_PAUSE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_millis),
    };
    let outcome = online::run(&opts)?;
    console.summary(&ApplySummary {
        command: "apply",
        path: a.dir.display().to_string(),
        uri: &opts.target.uri,
        already_complete: outcome.already_complete,
        summary: &outcome.summary,
    });
    if a.quiet {
        return Ok(exit::OK);
    }
    if outcome.already_complete {
        super::outln!(
            "{} is already applied to {} (checkpoint {}); nothing to do. Use --restart to apply it again",
            a.dir.display(),
            opts.target.uri,
            outcome.state_path.display()
        )?;
        return Ok(exit::OK);
    }
    let s = &outcome.summary;
    let n = |op: &str| s.rows.get(op).copied().unwrap_or(0);
    super::outln!(
        "applied {} node rows, {} relationship rows, {} updates, {} moves and {} deletions to {} in {} batches, {:.2}s ({:.0} rows/s)",
        n("nodes"),
        n("relationships"),
        n("updates"),
        n("moves"),
        n("deletes"),
        opts.target.uri,
        s.batches,
        s.seconds,
        s.total_rows() as f64 / s.seconds.max(1e-9)
    )?;
    super::outln!(
        "queries sent: {} ({} schema, {} write, {} heap checks, {} diagnostic); retries: {}; heap waits: {}{}; rows that matched nothing: {}",
        s.queries,
        s.schema_queries,
        s.write_queries,
        s.heap_queries,
        s.diagnostic_queries,
        s.retries,
        s.heap_waits,
        if s.heap_gating { "" } else { " (gating off)" },
        s.unmatched
    )?;
    let rates: Vec<String> = s
        .rows
        .iter()
        .filter(|(_, &rows)| rows > 0)
        .map(|(op, &rows)| {
            let secs = s.op_seconds.get(op).copied().unwrap_or(0.0).max(1e-9);
            format!("{op} {:.0} rows/s", rows as f64 / secs)
        })
        .collect();
    if !rates.is_empty() {
        super::outln!("rates: {}", rates.join(", "))?;
    }
    if s.resumed_batches > 0 || s.resumed_rows > 0 {
        super::outln!(
            "resumed: {} rows in {} batches were already committed by an earlier run",
            s.resumed_rows,
            s.resumed_batches
        )?;
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}

/// The closing JSON object of `apply` in JSON progress mode: what was
/// applied where, with the run's counters (schema in docs/operations.md).
#[derive(serde::Serialize)]
struct ApplySummary<'a> {
    command: &'static str,
    path: String,
    uri: &'a str,
    already_complete: bool,
    #[serde(flatten)]
    summary: &'a online::Summary,
}
