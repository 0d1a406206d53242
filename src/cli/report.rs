//! `cmdbgen report`: load times per customer and size, from the history file.

use crate::error::{exit, Usage};
use crate::history;
use anyhow::Result;
use std::path::PathBuf;

/// Options of `cmdbgen report`.
#[derive(clap::Args, Debug)]
pub(super) struct Args {
    /// The history file (default: $CMDBGEN_HISTORY, else out/history.jsonl).
    #[arg(long)]
    history: Option<PathBuf>,
    /// Only this customer.
    #[arg(long)]
    customer: Option<String>,
    /// Print the groups as a JSON array instead of a table.
    #[arg(long)]
    json: bool,
    /// Also draw the load time of every run, a panel per customer, phase and
    /// size, as an SVG file.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
}

/// Runs `report`.
pub(super) fn run(a: Args) -> Result<u8> {
    let path = a
        .history
        .unwrap_or_else(|| history::default_history(std::env::var_os("CMDBGEN_HISTORY")));
    if !path.exists() {
        return Err(Usage(format!(
            "history file {} does not exist (it is written by `cmdbgen generate --history FILE` and scripts/import.sh; set CMDBGEN_HISTORY or pass --history)",
            path.display()
        ))
        .into());
    }
    let (mut records, warnings) =
        history::load(&path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    for w in &warnings {
        eprintln!("cmdbgen: warning: {w}");
    }
    if let Some(c) = &a.customer {
        records.retain(|r| &r.customer == c);
    }
    if let Some(chart) = &a.chart {
        std::fs::write(chart, history::render_chart(&records))
            .map_err(|e| anyhow::anyhow!("writing chart {}: {e}", chart.display()))?;
    }
    let groups = history::summarise(&records);
    if a.json {
        super::outln!("{}", serde_json::to_string_pretty(&groups)?)?;
    } else if groups.is_empty() {
        super::outln!("no records in {}", path.display())?;
    } else {
        super::out!("{}", history::render_table(&groups))?;
    }
    Ok(exit::OK)
}
